# bug: off-by-one: the split loop stops at j-2, so an opener is never matched with the last character of the range
import sys


def main():
    s = sys.stdin.readline().strip()
    n = len(s)
    close_of = {"(": ")", "[": "]", "{": "}"}
    dp = [[0] * (n + 1) for _ in range(n + 1)]
    for length in range(1, n + 1):
        for i in range(0, n - length + 1):
            j = i + length
            best = dp[i + 1][j] + 1
            if s[i] in close_of:
                for k in range(i + 1, j - 1):
                    if s[k] == close_of[s[i]]:
                        best = min(best, dp[i + 1][k] + dp[k + 1][j])
            dp[i][j] = best
    print(dp[0][n])


main()
