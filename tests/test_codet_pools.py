"""CodeT's recorded CodeGen-16B pools: truncating code samples, parsing test samples, loading, on real records."""

import ast
import gzip
import json
import warnings

import pytest

from conftest import SHARED_DATA, require_shared
from cosplay_core.benchmarks.codet_pools import (codet_truncate, load_codet_pools, parse_test_sample,
                                                 split_test_sample, truncate_code_sample)
from cosplay_core.benchmarks.humaneval import gt_pass_vector, load_humaneval
from cosplay_core.problem import ProblemError
from cosplay_core.problem import TestCase as UT  # not collected by pytest as a test class

POOLS = SHARED_DATA / "humaneval_codegen16b"


@pytest.fixture(scope="module")
def problems():
    require_shared(POOLS / "code_solution.jsonl.gz")
    return {p.slug: p for p in load_humaneval(POOLS / "problems.jsonl.gz")}


def _by_task(problems, name):
    """{task_id: record} for a samples file, matched to problems by prompt (the test prompt has a tail)."""
    by_prompt = {p.statement: p.slug for p in problems.values()}
    records = {}
    with gzip.open(POOLS / name, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            prompt = record["prompt"]
            base = prompt[:prompt.rfind("    pass\n\n# check the correctness of")] if name.startswith("test") else prompt
            records[by_prompt[base]] = record
    return records


@pytest.fixture(scope="module")
def code_records(problems):
    return _by_task(problems, "code_solution.jsonl.gz")


@pytest.fixture(scope="module")
def test_records(problems):
    return _by_task(problems, "test_case.jsonl.gz")


@pytest.fixture(scope="module")
def pools():
    require_shared(POOLS / "code_solution.jsonl.gz")
    return load_codet_pools(POOLS)


def _truncations(code_records, task_id, index):
    record = code_records[task_id]
    sample = record["samples"][index]
    return record["prompt"], truncate_code_sample(record["prompt"], sample), \
        truncate_code_sample(record["prompt"], sample, "codet")


# ---- pools ------------------------------------------------------------------------------------------------------


def test_pools_hold_100_codes_and_100_test_samples_per_problem(pools, problems):
    assert list(pools) == list(problems)
    for task_id, pool in pools.items():
        assert pool.task_id == task_id
        assert pool.raw_code_count == len(pool.codes) == 100 and pool.raw_test_count == 100
        assert all(code.startswith(problems[task_id].statement) for code in pool.codes)
        keys = [json.dumps([t.input, t.output]) for t in pool.tests]
        assert len(set(keys)) == len(keys) == len(pool.test_counts) and min(pool.test_counts, default=1) >= 1
        assert all(isinstance(t.input, list) for t in pool.tests)


def test_pool_statistics_on_the_real_files(pools):
    """Facts about the real files with the default rules (recorded so that a change shows)."""
    distinct = sum(len(p.tests) for p in pools.values())
    parsed = sum(sum(p.test_counts) for p in pools.values())
    dropped = sum(p.dropped_tests for p in pools.values())
    assert (distinct, parsed, dropped) == (6575, 8015, 10040)
    assert sum(not p.tests for p in pools.values()) == 15  # every test sample of these is junk or empty


def test_most_truncated_codes_compile(pools):
    compiled = sum(_compiles(code) for pool in pools.values() for code in pool.codes)
    assert compiled / 16400 > 0.95


def _compiles(code):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in model-written strings
            ast.parse(code)
        return True
    except SyntaxError:
        return False


# ---- code samples: real ones that run past the function --------------------------------------------------------


def test_model_written_asserts_after_the_function_are_cut(code_records, problems, executor):
    prompt, ours, codet = _truncations(code_records, "HumanEval/0", 85)
    assert "\nassert has_close_elements" in code_records["HumanEval/0"]["samples"][85]
    assert ours.endswith("            return True\n    return False\n\n\n") and "assert" not in ours[len(prompt):]
    assert "\nassert has_close_elements([1.0, 1.1, 2.0, 3.0, 4.0, 5.0], 1.0) == False" in codet
    # The function is right; one of the model's own asserts is wrong, which sinks CodeT's version of it.
    assert gt_pass_vector(problems["HumanEval/0"], [ours, codet], executor) == [True, False]


def test_junk_imports_after_the_function_are_cut(code_records):
    prompt, ours, codet = _truncations(code_records, "HumanEval/2", 58)
    assert ours == prompt + "    return number % 1\n"
    assert "\nimport torch.optim as optim" in codet  # CodeT's stop strings miss imports


def test_stop_strings_cut_at_the_same_place(code_records):
    for task_id, index, following in [("HumanEval/35", 19, "def solve(s):"), ("HumanEval/50", 48, "class Emp:")]:
        prompt, ours, codet = _truncations(code_records, task_id, index)
        assert ours.rstrip() == codet.rstrip()
        assert code_records[task_id]["samples"][index][len(ours) - len(prompt):].lstrip().startswith(following)
        assert _compiles(ours)


def test_a_decorator_starts_a_new_statement(code_records):
    prompt, ours, codet = _truncations(code_records, "HumanEval/36", 41)
    assert ours.endswith('    pass\n\n\n') and "@pytest" not in ours and "@pytest" in codet


def test_comment_lines_at_column_zero_do_not_cut(code_records):
    prompt, ours, codet = _truncations(code_records, "HumanEval/1", 69)
    assert ours.startswith(codet) and ours.rstrip().endswith("#" * 40)  # only a comment line more than CodeT
    assert ast.dump(ast.parse(ours)) == ast.dump(ast.parse(codet))


def test_prose_in_an_unterminated_string_after_the_function_is_cut(code_records):
    prompt, ours, codet = _truncations(code_records, "HumanEval/70", 58)
    assert ours.endswith("    return res\n") and _compiles(ours)
    assert not _compiles(codet)


def test_known_difference_a_top_level_statement_that_belongs_to_the_solution(code_records, problems, executor):
    """`fib4.cache = {}` after the function is needed by it: CodeT keeps it (no stop string), the top-level rule
    cuts it. The one sample of the 16,400 that passes with CodeT's cut and fails with ours."""
    prompt, ours, codet = _truncations(code_records, "HumanEval/46", 27)
    assert "fib4.cache = {}" in codet and "fib4.cache = {}" not in ours
    assert gt_pass_vector(problems["HumanEval/46"], [ours, codet], executor) == [False, True]


# ---- code samples: the rule ------------------------------------------------------------------------------------

PROMPT = 'def f(x):\n    """Doc."""\n'


@pytest.mark.parametrize("sample, kept", [
    ("    return x\n\n\ndef g():\n    pass\n", "    return x\n\n\n"),
    ("    return x\nif __name__ == '__main__':\n    f(1)\n", "    return x\n"),
    ("    return x\nprint(f(1))\n", "    return x\n"),
    ("    return x\n@decorator\ndef g(): pass\n", "    return x\n"),
    ("    return x\nclass A:\n    pass\n", "    return x\n"),
    ("    return x\nassert f(1) == 1\n", "    return x\n"),
    ("    return x\nFor example, f(1) is 1.\n", "    return x\n"),
    # a comment at column 0 does not end the function; the code after it decides
    ("    y = x\n# a note\n    return y\n# tests\nf(1)\n", "    y = x\n# a note\n    return y\n# tests\n"),
    # lines at column 0 inside a multi-line string or brackets belong to the statement
    ('    s = """\ndef not_a_def\nif not an if\n"""\n    return s\ndef g(): pass\n',
     '    s = """\ndef not_a_def\nif not an if\n"""\n    return s\n'),
    ("    return [\n1,\n]\nprint(1)\n", "    return [\n1,\n]\n"),
    ("    return x + \\\n1\nprint(1)\n", "    return x + \\\n1\n"),
    # cut off mid-string inside the function: nothing to cut
    ('    return """abc\ndef', '    return """abc\ndef'),
    # an inconsistent dedent: the rest is read line by line
    ("    y = x\n  return y\nimport os\n", "    y = x\n  return y\n"),
    ("", ""),
])
def test_truncation_rule(sample, kept):
    assert truncate_code_sample(PROMPT, sample) == PROMPT + kept


def test_truncation_when_the_prompt_ends_mid_line():
    assert truncate_code_sample("def f(x):\n    return", " x\nprint(1)\n") == "def f(x):\n    return x\n"
    assert truncate_code_sample("def f(x):\n    return", " x") == "def f(x):\n    return x"


def test_codet_rule_is_the_first_of_five_stop_strings():
    sample = "    return x\nimport os\n# note\ndef g(): pass\n"
    assert codet_truncate(sample) == "    return x\nimport os"
    assert codet_truncate("    return x") == "    return x"
    assert truncate_code_sample(PROMPT, sample, "codet") == PROMPT + "    return x\nimport os"
    with pytest.raises(ValueError, match="truncation"):
        truncate_code_sample(PROMPT, sample, "other")


def test_truncation_rules_differ_on_few_real_samples(code_records):
    differ = comments_only = 0
    for record in code_records.values():
        for sample in record["samples"]:
            ours = truncate_code_sample(record["prompt"], sample)
            codet = truncate_code_sample(record["prompt"], sample, "codet")
            if ours.rstrip() != codet.rstrip():
                differ += 1
                tail = ours[len(codet):].split("\n") if ours.startswith(codet) else ["x"]
                comments_only += all(not line.strip() or line.startswith("#") for line in tail)
    assert (differ, comments_only) == (1320, 296)


# ---- test samples ------------------------------------------------------------------------------------------------


def _parse(test_records, task_id, index, entry_point, limit=5):
    record = test_records[task_id]
    return parse_test_sample(record["prompt"], record["samples"][index], entry_point, limit)


def test_a_real_test_sample_yields_its_uts(test_records):
    assert _parse(test_records, "HumanEval/53", 29, "add") == ([UT([3, 5], 8)], 0)
    tests, dropped = _parse(test_records, "HumanEval/8", 5, "sum_product")
    assert dropped == 0 and tests == [UT([[]], [0, 1]), UT([[1, 2, 3, 4, 5]], [15, 120]),
                                      UT([[-1, -2, 3, 0, 5]], [0, -30]), UT([[1, 2, 0, 4, 5, 0]], [9, 0]),
                                      UT([[10, 10, 0, 10, 0, 10]], [30, 0])]
    # past the first five, a sixth assert that is not a plain pair is dropped
    tests, dropped = _parse(test_records, "HumanEval/8", 5, "sum_product", None)
    assert len(tests) == 5 and dropped == 1


def test_real_junk_and_truncated_asserts_are_dropped_and_counted(test_records):
    # "assert \n    has_close_elements(...) == False, '...'": a line break after assert, which does not compile
    assert _parse(test_records, "HumanEval/0", 1, "has_close_elements") == ([], 11)
    assert _parse(test_records, "HumanEval/0", 3, "has_close_elements") == ([], 1)  # "____ == ____"
    # a placeholder assert (kept by CodeT: it mentions the function in its message) and two real ones
    assert _parse(test_records, "HumanEval/2", 31, "truncate_number") == ([UT([-7.8], -7.8), UT([7.8], 0.0)], 1)
    # "!=" is dropped; with no limit, the last assert ("assert inter", truncated) is dropped too
    tests, dropped = _parse(test_records, "HumanEval/5", 50, "intersperse")
    assert (len(tests), dropped) == (4, 1) and tests[0] == UT([[1, 2, 3], 100], [1, 100, 2, 100, 3, 100])
    tests, dropped = _parse(test_records, "HumanEval/5", 50, "intersperse", None)
    assert (len(tests), dropped) == (8, 2)
    statements = split_test_sample(test_records["HumanEval/5"]["prompt"],
                                   test_records["HumanEval/5"]["samples"][50], "intersperse")
    assert statements[1] == "assert intersperse([1,2,3], 100)!= [1,2,3,100]" and statements[-1] is None


def test_test_sample_forms():
    prompt = "def f(x):\n    pass\n\n# check the correctness of f\nassert "
    sample = ("f(1) == 2\nassert 3 == f(2), 'msg'\nassert f(3) is True\nassert not f(4)\nassert g(5) == 1\n"
              "assert f(x) == 1\nassert f({1}) == 1\nassert f((1, 2)) == (3, [4])\nassert f(6) == [1, 2 + 3]\n"
              "assert f(7) ==")
    tests, dropped = parse_test_sample(prompt, sample, "f", None)
    assert tests == [UT([1], 2), UT([2], 3), UT([3], True), UT([4], False), UT([[1, 2]], [3, [4]]),
                     UT([6], [1, 5])]
    assert dropped == 4  # g(5) (CodeT drops it too), a name, a set argument, the truncated last one
    tests, dropped = parse_test_sample(prompt, sample, "f")
    assert len(tests) == 4 and dropped == 2  # the first five that CodeT keeps, g(5) not among them
    # a prompt that does not end with "assert ": the sample holds whole asserts
    assert parse_test_sample("# tests\n", "junk\nassert f(1) == 2\n", "f") == ([UT([1], 2)], 0)


# ---- malformed pool files -----------------------------------------------------------------------------------------

PROBLEM = {"task_id": "T/0", "prompt": "def f(x):\n", "test": "def check(candidate):\n    assert candidate(1) == 1\n",
           "entry_point": "f"}
TEST_PROMPT = "def f(x):\n    pass\n\n# check the correctness of f\nassert "


def _folder(tmp_path, codes, tests):
    (tmp_path / "problems.jsonl").write_text(json.dumps(PROBLEM) + "\n")
    (tmp_path / "code_solution.jsonl").write_text(codes)
    (tmp_path / "test_case.jsonl").write_text(tests)
    return tmp_path


def test_a_small_pool_folder_loads(tmp_path):
    folder = _folder(tmp_path, json.dumps({"prompt": "def f(x):\n", "samples": ["    return x\nprint(1)\n"]}),
                     json.dumps({"prompt": TEST_PROMPT, "samples": ["f(1) == 1\nassert f(2) == 2\n", "f(1) == 1"]}))
    (pool,) = load_codet_pools(folder).values()
    assert pool.codes == ["def f(x):\n    return x\n"]
    assert pool.tests == [UT([1], 1), UT([2], 2)] and pool.test_counts == [2, 1]
    assert (pool.raw_code_count, pool.raw_test_count, pool.dropped_tests) == (1, 2, 0)


@pytest.mark.parametrize("codes, tests, message", [
    (json.dumps({"prompt": "def g(x):\n", "samples": []}), "", r"code_solution.jsonl:1: the prompt matches no problem"),
    (json.dumps({"prompt": "def f(x):\n"}), "", r"code_solution.jsonl:1: missing key 'samples'"),
    (json.dumps({"samples": []}), "", r"code_solution.jsonl:1: missing key 'prompt'"),
    (json.dumps({"prompt": "def f(x):\n", "samples": [1]}), "", r"code_solution.jsonl:1: 'samples' must be a list"),
    ("{not json", "", r"code_solution.jsonl:1: not valid JSON"),
    ("", json.dumps({"prompt": "def f(x):\n", "samples": []}), r"test_case.jsonl:1: the prompt matches no problem"),
    ("", "\n" + json.dumps({"prompt": TEST_PROMPT.replace("of f", "of g"), "samples": []}),
     r"test_case.jsonl:2: the prompt matches no problem"),
])
def test_malformed_pool_files_raise_one_line(tmp_path, codes, tests, message):
    folder = _folder(tmp_path, codes, tests)
    with pytest.raises(ProblemError, match=message) as caught:
        load_codet_pools(folder)
    assert "\n" not in str(caught.value) and str(folder) in str(caught.value)


def test_a_missing_pool_file_is_named(tmp_path):
    folder = _folder(tmp_path, "", "")
    (folder / "test_case.jsonl").unlink()
    with pytest.raises(ProblemError, match=r"missing file test_case.jsonl"):
        load_codet_pools(folder)
