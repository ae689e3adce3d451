# bug: wrong greedy: a closer that does not match the top of the stack is always repaired alone, never by closing the openers above
import sys


def main():
    s = sys.stdin.readline().strip()
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    count = 0
    for c in s:
        if c in "([{":
            stack.append(c)
        elif stack and stack[-1] == pairs[c]:
            stack.pop()
        else:
            count += 1
    print(count + len(stack))


main()
