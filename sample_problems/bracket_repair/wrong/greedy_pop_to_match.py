# bug: wrong greedy: a closer that matches an opener deeper in the stack always pops down to it, even when skipping it is cheaper
import sys


def main():
    s = sys.stdin.readline().strip()
    opener_of = {")": "(", "]": "[", "}": "{"}
    stack = []
    answer = 0
    for c in s:
        if c in "([{":
            stack.append(c)
        elif opener_of[c] in stack:
            # close every opener above the matching one, then match it
            while stack[-1] != opener_of[c]:
                stack.pop()
                answer += 1
            stack.pop()
        else:
            answer += 1
    answer += len(stack)
    print(answer)


main()
