# bug: ternary search on the meeting point with cost max(d_i + |x_i - P| / v_i): a friend whose home is the meeting point is charged his busy time d_i (n = 1 prints d_1 instead of 0)
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    xs = [int(data[1 + 3 * i]) for i in range(n)]
    vs = [int(data[2 + 3 * i]) for i in range(n)]
    ds = [int(data[3 + 3 * i]) for i in range(n)]

    def gather_time(p):
        # time at which the last friend arrives at point p
        return max(d + abs(x - p) / v for x, v, d in zip(xs, vs, ds))

    lo, hi = float(min(xs)), float(max(xs))
    for _ in range(200):
        m1 = lo + (hi - lo) / 3
        m2 = hi - (hi - lo) / 3
        if gather_time(m1) <= gather_time(m2):
            hi = m2
        else:
            lo = m1
    print(f"{gather_time((lo + hi) / 2):.9f}")


main()
