# Reference: Kadane's algorithm, O(n), exact integers.
import sys


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    values = map(int, data[1:n + 1])
    best = cur = next(values)
    for x in values:
        # Either extend the block ending at the previous element, or start a new block at x.
        cur = cur + x if cur > 0 else x
        if cur > best:
            best = cur
    sys.stdout.write(f"{best}\n")


main()
