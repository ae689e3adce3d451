"""Each dataset's conversion on small fixtures in its upstream format (tests/fixtures/data, made by
make_fixtures.py), and the converted problems judged by ground truth in the real sandbox."""

from __future__ import annotations

import base64
import gzip
import json
import math
import pickle
import zlib
from pathlib import Path

import pytest

from cosplay_core.benchmarks import gt_pass_vector, load_codet_pools, load_humaneval, load_record, record_ids
from cosplay_core.datasets import apps, codet, humaneval, humaneval_plus, livecodebench, mbpp_plus
from cosplay_core.datasets.cache import DataError
from cosplay_core.datasets.evalplus import literal
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import load_problem
from cosplay_core.sandbox import Executor

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"


@pytest.fixture(scope="module")
def executor():
    with Executor(workers=2) as shared:
        yield shared


def records(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


# ---- humaneval ---------------------------------------------------------------------------------------------------


def test_humaneval_is_kept_as_published_once_every_record_loads(tmp_path):
    fixture = FIXTURES / "humaneval" / "HumanEval.jsonl.gz"
    manifest = humaneval.convert({humaneval.FILE: fixture}, tmp_path, {})
    assert manifest == {"entry": "HumanEval.jsonl.gz", "problems": 2}
    assert (tmp_path / manifest["entry"]).read_bytes() == fixture.read_bytes()


def test_a_malformed_humaneval_file_is_one_line(tmp_path):
    bad = tmp_path / "HumanEval.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"task_id": "HumanEval/0", "prompt": "def f():\\n"}\n'))
    with pytest.raises(DataError, match="missing key 'test'"):
        humaneval.convert({humaneval.FILE: bad}, tmp_path / "out", {})


# ---- humaneval-plus and mbpp-plus (EvalPlus releases) ----------------------------------------------------------


@pytest.fixture(scope="module")
def humaneval_plus_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("heplus")
    manifest = humaneval_plus.convert({humaneval_plus.FILE: FIXTURES / "humaneval-plus" / humaneval_plus.FILE},
                                      out, {})
    assert manifest["problems"] == 3 and manifest["notes"] == ["11 tests in all"]
    return out / manifest["entry"]


@pytest.fixture(scope="module")
def mbpp_plus_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("mbppplus")
    manifest = mbpp_plus.convert({mbpp_plus.FILE: FIXTURES / "mbpp-plus" / mbpp_plus.FILE}, out, {})
    assert manifest["problems"] == 3
    return out / manifest["entry"]


def test_humaneval_plus_check_holds_every_base_and_plus_input_with_its_expected_value(humaneval_plus_file):
    converted = {r["task_id"]: r for r in records(humaneval_plus_file)}
    add = converted["HumanEval/0"]["test"]
    # exact comparisons in the form extract_io_tests reads; the expected values computed by the canonical solution
    assert "    assert candidate([[10, -10], [7, 8], [2, 2]]) == [0, 15, 4]\n" in add
    mean = converted["HumanEval/1"]["test"]
    assert "    assert _close(candidate([0.1, 0.2, 0.3]), 0.20000000000000004, 0)\n" in mean  # floats: tolerance
    assert "assert abs(_poly([-6, 11, -6, 1], candidate([-6, 11, -6, 1]))) <= 1e-06" in \
        converted["HumanEval/32"]["test"]  # find_zero's special oracle
    [problem] = [p for p in load_humaneval(humaneval_plus_file) if p.slug == "HumanEval/0"]
    assert len(problem.tests) == 4 and problem.tests[3].output == [0, 15, 4] and problem.reference is not None


def test_humaneval_plus_ground_truth_in_the_sandbox(humaneval_plus_file, executor):
    problems = {p.slug: p for p in load_humaneval(humaneval_plus_file)}
    mean = problems["HumanEval/1"]
    right = mean.reference
    near = mean.statement + "    return sum(numbers) / len(numbers) + 1e-9\n"  # within EvalPlus's 1e-6
    floor = mean.statement + "    return sum(numbers) // len(numbers)\n"
    assert gt_pass_vector(mean, [right, near, floor], executor) == [True, True, False]
    zero = problems["HumanEval/32"]
    other_root = zero.statement + "    return 3.0 if len(xs) == 4 else (-0.5 if xs == [1, 2] else 2 / 3)\n"
    not_a_root = zero.statement + "    return 0.0\n"
    assert gt_pass_vector(zero, [zero.reference, other_root, not_a_root], executor) == \
        [True, True, False]


def test_mbpp_plus_inputs_get_their_types_back_and_special_oracles_are_kept(mbpp_plus_file, executor):
    converted = {r["task_id"]: r for r in records(mbpp_plus_file)}
    assert "_set_equal(candidate((3, 4, 5, 6), (5, 7, 4, 10)), (4, 5), 0)" in converted["Mbpp/2"]["test"]
    assert "_or_near(candidate(3, 4), 33, 0, _surface_Area(3, 4))" in converted["Mbpp/581"]["test"]
    problems = {p.slug: p for p in load_humaneval(mbpp_plus_file)}
    shared = problems["Mbpp/2"]
    reordered = "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b), reverse=True))\n"
    needs_tuples = "def similar_elements(a, b):\n    assert type(a) is tuple\n    return tuple(set(a) & set(b))\n"
    union = "def similar_elements(a, b):\n    return tuple(set(a) | set(b))\n"
    assert gt_pass_vector(shared, [shared.reference, reordered, needs_tuples, union],
                          executor) == [True, True, True, False]
    prime = problems["Mbpp/3"]
    wrong = "def is_not_prime(n):\n    return n % 2 == 0\n"
    assert gt_pass_vector(prime, [prime.reference, wrong], executor) == [True, False]


def test_mbpp_plus_deserialization_follows_evalplus_per_task():
    assert mbpp_plus.deserialize({"task_id": "Mbpp/2"}, [[[1, 2], [3]]]) == [[(1, 2), (3,)]]
    assert mbpp_plus.deserialize({"task_id": "Mbpp/124"}, [[3, "1+2j"]]) == [(3.0, 1 + 2j)]
    assert mbpp_plus.deserialize({"task_id": "Mbpp/115"}, [[[[1], []]]]) == [[[{1}, {}]]]
    assert mbpp_plus.deserialize({"task_id": "Mbpp/580"}, [[[1, [2, 3]]]]) == [((1, (2, 3)),)]
    assert mbpp_plus.deserialize({"task_id": "Mbpp/3"}, [[2]]) == [[2]]


def test_literals_keep_types_and_refuse_what_has_none():
    values = [None, True, 3, -2 ** 70, 10 ** 5000, 1.5, math.inf, -math.inf, 1 - 2j, "a'\"\n", b"\x00",
              [1, (2,), {3}, frozenset({4})], {"k": set(), (1, 2): frozenset()}, ()]
    for value in values:
        assert eval(literal(value), {}) == value and type(eval(literal(value), {})) is type(value)  # noqa: S307
    assert math.isnan(eval(literal(math.nan), {}))  # noqa: S307
    with pytest.raises(ValueError, match="has no literal form"):
        literal(object())
    nested = []
    for _ in range(200):
        nested = [nested]
    with pytest.raises(ValueError, match="nested too deeply"):
        literal(nested)


def test_an_evalplus_release_without_a_field_is_one_line(tmp_path):
    bad = tmp_path / humaneval_plus.FILE
    bad.write_bytes(gzip.compress(json.dumps({"task_id": "HumanEval/0", "prompt": "x"}).encode() + b"\n"))
    with pytest.raises(DataError, match=r":1: missing key 'entry_point'$"):
        humaneval_plus.convert({humaneval_plus.FILE: bad}, tmp_path, {})


# ---- apps ---------------------------------------------------------------------------------------------------------


def test_apps_keeps_stdin_problems_in_the_projects_layout(tmp_path, executor):
    manifest = apps.convert({apps.FILE: FIXTURES / "apps" / "test.jsonl"}, tmp_path, {})
    assert manifest["problems"] == 2
    assert manifest["notes"] == ["1 call-based problems left out (not supported)",
                                 "left out: test.jsonl:4: problem 4004 has no tests"]
    path = tmp_path / manifest["entry"]
    converted = records(path)
    assert sorted(converted[0]) == ["description", "difficulty", "id", "name", "sample_io", "starter_code",
                                    "test_list", "url"]
    assert converted[1]["test_list"] == [{"input": "a\nb\nc", "output": ["c\nb\na"]}]  # lists are lines
    assert record_ids(path) == ["4001", "4002"]
    problem, scorer = load_record(path, "4001")
    assert scorer is None and problem.io == "stdin" and len(problem.tests) == 3
    right = "a, b = map(int, input().split())\nprint(a + b)\n"
    wrong = "a, b = map(int, input().split())\nprint(a - b)\n"
    assert GroundTruth(problem, executor).codes_correct([right, wrong]) == [True, False]


# ---- livecodebench --------------------------------------------------------------------------------------------


def test_private_tests_decode_from_json_and_from_base64_zlib_pickle():
    tests = [{"input": "1\n", "output": "2\n", "testtype": "stdin"}]
    assert livecodebench.decode_tests(json.dumps(tests)) == tests
    packed = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()
    assert livecodebench.decode_tests(packed) == tests


def test_a_pickle_that_is_not_plain_data_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    hostile = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    with pytest.raises(ValueError, match="refused: the pickle names os.system, not plain data"):
        livecodebench.decode_tests(base64.b64encode(zlib.compress(hostile)).decode())
    assert not marker.exists()
    builtins_eval = b"cbuiltins\neval\n(S'1'\ntR."
    with pytest.raises(ValueError, match="builtins.eval"):
        livecodebench.decode_tests(base64.b64encode(zlib.compress(builtins_eval)).decode())


def test_compressed_tests_over_the_size_cap_or_of_the_wrong_kind_are_refused():
    big = base64.b64encode(zlib.compress(pickle.dumps("x" * 5000))).decode()
    with pytest.raises(ValueError, match="more than 1,000 bytes once decompressed"):
        livecodebench.decode_tests(big, limit=1000)
    not_text = base64.b64encode(zlib.compress(pickle.dumps([1, 2]))).decode()
    with pytest.raises(ValueError, match="holds a list, not the JSON text"):
        livecodebench.decode_tests(not_text)
    with pytest.raises(ValueError, match="neither JSON nor base64"):
        livecodebench.decode_tests("not json, not base64!")


def test_releases_are_cumulative_as_in_livecodebench():
    assert livecodebench.release_files("release_v1") == ("test.jsonl",)
    assert livecodebench.release_files("release_v3") == ("test.jsonl", "test2.jsonl", "test3.jsonl")
    assert livecodebench.release_files("v2") == ("test2.jsonl",)
    assert livecodebench.release_files("v4_v6") == ("test4.jsonl", "test5.jsonl", "test6.jsonl")
    assert len(livecodebench.release_files("release_latest")) == 6
    for bad in ("release_v7", "v0", "v5_v3", "latest"):
        with pytest.raises(DataError, match="unknown LiveCodeBench release"):
            livecodebench.release_files(bad)
    assert [s.name for s in livecodebench.sources({"release": "v5_v6"})] == ["test5.jsonl", "test6.jsonl"]


@pytest.fixture(scope="module")
def lcb_problems(tmp_path_factory):
    out = tmp_path_factory.mktemp("lcb")
    files = {"test.jsonl": FIXTURES / "livecodebench" / "test.jsonl",
             "test2.jsonl": FIXTURES / "livecodebench" / "test2.jsonl"}
    manifest = livecodebench.convert(files, out, {"release": "release_v2"})
    assert manifest["problems"] == 3
    assert manifest["notes"] == ["left out: abc902_a: refused: the pickle names os.system, not plain data"]
    return out / manifest["entry"]


def test_livecodebench_problems_are_problem_folders_with_public_then_private_tests(lcb_problems):
    assert sorted(p.name for p in lcb_problems.iterdir()) == ["3901", "abc901_a", "abc950_b"]
    stdin = load_problem(lcb_problems / "abc901_a")
    assert stdin.io == "stdin" and stdin.time_limit_s == 6.0 and stdin.tags == ("atcoder", "easy")
    assert [(t.input, t.output) for t in stdin.tests] == [("123\n", "6\n"), ("9\n", "9\n"), ("1000000007\n", "8\n")]
    function = load_problem(lcb_problems / "3901")
    assert function.io == "function" and function.entry_point == "Solution().maxPairSum"
    assert [(t.input, t.output) for t in function.tests] == [([[1, 2, 3], 4], 4), ([[5, 5], 9], -1),
                                                             ([[10, 20, 30], 100], 50)]
    assert "class Solution:" in function.statement and "2024-06-01" in function.source


def test_livecodebench_date_window_as_livecodebench_filters(tmp_path):
    files = {"test.jsonl": FIXTURES / "livecodebench" / "test.jsonl",
             "test2.jsonl": FIXTURES / "livecodebench" / "test2.jsonl"}
    for name in "abc":
        (tmp_path / name).mkdir()
    window = livecodebench.convert(files, tmp_path / "a", {"release": "release_v2", "since": "2024-08-01",
                                                          "until": "2024-08-03"})
    assert window["problems"] == 1 and window["notes"] == ["3 problems outside the date window"]
    assert [p.name for p in (tmp_path / "a" / "problems").iterdir()] == ["abc901_a"]  # 2024-08-03T00:00 <= until
    with pytest.raises(DataError, match="no problem in the release and date window"):
        livecodebench.convert(files, tmp_path / "b", {"release": "release_v2", "since": "2030-01-01"})
    with pytest.raises(DataError, match="--since must be a date as YYYY-MM-DD, not '2024/08/01'"):
        livecodebench.convert(files, tmp_path / "c", {"since": "2024/08/01"})


def test_livecodebench_ground_truth_in_the_sandbox(lcb_problems, executor):
    stdin = load_problem(lcb_problems / "abc901_a")
    right = "print(sum(map(int, input().strip())))\n"
    first_digit_only = "print(int(input().strip()[0]))\n"
    assert GroundTruth(stdin, executor).codes_correct([right, first_digit_only]) == [True, False]
    function = load_problem(lcb_problems / "3901")
    solution = ("from typing import List\n\nclass Solution:\n    def maxPairSum(self, nums: List[int], k: int) -> int:\n"
                "        best = -1\n        for i in range(len(nums)):\n            for j in range(i + 1, len(nums)):\n"
                "                if nums[i] + nums[j] <= k:\n                    best = max(best, nums[i] + nums[j])\n"
                "        return best\n")
    greedy = solution.replace("<= k", "< k")
    assert GroundTruth(function, executor).codes_correct([solution, greedy]) == [True, False]


# ---- codet ---------------------------------------------------------------------------------------------------------


def test_codet_samples_become_a_pool_folder(tmp_path):
    files = {name: FIXTURES / "codet" / name for name in (codet.PROBLEMS, codet.CODES, codet.TESTS)}
    manifest = codet.convert(files, tmp_path, {})
    assert manifest["entry"] == "problems.jsonl" and manifest["pool"] == "." and manifest["problems"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["code_solution.jsonl", "problems.jsonl",
                                                          "test_case.jsonl"]
    pools = load_codet_pools(tmp_path)
    assert len(pools["HumanEval/0"].codes) == 3 and len(pools["HumanEval/1"].codes) == 2
    assert [(t.input, t.output) for t in pools["HumanEval/0"].tests][:2] == [([[[1, 2]]], [3]), ([[]], [])]
