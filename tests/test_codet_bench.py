"""The HumanEval x CodeT benchmark on real records: shape, selectors, CodeT's scoring, resumability."""

import gzip
import json

import numpy as np
import pytest

from conftest import SHARED_DATA, require_shared
from cosplay_core.benchmarks import load_record, record_ids
from cosplay_core.experiments.codet_bench import (SELECTORS, codet_pass1, format_codet_table, matrix_limits,
                                                 run_codet_benchmark, score_selectors)
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import ProblemError
from cosplay_core.records import load_bench_result

POOLS = SHARED_DATA / "humaneval_codegen16b"
# Four of the first five problems, and HumanEval/30, whose test samples are all junk (no UT at all). HumanEval/1 is
# left out for time: 70 distinct programs on 162 inputs with hundreds of CodeT-limit timeouts.
TASKS = ("HumanEval/0", "HumanEval/2", "HumanEval/3", "HumanEval/4", "HumanEval/30")


@pytest.fixture(scope="module")
def problems_file(tmp_path_factory):
    """A HumanEval-format file holding TASKS, copied from CodeT's problems file."""
    require_shared(POOLS / "code_solution.jsonl.gz")
    path = tmp_path_factory.mktemp("codet") / "problems.jsonl"
    with gzip.open(POOLS / "problems.jsonl.gz", "rt", encoding="utf-8") as stream:
        records = {r["task_id"]: r for r in map(json.loads, stream)}
    path.write_text("".join(json.dumps(records[t]) + "\n" for t in TASKS))
    return path


@pytest.fixture(scope="module")
def bench(problems_file, tmp_path_factory, executor):
    out = tmp_path_factory.mktemp("codet-out")
    result = run_codet_benchmark(problems_file, POOLS, jobs=2, out=out, executor=executor, seeds=[0, 1])
    return result, out


def test_result_shape_and_every_selector(bench):
    result, out = bench
    assert result.problems == result.scored == len(TASKS) and result.failed == 0
    assert result.pipeline == "humaneval_codet" and list(result.splits) == ["all", "dev", "test"]
    table = result.main.selectors
    assert list(table) == list(SELECTORS)
    for name, row in table.items():
        assert 0.0 <= row.accuracy.mean <= 1.0 and 0.0 <= row.pass1.mean <= 1.0, name
        assert row.ut_accuracy is None or 0.0 <= row.ut_accuracy <= 1.0
        assert row.executions >= 0 and row.problems == len(TASKS)
    assert table["random"].executions == 0
    assert table["codet"].executions > table["mbr_exec"].executions > 0
    assert table["cosplay"].executions > 0
    assert result.details["pool"]["problems_without_tests"] == 1 and result.details["executed"] > 0
    assert (out / "result.all.json").exists() and len(list((out / "problems").glob("*.json"))) == 2 * len(TASKS)
    assert load_bench_result(out / "result.all.json") == result  # the file is the record
    table = format_codet_table(result)
    assert "CodeT (released score)" in table and "36.7" in table and "36.76" in table


def test_per_problem_records_hold_the_real_pools(bench):
    _, out = bench
    record = json.loads((out / "problems" / "HumanEval_0.seed0.json").read_text())
    assert record["codes"] == 100 and len(record["gt"]) == 100 and len(record["passes"]) == 100
    assert record["tests"] == 81 and record["inputs"] == 69 and record["signature_inputs"] == 16
    assert all(len(row) == record["tests"] for row in record["passes"])
    assert record["gt"].count("1") == 65 and record["distinct_codes"] == 79  # 65 of the 100 samples are right
    assert record["selectors"]["codet_released"]["correct"] is True


def test_codet_where_the_data_tells_the_right_answer(bench):
    _, out = bench
    below_zero = json.loads((out / "problems" / "HumanEval_3.seed0.json").read_text())["selectors"]
    # below_zero: the model's own tests mostly assert False, and 18 wrong codes (returning False too often) pass
    # 121 sampled UTs, outscoring the 22 right ones (93 UTs): 121 * sqrt(18) > 93 * sqrt(22). The right codes
    # agree on their outputs, so the output clusters find them.
    assert below_zero["codet_released"]["pass1"] == 0.0 and below_zero["codet_released"]["correct"] is False
    assert below_zero["largest_cluster"]["correct"] is True and below_zero["mbr_exec"]["correct"] is True
    mad = json.loads((out / "problems" / "HumanEval_4.seed0.json").read_text())["selectors"]
    assert mad["codet_released"]["pass1"] == 1.0 and mad["codet"]["correct"] is True  # all its top set is right


def test_codet_on_a_problem_without_any_test_falls_back_to_the_pool(bench):
    _, out = bench
    record = json.loads((out / "problems" / "HumanEval_30.seed0.json").read_text())
    assert record["tests"] == 0 and record["inputs"] == 0
    pool_rate = record["gt"].count("1") / 100
    for name in ("codet", "codet_released"):  # CodeT's evaluation scores such a problem by a random pick
        assert record["selectors"][name]["pass1"] == pytest.approx(pool_rate)
    assert record["selectors"]["bon"]["code"] == 0  # nothing tells the codes apart: the lowest index
    assert record["cosplay"]["usage"]["test_draws"] == 0


def test_a_second_call_reads_the_stored_results_and_executes_nothing(bench, problems_file, executor):
    result, out = bench
    before = executor.executions
    again = run_codet_benchmark(problems_file, POOLS, jobs=2, out=out, executor=executor, seeds=[0, 1])
    assert executor.executions == before and again.details["executed"] == 0
    assert again.details["reused"] == 2 * len(TASKS)
    assert again.splits == result.splits
    with pytest.raises(ValueError, match="other settings"):
        run_codet_benchmark(problems_file, POOLS, out=out, executor=executor, time_limit_s=0.2)


def test_claims_over_seeds_split_and_equal_budget(bench, problems_file, executor):
    result, out = bench
    assert result.seeds == [0, 1] and result.main.problems == len(TASKS)
    for name in SELECTORS:  # every selector, CoSPlay included, has mean and spread of tie-shared pass@1
        row = result.main.selectors[name]
        for figure in (row.accuracy, row.pass1, row.equal_budget_pass1):
            assert figure.seeds == 2 and 0.0 <= figure.ci_low <= figure.mean <= figure.ci_high
            assert figure.std >= 0.0
    for seed in (0, 1):
        record = json.loads((out / "problems" / f"HumanEval_0.seed{seed}.json").read_text())
        assert record["seed"] == seed and record["equal_budget"]["codes"] >= 16
        cosplay = record["selectors"]["cosplay"]
        assert 0.0 <= cosplay["pass1"] <= 1.0 and cosplay["equal_budget"]["pass1"] == cosplay["pass1"]
        assert 0.0 <= record["selectors"]["codet_released"]["equal_budget"]["pass1"] <= 1.0
    start, end = result.main.ut_accuracy_start, result.main.ut_accuracy_end
    assert start.problems == end.problems  # the same problems at the start and the end
    table = format_codet_table(result)
    assert "equal-budget pass@1" in table and "±" in table and "seeds 0, 1" in table
    # the test split of these tasks: the odd ones, read back from --out
    test_only = run_codet_benchmark(problems_file, POOLS, out=out, executor=executor, seeds=[0, 1], split="test")
    assert test_only.problems == 1 and test_only.details["reused"] == 2 and test_only.details["executed"] == 0
    assert list(test_only.splits) == ["test"]


def test_codet_scores_as_the_released_code_does():
    # codes 0-1 pass UT 0 (sampled 3 times); codes 2-4 pass UTs 1 and 2 (each sampled once)
    passes = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 1], [0, 1, 1], [0, 1, 1]], dtype=bool)
    gt = np.array([True, True, False, False, False])
    counts = [3, 1, 1]
    assert codet_pass1(gt, passes, counts, "released") == 1.0  # 3 * sqrt(2) = 4.24 beats 2 * sqrt(3) = 3.46
    assert codet_pass1(gt, passes, counts, "paper") == 0.0  # 1 * 2 = 2 loses to 2 * 3 = 6
    chosen = score_selectors(gt, passes, counts, [()] * 5, 0)
    assert chosen["codet_released"]["code"] == 0 and chosen["codet"]["code"] == 2
    # sets tied at the top are merged; no code passing anything scores the pool's pass@1
    tied = np.array([[1, 0], [0, 1], [0, 0]], dtype=bool)
    assert codet_pass1(np.array([True, False, False]), tied, [1, 1]) == 0.5
    assert codet_pass1(np.array([True, False, False, False]), np.zeros((4, 2), dtype=bool), [1, 1]) == 0.25


def test_matrix_limits_batch_a_programs_inputs_under_codets_budget():
    limits = matrix_limits(0.1, 40)
    if hasattr(limits, "isolate_inputs"):
        assert limits.isolate_inputs is False and limits.batch_time_limit_s == pytest.approx(4.1)
    assert limits.time_limit_s == 0.1


def test_record_ids_and_load_record(problems_file, executor):
    assert record_ids(problems_file) == list(TASKS)
    problem, truth = load_record(problems_file, "HumanEval/2")
    assert problem.slug == "HumanEval/2" and problem.io == "function" and isinstance(truth, GroundTruth)
    truth.bind(executor)
    right = problem.statement + "    return number % 1.0\n"
    assert truth.codes_correct([right, problem.statement + "    return number\n"]) == [True, False]
    with pytest.raises(ProblemError, match="no record"):
        load_record(problems_file, "HumanEval/1")
    with pytest.raises(ProblemError, match="no such file"):
        record_ids(problems_file.parent / "missing.jsonl")
