# bug: too slow: the interval recursion has no memoization, so it is exponential on long strings
import sys

PARTNER = {"(": ")", "[": "]", "{": "}"}


def solve(s, i, j):
    if i >= j:
        return 0
    best = 1 + solve(s, i + 1, j)
    if s[i] in PARTNER:
        for k in range(i + 1, j):
            if s[k] == PARTNER[s[i]]:
                best = min(best, solve(s, i + 1, k) + solve(s, k + 1, j))
    return best


def main():
    s = sys.stdin.readline().strip()
    print(solve(s, 0, len(s)))


main()
