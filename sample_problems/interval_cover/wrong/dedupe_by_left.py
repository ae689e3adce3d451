# bug: duplicates: intervals are deduplicated in a dict keyed by left end, so a later shorter interval overwrites a longer one
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    right_of = {}
    for i in range(n):
        l, r = int(data[1 + 2 * i]), int(data[2 + 2 * i])
        right_of[l] = r  # drop duplicate intervals
    total = 0
    start = end = None
    for l in sorted(right_of):
        r = right_of[l]
        if end is None:
            start, end = l, r
        elif l <= end:
            end = max(end, r)
        else:
            total += end - start
            start, end = l, r
    total += end - start
    print(total)


main()
