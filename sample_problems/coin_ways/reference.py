# Reference: unbounded-knapsack counting over distinct coin values, O(k * S) with k distinct coins.
# For coin c the in-place update dp[v] += dp[v - c] (v increasing) is done in C-speed chunks:
# for small c, each residue class mod c becomes its own prefix sums (itertools.accumulate);
# for large c, each block of c amounts adds the already-updated block before it.
import sys
from itertools import accumulate
from operator import add

MOD = 10**9 + 7


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n, total = int(data[0]), int(data[1])
    coins = sorted(set(map(int, data[2:2 + n])))  # equal values are the same coin
    dp = [0] * (total + 1)
    dp[0] = 1
    growth = 1  # invariant: max(dp) <= MOD * growth
    for c in coins:
        if c > total:
            break
        step = total // c + 1  # one update sums at most this many old values
        if growth * step > 1 << 32:
            # reduce so that values stay below about 2^62 and arithmetic stays fast
            dp = [x % MOD for x in dp]
            growth = 1
        if c * c <= total:
            for r in range(c):
                dp[r::c] = accumulate(dp[r::c])
        else:
            for start in range(c, total + 1, c):
                end = min(start + c, total + 1)
                dp[start:end] = map(add, dp[start:end], dp[start - c:end - c])
        growth *= step
    sys.stdout.write(f"{dp[total] % MOD}\n")


main()
