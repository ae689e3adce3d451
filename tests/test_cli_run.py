"""`cosplay run` and `cosplay bench` through the real command: sim runs, resume after a kill, bad input, and a run
against a local server speaking the OpenAI wire format."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.trace import read_trace

SMALL = ["--codes", "6", "--tests", "6", "--rounds", "2", "--inputs", "6"]


def cosplay(*args, cwd=ROOT, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env)


def test_run_with_sim_prints_the_summary(tmp_path):
    out = tmp_path / "run"
    result = cosplay("run", str(SAMPLES / "top_k_words"), "--model", "sim", "--seed", "4", *SMALL, "--out", str(out),
                     "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["problem"] == "top_k_words" and summary["model"] == "sim" and summary["seed"] == 4
    assert summary["selected"]["code_id"] in range(6)
    assert summary["gt"]["codes_total"] == 6 and summary["config"]["codes"] == 6
    assert json.loads((out / "summary.json").read_text()) == summary
    assert read_trace(out).summary == summary
    assert "simulation, not a language model" in result.stderr


def test_same_seed_same_summary_from_the_command_line(tmp_path):
    summaries = []
    for name in ("a", "b"):
        result = cosplay("run", str(SAMPLES / "run_length"), "--seed", "2", *SMALL, "--out", str(tmp_path / name),
                         "--json", "--quiet")
        summary = json.loads(result.stdout)
        for key in ("wall_s", "baselines_wall_s"):  # the execution counts too are the same for a seed
            summary.pop(key)
        summaries.append(summary)
    assert summaries[0] == summaries[1]


def test_a_killed_run_resumes_where_it_stopped(tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "cosplay_core", "run", str(SAMPLES / "max_subarray"), "--seed", "1",
            "--out", str(out), "--codes", "8", "--tests", "8", "--rounds", "3", "--inputs", "8"]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen += line
        if "step 6:" in line:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    steps_before = [e["step"] for e in read_trace(out).of_type("step")]
    assert steps_before and steps_before[-1] >= 6, seen
    result = subprocess.run(args + ["--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    steps = [e["step"] for e in read_trace(out).of_type("step")]
    assert steps == list(range(len(steps))) and len(steps) > len(steps_before)
    assert json.loads(result.stdout)["selected"] is not None


@pytest.mark.parametrize("args, message", [
    (["run", "no/such/problem"], "no such problem folder"),
    (["run", str(SAMPLES / "max_subarray"), "--codes", "0"], "--codes must be"),
    (["run", str(SAMPLES / "max_subarray"), "--rounds", "-1"], "--rounds must be"),
    (["run", str(SAMPLES / "max_subarray"), "--model", "gpt-5"], "Unknown backbone"),
    (["run", str(SAMPLES / "max_subarray"), "--model", "anthropic:claude-sonnet-4-5"], "ANTHROPIC_API_KEY"),
    (["run", str(SAMPLES / "max_subarray"), "--no", "teleport"], "unknown policy"),
    (["run", str(SAMPLES / "max_subarray"), "--test-skill", "1.5"], "skill must be between 0 and 1"),
    (["run", "missing.jsonl#HumanEval/0"], "missing.jsonl"),
    (["bench", "no/such/dataset"], "no such dataset"),
    (["bench", str(SAMPLES), "--jobs", "0"], "--jobs must be at least 1"),
    (["bench", str(SAMPLES), "--model", "openai:gpt-4o"], "OPENAI_API_KEY"),
    (["run", str(SAMPLES / "max_subarray"), "--model", "openai:local", "--base-url", "localhost:8000"],
     "must be an http:// or https:// address"),
    (["run", str(SAMPLES / "max_subarray"), "--relative-time-limit", "nan"], "--relative-time-limit must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--relative-time-limit", "inf"], "--relative-time-limit must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--relative-time-limit", "1e308"], "from 2 to 1000"),
    (["run", str(SAMPLES / "max_subarray"), "--seed", "-1"], "--seed must be a whole number from 0 to"),
    (["run", str(SAMPLES / "max_subarray"), "--seed", str(2 ** 64)], "--seed must be a whole number from 0 to"),
    (["run", str(SAMPLES / "max_subarray"), "--seed", "nan"], "argument --seed: invalid int value: 'nan'"),
    (["run", str(SAMPLES / "max_subarray"), "--codes", "inf"], "argument --codes: invalid int value: 'inf'"),
    (["run", str(SAMPLES / "max_subarray"), "--inputs", "100000"], "--inputs must be a whole number from 1 to"),
    (["run", str(SAMPLES / "max_subarray"), "--code-skill", "nan"], "skill must be between 0 and 1, not nan"),
    (["run", str(SAMPLES / "max_subarray"), "--repair-skill", "inf"], "skill must be between 0 and 1, not inf"),
    (["bench", str(SAMPLES), "--relative-time-limit", "nan"], "--relative-time-limit must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--relative-time-limit=-inf"], "--relative-time-limit must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--trusted-min-support", "nan"], "--trusted-min-support must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--trusted-min-support", "inf"], "--trusted-min-support must be a number"),
    (["run", str(SAMPLES / "max_subarray"), "--test-skill", "nan"], "skill must be between 0 and 1, not nan"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    result = cosplay(*args, "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["run", "bench"])
def test_an_output_folder_that_is_a_file_is_one_line_and_exit_2(command, tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me\n")
    target = SAMPLES / "max_subarray" if command == "run" else SAMPLES
    result = cosplay(command, str(target), *SMALL, "--out", str(taken))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "is a file, not a folder" in result.stderr and taken.read_text() == "keep me\n"


def test_bench_on_two_problems_in_parallel_and_resumed(tmp_path):
    dataset = tmp_path / "problems"
    dataset.mkdir()
    for slug in ("run_length", "top_k_words"):
        (dataset / slug).symlink_to(SAMPLES / slug)
    result = cosplay("bench", str(dataset), *SMALL, "--jobs", "2", "--out", str(tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    assert table["problems"] == 2 and table["failed"] == 0
    assert set(table["selectors"]) >= {"cosplay", "random", "bon", "codet", "mbr_exec", "largest_cluster",
                                       "stage3_only"}
    for row in table["selectors"].values():
        assert row["bon"] is None or 0.0 <= row["bon"] <= 1.0
    again = cosplay("bench", str(dataset), *SMALL, "--out", str(tmp_path / "out"))
    assert again.returncode == 0 and "CoSPlay (self-play + cluster)" in again.stdout
    assert json.loads((tmp_path / "out" / "bench.json").read_text())["selectors"] == table["selectors"]


def test_a_model_that_stops_answering_pauses_the_run_and_the_same_command_resumes(tmp_path):
    """The key is rejected mid-run: one clear line and exit 2, finished steps kept; the same command, once the model
    answers, goes on from there, with every request answered before served from the cache."""
    import threading

    from fake_llm_server import FakeLLMServer
    from test_lm_player import FUNCTION_INPUTS, GEN_FUNCTION, RunScript

    from cosplay_core.problem import load_problem
    from cosplay_core.sandbox import Executor

    problem = load_problem(SAMPLES / "run_length")
    command = ["run", str(SAMPLES / "run_length"), "--model", "openai:fake-coder", *SMALL, "--votes", "2",
               "--concurrency", "1", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "run")]
    with Executor(workers=1) as executor, FakeLLMServer(RunScript(problem, executor, FUNCTION_INPUTS,
                                                                  GEN_FUNCTION)) as server:
        def revoke_the_key_later():
            if server.wait_for_requests(12, timeout_s=120):
                server.fail("unauthorized")

        revoker = threading.Thread(target=revoke_the_key_later, daemon=True)
        revoker.start()
        first = cosplay(*command, "--base-url", server.openai_base_url, timeout=600)
        revoker.join(timeout=5)
        answered = sum(1 for r in server.requests if r.answer == "ok")
        assert first.returncode == 2, first.stderr
        last = first.stderr.strip().splitlines()[-1]
        assert "Traceback" not in first.stderr
        assert "the model cannot answer" in last and "API key was rejected" in last
        assert "run the same command again to resume" in last
        finished = len(read_trace(tmp_path / "run").of_type("step"))
        assert finished >= 1 and not (tmp_path / "run" / "summary.json").exists()

        second = cosplay(*command, "--base-url", server.openai_base_url, "--json", timeout=600)
    # nothing the model answered is asked of it again: each (prompt, sample index) reached it once
    calls = [c for c in read_trace(tmp_path / "run").of_type("model_call") if not c["cached"] and not c["error"]]
    asked = Counter(json.dumps([c["messages"], c["config"]["sample_index"]]) for c in calls)
    assert answered >= 12 and max(asked.values()) == 1 and len(calls) > answered
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["stopped"] is None and summary["selected"] is not None
    assert len(read_trace(tmp_path / "run").of_type("step")) > finished


def test_bench_stops_when_the_model_server_cannot_be_reached(tmp_path):
    from fake_llm_server import FakeLLMServer

    with FakeLLMServer() as server:
        dead = server.openai_base_url  # nothing listens there once the server has stopped
    result = cosplay("bench", str(SAMPLES), "--model", "openai:fake-coder", "--base-url", dead, *SMALL,
                     "--jobs", "2", "--out", str(tmp_path / "bench"), "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "the model cannot answer" in last and "connection failed" in last and str(tmp_path / "bench") in last
    assert "not run: the model could not answer" in result.stdout  # the rest waits for the next attempt
    assert not list((tmp_path / "bench").glob("*/summary.json"))


def test_run_against_an_openai_compatible_server(tmp_path):
    """`--model openai:<name> --base-url` end to end: the real OpenAI SDK, a local server, the real sandbox."""
    from fake_llm_server import FakeLLMServer
    from test_lm_player import FUNCTION_INPUTS, GEN_FUNCTION, RunScript

    from cosplay_core.problem import load_problem
    from cosplay_core.sandbox import Executor

    problem = load_problem(SAMPLES / "run_length")
    with Executor(workers=1) as executor, FakeLLMServer(RunScript(problem, executor, FUNCTION_INPUTS,
                                                                  GEN_FUNCTION)) as server:
        result = cosplay("run", str(SAMPLES / "run_length"), "--model", "openai:fake-coder", "--base-url",
                         server.openai_base_url, *SMALL, "--votes", "2", "--concurrency", "1", "--cache-dir",
                         str(tmp_path / "cache"), "--out", str(tmp_path / "run"), "--json", timeout=600)
        requests = len(server.requests)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["model"] == "openai:fake-coder" and summary["simulation"] is False
    assert summary["usage"]["calls"] == requests > 0
    assert summary["selected"] is not None and summary["gt"]["ut_accuracy"] == 1.0
    trace = read_trace(tmp_path / "run")
    assert len(trace.of_type("model_call")) >= requests


def test_a_second_run_on_a_held_out_folder_is_refused_and_a_dead_holders_lock_taken_over(tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "cosplay_core", "run", str(SAMPLES / "max_subarray"), "--seed", "3", *SMALL,
            "--out", str(out)]
    first = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        line = first.stderr.readline()  # the first progress line: the run has started and holds its folder
        assert "step 0" in line or "backbone" in line, line
        second = cosplay(*args[3:], "--json")
        assert second.returncode == 2 and second.stdout == "", second.stderr
        assert second.stderr == f"cosplay: --out {out} is in use by another run (pid {first.pid}); wait for it to " \
                                "finish or choose another folder\n"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert (out / ".cosplay.lock").read_text().strip() == str(first.pid)  # left behind by the killed run
    third = cosplay(*args[3:], "--json", "--quiet")
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout)["selected"] is not None and not (out / ".cosplay.lock").exists()


def test_a_run_that_cannot_start_leaves_no_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    result = cosplay("run", str(SAMPLES / "max_subarray"), "--model", "anthropic:claude-sonnet-4-5", "--out",
                     str(tmp_path / "out"), env=env)
    assert result.returncode == 2 and not (tmp_path / "out").exists()


def _two_problem_dataset(tmp_path):
    dataset = tmp_path / "problems"
    dataset.mkdir()
    for slug in ("run_length", "top_k_words"):
        (dataset / slug).symlink_to(SAMPLES / slug)
    return dataset


DAMAGES = [
    (lambda text: text[: len(text) // 2], "truncated"),
    (lambda text: "[" * 100_000, "a JSON value nested too deeply to read"),
    (lambda text: "[1, 2]\n", "expected a JSON object"),
    (lambda text: json.dumps(dict(json.loads(text), version=99)),
     "a run summary of version 99, newer than this CoSPlay Studio reads (up to 2): update CoSPlay Studio"),
    (lambda text: json.dumps(dict(json.loads(text), gt="all right")), "a summary whose 'gt' is str, not an object"),
]


def test_bench_reports_a_damaged_summary_in_one_line(tmp_path):
    dataset = _two_problem_dataset(tmp_path)
    out = tmp_path / "out"
    first = cosplay("bench", str(dataset), *SMALL, "--out", str(out), "--json")
    assert first.returncode == 0, first.stderr
    summary = out / "run_length" / "summary.json"
    intact = summary.read_text()
    for damage, message in DAMAGES:
        summary.write_text(damage(intact))
        again = cosplay("bench", str(dataset), *SMALL, "--out", str(out))
        assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
        failed = [line for line in again.stdout.splitlines() if line.startswith("failed: ")]
        assert failed == [f"failed: run_length: {summary}: {message}; delete it to run this problem again"], \
            again.stdout
    summary.unlink()  # as the line says: the problem runs again, from its trace
    healed = cosplay("bench", str(dataset), *SMALL, "--out", str(out), "--json")
    assert healed.returncode == 0 and json.loads(healed.stdout)["failed"] == 0
    assert json.loads(summary.read_text())["problem"] == "run_length"
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".cosplay.lock"))


def test_a_second_bench_on_a_held_out_folder_is_refused(tmp_path):
    from cosplay_core.outdir import hold_folder

    out = tmp_path / "out"
    with hold_folder(out, "--out"):
        result = cosplay("bench", str(_two_problem_dataset(tmp_path)), *SMALL, "--out", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"--out {out} is in use by another run (pid {os.getpid()})" in result.stderr


def test_benchmark_task_ids_become_folders_inside_out_that_never_collide(tmp_path):
    from cosplay_core.bench import list_problems
    from cosplay_core.outdir import inside

    ids = ["..", "../../escape", "a/b", "a_b", ".hidden", "HumanEval/0"]
    records = [{"task_id": task_id, "prompt": "def f(x):\n    \"\"\"x + 1\"\"\"\n", "entry_point": "f",
                "canonical_solution": "    return x + 1\n",
                "test": "def check(candidate):\n    assert candidate(1) == 2\n"} for task_id in ids]
    dataset = tmp_path / "tasks.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in records))
    refs = list_problems(str(dataset))
    assert [r.reference for r in refs] == [f"{dataset}#{task_id}" for task_id in ids]
    out = tmp_path / "out"
    folders = [inside(out, r.slug) for r in refs]
    assert len(set(folders)) == len(ids)
    assert all(f.resolve().parent == out.resolve() and not f.name.startswith(".") for f in folders)
    assert refs[-1].slug == "HumanEval_0"


def test_a_benchmark_file_nested_too_deeply_is_one_line(tmp_path):
    dataset = tmp_path / "deep.jsonl"
    dataset.write_text('{"task_id": "x", "prompt": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    for args in (["run", f"{dataset}#x"], ["bench", str(dataset)]):
        result = cosplay(*args, "--out", str(tmp_path / "out"))
        assert result.returncode == 2 and result.stderr == f"cosplay: {dataset}: a JSON value nested too deeply to " \
                                                           "read\n", result.stderr
    assert not (tmp_path / "out").exists()


def test_run_refuses_a_problem_whose_reference_is_a_fifo(tmp_path):
    import shutil

    folder = tmp_path / "max_subarray"
    shutil.copytree(SAMPLES / "max_subarray", folder)
    (folder / "reference.py").unlink()
    os.mkfifo(folder / "reference.py")
    result = cosplay("run", str(folder), "--out", str(tmp_path / "out"), timeout=60)  # a blocked open times out
    assert result.returncode == 2 and result.stderr == f"cosplay: {folder}: reference.py is a FIFO, not a regular " \
                                                       "file\n"


@pytest.mark.parametrize("damage, message", [
    ("blob", "refers to 1 blob(s) it does not hold"),
    ("step", "step events are missing or out of order (step 3 is 4)"),
    ("line", "is unreadable and"),  # a garbled line with events after it: not a last write cut short
])
def test_a_trace_missing_blobs_or_events_refuses_to_resume_in_one_line(damage, message, tmp_path):
    out = tmp_path / "run"
    args = ["run", str(SAMPLES / "weighted_jobs"), "--seed", "1", *SMALL, "--out", str(out), "--quiet"]
    assert cosplay(*args).returncode == 0
    lines = (out / "trace.jsonl").read_text().splitlines(keepends=True)
    events = [json.loads(line) for line in lines]
    cut = next(i for i, e in enumerate(events) if e["type"] == "step" and e["step"] == 8)  # as if killed there
    referred = {h for line in lines[:cut + 1] for h in re.findall(r'"\$blob":"([0-9a-f]+)"', line)}
    drop = next(i for i, e in enumerate(events) if (e["type"] == "blob" and e["hash"] in referred if damage == "blob"
                                                    else e["type"] == "step" and e["step"] == 3))
    kept = [line if i != drop else '{"no type": "a garbled line"}\n' for i, line in enumerate(lines[:cut + 1])]
    (out / "trace.jsonl").write_text("".join(line for line in kept if damage == "line" or "garbled" not in line))
    (out / "summary.json").unlink()
    result = cosplay(*args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "cannot be resumed" in result.stderr and "--fresh" in result.stderr
    assert not (out / "summary.json").exists()
