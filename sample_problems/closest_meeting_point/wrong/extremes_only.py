# bug: assumes only the leftmost and rightmost friends matter and returns their pairwise meeting time (a slow friend in the middle can be the bottleneck)
import sys


def pair_time(a, b):
    (x1, v1, d1), (x2, v2, d2) = a, b
    dist = abs(x1 - x2)
    if dist == 0:
        return 0.0
    if d1 > d2:
        x1, v1, d1, x2, v2, d2 = x2, v2, d2, x1, v1, d1
    # friend 1 starts first; does he cover the whole distance before friend 2 is free?
    if v1 * (d2 - d1) >= dist:
        return d1 + dist / v1
    return d2 + (dist - v1 * (d2 - d1)) / (v1 + v2)


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    friends = [tuple(map(int, data[1 + 3 * i: 4 + 3 * i])) for i in range(n)]
    left = min(friends, key=lambda f: f[0])
    right = max(friends, key=lambda f: f[0])
    print(f"{pair_time(left, right):.9f}")


main()
