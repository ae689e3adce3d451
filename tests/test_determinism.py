"""Same seed, same run: the trace's events are identical (timings aside) on a quiet machine and beside CPU hogs."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES
from cosplay_core.config import RunConfig
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.players.sim import SimPlayer
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Executor, Job, Limits, Program, pair_key
from cosplay_core.trace import read_raw_events, read_trace

# weighted_jobs has a too-slow wrong solution and a `large` stage-3 input (from 8 inputs on), so pool-relative
# limits, probes and retries are exercised
CONFIG = RunConfig(codes=8, tests=8, rounds=2, inputs=8, seed=0)
TIMING = {"time", "time_s", "cpu_s", "latency_s", "wall_s", "total_wall_s", "baseline_wall_s", "baselines_wall_s"}


def without_timing(value):
    """`value` with every timing field removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def differences(a, b, path="") -> list[str]:
    """Where two JSON values differ, as paths (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {str(a)[:80]} != {str(b)[:80]}"]


def trace_events(out_dir) -> list[dict]:
    """The raw events of a run's trace, without their timing fields."""
    events, warnings = read_raw_events(out_dir)
    assert not warnings
    return [without_timing(e) for e in events]


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The folder of one finished small sim run of weighted_jobs, for the tests that only read its trace."""
    out = tmp_path_factory.mktemp("whole")
    finished_run(load_problem(SAMPLES / "weighted_jobs"), out)
    return out


def test_same_seed_same_trace_events_quiet_and_beside_cpu_hogs(whole, tmp_path):
    quiet = trace_events(whole)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        counters = finished_run(load_problem(SAMPLES / "weighted_jobs"), tmp_path / "loaded").counters()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    loaded = trace_events(tmp_path / "loaded")
    assert [e["type"] for e in quiet] == [e["type"] for e in loaded]
    for number, (a, b) in enumerate(zip(quiet, loaded)):
        assert a == b, f"event {number} ({a['type']} {a.get('name', '')}): {differences(a, b)[:5]}"
    finished = quiet[-1]
    assert finished["type"] == "run_finished" and finished["summary"]["selected"] is not None
    assert finished["summary"]["executions"] > 0 and set(counters) >= {"executions_retried", "executions_cached"}


class GuardedExecutor:
    """An executor that fails the test when asked to execute a pair in `forbidden` (pair keys)."""

    def __init__(self, executor: Executor, forbidden: set[str]):
        self.executor, self.forbidden = executor, forbidden

    def run_jobs(self, jobs):
        for job in jobs:
            for item in job.inputs:
                assert pair_key(job.program, item, job.limits) not in self.forbidden, "a recorded pair was executed"
        return self.executor.run_jobs(jobs)

    def run(self, program, inputs, limits=None):
        return self.run_jobs([Job(program, tuple(inputs), limits or Limits())])[0]

    def __getattr__(self, name):
        return getattr(self.executor, name)


def small_run(problem, executor, out_dir=None, recorded=None, sim_executor=None) -> Run:
    """The small sim run; `sim_executor`: what the sim and ground truth run their own programs on (the run's
    executor by default)."""
    return Run(problem, SimPlayer(problem, sim_executor or executor, seed=CONFIG.seed), CONFIG, executor, out_dir,
               GroundTruth(problem, sim_executor or executor), recorded=recorded)


def finished_run(problem, out_dir: Path) -> Run:
    """The small sim run, run to its end on an executor of its own (no outcome cached from another run)."""
    with Executor(workers=2) as executor:
        run = small_run(problem, executor, out_dir)
        try:
            run.run_to_end()
        finally:
            run.close()
    return run


def cut_after_step(trace_path: Path, last_step: int) -> None:
    """Keeps the trace's events up to the step event numbered `last_step`, as a run killed there leaves it."""
    kept = []
    for line in trace_path.read_text().splitlines(keepends=True):
        kept.append(line)
        event = json.loads(line)
        if event["type"] == "step" and event["step"] == last_step:
            break
    trace_path.write_text("".join(kept))


def test_every_verdict_is_in_the_trace_and_a_resumed_run_executes_none_again(whole, tmp_path):
    problem = load_problem(SAMPLES / "weighted_jobs")
    trace = read_trace(whole)
    recorded = trace.outcomes()
    final = trace.of_type("step")[-1]
    assert final["name"] == "select" and recorded
    for snapshot in trace.snapshots():  # every cell of every step has its outcome in the trace
        for code, row in zip(snapshot.codes, snapshot.cells):
            for test, cell in zip(snapshot.tests, row):
                outcome = recorded[pair_key(problem.program(code.source), test.input, problem.limits())]
                assert outcome.status == cell.status

    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(whole / "trace.jsonl", partial / "trace.jsonl")
    cut_after_step(partial / "trace.jsonl", 12)  # in stage 2
    before = set(read_trace(partial).outcomes())
    with Executor(workers=2) as real:
        guarded = GuardedExecutor(real, before)
        # the sim's own runs (the simulated model's "thinking") and ground truth's scoring are not the run's
        # executions: they stay unguarded
        resumed = Run.resume(problem, SimPlayer(problem, real, seed=CONFIG.seed), CONFIG, guarded, partial,
                             GroundTruth(problem, real))
        assert resumed.step_index == 13
        resumed.run_to_end()
        resumed.close()
    summary, expected = without_timing(resumed.summary()), without_timing(trace.summary)
    # ground truth scores the codes again in a new process (scoring, not the run's own work)
    assert summary.pop("gt_executions") >= expected.pop("gt_executions")
    assert summary == expected


def test_a_replay_from_a_trace_executes_no_recorded_pair_and_gives_the_same_run(whole, tmp_path):
    problem = load_problem(SAMPLES / "weighted_jobs")
    trace = read_trace(whole)
    with Executor(workers=2) as real:
        guarded = GuardedExecutor(real, set(trace.outcomes()))
        replay = small_run(problem, guarded, tmp_path / "replay", recorded=trace.outcomes(), sim_executor=real)
        replay.run_to_end()
        replay.close()
    assert replay.recorder.executed == 0 and replay.recorder.replayed > 0
    summary = without_timing(replay.summary())
    expected = without_timing(trace.summary)
    assert summary.pop("executions") == 0 and expected.pop("executions") > 0
    for key in ("executions_stage1", "executions_baselines"):  # nothing was executed: everything was replayed
        summary.pop(key), expected.pop(key)
    assert summary == expected


def test_concurrent_sim_predictions_execute_each_pair_once():
    """The k votes of a UT ask for the same (program, input) pairs at the same time: each runs once, so the
    executor's count does not depend on which request finished first."""
    import asyncio

    problem = load_problem(SAMPLES / "weighted_jobs")
    test_input = problem.tests[0].input
    counts = []
    for together in (True, False):
        with Executor(workers=2) as executor:
            sim = SimPlayer(problem, executor, seed=0)

            async def votes():
                if together:
                    return await asyncio.gather(*[sim.predict_output(test_input, i) for i in range(8)])
                return [await sim.predict_output(test_input, i) for i in range(8)]

            predictions = asyncio.run(votes())
            counts.append((executor.executions, executor.cache_hits))
        assert all(p is not None for p in predictions)
    assert counts[0] == counts[1] and counts[0][1] == 0  # no pair asked of the executor twice


def test_programs_hash_strings_the_same_way_on_every_server_and_batch():
    """A program's set and dict orders are part of its output: every server (a fresh interpreter each) hashes
    strings with the same key, in isolated and batch mode, so that the same program gives the same output in the
    next run. (With `python -I` the runner ignored PYTHONHASHSEED and each server drew a key of its own.)"""
    words = "list({'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'})"
    stdin_program = f"import sys\nprint(sys.flags.hash_randomization, hash('cosplay'), {words})\n"
    function = f"def f(x):\n    return [hash('cosplay'), {words}, x]\n"
    seen = []
    for _ in range(3):
        with Executor(workers=1) as executor:
            printed = executor.run(Program(stdin_program), [""])[0]
            isolated = executor.run(Program(function, io="function", entry_point="f"), [[1]])[0]
            batch = executor.run(Program(function, io="function", entry_point="f"), [[1], [2]],
                                 Limits(isolate_inputs=False))
        assert printed.status == "ok" and printed.stdout.startswith("0 ")
        assert [isolated.status] + [o.status for o in batch] == ["ok"] * 3
        assert isolated.value[:2] == batch[0].value[:2] == batch[1].value[:2]
        seen.append((printed.stdout, isolated.value[:2]))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][1][0] == int(seen[0][0].split()[1])  # the same key in a stdin program as in a function


def test_programs_draw_the_same_random_numbers_on_every_server_input_and_batch():
    """`random` is seeded alike for every program (as `random.seed(0)`): a program that draws from it without a
    seed of its own (a random pivot, a shuffled order, a sampled answer) gives the same output in the next run, on
    every input. os.urandom and SystemRandom stay random."""
    draw = "[random.random(), random.randrange(10 ** 9), random.sample(range(100), 3)]"
    stdin_program = f"import random\nprint({draw}, input())\n"
    function = f"import random\ndef f(x):\n    return [{draw}, x]\n"
    expected = random.Random(0)
    first = [expected.random(), expected.randrange(10 ** 9), expected.sample(range(100), 3)]
    seen = []
    for _ in range(2):
        with Executor(workers=1) as executor:
            printed = executor.run(Program(stdin_program), ["a\n", "b\n"])
            isolated = executor.run(Program(function, io="function", entry_point="f"), [[1], [2]])
            batch = executor.run(Program(function, io="function", entry_point="f"), [[1], [3]],
                                 Limits(isolate_inputs=False))
            [forked] = executor.run(Program("import os, random, sys\nif os.fork() == 0:\n    print(random.random())\n"
                                            "    sys.stdout.flush()\n    os._exit(0)\nos.wait()\n"
                                            "print(random.random())\n"), [""])
        assert [o.status for o in printed + isolated + batch + [forked]] == ["ok"] * 7
        assert [o.stdout for o in printed] == [f"{first} a\n", f"{first} b\n"]
        assert [o.value for o in isolated] == [[first, 1], [first, 2]]
        assert batch[0].value == [first, 1]  # a batch's later calls go on drawing from where the earlier ones left
        seen.append((batch[1].value, forked.stdout))
        child, parent = forked.stdout.split()  # the parent prints once its child has ended
        assert float(parent) == first[0] and float(child) != first[0]  # a child reseeds, as in Python
    assert seen[0] == seen[1]
