# bug: wrong greedy: picks jobs by earliest end day (optimal for counting jobs, not for total pay), ignoring the pay
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    jobs = []
    for i in range(n):
        s, e, w = int(data[3 * i + 1]), int(data[3 * i + 2]), int(data[3 * i + 3])
        jobs.append((e, s, w))
    jobs.sort()
    last_end = 0
    total = 0
    for e, s, w in jobs:
        if s > last_end:
            total += w
            last_end = e
    print(total)


main()
