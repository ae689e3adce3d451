# bug: wrong greedy: takes the best-paying jobs first, skipping any job that overlaps one already taken
import sys
from bisect import bisect_left


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = [(int(data[3 * i + 1]), int(data[3 * i + 2]), int(data[3 * i + 3])) for i in range(n)]
    jobs.sort(key=lambda j: -j[2])
    starts, ends = [], []  # chosen jobs, sorted by start (they never overlap)
    total = 0
    for s, e, w in jobs:
        k = bisect_left(starts, s)
        if k > 0 and ends[k - 1] >= s:
            continue  # the previous chosen job is still running on day s
        if k < len(starts) and starts[k] <= e:
            continue  # the next chosen job starts before this one ends
        starts.insert(k, s)
        ends.insert(k, e)
        total += w
    print(total)


main()
