# bug: missed edge cases: seeding ways[c] = 1 instead of ways[0] = 1 crashes when a coin exceeds S and prints 0 for S = 0
import sys


def main():
    data = sys.stdin.read().split()
    n, S = int(data[0]), int(data[1])
    coins = sorted(set(int(x) for x in data[2:2 + n]))
    MOD = 10**9 + 7
    ways = [0] * (S + 1)
    for c in coins:
        ways[c] += 1  # the coin on its own
        for v in range(c + 1, S + 1):
            ways[v] = (ways[v] + ways[v - c]) % MOD
    print(ways[S])


main()
