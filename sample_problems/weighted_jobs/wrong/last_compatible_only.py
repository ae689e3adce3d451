# bug: chains each job only to the latest compatible job (no running maximum), so a better chain ending earlier is lost
import sys
from bisect import bisect_left


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = sorted(
        ((int(data[3 * i + 1]), int(data[3 * i + 2]), int(data[3 * i + 3])) for i in range(n)),
        key=lambda t: t[1],
    )
    ends = [e for _, e, _ in jobs]
    dp = [0] * n  # dp[i]: best pay of a schedule ending with job i
    for i, (s, e, w) in enumerate(jobs):
        p = bisect_left(ends, s) - 1  # latest job that ends before day s
        dp[i] = w + (dp[p] if p >= 0 else 0)
    print(max(dp))


main()
