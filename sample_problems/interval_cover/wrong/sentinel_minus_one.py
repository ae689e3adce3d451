# bug: assumed bound: coverage is tracked from a sentinel end = -1, which is wrong once coordinates are negative
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    intervals = sorted((int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n))
    total = 0
    covered_until = -1  # nothing covered yet
    for l, r in intervals:
        if r <= covered_until:
            continue
        total += r - max(l, covered_until)
        covered_until = r
    print(total)


main()
