"""Typed, versioned records (cosplay_core/records.py): a run's summary and a benchmark's result round-trip, read the
unversioned files of before, and refuse a newer version or a malformed record in one line."""

from __future__ import annotations

import json

import pytest

from cosplay_core.config import RunConfig
from cosplay_core.equal_budget import score_baselines
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.metrics import Spread
from cosplay_core.problem import load_problem
from cosplay_core.records import (BENCH_VERSION, GT_RENAMED, SUMMARY_VERSION, BenchResult, Reading, RecordError,
                                  RunSummary, load_bench_result, load_summary, score_splits)
from cosplay_core.session import BackboneSettings, start_run
from conftest import SAMPLES

# A summary as cosplay_core wrote it before records.py (no version, the old gt names).
UNVERSIONED_SUMMARY = {
    "problem": "run_length", "model": "sim", "simulation": True, "seed": 3, "config": {"seed": 3},
    "selected": {"code_id": 2, "code": "print(1)"},
    "gt": {"bon": False, "bon_cluster": True, "pass1_bon": 0.5, "pass1_cluster": 1.0, "ut_accuracy": 0.75,
           "codes_correct": 3, "codes_total": 4, "ut_accuracy_initial": 0.5},
    "rounds": [{"round": 1, "code_pass_counts": [1, 2], "ut_pass_counts": [2], "changes": 1}],
    "baselines": {"bon": {"code_id": 0, "top": [0], "gt_correct": False, "pass1": 0.0}},
    "usage": {"calls": 7, "input_tokens": 0, "output_tokens": 0}, "executions": 40, "wall_s": 0.5,
    "stopped": None, "executions_cached": 2,
}


def test_an_unversioned_summary_reads_with_the_new_names_and_writes_both():
    summary = RunSummary.from_dict(UNVERSIONED_SUMMARY)
    assert summary.version == 1 and summary.problem == "run_length" and summary.seed == 3
    assert summary.gt.cosplay_correct is True and summary.gt.bon_correct is False  # bon_cluster, bon
    assert summary.gt.cosplay_pass1 == 1.0 and summary.gt.bon_pass1 == 0.5
    assert summary.extra == {"simulation": True, "stopped": None, "executions_cached": 2}
    written = RunSummary.from_dict(dict(UNVERSIONED_SUMMARY, version=SUMMARY_VERSION)).to_dict()
    for old, new in GT_RENAMED.items():  # DESIGN.md's contract keeps the old names for one version
        assert written["gt"][old] == written["gt"][new] == UNVERSIONED_SUMMARY["gt"][old]
    assert written["version"] == SUMMARY_VERSION and written["executions_cached"] == 2
    assert RunSummary.from_dict(written).to_dict() == written


@pytest.mark.parametrize("change, message", [
    ({"version": SUMMARY_VERSION + 1}, f"version {SUMMARY_VERSION + 1}, newer than this CoSPlay Studio reads"),
    ({"version": "2"}, "version '2': expected a positive whole number"),
    ({"problem": None}, "whose 'problem' is NoneType, not str"),
    ({"gt": [1]}, "whose 'gt' is list, not an object"),
    ({"gt": {"bon_cluster": "yes"}}, "gt 'cosplay_correct' is 'yes', not true, false or null"),
    ({"executions": 2.5}, "whose 'executions' is float, not int"),
    ({"rounds": {}}, "whose 'rounds' is dict, not list"),
])
def test_a_malformed_or_newer_summary_is_refused_in_one_line(change, message):
    with pytest.raises(RecordError) as refused:
        RunSummary.from_dict(dict(UNVERSIONED_SUMMARY, **change))
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_summary_files_name_themselves_when_refused(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"problem": "x", "gt": {')
    with pytest.raises(RecordError, match=r"summary.json: truncated"):
        load_summary(path)
    path.write_text("[1, 2]")
    with pytest.raises(RecordError, match=r"summary.json: a run summary must be a JSON object, not list"):
        load_summary(path)
    with pytest.raises(RecordError, match="cannot be read"):
        load_summary(tmp_path / "missing.json")


def test_a_real_runs_summary_is_a_run_summary_with_the_equal_budget_when_asked(executor):
    """A sim run: summary() is a version-2 RunSummary; with equal_budget, every baseline on what the run saw."""
    problem = load_problem(SAMPLES / "run_length")
    run = start_run(problem, RunConfig(seed=1, codes=5, tests=5, rounds=2, inputs=5), executor,
                    BackboneSettings("sim"), None, GroundTruth(problem, executor))
    try:
        run.run_to_end()
        plain, budgeted = run.summary(), run.summary(equal_budget=True)
    finally:
        run.close()
    assert plain["version"] == SUMMARY_VERSION and "equal_budget" not in plain
    typed = RunSummary.from_dict(budgeted)
    assert typed.gt.cosplay_correct is not None and typed.gt.codes_total == 5
    budget = typed.equal_budget
    held = {(c.id, c.version): c.source for snapshot in run.history for c in snapshot.codes}  # every version
    assert budget is not None and budget["codes"] == len(held) >= 5 and budget["tests"] >= 5
    assert budget["distinct_codes"] == len(set(held.values()))
    assert set(budget["selectors"]) >= {"random", "bon", "codet", "codet_released", "mbr_exec"}
    for entry in budget["selectors"].values():
        assert 0 <= entry["code"] < budget["codes"] and 0.0 <= entry["pass1"] <= 1.0
    assert {k: v for k, v in budgeted.items() if k != "equal_budget"} == plain  # nothing else changes


def test_score_baselines_restricts_to_the_given_pool():
    """The function both benchmarks score their equal-budget baselines with: codes 0-1 correct, passing both UTs."""
    passes = [[1, 1], [1, 1], [0, 1]]
    scored = score_baselines([True, True, False], passes, None, [()] * 3, 0)
    assert scored["bon"]["correct"] is True and scored["bon"]["pass1"] == 1.0 and scored["bon"]["tied"] == 2
    assert scored["random"]["pass1"] == pytest.approx(2 / 3)


def spread(mean: float) -> dict:
    return Spread(mean, 0.0, mean, mean, 1, 2).to_dict()


# A bench.json as cosplay bench wrote it before records.py: a flat first-seed table and `claims` over seeds.
UNVERSIONED_BENCH = {
    "problems": 2, "scored": 2, "failed": 0, "split": "test",
    "selectors": {"cosplay": {"bon": 0.5, "pass1": 0.5, "ut_accuracy": 0.9, "problems": 2, "executions": 100},
                  "codet": {"bon": 1.0, "pass1": 0.75, "ut_accuracy": 0.6, "problems": 2, "executions": 30}},
    "usage": {"calls": 4}, "wall_s": 3.0, "errors": [], "short_of_test_inputs": [],
    "claims": {"seeds": [0, 1], "problems": 2, "selectors": {"cosplay": {"bon": spread(0.5), "pass1": spread(0.5)}},
               "ut_accuracy_start": spread(0.6), "ut_accuracy_end": spread(0.9)},
}


def test_an_unversioned_bench_json_reads_as_a_bench_result():
    result = BenchResult.from_dict(UNVERSIONED_BENCH)
    assert result.version == 1 and result.pipeline == "bench" and result.split == "test" and result.seeds == [0, 1]
    cosplay, codet = result.main.selectors["cosplay"], result.main.selectors["codet"]
    assert cosplay.accuracy.mean == 0.5 and cosplay.accuracy.problems == 2 and cosplay.executions == 100
    assert codet.accuracy.mean == 1.0 and codet.pass1.mean == 0.75 and codet.accuracy.seeds == 1  # the flat table
    assert codet.equal_budget_pass1.mean is None and result.main.ut_accuracy_end.mean == 0.9
    assert result.details == {"short_of_test_inputs": []}
    codet_style = dict(UNVERSIONED_BENCH, oracle=0.8, reference={"codet_paper": 36.7})
    assert BenchResult.from_dict(codet_style).pipeline == "humaneval_codet"


def test_a_bench_result_round_trips_and_keeps_version_1s_keys():
    readings = {"HumanEval/1": {0: {"codet": Reading(1.0, 0.5, 0.25, 0.5, 10)}},
                "HumanEval/2": {0: {"codet": Reading(0.0, 0.0, 0.5, None, 12)}}}
    splits = score_splits(readings, [0], "all", ["codet"], {"HumanEval/1": {0: (0.5, 0.75)}})
    assert list(splits) == ["all", "dev", "test"] and splits["dev"].problems == 1 and splits["test"].problems == 1
    codet = splits["all"].selectors["codet"]
    assert codet.accuracy.mean == 0.5 and codet.equal_budget_pass1.mean == pytest.approx(0.375)
    assert codet.ut_accuracy == 0.5 and codet.executions == 22 and codet.problems == 2
    result = BenchResult("bench", "all", [0], 2, 2, 0, splits, {"calls": 1}, 1.5, [], {"note": 1})
    data = json.loads(json.dumps(result.to_dict()))
    assert data["version"] == BENCH_VERSION and BenchResult.from_dict(data) == result
    assert data["selectors"]["codet"]["bon"] == 0.5  # version 1's flat table, for one version
    assert data["claims"]["selectors"]["codet"]["equal_budget"]["mean"] == pytest.approx(0.375)


@pytest.mark.parametrize("data, message", [
    ({"version": BENCH_VERSION + 1}, f"version {BENCH_VERSION + 1}, newer than this CoSPlay Studio reads"),
    ({"version": 2, "pipeline": "bench", "split": "test", "splits": {}}, "split 'test' without its scores"),
    ({"version": 2, "pipeline": "bench", "split": "all", "splits": {"all": {"selectors": {"x": 1}}}},
     "selector 'x' is int, not an object"),
    ({"problems": 2}, "without its 'selectors'"),
    ({"version": 2, "pipeline": "mystery", "split": "all", "splits": {}}, "unknown pipeline 'mystery'"),
    ("[]", "must be a JSON object, not str"),
])
def test_a_malformed_or_newer_bench_result_is_refused_in_one_line(data, message, tmp_path):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError) as refused:
        load_bench_result(path)
    assert str(refused.value).startswith(f"{path}: ") and message in str(refused.value)
