# bug: replaces the rate p/q by the integer p // q, which is only right when q divides p
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    a = list(map(int, data[3:3 + n]))
    k = p // q
    b = [a[i] - k * i for i in range(n)]
    # count pairs i < j with b[i] <= b[j] with a Fenwick tree over compressed values
    vals = sorted(set(b))
    idx = {v: i + 1 for i, v in enumerate(vals)}
    m = len(vals)
    fw = [0] * (m + 1)
    res = 0
    for x in b:
        i = idx[x]
        j = i
        while j > 0:
            res += fw[j]
            j -= j & -j
        while i <= m:
            fw[i] += 1
            i += i & -i
    print(res)


main()
