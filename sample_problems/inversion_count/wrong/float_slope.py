# bug: uses the floating-point slope p/q, so a_i - (p/q)*i is rounded and pairs with growth exactly p/q (or very close to it) are misjudged
import sys
from bisect import bisect_right


def count_pairs(vals):
    # number of pairs i < j with vals[i] <= vals[j], by merge sort
    if len(vals) <= 1:
        return 0, vals
    mid = len(vals) // 2
    c1, left = count_pairs(vals[:mid])
    c2, right = count_pairs(vals[mid:])
    c = c1 + c2
    for v in right:
        c += bisect_right(left, v)
    merged = sorted(left + right)
    return c, merged


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    a = list(map(int, data[3:3 + n]))
    slope = p / q
    vals = [a[i] - slope * i for i in range(n)]
    print(count_pairs(vals)[0])


main()
