"""HumanEval loading and ground truth, on the real HumanEval file in ../shared/data."""

import gzip
import json

import pytest

from conftest import SHARED_DATA, require_shared
from cosplay_core.benchmarks.humaneval import (HumanEvalProblem, NotJsonable, extract_io_tests, gt_pass_vector,
                                               gt_verdicts, json_argument, json_value, load_humaneval,
                                               load_humaneval_record)
from cosplay_core.compare import outcome_matches
from cosplay_core.problem import Problem, ProblemError
from cosplay_core.problem import TestCase as UT  # not collected by pytest as a test class
from cosplay_core.sandbox import Job

HUMANEVAL = SHARED_DATA / "HumanEval.jsonl.gz"
CODET_PROBLEMS = SHARED_DATA / "humaneval_codegen16b" / "problems.jsonl.gz"


@pytest.fixture(scope="module")
def problems() -> dict[str, HumanEvalProblem]:
    return {p.slug: p for p in load_humaneval(require_shared(HUMANEVAL))}


@pytest.fixture(scope="module")
def raw_records() -> list[dict]:
    with gzip.open(require_shared(HUMANEVAL), "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


# ---- loading ----------------------------------------------------------------------------------------------------


def test_loads_all_164_problems_as_function_mode_problems(problems, raw_records):
    assert list(problems) == [f"HumanEval/{n}" for n in range(164)]
    for record in raw_records:
        problem = problems[record["task_id"]]
        assert isinstance(problem, Problem)
        assert problem.io == "function" and problem.source == "HumanEval"
        assert problem.entry_point == record["entry_point"]
        assert problem.statement == record["prompt"]  # what a model sees: signature and docstring
        assert problem.reference == record["prompt"] + record["canonical_solution"]
        assert problem.check_code == record["test"]
        assert problem.time_limit_s == 3.0
        assert problem.program("x").entry_point == record["entry_point"]


def test_loads_codets_layout_and_a_record_without_canonical_solution(problems, tmp_path):
    codet = load_humaneval(require_shared(CODET_PROBLEMS))
    assert [p.slug for p in codet] == list(problems)
    # CodeT's prompts drop the docstring examples; the tests are HumanEval's.
    assert ">>>" not in codet[0].statement and ">>>" in problems["HumanEval/0"].statement
    assert all(p.check_code == problems[p.slug].check_code for p in codet)

    with gzip.open(CODET_PROBLEMS, "rt", encoding="utf-8") as stream:
        record = json.loads(stream.readline())
    del record["canonical_solution"]
    path = tmp_path / "codet_layout.jsonl"
    path.write_text(json.dumps(record) + "\n")
    (problem,) = load_humaneval(path)
    assert problem.reference is None and problem.check_code == record["test"]


def test_load_humaneval_record_picks_one_task(problems):
    problem = load_humaneval_record(HUMANEVAL, "HumanEval/10")
    assert problem == problems["HumanEval/10"]
    with pytest.raises(ProblemError, match=r"no record with task_id 'HumanEval/999'"):
        load_humaneval_record(HUMANEVAL, "HumanEval/999")


# ---- malformed input: one line naming the file and line ---------------------------------------------------------

GOOD = {"task_id": "T/0", "prompt": "def f(x):\n", "canonical_solution": "    return x\n",
        "test": "def check(candidate):\n    assert candidate(1) == 1\n", "entry_point": "f"}


def _without(key):
    record = dict(GOOD)
    del record[key]
    return json.dumps(record)


@pytest.mark.parametrize("second_line, message", [
    ('{"task_id": "T/1", "prompt": ', r":2: not valid JSON"),
    ('["a list"]', r":2: expected a JSON object, got list"),
    (_without("entry_point"), r":2: missing key 'entry_point'"),
    (_without("test"), r":2: missing key 'test'"),
    (json.dumps({**GOOD, "task_id": "T/1", "prompt": "  "}), r":2: 'prompt' must be a non-empty string"),
    (json.dumps({**GOOD, "task_id": "T/1", "entry_point": "f x"}), r":2: entry_point must be a function name"),
    (json.dumps({**GOOD, "task_id": "T/1", "canonical_solution": 3}), r":2: 'canonical_solution' must be a string"),
    (json.dumps({**GOOD, "task_id": "T/1", "test": "def check(:"}), r":2: the test code does not parse"),
    (json.dumps({**GOOD, "task_id": "T/1", "test": "assert True"}), r":2: the test code defines no check"),
    (json.dumps(GOOD), r":2: task_id 'T/0' already used on line 1"),
])
def test_malformed_record_raises_one_line_naming_file_and_line(tmp_path, second_line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + second_line + "\n")
    with pytest.raises(ProblemError, match=message) as caught:
        load_humaneval(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"", "no records"),
    (b"\x1f\x8b\x08\x00garbage", "cannot read"),
    (b"\xff\xfe\x00bad utf-8\n", "cannot read"),
])
def test_unreadable_file_raises_one_line(tmp_path, content, message):
    path = tmp_path / "data.jsonl.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ProblemError, match=message) as caught:
        load_humaneval(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


# ---- ground truth: check, decided outside the candidate's process, in the real sandbox ----------------------------


def test_all_164_canonical_solutions_are_gt_correct(problems, executor):
    for problem in problems.values():
        (verdict,) = gt_verdicts(problem, [problem.reference], executor)
        assert verdict.correct, (problem.slug, verdict.reason)


# Wrong programs where check is more than equality: float tolerances (2, 4), a property through the record's own
# helper (32: poly(xs, find_zero(xs)) near 0; 38: decode_cyclic(encode_cyclic(s)) == s), random inputs (53).
WRONG = {
    "HumanEval/2": ["return number - int(number) + 1e-3",       # off by more than the 1e-6 tolerance
                    "return round(number % 1.0, 2)"],           # 123.456 -> 0.46
    "HumanEval/4": ["m = sum(numbers) / len(numbers)\nreturn sum(abs(x - m) for x in numbers) / (len(numbers) - 1)",
                    "return 2.0 / 3.0"],                        # right for the first assert only
    "HumanEval/32": ["return 0.0",
                     "return -xs[0] / xs[1]"],                  # the root of the linear part only
    "HumanEval/38": ["return s",                                # the identity: encode_cyclic is not its own inverse
                     "return encode_cyclic(s)"],                # cycling once more is not undoing it
    "HumanEval/53": ["return x + y if x < 10 and y < 10 else x + y + 1",  # right on the five fixed asserts only
                     "return x + y if x < 500 else x - y"],
}


def test_known_wrong_programs_are_gt_wrong(problems, executor):
    for slug, bodies in WRONG.items():
        problem = problems[slug]
        codes = [problem.statement + "".join(f"    {line}\n" for line in text.split("\n")) for text in bodies]
        verdicts = gt_verdicts(problem, [problem.reference] + codes, executor)
        assert [v.correct for v in verdicts] == [True] + [False] * len(codes), (slug, verdicts)
        assert all(v.reason.startswith("check failed: ") for v in verdicts[1:]), (slug, verdicts)


def test_broken_codes_are_gt_wrong(problems, executor):
    problem = problems["HumanEval/0"]
    body_start = len(problem.statement)
    wrong = problem.reference.replace("distance < threshold", "distance < threshold / 2")
    assert wrong != problem.reference
    codes = [
        wrong,                                                     # a wrong condition: fails an assert
        problem.statement,                                         # no body: returns None
        problem.reference[:body_start] + "    return True\n",      # always True
        problem.reference + "\ndef broken(:\n",                    # does not compile
        "def something_else(numbers, threshold):\n    return False\n",  # no function of that name
        problem.reference + "\nimport sys\nsys.exit(0)\n",         # exits cleanly before the check
        problem.statement + "    import os\n    os._exit(0)\n",    # exits cleanly during the check
        problem.statement + "    while True:\n        pass\n",     # never returns
    ]
    verdicts = gt_verdicts(problem, codes, executor, problem.limits(time_limit_s=1.0))
    assert [v.correct for v in verdicts] == [False] * len(codes)
    assert "SyntaxError" in verdicts[3].reason and "something_else" not in verdicts[4].reason
    assert "defines no function named has_close_elements" in verdicts[4].reason
    assert gt_pass_vector(problem, codes[:2] + [problem.reference], executor) == [False, False, True]


def test_gt_verdict_ignores_output_and_main_guards(problems, executor):
    problem = problems["HumanEval/0"]
    prints_ok = problem.statement + "    print('ok'); print('passed')\n    return None\n"
    chatty = problem.reference.replace("    return False", "    print('x' * 2_000_000)\n    return False")
    # As in HumanEval's harness, a main guard does not run, so a correct function with one passes.
    guarded = problem.reference + "\nif __name__ == '__main__':\n    input()\n    raise SystemExit(3)\n"
    assert gt_pass_vector(problem, [prints_ok, guarded, chatty, problem.reference], executor) == [
        False, True, True, True]


def test_gt_needs_check_code(executor):
    plain = Problem(slug="p", title="p", statement="s", io="function", entry_point="f")
    with pytest.raises(ProblemError, match="no HumanEval check code"):
        gt_pass_vector(plain, ["def f(): pass"], executor)


# ---- ground truth: asserts as input/output tests ----------------------------------------------------------------


def test_extract_io_tests_on_real_problems(problems):
    tests, skipped = extract_io_tests(problems["HumanEval/0"].check_code, "has_close_elements")
    assert skipped == 0 and len(tests) == 7
    assert tests[0] == UT([[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3], True)

    tests, skipped = extract_io_tests(problems["HumanEval/2"].check_code, "truncate_number")  # abs(...) < 1e-6
    assert (tests, skipped) == ([UT([3.5], 0.5), UT([1.33], 0.33), UT([123.456], 0.456)], 0)

    tests, _ = extract_io_tests(problems["HumanEval/4"].check_code, "mean_absolute_deviation")
    assert tests[0] == UT([[1.0, 2.0, 3.0]], 2.0 / 3.0)  # arithmetic on literals is folded

    tests, skipped = extract_io_tests(problems["HumanEval/8"].check_code, "sum_product")
    assert skipped == 0 and tests[0] == UT([[]], [0, 1])  # tuples become lists
    assert tests[3] == UT([[3, 5, 7]], [15, 105])

    tests, skipped = extract_io_tests(problems["HumanEval/56"].check_code, "correct_bracketing")
    assert skipped == 0 and tests[0] == UT(["<>"], True) and tests[4] == UT(["<<<><>>>>"], False)

    tests, skipped = extract_io_tests(problems["HumanEval/53"].check_code, "add")
    assert len(tests) == 5 and skipped == 1  # the randomized loop cannot be a fixed pair

    assert extract_io_tests(problems["HumanEval/32"].check_code, "find_zero") == ([], 1)  # checks via poly()
    assert extract_io_tests(problems["HumanEval/38"].check_code, "decode_cyclic") == ([], 1)


def test_io_tests_cover_most_of_humaneval(problems):
    """The facts about the real file: how many problems' asserts convert (recorded so a change shows)."""
    converted = sum(len(p.tests) for p in problems.values())
    skipped = sum(p.skipped_asserts for p in problems.values())
    with_tests = sum(bool(p.tests) for p in problems.values())
    fully = sum(bool(p.tests) and not p.skipped_asserts for p in problems.values())
    assert (converted, skipped, with_tests, fully) == (1114, 19, 159, 153)
    assert sorted(s for s, p in problems.items() if not p.tests) == [
        "HumanEval/32", "HumanEval/33", "HumanEval/37", "HumanEval/38", "HumanEval/50"]


def test_references_pass_their_converted_io_tests(problems, executor):
    chosen = [problems[s] for s in ("HumanEval/0", "HumanEval/2", "HumanEval/8", "HumanEval/56", "HumanEval/151")]
    rows = executor.run_jobs([Job(p.program(p.reference), tuple(t.input for t in p.tests), p.limits())
                              for p in chosen])
    for problem, row in zip(chosen, rows):
        assert len(row) == len(problem.tests) > 0
        for test, outcome in zip(problem.tests, row):
            assert outcome_matches(test.output, outcome, problem.io, problem.comparison), (problem.slug, test)


def test_extract_io_tests_forms_and_skips():
    code = (
        "def check(candidate):\n"
        "    assert True\n"                                   # no check at all: neither kept nor counted
        "    assert 4 == candidate(2)\n"
        "    assert candidate(1) is False\n"
        "    assert math.fabs(3 - candidate(0)) <= 1e-6\n"
        "    assert candidate(x) == 1\n"                      # a name: skipped
        "    assert candidate(1) != 2\n"                      # skipped
        "    assert candidate({1, 2}) == 3\n"                 # a set argument: skipped
        "    assert candidate(3) == {2, 1}\n"                 # an expected set: sorted list
        "    assert sq(5) == 25\n"                            # called by its own name
        "    assert candidate(n=1) == 1\n"                    # keywords: skipped
    )
    tests, skipped = extract_io_tests(code, "sq")
    assert tests == [UT([2], 4), UT([1], False), UT([0], 3), UT([3], [1, 2]),
                     UT([5], 25)]
    assert skipped == 4


def test_json_conversions():
    assert json_argument((1, [2, (3,)])) == [1, [2, [3]]]
    assert json_value({1: (2, 3), "a": {3, 1}}) == {"1": [2, 3], "a": [1, 3]}
    for bad in ({1}, b"x", 1j, float("inf"), {1: 2}):
        with pytest.raises(NotJsonable):
            json_argument(bad)
    for bad in (b"x", 1j, float("nan"), {1, "a"}):
        with pytest.raises(NotJsonable):
            json_value(bad)
