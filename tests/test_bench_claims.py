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
    claims = result["claims"]
    assert claims["seeds"] == [0, 1] and claims["problems"] == 2 and result["split"] == "test"
    cosplay_row = claims["selectors"]["cosplay"]
    assert cosplay_row["bon"]["mean"] == pytest.approx((0.5 + 1.0) / 2)  # seed 0: 1 of 2, seed 1: 2 of 2
    assert cosplay_row["bon"]["std"] == pytest.approx(0.125 ** 0.5)  # sample std of 0.5 and 1.0
    assert cosplay_row["pass1"]["mean"] == pytest.approx((0.5 + 0.75) / 2)  # tie-shared, CoSPlay included
    assert claims["selectors"]["bon"]["pass1"]["mean"] == pytest.approx(0.25)  # top {0, 2}: half; top {2}: none
    # UT accuracy: problem b at seed 0 has no start value, so its end value (0.5) is left out too
    assert claims["ut_accuracy_start"]["mean"] == pytest.approx((0.5 + (0.5 + 0.25) / 2) / 2)
    assert claims["ut_accuracy_end"]["mean"] == pytest.approx((0.75 + (1.0 + 0.5) / 2) / 2)
    assert result["selectors"]["random"]["pass1"] == 0.5
    text = bench.format_table(result)
    assert "±" in text and "pass@1 (ties shared)" in text and "split test" in text



def test_problems_short_of_test_inputs_are_reported_apart():
    """A replayed pool with fewer distinct UT inputs than N_t is named under the table, apart from the others."""
    short = dict(summary("b", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), short_of_test_inputs=True)
    full = dict(summary("a", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0]), short_of_test_inputs=False)
    model = summary("c", cosplay_right=True, pass1=1.0, ut=(0.5, 0.5), bon_top=[0])  # a model: no such field
    result = bench.aggregate([short, full, model])
    assert result["short_of_test_inputs"] == ["b"]
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
        assert "±" in line or line.split()[-1] == "-", line
    assert f"{len(names)} problems of split test, seeds 0, 1" in result.stdout
    for seed in (0, 1):
        assert sorted(p.name for p in (tmp_path / "out" / f"seed-{seed}").iterdir()) == sorted(names)
    stored = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert stored["claims"]["seeds"] == [0, 1]


@pytest.mark.parametrize("flags, message", [(["--seeds", "0"], "--seeds must be at least 1"),
                                            (["--split", "train"], "invalid choice")])
def test_bad_seeds_or_split_is_one_line_and_exit_2(flags, message):
    result = cosplay("bench", str(SAMPLES), "--model", "sim", *flags)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
