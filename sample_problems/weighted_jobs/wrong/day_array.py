# bug: assumed bound too small: DP over an array indexed by day, sized for days up to 10^6 (days go up to 10^9: IndexError)
import sys

MAX_DAY = 10**6


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    ending = {}
    for i in range(n):
        s, e, w = int(data[3 * i + 1]), int(data[3 * i + 2]), int(data[3 * i + 3])
        ending.setdefault(e, []).append((s, w))
    best = [0] * (MAX_DAY + 2)  # best[d]: most pay using days 1..d
    last = max(ending)
    for d in range(1, last + 1):
        cur = best[d - 1]
        for s, w in ending.get(d, ()):
            cand = best[s - 1] + w
            if cand > cur:
                cur = cand
        best[d] = cur
    print(best[last])


main()
