# bug: too slow on sorted or constant input: counts with an unbalanced binary search tree that degenerates into a chain (O(n^2))
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, p, q = int(data[0]), int(data[1]), int(data[2])
    a = list(map(int, data[3:3 + n]))
    # node arrays: key, left child, right child, subtree size
    key, lc, rc, size = [], [], [], []
    root = -1
    ans = 0
    for i in range(n):
        v = q * a[i] - p * i
        # count keys <= v already in the tree
        node, cnt = root, 0
        while node != -1:
            if key[node] <= v:
                cnt += 1 + (size[lc[node]] if lc[node] != -1 else 0)
                node = rc[node]
            else:
                node = lc[node]
        ans += cnt
        # insert v
        key.append(v); lc.append(-1); rc.append(-1); size.append(1)
        new = len(key) - 1
        if root == -1:
            root = new
            continue
        node = root
        while True:
            size[node] += 1
            if v < key[node]:
                if lc[node] == -1:
                    lc[node] = new
                    break
                node = lc[node]
            else:
                if rc[node] == -1:
                    rc[node] = new
                    break
                node = rc[node]
    print(ans)


main()
