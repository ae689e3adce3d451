# bug: too slow: for every coin and amount it sums over every possible count of that coin, O(n * S^2 / c)
import sys


def main():
    data = sys.stdin.read().split()
    n, S = int(data[0]), int(data[1])
    coins = sorted(set(int(x) for x in data[2:2 + n]))
    MOD = 10**9 + 7
    prev = [0] * (S + 1)
    prev[0] = 1
    for c in coins:
        cur = [0] * (S + 1)
        for v in range(S + 1):
            total = 0
            k = 0
            while k * c <= v:
                total += prev[v - k * c]
                k += 1
            cur[v] = total % MOD
        prev = cur
    print(prev[S])


main()
