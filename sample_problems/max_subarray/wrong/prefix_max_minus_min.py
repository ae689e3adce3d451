# bug: wrong formula: max prefix sum minus min prefix sum ignores that the minimum must come before the maximum
import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    prefix = [0]
    for x in a:
        prefix.append(prefix[-1] + x)
    # the best block is the difference between two prefix sums
    print(max(prefix) - min(prefix))


main()
