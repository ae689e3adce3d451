# Reference: interval DP. f[i][j] = min insertions for s[i:j]; s[i] either gets an inserted partner, or is an opener
# matched with an equal-kind closer s[k] (i < k < j), splitting into s[i+1:k] and s[k+1:j]. O(n^3) worst case.
import sys

PARTNER = {"(": ")", "[": "]", "{": "}"}


def main() -> None:
    s = sys.stdin.readline().strip()
    n = len(s)
    f = [[0] * (n + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, inner = f[i], f[i + 1]
        closer = PARTNER.get(s[i])
        matches = [k for k in range(i + 1, n) if s[k] == closer] if closer else []
        for j in range(i + 1, n + 1):
            best = 1 + inner[j]
            for k in matches:
                if k >= j:
                    break
                v = inner[k] + f[k + 1][j]
                if v < best:
                    best = v
            row[j] = best
    sys.stdout.write(f"{f[0][n]}\n")


main()
