# bug: forgets the modulo: prints the exact count (Python big integers) instead of the count modulo 10^9+7
import sys


def main():
    data = sys.stdin.read().split()
    n, S = int(data[0]), int(data[1])
    coins = sorted(set(int(x) for x in data[2:2 + n]))
    ways = [0] * (S + 1)
    ways[0] = 1
    for c in coins:
        for v in range(c, S + 1):
            ways[v] += ways[v - c]
    print(ways[S])


main()
