# bug: too slow: correct DP but scans all earlier jobs for each job, O(n^2) for n = 10^5
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = sorted(
        ((int(data[3 * i + 1]), int(data[3 * i + 2]), int(data[3 * i + 3])) for i in range(n)),
        key=lambda t: t[1],
    )
    dp = [0] * n  # dp[i]: best pay with job i as the last job taken
    for i in range(n):
        s, e, w = jobs[i]
        best = 0
        for j in range(i):
            if jobs[j][1] < s and dp[j] > best:
                best = dp[j]
        dp[i] = best + w
    print(max(dp))


main()
