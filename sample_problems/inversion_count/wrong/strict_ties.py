# bug: off-by-one in the Fenwick query counts only earlier values strictly smaller, so pairs with growth exactly p/q (ties) are missed
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    a = list(map(int, data[3:3 + n]))
    keys = [q * a[i] - p * i for i in range(n)]
    order = {v: r + 1 for r, v in enumerate(sorted(set(keys)))}
    size = len(order)
    bit = [0] * (size + 1)

    def add(i):
        while i <= size:
            bit[i] += 1
            i += i & -i

    def prefix(i):
        s = 0
        while i > 0:
            s += bit[i]
            i -= i & -i
        return s

    ans = 0
    for k in keys:
        r = order[k]
        ans += prefix(r - 1)
        add(r)
    print(ans)


main()
