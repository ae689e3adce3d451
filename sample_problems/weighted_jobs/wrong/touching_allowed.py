# bug: off-by-one: lets a job start on the same day the previous one ends (treats days as half-open intervals)
import sys
from bisect import bisect_right


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = []
    for i in range(n):
        s, e, w = map(int, data[3 * i + 1: 3 * i + 4])
        jobs.append((s, e, w))
    jobs.sort(key=lambda t: t[1])
    ends = [t[1] for t in jobs]
    dp = [0] * (n + 1)
    for i, (s, e, w) in enumerate(jobs):
        p = bisect_right(ends, s, 0, i)  # jobs ending no later than day s
        dp[i + 1] = max(dp[i], dp[p] + w)
    print(dp[n])


main()
