import sys
from bisect import bisect_left
from itertools import repeat
from operator import add, mul, sub


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    people = sorted(
        (int(data[3 * i + 3]), int(data[3 * i + 1]), int(data[3 * i + 2])) for i in range(n)
    )  # (d, x, v), sorted by the time each friend becomes free
    ds = [p[0] for p in people]
    xs = [p[1] for p in people]
    vs = [p[2] for p in people]
    if max(xs) == min(xs):
        print("0.000000000")
        return

    # Friends k.. are still busy at time T (d >= T): they are pinned to their homes.
    suf_max = [float("-inf")] * (n + 1)
    suf_min = [float("inf")] * (n + 1)
    for k in range(n - 1, -1, -1):
        suf_max[k] = max(suf_max[k + 1], xs[k])
        suf_min[k] = min(suf_min[k + 1], xs[k])

    def feasible(t):
        # At time t friend i can be anywhere in [x - v*(t-d), x + v*(t-d)] (just x if t <= d).
        # Intervals on a line share a point iff the largest left end <= the smallest right end.
        k = bisect_left(ds, t)
        left, right = suf_max[k], suf_min[k]
        if k:
            reach = list(map(mul, vs[:k], map(sub, repeat(t, k), ds[:k])))
            left = max(left, max(map(sub, xs[:k], reach)))
            right = min(right, min(map(add, xs[:k], reach)))
        return left <= right

    lo = 0.0
    hi = max(ds) + (max(xs) - min(xs)) / min(vs)  # by then everyone can reach any home
    for _ in range(100):
        mid = (lo + hi) / 2
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    print(f"{hi:.9f}")


main()
