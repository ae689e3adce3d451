# bug: too slow: checks all O(n^2) pairs of days directly (times out for n around 10^5)
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    a = list(map(int, data[3:3 + n]))
    count = 0
    for i in range(n):
        ai = a[i]
        for j in range(i + 1, n):
            if q * (a[j] - ai) >= p * (j - i):
                count += 1
    print(count)


main()
