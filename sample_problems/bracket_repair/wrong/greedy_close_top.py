# bug: wrong greedy: on a mismatched closer it always closes the top opener first, never considering to skip the closer
import sys


def main():
    s = sys.stdin.readline().strip()
    match = {")": "(", "]": "[", "}": "{"}
    stack = []
    inserted = 0
    for ch in s:
        if ch in "([{":
            stack.append(ch)
            continue
        while stack and stack[-1] != match[ch]:
            stack.pop()  # insert the closer for the top opener
            inserted += 1
        if stack:
            stack.pop()
        else:
            inserted += 1  # insert an opener for this closer
    print(inserted + len(stack))


main()
