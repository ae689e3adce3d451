# bug: wrong order: intervals are sorted by right end, so a long interval seen late only extends the block forward
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    intervals = [(int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n)]
    intervals.sort(key=lambda x: x[1])
    total = 0
    start, end = intervals[0]
    for l, r in intervals[1:]:
        if l <= end:
            end = max(end, r)
        else:
            total += end - start
            start, end = l, r
    total += end - start
    print(total)


main()
