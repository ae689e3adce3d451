# bug: binary-search upper bound (max x - min x) / min v ignores the busy times d_i, so answers dominated by delays are capped too low
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    friends = [(int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])) for i in range(n)]

    def ok(t):
        L, R = -1e30, 1e30
        for x, v, d in friends:
            move = v * max(0.0, t - d)
            L = max(L, x - move)
            R = min(R, x + move)
        return L <= R

    xs = [f[0] for f in friends]
    lo = 0.0
    hi = (max(xs) - min(xs)) / min(f[1] for f in friends)  # slowest friend walking the whole road
    for _ in range(100):
        mid = (lo + hi) / 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    print("%.9f" % hi)


main()
