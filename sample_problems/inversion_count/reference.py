import sys
from bisect import bisect_right
from itertools import repeat


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    # q*(a_j - a_i) >= p*(j - i)  <=>  b_i <= b_j  with  b_k = q*a_k - p*k  (exact integers, no floats)
    b = [q * int(x) - p * k for k, x in enumerate(data[3:3 + n])]

    # Count pairs i < j with b_i <= b_j by a bottom-up merge sort.
    total = 0
    block = 32
    runs = []
    for start in range(0, n, block):
        run = []
        for v in b[start:start + block]:
            k = bisect_right(run, v)  # earlier values <= v inside the block
            total += k
            run.insert(k, v)
        runs.append(run)
    while len(runs) > 1:
        merged = []
        for k in range(0, len(runs) - 1, 2):
            left, right = runs[k], runs[k + 1]
            # every left element precedes every right element
            total += sum(map(bisect_right, repeat(left, len(right)), right))
            both = left + right
            both.sort()  # two sorted runs: timsort merges them in linear time
            merged.append(both)
        if len(runs) % 2:
            merged.append(runs[-1])
        runs = merged
    print(total)


main()
