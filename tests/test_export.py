"""`cosplay export`: SFT, DPO and tests rows from real runs (sim backbone, real sandbox), checked by running their
codes on their UTs again, loaded back with `datasets`; ground truth read only with --require-gt; bad input in one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.compare import outcome_matches
from cosplay_core.problem import load_json_value
from cosplay_core.sandbox import Executor, Limits, Program

SMALL = ["--codes", "8", "--tests", "8", "--rounds", "2", "--inputs", "6", "--seed", "3"]


def cosplay(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A bench folder of two sample problems (one stdin, one function mode) and one run of a problem without ground
    truth."""
    root = tmp_path_factory.mktemp("export")
    dataset = root / "problems"
    dataset.mkdir()
    for slug in ("max_subarray", "run_length"):
        (dataset / slug).symlink_to(SAMPLES / slug)
    bench = cosplay("bench", str(dataset), *SMALL, "--out", str(root / "bench"), "--json")
    assert bench.returncode == 0, bench.stderr
    no_gt = root / "no_gt_problem"
    shutil.copytree(SAMPLES / "max_subarray", no_gt, ignore=shutil.ignore_patterns("tests.jsonl", "__pycache__"))
    run = cosplay("run", str(no_gt), *SMALL, "--out", str(root / "no_gt_run"), "--json", "--quiet")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["gt"]["codes_total"] is None
    return {"bench": root / "bench", "no_gt": root / "no_gt_run", "root": root}


def export(tmp_path, fmt, *folders, extra=()) -> tuple[list[dict], dict]:
    out = tmp_path / f"{fmt}.jsonl"
    result = cosplay("export", *map(str, folders), "--format", fmt, "-o", str(out), "--json", *extra)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return rows, json.loads(result.stdout)


def _code(fenced: str) -> str:
    assert fenced.startswith("```python\n") and fenced.endswith("\n```")
    return fenced[len("```python\n"):-len("\n```")]


def _passes(executor, code: str, row: dict) -> bool:
    """Runs `code` on one tests row's input; whether it produces the row's expected output."""
    io = row["io"]
    given = load_json_value(row["input"]) if io == "function" else row["input"]
    expected = load_json_value(row["expected_output"]) if io == "function" else row["expected_output"]
    [outcome] = executor.run(Program(code, io, row["entry_point"]), [given], Limits(time_limit_s=4.0))
    return outcome_matches(expected, outcome, io)


def _summaries(folder: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in folder.rglob("summary.json")}


def test_sft_rows_are_the_chosen_codes_with_the_problem_as_prompt(runs, tmp_path):
    rows, report = export(tmp_path, "sft", runs["bench"], runs["no_gt"])
    summaries = _summaries(runs["root"])
    # the run without ground truth is of the same problem: its row is left out when it chose the same code
    assert report["runs"] == 3 and report["rows"] == len(rows) and report["rows"] + report["duplicates"] == 3
    for row in rows:
        summary = summaries[row["run"]]
        assert _code(row["completion"]) == summary["selected"]["code"].rstrip()
        assert row["code_id"] == summary["selected"]["code_id"] and row["chosen"] is True
        assert row["simulation"] is True and row["model"] == "sim" and row["gt_checked"] is False
        assert row["tests_passed"] >= 1 and row["tests_passed"] <= row["tests_agreed"]
        assert row["prompt"].startswith("# The problem") and "# How solutions are run" in row["prompt"]
        assert "```python" in row["prompt"]  # the request says how to answer
    function_row = next(r for r in rows if r["problem"] == "run_length")
    assert "encode_runs" in function_row["prompt"] and "not run as a script" in function_row["prompt"]


def test_dpo_pairs_a_chosen_code_that_passes_every_trusted_ut_with_one_that_fails_one(runs, tmp_path):
    rows, _ = export(tmp_path, "dpo", runs["bench"])
    tests, _ = export(tmp_path, "tests", runs["bench"])
    assert rows, "the sim pools hold wrong codes: some must fail a trusted UT"
    with Executor(workers=2) as executor:
        for row in rows:
            assert row["chosen"] != row["rejected"] and 1 <= row["rejected_failed"] <= row["rejected_checked"]
            assert "# bug:" not in row["rejected"]  # a sim program's bug note is ground truth: left out
            trusted = [t for t in tests if t["run"] == row["run"]]
            chosen = [_passes(executor, _code(row["chosen"]), t) for t in trusted]
            rejected = [_passes(executor, _code(row["rejected"]), t) for t in trusted]
            assert all(chosen), row["run"]
            assert not all(rejected), row["run"]


def test_tests_rows_are_uts_the_chosen_code_passes_with_their_support(runs, tmp_path):
    rows, _ = export(tmp_path, "tests", runs["bench"])
    sft, _ = export(tmp_path, "sft", runs["bench"])
    chosen = {r["run"]: _code(r["completion"]) for r in sft}
    assert {r["problem"] for r in rows} == {"max_subarray", "run_length"}
    with Executor(workers=2) as executor:
        for row in rows:
            assert 0 < row["support"] <= 1 and row["passed_by"] == round(row["support"] * row["codes"])
            assert row["votes_agreeing"] >= 1 and isinstance(row["input"], str)
            assert _passes(executor, chosen[row["run"]], row)
    function_rows = [r for r in rows if r["io"] == "function"]
    assert function_rows and all(isinstance(json.loads(r["input"]), list) for r in function_rows)


def test_every_format_loads_with_datasets_in_the_columns_trl_reads(runs, tmp_path):
    datasets = pytest.importorskip("datasets")
    columns = {"sft": {"prompt", "completion"}, "dpo": {"prompt", "chosen", "rejected"},
               "tests": {"problem", "input", "expected_output", "support"}}
    for fmt, needed in columns.items():
        rows, _ = export(tmp_path, fmt, runs["bench"], runs["no_gt"])
        loaded = datasets.load_dataset("json", data_files=str(tmp_path / f"{fmt}.jsonl"), split="train",
                                       cache_dir=str(tmp_path / "hf-cache"))
        assert needed <= set(loaded.column_names) and loaded.num_rows == len(rows) > 0
        assert loaded[0]["prompt"] == rows[0]["prompt"]


def test_ground_truth_is_read_only_with_require_gt(runs, tmp_path):
    """Every ground-truth mark in a copy of the traces is flipped: the export without --require-gt does not change;
    with it, what ground truth calls wrong is refused and runs without ground truth are kept, unchecked."""
    honest, _ = export(tmp_path, "sft", runs["bench"], runs["no_gt"])
    checked, report = export(tmp_path, "sft", runs["bench"], runs["no_gt"], extra=["--require-gt"])
    summaries = _summaries(runs["root"])
    for row in checked:
        verdict = summaries[row["run"]]["gt"]["bon_cluster"]
        assert verdict is not False and row["gt_checked"] is (verdict is True)
    assert report["unchecked"] == 1 and report["dropped_by_gt"] == sum(
        1 for s in summaries.values() if s["gt"]["bon_cluster"] is False)

    flipped = tmp_path / "flipped"
    shutil.copytree(runs["bench"], flipped)
    for trace in flipped.rglob("trace.jsonl"):
        lines = []
        for line in trace.read_text().splitlines():
            event = json.loads(line)
            if event.get("gt"):
                event["gt"] = {k: None if v is None else [not x for x in v] for k, v in event["gt"].items()}
            lines.append(json.dumps(event))
        trace.write_text("\n".join(lines) + "\n")
    without, _ = export(tmp_path, "sft", flipped)
    assert [r["completion"] for r in without] == [r["completion"] for r in honest if r["run"] != "no_gt_run"]
    refused, report = export(tmp_path, "sft", flipped, extra=["--require-gt"])
    kept = {r["run"] for r in checked if r["gt_checked"]}
    assert {r["run"] for r in refused}.isdisjoint(kept) and report["dropped_by_gt"] >= len(kept)


def test_cluster_adds_the_agreeing_codes_and_duplicates_are_left_out(runs, tmp_path):
    rows, report = export(tmp_path, "sft", runs["bench"], extra=["--cluster"])
    assert len({(r["prompt"], r["completion"]) for r in rows}) == len(rows)
    assert sum(r["chosen"] for r in rows) == 2 and all(r["cluster_size"] >= 1 for r in rows)
    assert report["rows"] + report["duplicates"] >= 2


def test_unfinished_runs_are_left_out_with_a_line_and_a_folder_without_runs_is_exit_2(runs, tmp_path):
    torn = tmp_path / "runs" / "torn"
    torn.mkdir(parents=True)
    lines = (runs["no_gt"] / "trace.jsonl").read_text().splitlines()
    (torn / "trace.jsonl").write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    only_torn = cosplay("export", str(tmp_path / "runs"), "--format", "sft", "-o", str(tmp_path / "a.jsonl"))
    assert only_torn.returncode == 2 and only_torn.stderr.count("\n") == 1
    assert "no finished run" in only_torn.stderr and "unfinished" in only_torn.stderr
    shutil.copytree(runs["no_gt"], tmp_path / "runs" / "done")
    mixed = cosplay("export", str(tmp_path / "runs"), "--format", "sft", "-o", str(tmp_path / "b.jsonl"))
    assert mixed.returncode == 0 and "left out" in mixed.stderr and "torn: unfinished" in mixed.stderr
    assert len((tmp_path / "b.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["{empty}", "--format", "sft", "-o", "{out}"], "no runs in it"),
    (["{missing}", "--format", "dpo", "-o", "{out}"], "no such folder"),
    (["{empty}", "--format", "json", "-o", "{out}"], "invalid choice"),
    (["{empty}", "--format", "sft"], "required: -o/--output"),
    (["{run}", "--format", "tests", "-o", "{empty}"], "is a folder"),
    (["{file}", "--format", "sft", "-o", "{out}"], "not a folder"),
])
def test_bad_input_is_one_line_and_exit_2(runs, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x\n")
    names = {"empty": tmp_path / "empty", "missing": tmp_path / "missing", "out": tmp_path / "out.jsonl",
             "run": runs["no_gt"], "file": tmp_path / "file.txt"}
    result = cosplay("export", *[a.format(**names) for a in args])
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
