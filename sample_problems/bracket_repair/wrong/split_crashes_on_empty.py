# bug: missed edge case: reads s with split()[0], which crashes with IndexError when the line is empty
import sys
from functools import lru_cache


def main():
    s = sys.stdin.read().split()[0]
    n = len(s)
    partner = {"(": ")", "[": "]", "{": "}"}

    @lru_cache(maxsize=None)
    def solve(i, j):
        if i >= j:
            return 0
        best = 1 + solve(i + 1, j)
        if s[i] in partner:
            for k in range(i + 1, j):
                if s[k] == partner[s[i]]:
                    best = min(best, solve(i + 1, k) + solve(k + 1, j))
        return best

    print(solve(0, n))


main()
