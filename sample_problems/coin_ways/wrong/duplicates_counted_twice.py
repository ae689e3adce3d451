# bug: duplicates: repeated coin values are processed as separate coins, so every way that uses them is counted several times
import sys


def main():
    data = sys.stdin.read().split()
    n, S = int(data[0]), int(data[1])
    coins = [int(x) for x in data[2:2 + n]]
    MOD = 10**9 + 7
    dp = [0] * (S + 1)
    dp[0] = 1
    for c in coins:
        for v in range(c, S + 1):
            dp[v] = (dp[v] + dp[v - c]) % MOD
    print(dp[S])


main()
