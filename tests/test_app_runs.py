"""Issue 13, the Runs page: saved runs as rows (seed, settings, status, percentages), unfinished runs said as such,
two or more runs compared (metrics, settings diff, curves overlaid), a bench folder with a per-problem table, a
saved run opened from a link; and no Streamlit internals printed on the page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support import open_app as app
from conftest import SAMPLES
from cosplay_core import saved_runs, viz
from cosplay_core.bench import aggregate, aggregate_seeds
from cosplay_core.config import RunConfig
from cosplay_core.problem import load_problem
from cosplay_core.session import BackboneSettings, start_run, write_summary

SMALL = dict(codes=5, tests=5, rounds=2, inputs=5)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, executor):
    """Two finished runs of one problem with different seeds and one unfinished run, in a runs folder."""
    root = tmp_path_factory.mktemp("runs")
    problem = load_problem(SAMPLES / "run_length")
    for name, seed, steps in (("seed1", 1, None), ("seed2", 2, None), ("halfway", 3, 6)):
        run = start_run(problem, RunConfig(seed=seed, **SMALL), executor, BackboneSettings("sim"), root / name)
        try:
            if steps is None:
                run.run_to_end()
                write_summary(run)
            else:
                for _ in range(steps):
                    run.step()
        finally:
            run.close()
    return root


def test_rows_say_seed_settings_status_and_percentages(runs):
    records = {r["run"]: r for r in map(saved_runs.run_record, saved_runs.list_runs(runs))}
    assert set(records) == {"seed1", "seed2", "halfway"}
    finished = saved_runs.table_row(records["seed1"])
    assert finished["seed"] == 1 and finished["settings"] == "5 codes × 5 UTs, 2 rounds, R 5, k 4"
    assert finished["status"] == "finished" and finished["UT accuracy"].endswith("%")
    assert finished["chosen code"] in ("✅ correct", "❌ wrong") and finished["seconds"] > 0
    half = saved_runs.table_row(records["halfway"])
    assert half["status"] == "unfinished, stopped after step 5 (clean)" and half["chosen code"] == "–"
    assert half["seed"] == 3 and half["model calls"] > 0


def test_seconds_count_ground_truth_and_baselines(runs):
    summary = saved_runs.run_record(runs / "seed1")["summary"]
    assert saved_runs.total_seconds(summary) >= summary["wall_s"] + summary["baselines_wall_s"] - 1e-9


def test_two_runs_compared(runs):
    records = [saved_runs.run_record(runs / name) for name in ("seed1", "seed2", "halfway")]
    diff = saved_runs.settings_diff(records)
    assert [row["setting"] for row in diff] == ["seed"]
    assert diff[0] == {"setting": "seed", "seed1": "1", "seed2": "2", "halfway": "3"}
    table = {row["metric"]: row for row in saved_runs.compare_table(records)}
    assert table["UT accuracy"]["seed1"].endswith("%") and table["UT accuracy"]["halfway"] == "unfinished"
    assert "baseline: CodeT (paper score)" in table  # the selector table's own label
    assert table["seconds, in all"]["seed1"] == f"{saved_runs.total_seconds(records[0]['summary']):.1f}"
    pairs = [(r["run"], r["summary"]) for r in records]
    curves = viz.compare_rounds_figure(pairs).to_dict()
    assert {t["meta"]["run"] for t in curves["data"]} == {"seed1", "seed2"}
    assert {t["meta"]["metric"] for t in curves["data"]} == {"pool_pass_rate", "pass_count_auc", "wrong_uts",
                                                             "spurious_couplings"}
    bars = viz.compare_histograms_figure(pairs).to_dict()
    assert [t["name"] for t in bars["data"]] == ["seed1", "seed1", "seed2", "seed2"]


def page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "error", "warning", "text")
                     for e in at.get(kind))


def test_runs_page_lists_the_runs_with_nothing_internal_on_it(monkeypatch, runs):
    at = app(monkeypatch, runs)
    at.switch_page("pages/runs.py")
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["run"]) and set(frame["run"]) == {"seed1", "seed2", "halfway"}
    assert {"seed", "settings", "status", "UT accuracy", "seconds"} <= set(frame.columns)
    assert "DeltaGenerator" not in page_text(at)


def test_a_link_opens_a_saved_run(monkeypatch, runs):
    at = app(monkeypatch, runs, run="seed2")
    assert "saved run, finished" in at.markdown[0].value and "seed 2" in at.markdown[0].value
    for page in ("pages/selfplay.py", "pages/clusters.py", "pages/coupling.py", "pages/ideas.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, at.exception)
        assert "DeltaGenerator" not in page_text(at)
    assert at.query_params["run"] == "seed2"
    bad = app(monkeypatch, runs, run="../etc")
    assert any("not here" in e.value for e in bad.error)


def test_an_unfinished_run_opens_as_such(monkeypatch, runs):
    at = app(monkeypatch, runs, run="halfway")
    assert "saved run, unfinished" in at.markdown[0].value


def open_on_runs_page(monkeypatch, runs, folder, errors: int = 0):
    """The Runs page with `folder` typed into its open field and opened; no exception, and `errors` errors, on the
    page."""
    at = app(monkeypatch, runs)
    at.switch_page("pages/runs.py")
    at.run()
    at.text_input(key="open_path").input(str(folder))
    at.button(key="open_button").click()
    at.run()
    assert not at.exception and len(at.error) == errors, (at.exception, [e.value for e in at.error])
    return at


def test_a_bench_folder_has_a_per_problem_table(monkeypatch, runs, tmp_path):
    bench = runs / "bench-small"
    if not bench.exists():
        for name in ("seed1", "seed2"):
            shutil.copytree(runs / name, bench / name)
        summaries = [json.loads((bench / n / "summary.json").read_text()) for n in ("seed1", "seed2")]
        (bench / "bench.json").write_text(json.dumps(aggregate(summaries).to_dict()))
    at = open_on_runs_page(monkeypatch, runs, bench)
    tables = [d.value for d in at.dataframe]
    per_problem = next(t for t in tables if "CoSPlay" in t.columns)
    assert len(per_problem) == 2 and {"CodeT (paper score)", "UT accuracy", "status"} <= set(per_problem.columns)
    selectors = next(t for t in tables if "selector" in t.columns)
    assert all(v == "-" or "%" in v for v in selectors["accuracy"])
    assert "equal-budget pass@1" in selectors.columns


def test_a_bench_over_seeds_lists_each_seed_of_each_problem(monkeypatch, runs):
    """`cosplay bench --seeds N` keeps each seed's runs in `seed-<k>/`: the per-problem table has a row per problem and
    seed, with its seed, and the page shows the figures over seeds."""
    bench = runs / "bench-seeds"
    if not bench.exists():
        by_seed = {}
        for seed, name in ((1, "seed1"), (2, "seed2")):
            shutil.copytree(runs / name, bench / f"seed-{seed}" / "run_length")
            by_seed[seed] = [json.loads((runs / name / "summary.json").read_text())]
        (bench / "bench.json").write_text(json.dumps(aggregate_seeds(by_seed).to_dict()))
    rows = saved_runs.bench_problems(bench)
    assert [(r["problem"], r["seed"]) for r in rows] == [("run_length", 1), ("run_length", 2)]
    assert all(Path(r["folder"]).parent.name == f"seed-{r['seed']}" for r in rows)
    at = open_on_runs_page(monkeypatch, runs, bench)
    tables = [d.value for d in at.dataframe]
    per_problem = next(t for t in tables if "CoSPlay" in t.columns)
    assert list(per_problem["seed"]) == [1, 2]
    over_seeds = next(t for t in tables if "selector" in t.columns)
    assert "±" in over_seeds["pass@1 (ties shared)"][0] and "[" in over_seeds["accuracy"][0]

def test_counters_are_the_runs_own(runs):
    """Executions and cache hits count this run's work only; total time counts scoring and baselines too."""
    summary = saved_runs.run_record(runs / "seed1")["summary"]
    assert summary["executions"] > 0 and summary["executions_cached"] >= 0
    assert summary["total_wall_s"] >= summary["wall_s"] + summary["baselines_wall_s"] - 1e-3
    table = {row["metric"]: row for row in saved_runs.compare_table([saved_runs.run_record(runs / "seed1")])}
    assert table["executions answered from the cache"]["seed1"] == str(summary["executions_cached"])


def test_the_settings_diff_names_backbone_settings(tmp_path):
    """Two runs that differ only by sim's test skill: the diff says so (the trace's run_started records it)."""
    records = []
    for name, skill in (("low", 0.3), ("high", 0.6)):
        folder = tmp_path / name
        folder.mkdir()
        started = {"v": 1, "type": "run_started", "problem": {"slug": "p"}, "config": {"seed": 0},
                   "backbone": {"name": "sim", "settings": {"test_skill": skill, "seed": 0}}}
        (folder / "trace.jsonl").write_text(json.dumps(started) + "\n")
        records.append(saved_runs.run_record(folder))
    assert saved_runs.settings_diff(records) == [{"setting": "backbone test_skill", "low": "0.3", "high": "0.6"}]


def codet_output(folder: Path) -> Path:
    """A HumanEval benchmark output folder as `run_codet_benchmark` leaves it: settings, two problems' records of
    seed 0 (one failed) and `result.all.json`, built by the benchmark's own aggregation."""
    from cosplay_core.experiments.codet_bench import aggregate_seeds as codet_aggregate

    def entry(correct: bool) -> dict:
        return {"code": 0, "correct": correct, "pass1": float(correct), "ut_accuracy": 0.5, "executions": 10,
                "equal_budget": {"code": 0, "correct": correct, "pass1": float(correct)}}

    cosplay = {"ut_accuracy": 0.75, "ut_accuracy_initial": 0.5, "codes_correct": 2, "codes_total": 4,
               "initial_codes_correct": 1, "tied": 1, "outcome": "correct", "usage": {}, "baselines_16": {},
               "executions": 30}
    good = {"problem": "HumanEval/1", "seed": 0, "gt": "1100", "tests": 3, "inputs": 3, "dropped_tests": 0,
            "ut_accuracy_pool": 0.5, "ut_accuracy_pool_weighted": 0.5, "executions": {"gt": 4}, "wall_s": 1.5,
            "selectors": {"cosplay": entry(True), "cosplay_bon": entry(True), "codet": entry(False),
                          "random": entry(True)}, "cosplay": cosplay}
    failed = {"problem": "HumanEval/2", "seed": 0, "error": "TimeoutError: too slow"}
    (folder / "problems").mkdir(parents=True, exist_ok=True)
    for record in (good, failed):
        (folder / "problems" / f"{record['problem'].replace('/', '_')}.seed0.json").write_text(json.dumps(record))
    (folder / "settings.json").write_text("{}")
    result = codet_aggregate({0: [good, failed]}, "all")
    (folder / "result.all.json").write_text(json.dumps(result.to_dict()))
    return folder


def test_a_humaneval_benchmark_folder_opens_like_a_bench_folder(monkeypatch, runs):
    """The HumanEval benchmark's --out (result.<split>.json and per-problem records, no run folders): the page
    shows its selectors per split and a row per problem record, failures said as such."""
    folder = codet_output(runs / "codet-out")
    assert saved_runs.bench_result_files(folder) == [folder / "result.all.json"]
    rows = saved_runs.bench_problems(folder)
    assert [(r["problem"], r["seed"], r["folder"]) for r in rows] == [("HumanEval/1", 0, None),
                                                                      ("HumanEval/2", 0, None)]
    assert rows[0]["CoSPlay"] == "✅ correct" and rows[0]["CodeT (paper score)"] == "❌ wrong"
    assert rows[1]["status"] == "failed: TimeoutError: too slow"
    at = open_on_runs_page(monkeypatch, runs, folder)
    assert any("HumanEval x CodeT benchmark" in h.value for h in at.subheader)
    tables = [d.value for d in at.dataframe]
    selectors = [t for t in tables if "selector" in t.columns]
    assert len(selectors) == 3  # all, dev, test
    assert selectors[0]["accuracy"][0].startswith("100.0%") and "equal-budget pass@1" in selectors[0].columns
    per_problem = next(t for t in tables if "CoSPlay" in t.columns)
    assert list(per_problem["problem"]) == ["HumanEval/1", "HumanEval/2"]


def test_an_unreadable_or_newer_bench_result_is_one_line_on_the_page(monkeypatch, runs):
    folder = runs / "bench-future"
    folder.mkdir(exist_ok=True)
    (folder / "bench.json").write_text(json.dumps({"version": 99, "pipeline": "bench"}))
    at = open_on_runs_page(monkeypatch, runs, folder, errors=1)
    assert "newer than this CoSPlay Studio reads" in at.error[0].value
    (folder / "bench.json").write_text('{"version": 2, "pipel')
    at = open_on_runs_page(monkeypatch, runs, folder, errors=1)
    assert "truncated" in at.error[0].value

