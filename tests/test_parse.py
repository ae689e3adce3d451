"""Parsing messy completions: code, JSON, lists, Input/Output blocks, single predicted values."""

from __future__ import annotations

import pytest

from cosplay_core.parse import extract_code, extract_io_blocks, extract_json, extract_list, extract_single_value

# ---- extract_code ---------------------------------------------------------------------------------------------------

SIMPLE = """Sure! Here's a solution that reads the input and prints the sum.

```python
import sys

def main():
    a, b = map(int, sys.stdin.read().split())
    print(a + b)

main()
```

This runs in O(1) time."""


def test_code_in_a_python_fence():
    code = extract_code(SIMPLE)
    assert code.startswith("import sys") and code.endswith("main()")
    assert "Sure!" not in code and "O(1)" not in code


@pytest.mark.parametrize("tag", ["py", "Python", "python3", "PY3", "python title=solution.py", "python {.numberLines}"])
def test_python_tag_variants(tag):
    assert extract_code(f"Code:\n```{tag}\nprint(42)\n```\n") == "print(42)"


def test_untagged_fence_and_tildes():
    assert extract_code("```\nx = int(input())\nprint(x * 2)\n```") == "x = int(input())\nprint(x * 2)"
    assert extract_code("~~~python\nprint('tilde')\n~~~") == "print('tilde')"
    assert extract_code("````python\nprint('```')\n````") == "print('```')"  # a longer fence holds a short one


def test_crlf_line_endings():
    assert extract_code("Here:\r\n```python\r\nprint(1)\r\nprint(2)\r\n```\r\n") == "print(1)\nprint(2)"


def test_unterminated_final_fence_is_used():
    text = "Here is my solution:\n\n```python\nn = int(input())\nprint(n * (n + 1) // 2)\n"
    assert extract_code(text) == "n = int(input())\nprint(n * (n + 1) // 2)"


def test_truncated_completion_still_gives_the_longest_candidate():
    # max_tokens cut the program: it does not compile, but it is the program (its outcome will be an error)
    text = "```python\ndef solve(nums):\n    total = 0\n    for x in nums:\n        total +="
    assert extract_code(text).startswith("def solve(nums):")


def test_last_compiling_block_wins_over_a_draft():
    text = """First attempt:

```python
def solve(n):
    return n * 2
print(solve(int(input())))
```

Wait, that's wrong for odd n. Corrected version:

```python
def solve(n):
    return n * 2 + n % 2
print(solve(int(input())))
```
"""
    assert "n % 2" in extract_code(text)


def test_compiling_means_the_compiler_accepts_it():
    # `return` at module level parses but does not compile
    text = "```python\ndef f():\n    return 1\nprint(f())\n```\nShorter:\n```python\nreturn print(1)\n```"
    assert extract_code(text) == "def f():\n    return 1\nprint(f())"


def test_a_later_broken_block_does_not_win():
    text = """```python
print(sum(map(int, input().split())))
```

Or in one line with a walrus (careful, this is pseudo-code):

```python
print(sum(x for x in := input().split()))
```"""
    assert extract_code(text) == "print(sum(map(int, input().split())))"


def test_sample_io_fences_are_not_taken_for_code():
    text = """```python
n = int(input())
print(n * n)
```

Example:

```
Input: 3
Output: 9
```

```
9
```"""
    assert extract_code(text) == "n = int(input())\nprint(n * n)"


def test_untagged_program_after_sample_data():
    text = (
        "Sample input:\n```\n3\n1 2 3\n```\n"
        "Solution:\n```\nimport sys\nprint(sum(map(int, sys.stdin.read().split()[1:])))\n```"
    )
    assert extract_code(text).startswith("import sys")


def test_other_languages_are_not_python():
    text = "In C++:\n```cpp\nint main() { return 0; }\n```\nRun it with:\n```bash\ng++ a.cpp && ./a.out\n```"
    assert extract_code(text) is None
    assert extract_code(text, language="cpp") == "int main() { return 0; }"
    assert extract_code(text, language="bash") == "g++ a.cpp && ./a.out"


def test_indented_fence_inside_a_list_item():
    text = "1. Read input\n2. Print the answer:\n\n    ```python\n    x = input()\n    if x:\n        print(x)\n    ```"
    assert extract_code(text) == "x = input()\nif x:\n    print(x)"


def test_no_fences_whole_text_compiles():
    assert extract_code("def add(a, b):\n    return a + b\n") == "def add(a, b):\n    return a + b"


def test_no_fences_code_between_prose():
    text = "Here is the code:\nimport sys\nprint(len(sys.stdin.read().split()))\nThis counts the tokens."
    assert extract_code(text) == "import sys\nprint(len(sys.stdin.read().split()))"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   \n  ",
        "I think the answer is to sum the numbers, but I will not write the program here.",
        "42",
        "Input: 5",
        None,
        12345,
        "```\n```",
        "```json\n{\"a\": 1}\n```",
        "\x00\x01\x02```python\n\x00\n```",
        "[" * 5000,
    ],
)
def test_no_code_gives_none(junk):
    assert extract_code(junk) is None


def test_huge_input_does_not_crash():
    assert extract_code("```python\n" + "x = 1\n" * 50_000 + "```") is not None


def test_sloppy_fences():
    # opened at the end of a line of prose, closed at the end of the last line of code
    assert extract_code("Here is the code: ```python\nprint(input()[::-1])```\nDone.") == "print(input()[::-1])"
    # the language name on its own line
    assert extract_code("```\npython\nprint(7)\n```") == "print(7)"


def test_class_based_solution():
    text = """Approach: two pointers.

```python
class Solution:
    def twoSum(self, nums: List[int], target: int) -> List[int]:
        seen = {}
        for i, x in enumerate(nums):
            if target - x in seen:
                return [seen[target - x], i]
            seen[x] = i
```

Time: O(n)."""
    assert extract_code(text).startswith("class Solution:")


# ---- extract_json ---------------------------------------------------------------------------------------------------


def test_json_in_a_fence():
    text = 'Here are the hints:\n```json\n{"hints": ["greedy", "dp"]}\n```\nHope this helps!'
    assert extract_json(text) == {"hints": ["greedy", "dp"]}


def test_json_whole_text_and_scalars():
    assert extract_json('  ["a", "b"]  ') == ["a", "b"]
    assert extract_json("42") == 42
    assert extract_json('"text"') == "text"


def test_first_balanced_json_in_prose():
    text = 'Sure. The result is {"answer": [1, 2, {"k": "}"}], "ok": true} and then [3] follows.'
    assert extract_json(text) == {"answer": [1, 2, {"k": "}"}], "ok": True}


def test_json_with_trailing_commas_and_python_literals():
    assert extract_json('```json\n{"a": [1, 2,],}\n```') == {"a": [1, 2]}
    assert extract_json("The list: ['x', 'y', (1, 2)] done") == ["x", "y", [1, 2]]
    assert extract_json("{'a': None, 'b': True}") == {"a": None, "b": True}


def test_json_prefers_the_json_fence():
    text = '```python\nprint([1, 2])\n```\n```json\n[3, 4]\n```'
    assert extract_json(text) == [3, 4]


@pytest.mark.parametrize("junk", ["", "no json here", "{unclosed", "[[[[", "{" * 10_000, None, "}{][", "[1, 2"])
def test_no_json_gives_none(junk):
    assert extract_json(junk) is None


def test_deeply_nested_json_does_not_crash():
    assert extract_json("[" * 100_000 + "]" * 100_000) is None
    assert extract_json("x" + "[{" * 50_000) is None


# ---- extract_list ---------------------------------------------------------------------------------------------------


def test_list_from_json():
    assert extract_list('```json\n["Use a prefix sum", "Binary search on the answer"]\n```') == [
        "Use a prefix sum",
        "Binary search on the answer",
    ]
    assert extract_list('{"ideas": ["a", "b"]}') == ["a", "b"]
    assert extract_list("[1, 2.5, true]") == ["1", "2.5", "True"]


def test_numbered_list_with_continuations():
    text = """Here are six distinct approaches:

1. **Brute force**: try every pair of indices.
2. Sort the array and use two pointers,
   moving inward until the sum matches.
3) Hash map of complements.

These cover the main trade-offs."""
    assert extract_list(text) == [
        "**Brute force**: try every pair of indices.",
        "Sort the array and use two pointers, moving inward until the sum matches.",
        "Hash map of complements.",
    ]


def test_bulleted_list():
    text = "Edge cases that break it:\n- n = 1\n* all elements equal\n+ negative numbers\n• empty input\n"
    assert extract_list(text) == ["n = 1", "all elements equal", "negative numbers", "empty input"]


def test_labelled_items():
    text = "Hint 1: think about parity.\nHint 2: the answer fits in 64 bits.\nApproach #3: simulate."
    assert extract_list(text) == ["think about parity.", "the answer fits in 64 bits.", "simulate."]


def test_markdown_list_wins_over_a_json_example_in_prose():
    text = "1. Sort, e.g. [3, 1, 2] becomes [1, 2, 3]\n2. Then scan adjacent pairs"
    assert extract_list(text) == ["Sort, e.g. [3, 1, 2] becomes [1, 2, 3]", "Then scan adjacent pairs"]


def test_nested_bullets_belong_to_their_item():
    text = "1. Greedy by deadline\n   - sort by end time\n   - take what fits\n2. DP over subsets\n"
    assert extract_list(text) == ["Greedy by deadline - sort by end time - take what fits", "DP over subsets"]


def test_bold_items_lose_their_emphasis():
    assert extract_list("- **Greedy**\n- **Dynamic programming**") == ["Greedy", "Dynamic programming"]


@pytest.mark.parametrize("junk", ["", "Just prose, no list at all.", None, "[]", "```\n```", "-\n*\n1."])
def test_no_list_gives_empty(junk):
    assert extract_list(junk) == []


# ---- extract_io_blocks ----------------------------------------------------------------------------------------------


def test_io_fenced_blocks():
    text = """Test 1:

Input:
```
3
1 2 3
```
Output:
```
6
```

Test 2:
**Input:**
```text
1
-5
```
**Output:**
```
-5
```"""
    assert extract_io_blocks(text) == [("3\n1 2 3", "6"), ("1\n-5", "-5")]


def test_io_inline_and_following_lines():
    text = "Input: 5\n1 2 3 4 5\nOutput: 15\n\nExplanation: 1+2+3+4+5 = 15."
    assert extract_io_blocks(text) == [("5\n1 2 3 4 5", "15")]


def test_io_inside_one_fence():
    text = "```\nInput:\n2\n10 20\nOutput:\n30\n```"
    assert extract_io_blocks(text) == [("2\n10 20", "30")]


def test_io_leetcode_style_with_backticks():
    text = "Example 1:\nInput: `nums = [2,7,11,15], target = 9`\nOutput: `[0,1]`\nExplanation: nums[0] + nums[1] == 9"
    assert extract_io_blocks(text) == [("nums = [2,7,11,15], target = 9", "[0,1]")]


def test_io_sample_and_expected_output_labels():
    text = "Sample Input 1:\n4\nExpected Output:\nYES\n\nSample Input 2:\n7\nExpected output:\nNO"
    assert extract_io_blocks(text) == [("4", "YES"), ("7", "NO")]


def test_io_heading_labels_without_colons():
    text = "### Sample Input\n```\n2 3\n```\n### Sample Output\n```\n5\n```\n**Input**\n4 4\n**Output**\n8"
    assert extract_io_blocks(text) == [("2 3", "5"), ("4 4", "8")]


def test_io_input_without_output_is_skipped():
    text = "Input:\n```\n1\n```\nI am not sure of the output.\n\nInput:\n```\n2\n```\nOutput:\n```\n4\n```"
    assert extract_io_blocks(text) == [("2", "4")]


def test_io_prose_mentioning_output_is_not_a_label():
    text = "We output the answer modulo 1e9+7. The input is read from stdin."
    assert extract_io_blocks(text) == []


@pytest.mark.parametrize("junk", ["", None, "Input:", "Output:\n6", "Input:\n```\n1\n", "Input: Output:"])
def test_io_junk(junk):
    result = extract_io_blocks(junk)
    assert isinstance(result, list)


# ---- extract_single_value -------------------------------------------------------------------------------------------


def test_single_value_after_output_label():
    text = "Let me trace the program.\ni=0: total=1\ni=1: total=3\n\nOutput: 3"
    assert extract_single_value(text) == "3"


def test_single_value_in_a_fence():
    text = "Tracing through...\n\nThe program prints:\n```\n1 2\n3 4\n```"
    assert extract_single_value(text) == "1 2\n3 4"


def test_single_value_output_label_with_fence_beats_other_fences():
    text = "```python\n# my reasoning as code\nx = 3\n```\n**Output:**\n```\n  YES  \n```\n"
    assert extract_single_value(text) == "YES"


def test_single_value_last_output_wins():
    text = "Output: 4 (no wait, I miscounted)\n\nRecounting...\n\nOutput: 5"
    assert extract_single_value(text) == "5"


def test_single_value_tags_and_bare_answers():
    assert extract_single_value("<output>\n[1, 2]\n</output>") == "[1, 2]"
    assert extract_single_value("  17\n") == "17"
    assert extract_single_value("Output: `-1`") == "-1"


@pytest.mark.parametrize("junk", ["", "   ", None, 3.5])
def test_single_value_junk(junk):
    assert extract_single_value(junk) is None
