# bug: too slow: exact answer as the maximum meeting time over all O(n^2) pairs of friends (times out for n = 10^4)
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    fr = [(int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])) for i in range(n)]
    best = 0.0
    for i in range(n):
        x1, v1, d1 = fr[i]
        for j in range(i + 1, n):
            x2, v2, d2 = fr[j]
            dist = abs(x1 - x2)
            if dist == 0:
                continue
            if d1 <= d2:
                a, va, da, vb, db = x1, v1, d1, v2, d2
            else:
                a, va, da, vb, db = x2, v2, d2, v1, d1
            head = va * (db - da)
            if head >= dist:
                t = da + dist / va
            else:
                t = db + (dist - head) / (va + vb)
            if t > best:
                best = t
    print("%.9f" % best)


main()
