import sys
from bisect import bisect_left


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = sorted(
        (int(data[3 * i + 2]), int(data[3 * i + 1]), int(data[3 * i + 3])) for i in range(n)
    )  # (end, start, pay), by end day
    ends = [e for e, _, _ in jobs]
    best = [0] * (n + 1)  # best[k]: most pay using only the first k jobs (by end day)
    for k, (e, s, w) in enumerate(jobs):
        # jobs that end strictly before day s can be combined with this one (days are inclusive)
        j = bisect_left(ends, s)
        take = best[j] + w
        best[k + 1] = take if take > best[k] else best[k]
    print(best[n])


main()
