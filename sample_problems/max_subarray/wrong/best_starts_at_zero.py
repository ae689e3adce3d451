# bug: wrong initial value: best starts at 0 (empty block allowed), so an all-negative array prints 0
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    best = 0
    cur = 0
    for x in a:
        cur += x
        if cur < 0:
            cur = 0
        best = max(best, cur)
    print(best)


main()
