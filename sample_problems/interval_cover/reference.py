# Reference: sort by left end, sweep while keeping the right end of the current merged block. O(n log n).
import sys


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    nums = list(map(int, data[1:2 * n + 1]))
    # Pack (l, r) into one non-negative int that sorts like the pair: sorting ints is much faster than tuples.
    off = 10**9
    shift = 31
    mask = (1 << shift) - 1
    keys = sorted([((l + off) << shift) | (r + off) for l, r in zip(nums[0::2], nums[1::2])])
    total = 0
    cur_l = (keys[0] >> shift) - off
    cur_r = (keys[0] & mask) - off
    for k in keys:
        l = (k >> shift) - off
        if l > cur_r:
            total += cur_r - cur_l
            cur_l = l
            cur_r = (k & mask) - off
        else:
            r = (k & mask) - off
            if r > cur_r:
                cur_r = r
    total += cur_r - cur_l
    sys.stdout.write(f"{total}\n")


main()
