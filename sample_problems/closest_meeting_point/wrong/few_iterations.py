# bug: only 40 bisection steps over [0, max d + span / min v]: when that range is ~1e9 but the answer is small, the absolute error is ~1e-3
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    xs = list(map(int, data[1::3]))
    vs = list(map(int, data[2::3]))
    ds = list(map(int, data[3::3]))

    def feasible(t):
        lo = max(x - v * (t - d) if t > d else x for x, v, d in zip(xs, vs, ds))
        hi = min(x + v * (t - d) if t > d else x for x, v, d in zip(xs, vs, ds))
        return lo <= hi

    lo, hi = 0.0, max(ds) + (max(xs) - min(xs)) / min(vs)
    for _ in range(40):  # 2^-40 of the range is plenty
        mid = (lo + hi) / 2
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    print(f"{(lo + hi) / 2:.6f}")


main()
