# bug: too slow: each interval is merged into a list of disjoint blocks by a linear scan, O(n^2) when blocks stay disjoint
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    blocks = []  # disjoint [l, r] blocks
    for i in range(n):
        l, r = int(data[1 + 2 * i]), int(data[2 + 2 * i])
        kept = []
        for bl, br in blocks:
            if br < l or bl > r:
                kept.append((bl, br))
            else:
                l = min(l, bl)
                r = max(r, br)
        kept.append((l, r))
        blocks = kept
    print(sum(r - l for l, r in blocks))


main()
