# bug: assumed bound too small: prefix sums are stored in a 32-bit array('i'), which overflows once a sum passes 2^31
import sys
from array import array


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = array("i", map(int, data[1:n + 1]))
    prefix = array("i", [0]) * (n + 1)
    for i in range(n):
        prefix[i + 1] = prefix[i] + a[i]
    best = a[0]
    lowest = prefix[0]
    for i in range(1, n + 1):
        best = max(best, prefix[i] - lowest)
        lowest = min(lowest, prefix[i])
    print(best)


main()
