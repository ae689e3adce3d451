# bug: wrong loop order: amounts in the outer loop and coins in the inner loop count ordered sequences, not combinations
import sys


def main():
    data = sys.stdin.read().split()
    n, S = int(data[0]), int(data[1])
    coins = sorted(set(int(x) for x in data[2:2 + n]))
    MOD = 10**9 + 7
    dp = [0] * (S + 1)
    dp[0] = 1
    for amount in range(1, S + 1):
        for c in coins:
            if c <= amount:
                dp[amount] = (dp[amount] + dp[amount - c]) % MOD
    print(dp[S])


main()
