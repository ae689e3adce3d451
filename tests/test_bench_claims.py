"""`cosplay bench --seeds N --split`: mean and spread per selector over seeds, the fixed split, tie-shared pass@1,
UT accuracy at the start and the end over the same problems; bad values refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core import bench
from cosplay_core.metrics import split_of
from cosplay_core.records import BenchResult, RunSummary

SMALL = ["--codes", "6", "--tests", "6", "--rounds", "2", "--inputs", "6"]


def cosplay(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def summary(problem: str, *, cosplay_right: bool, pass1: float, ut: tuple, bon_top: list[int]) -> dict:
    """A run's summary as `Run.summary` writes it, with a pool of 4 codes whose first two are correct."""
    correct = [True, True, False, False]
    return {"problem": problem, "gt": {"bon_cluster": cosplay_right, "bon": cosplay_right, "pass1_cluster": pass1,
                                       "pass1_bon": pass1, "ut_accuracy": ut[1], "ut_accuracy_initial": ut[0],
                                       "codes_total": 4},
            "baselines": {"bon": {"code_id": bon_top[0], "top": bon_top, "gt_correct": correct[bon_top[0]],
                                  "pass1": sum(correct[c] for c in bon_top) / len(bon_top)},
                          "random": {"code_id": 3, "top": [3, 0, 1, 2], "gt_correct": False, "pass1": 0.5,
                                     "expected_accuracy": 0.5}},
            "executions": 10}


def test_aggregate_over_seeds_gives_mean_std_interval_and_paired_ut_accuracy():
    by_seed = {
        0: [summary("a", cosplay_right=True, pass1=1.0, ut=(0.5, 0.75), bon_top=[0, 2]),
            summary("b", cosplay_right=False, pass1=0.0, ut=(None, 0.5), bon_top=[2])],
        1: [summary("a", cosplay_right=True, pass1=0.5, ut=(0.5, 1.0), bon_top=[0, 2]),
            summary("b", cosplay_right=True, pass1=1.0, ut=(0.25, 0.5), bon_top=[2])],
    }
    result = bench.aggregate_seeds(by_seed, "test")
    assert result.seeds == [0, 1] and result.split == "test" and list(result.splits) == ["test"]
    scores = result.main
    assert scores.problems == 2
    cosplay_row = scores.selectors["cosplay"]
    assert cosplay_row.accuracy.mean == pytest.approx((0.5 + 1.0) / 2)  # seed 0: 1 of 2, seed 1: 2 of 2
    assert cosplay_row.accuracy.std == pytest.approx(0.125 ** 0.5)  # sample std of 0.5 and 1.0
    assert cosplay_row.accuracy.ci_low <= cosplay_row.accuracy.mean <= cosplay_row.accuracy.ci_high
    assert cosplay_row.problems == 2
    assert cosplay_row.pass1.mean == pytest.approx((0.5 + 0.75) / 2)  # tie-shared, CoSPlay included
    assert scores.selectors["bon"].pass1.mean == pytest.approx(0.25)  # top {0, 2}: half; top {2}: none
    assert scores.selectors["random"].pass1.mean == 0.5
    assert cosplay_row.equal_budget_pass1.mean is None  # these runs did not measure it
    # UT accuracy: problem b at seed 0 has no start value, so its end value (0.5) is left out too
    assert scores.ut_accuracy_start.mean == pytest.approx((0.5 + (0.5 + 0.25) / 2) / 2)
    assert scores.ut_accuracy_end.mean == pytest.approx((0.75 + (1.0 + 0.5) / 2) / 2)
    text = bench.format_table(result)
    assert "±" in text and "pass@1 (ties shared)" in text and "equal-budget pass@1" in text
    assert "Split test: 2 problems, seeds 0, 1" in text


def test_the_equal_budget_column_reads_each_runs_restricted_baselines():
    """A run that measured the equal budget gives every baseline its restricted pass@1, and CoSPlay its own."""
    runs = [summary("a", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0, 2]),
            summary("b", cosplay_right=False, pass1=0.5, ut=(0.5, 0.5), bon_top=[2])]
    runs[0]["equal_budget"] = {"codes": 5, "tests": 7, "selectors": {"bon": {"code": 0, "correct": True,
                                                                             "pass1": 1.0}}}
    runs[1]["equal_budget"] = {"codes": 4, "tests": 6, "selectors": {"bon": {"code": 1, "correct": True,
                                                                             "pass1": 0.5},
                                                                     "random": {"code": 3, "correct": False,
                                                                                "pass1": 0.25}}}
    result = bench.aggregate(runs)
    table = result.main.selectors
    assert table["bon"].equal_budget_pass1.mean == pytest.approx(0.75)
    assert table["random"].equal_budget_pass1.mean == pytest.approx(0.25) and table["random"].equal_budget_pass1.problems == 1
    assert table["cosplay"].equal_budget_pass1.mean == pytest.approx(0.75)  # its own pass@1
    stored = result.to_dict()
    assert stored["splits"]["all"]["selectors"]["bon"]["equal_budget_pass1"]["mean"] == pytest.approx(0.75)
    assert stored["claims"]["selectors"]["bon"]["equal_budget"]["mean"] == pytest.approx(0.75)  # version 1's name


def test_split_all_also_scores_dev_and_test_apart():
    runs = [summary(name, cosplay_right=name == "HumanEval/1", pass1=float(name == "HumanEval/1"), ut=(0.5, 0.5),
                    bon_top=[0]) for name in ("HumanEval/0", "HumanEval/1", "HumanEval/3")]
    result = bench.aggregate(runs)
    assert list(result.splits) == ["all", "dev", "test"]
    assert [result.splits[s].problems for s in ("all", "dev", "test")] == [3, 1, 2]
    assert result.splits["test"].selectors["cosplay"].accuracy.mean == pytest.approx(0.5)
    assert result.splits["dev"].selectors["cosplay"].accuracy.mean == 0.0


def test_a_malformed_or_newer_summary_is_a_failure_that_says_so():
    future = dict(summary("a", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), version=99)
    broken = dict(summary("b", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), gt="yes")
    result = bench.aggregate([future, broken, summary("c", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5),
                                                             bon_top=[0])])
    assert result.failed == 2 and result.scored == 1
    assert any("version 99, newer than this CoSPlay Studio reads" in e for e in result.errors)
    assert any(e.startswith("b: ") and "'gt'" in e for e in result.errors)


def test_problems_short_of_test_inputs_are_reported_apart():
    """A replayed pool with fewer distinct UT inputs than N_t is named under the table, apart from the others."""
    short = dict(summary("b", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), short_of_test_inputs=True)
    full = dict(summary("a", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), short_of_test_inputs=False)
    model = summary("c", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0])  # a model: no such field
    result = bench.aggregate([short, full, model])
    assert result.details["short_of_test_inputs"] == ["b"]
    assert "1 problems whose replayed pool holds fewer distinct UT inputs than N_t" in bench.format_table(result)
    assert "fewer distinct UT inputs" not in bench.format_table(bench.aggregate([full, model]))


def test_split_of_refs_uses_record_ids_and_folder_names():
    refs = [bench.ProblemRef("data.jsonl#HumanEval/1", "HumanEval_1"), bench.ProblemRef("data.jsonl#HumanEval/2",
                                                                                          "HumanEval_2"),
            bench.ProblemRef(str(SAMPLES / "run_length"), "run_length")]
    assert [r.slug for r in bench.in_split(refs, "test")] == ["HumanEval_1"] + (
        ["run_length"] if split_of("run_length") == "test" else [])
    assert bench.in_split(refs, "all") == refs


def test_bench_with_seeds_and_split_prints_mean_and_spread_for_every_selector(tmp_path):
    dataset = tmp_path / "problems"
    dataset.mkdir()
    names = [n for n in ("run_length", "top_k_words", "max_subarray", "coin_ways") if split_of(n) == "test"][:2]
    for name in names:
        (dataset / name).symlink_to(SAMPLES / name)
    result = cosplay("bench", str(dataset), "--model", "sim", *SMALL, "--seeds", "2", "--split", "test",
                     "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for label in bench.LABELS.values():
        line = next(row for row in result.stdout.splitlines() if row.startswith(label))
        assert line.count("±") == 3, line  # accuracy, pass@1 and equal-budget pass@1, each over the two seeds
    assert f"Split test: {len(names)} problems, seeds 0, 1" in result.stdout
    for seed in (0, 1):
        assert sorted(p.name for p in (tmp_path / "out" / f"seed-{seed}").iterdir()) == sorted(names)
    stored = RunSummary.from_dict(json.loads((tmp_path / "out" / "seed-0" / names[0] / "summary.json").read_text()))
    budget = stored.equal_budget
    assert budget is not None and budget["codes"] >= 1 and budget["tests"] >= 1
    assert set(budget["selectors"]) >= {"codet", "bon", "random"}
    result_file = BenchResult.from_dict(json.loads((tmp_path / "out" / "bench.json").read_text()))
    assert result_file.seeds == [0, 1] and result_file.pipeline == "bench"
    codet = result_file.main.selectors["codet"].equal_budget_pass1
    assert codet.mean is not None and codet.problems == len(names) and codet.seeds == 2


@pytest.mark.parametrize("flags, message", [
    (["--seeds", "0"], "--seeds must be a whole number from 1 to 1,000, not 0"),
    (["--seeds", "1000000000000"], "--seeds must be a whole number from 1 to 1,000"),  # was a MemoryError
    (["--seed", str(2 ** 63 - 1), "--seeds", "2"], "goes past the largest seed"),
    (["--split", "train"], "invalid choice")])
def test_bad_seeds_or_split_is_one_line_and_exit_2(flags, message):
    result = cosplay("bench", str(SAMPLES), "--model", "sim", *flags)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
