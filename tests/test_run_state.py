"""The run's typed state: a step gets a state and gives a new one (never changing what it was given), the state
round-trips through the trace's format, one step table names every step, ground truth is bound once."""

from __future__ import annotations

import pytest

from conftest import SAMPLES
from cosplay_core.config import Policies, RunConfig
from cosplay_core.ground_truth import GroundTruth, UnboundGroundTruth
from cosplay_core.players.sim import SimPlayer
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Executor
from cosplay_core.stages.steps import STEP, STEPS, policy_labels, round_steps
from cosplay_core.state import RunState
from cosplay_core.trace import read_trace

TINY = RunConfig(codes=4, tests=4, rounds=1, inputs=4, seed=2)


@pytest.fixture(scope="module")
def problem():
    return load_problem(SAMPLES / "run_length")


@pytest.fixture(scope="module")
def finished(problem, tmp_path_factory):
    """A finished tiny run, its trace, and every state it went through (each one kept before its step)."""
    out = tmp_path_factory.mktemp("run")
    with Executor(workers=2) as executor:
        run = Run(problem, SimPlayer(problem, executor, seed=TINY.seed), TINY, executor, out)
        states, records = [], []
        while not run.done:
            before = run.state
            states.append(before)
            records.append(before.to_dict())
            run.step()
            assert run.state is not before
        states.append(run.state)
        run.close()
    return run, read_trace(out), states, records


def test_a_step_never_changes_the_state_it_was_given(finished):
    _, _, states, records = finished
    for state, record in zip(states, records):
        assert state.to_dict() == record
    assert states[0] == RunState() and states[-1].done


def test_the_state_round_trips_through_the_trace(finished):
    run, trace, _, _ = finished
    steps = trace.of_type("step")
    assert len(steps) == len(run.history)
    for event in steps:
        assert RunState.from_dict(event["state"]).to_dict() == event["state"]
    last = RunState.from_dict(steps[-1]["state"])
    assert last.codes == run.state.codes and last.tests == run.state.tests and last.selection == run.state.selection
    assert last.counter == run.state.counter and last.rounds == run.state.rounds


def test_a_trace_without_the_later_counters_reads_with_their_defaults(finished):
    _, trace, _, _ = finished
    record = dict(trace.of_type("step")[-1]["state"])
    unused = record.pop("unused_tests")
    for key in ("baseline_executions", "baseline_wall_s", "executions_cached", "total_wall_s"):
        record.pop(key)
    state = RunState.from_dict(dict(record, tests=record["tests"] + unused))
    assert (state.baseline_executions, state.executions_cached, state.total_wall_s) == (0, 0, 0.0)
    assert sorted(state.tests) == list(range(TINY.tests))  # used and unused together, in slot order


def test_every_snapshot_is_named_and_titled_by_the_step_table(finished):
    run, _, _, _ = finished
    names = [s.name for s in run.history]
    assert names[:5] == [step.name for step in STEPS if step.stage == 1] and names[-2:] == ["inputs", "select"]
    for snapshot in run.history:
        assert (snapshot.stage, snapshot.title) == (STEP[snapshot.name].stage, STEP[snapshot.name].title)


def test_round_steps_and_their_switches_come_from_the_table():
    assert round_steps(Policies()) == ["clean", "coupling", "fix", "trivial"]
    assert round_steps(Policies().without("fix_codes")) == ["clean", "coupling", "trivial"]
    labels = policy_labels()
    assert list(labels) == ["clean_codes", "break_coupling", "fix_codes", "replace_trivial_tests"]
    assert set(labels) <= set(Policies.names()) and labels["fix_codes"].startswith("step 3: ")


def test_the_repair_probe_executes_as_the_matrix_does(finished):
    run, _, _, _ = finished
    probe = run.matrix.probe()
    assert probe.executor is run.matrix.executor and probe.limits == run.matrix.limits
    assert (probe.io, probe.entry_point, probe.comparison, probe.relative_time_limit) == (
        run.matrix.io, run.matrix.entry_point, run.matrix.comparison, run.matrix.relative_time_limit)
    assert probe.code_ids == () and probe.test_ids == ()


def test_ground_truth_is_bound_once(problem):
    truth = GroundTruth(problem)
    with pytest.raises(UnboundGroundTruth, match="bind"):
        truth.codes_correct(["print(1)"])
    with Executor(workers=1) as first, Executor(workers=1) as second:
        assert truth.bind(first) is truth and truth.executor is first
        truth.bind(second)  # a scorer that has an executor keeps it
        assert truth.executor is first
        run = Run(problem, SimPlayer(problem, second, seed=0), TINY, second, ground_truth=GroundTruth(problem))
        assert run.ground_truth.executor is second
        run.close()
