# bug: wrong merge: the block's right end is set to r instead of max(end, r), so a nested interval shrinks the block
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    intervals = []
    for i in range(n):
        intervals.append((int(data[1 + 2 * i]), int(data[2 + 2 * i])))
    intervals.sort()
    total = 0
    start, end = intervals[0]
    for l, r in intervals[1:]:
        if l <= end:
            end = r
        else:
            total += end - start
            start, end = l, r
    total += end - start
    print(total)


main()
