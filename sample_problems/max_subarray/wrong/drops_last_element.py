# bug: off-by-one: the slice data[1:n] reads only n-1 numbers, so the last element is never considered
import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n]))
    best = float("-inf")
    cur = 0
    for x in a:
        cur = max(x, cur + x)
        best = max(best, cur)
    print(best)


main()
