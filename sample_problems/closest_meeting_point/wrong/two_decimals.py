# bug: prints the answer with only 2 digits after the decimal point (precision lost, e.g. 1/3 -> 0.33)
import sys


def can_meet(t, people):
    lo = -float("inf")
    hi = float("inf")
    for x, v, d in people:
        r = v * (t - d) if t > d else 0.0
        lo = max(lo, x - r)
        hi = min(hi, x + r)
    return lo <= hi


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    people = []
    for i in range(n):
        x, v, d = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        people.append((x, v, d))
    xs = [p[0] for p in people]
    left, right = 0.0, max(p[2] for p in people) + (max(xs) - min(xs)) / min(p[1] for p in people)
    for _ in range(100):
        mid = (left + right) / 2
        if can_meet(mid, people):
            right = mid
        else:
            left = mid
    print("%.2f" % right)


main()
