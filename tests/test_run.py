"""The engine: a steppable run over the three stages, its trace, resume, ablations and budget stops."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SAMPLES
from cosplay_core.config import Policies, RunConfig
from cosplay_core.matrix import MatrixSnapshot
from cosplay_core.models.base import BudgetExceeded
from cosplay_core.players.sim import SimPlayer
from cosplay_core.problem import load_problem
from cosplay_core.run import Run, RunError
from cosplay_core.sandbox import Executor, Outcome
from cosplay_core.stages import selfplay
from cosplay_core.trace import read_trace

SMALL = RunConfig(codes=8, tests=8, rounds=3, inputs=8, seed=3)


@pytest.fixture(scope="module")
def problem():
    return load_problem(SAMPLES / "run_length")


@pytest.fixture(scope="module")
def shared_executor():
    with Executor(workers=2) as executor:
        yield executor


def make_run(problem, executor, config=SMALL, out_dir=None):
    return Run(problem, SimPlayer(problem, executor, seed=config.seed), config, executor, out_dir)


def comparable(summary: dict) -> dict:
    """A summary without timings and ground truth's scoring cost (which depends on what the process scored
    before); the run's own execution counts stay: a seed reproduces them."""
    return {k: v for k, v in summary.items() if k not in ("wall_s", "gt_executions", "baselines_wall_s")}


def test_steps_go_through_the_three_stages(problem, shared_executor, tmp_path):
    run = make_run(problem, shared_executor, out_dir=tmp_path)
    snapshots = []
    while not run.done:
        snapshots.append(run.step())
    names = [s.name for s in snapshots]
    assert names[:5] == ["hints", "plans", "attacks", "codes", "tests"]
    assert names[-2:] == ["inputs", "select"]
    assert {s.stage for s in snapshots} == {1, 2, 3}
    assert all(s.name in ("clean", "coupling", "fix", "trivial") for s in snapshots[5:-2])
    last = snapshots[-1]
    assert last.done and last.selection is not None
    assert last.passes.shape == (8, 8) and len(last.cells) == 8
    assert last.gt is not None and len(last.gt["codes"]) == 8
    with pytest.raises(RunError):
        run.step()
    run.close()


def test_summary_has_the_design_fields(problem, shared_executor):
    run = make_run(problem, shared_executor)
    run.run_to_end()
    summary = run.summary()
    for key in ("problem", "model", "seed", "config", "selected", "gt", "rounds", "baselines", "usage",
                "executions", "wall_s"):
        assert key in summary
    assert summary["simulation"] is True and summary["model"] == "sim"
    assert set(summary["gt"]) >= {"bon", "bon_cluster", "ut_accuracy", "codes_correct", "codes_total"}
    assert summary["selected"]["code"] == run.codes[summary["selected"]["code_id"]].source
    assert set(summary["baselines"]) >= {"random", "bon", "codet", "mbr_exec", "largest_cluster", "stage3_only"}
    for record in summary["rounds"]:
        assert len(record["code_pass_counts"]) == 8 and len(record["ut_pass_counts"]) == 8
    json.dumps(summary)


def test_same_seed_same_summary(problem):
    summaries = []
    for _ in range(2):
        with Executor(workers=2) as executor:
            run = make_run(problem, executor)
            run.run_to_end()
            summaries.append(comparable(run.summary()))
    assert summaries[0] == summaries[1]


def test_trace_rebuilds_every_snapshot(problem, shared_executor, tmp_path):
    run = make_run(problem, shared_executor, out_dir=tmp_path)
    run.run_to_end()
    run.close()
    trace = read_trace(tmp_path)
    assert trace.warnings == []
    assert trace.started["problem"]["slug"] == "run_length"
    assert "reference" not in json.dumps(trace.started["problem"])
    assert trace.summary["selected"]["code_id"] == run.selection.code_id
    rebuilt = trace.snapshots()
    assert [s.name for s in rebuilt] == [s.name for s in run.history]
    for original, copy in zip(run.history, rebuilt):
        assert copy.codes == original.codes
        assert [t.input for t in copy.tests] == [t.input for t in original.tests]
        assert np.array_equal(copy.passes, original.passes)
        assert copy.changes == original.changes


def test_resume_after_a_kill_finishes_the_same_run(problem, shared_executor, tmp_path):
    reference = make_run(problem, shared_executor)
    reference.run_to_end()
    expected = comparable(reference.summary())

    interrupted = make_run(problem, shared_executor, out_dir=tmp_path)
    for _ in range(9):
        interrupted.step()
    interrupted.close()  # as if killed here: the trace holds 9 finished steps
    with open(tmp_path / "trace.jsonl", "a") as handle:
        handle.write('{"v": 1, "type": "step", "step": 9, "stage"')  # a torn last line
    assert "unreadable event" in read_trace(tmp_path).warnings[0]

    resumed = Run.resume(problem, SimPlayer(problem, shared_executor, seed=SMALL.seed), SMALL, shared_executor,
                         tmp_path)
    assert len(resumed.history) == 9 and resumed.step_index == 9
    resumed.run_to_end()
    resumed.close()
    assert comparable(resumed.summary()) == expected
    trace = read_trace(tmp_path)
    assert trace.warnings == []
    assert [e["step"] for e in trace.of_type("step")] == list(range(len(resumed.history)))


def test_resume_refuses_another_configuration(problem, shared_executor, tmp_path):
    run = make_run(problem, shared_executor, out_dir=tmp_path)
    run.step()
    run.close()
    other = RunConfig(codes=4, tests=4, rounds=1, inputs=4, seed=3)
    with pytest.raises(RunError, match="another problem or other settings"):
        Run.resume(problem, SimPlayer(problem, shared_executor), other, shared_executor, tmp_path)


@pytest.mark.parametrize("policy, step", [("clean_codes", "clean"), ("break_coupling", "coupling"),
                                          ("fix_codes", "fix"), ("replace_trivial_tests", "trivial")])
def test_ablation_switches_a_step_off(problem, shared_executor, policy, step):
    config = RunConfig(codes=8, tests=8, rounds=2, inputs=8, seed=5, policies=Policies().without(policy))
    run = make_run(problem, shared_executor, config)
    run.run_to_end()
    names = [s.name for s in run.history]
    assert step not in names
    assert run.selection is not None


def test_without_clustering_ties_go_to_the_lowest_id(problem, shared_executor):
    config = RunConfig(codes=8, tests=8, rounds=1, inputs=8, seed=3, policies=Policies().without("cluster_ties", "cluster_all_codes"))
    run = make_run(problem, shared_executor, config)
    run.run_to_end()
    selection = run.selection
    assert selection.code_id == min(selection.tied)
    if len(selection.tied) > 1:
        assert "clustering is off" in selection.reasons[0]


def test_clustering_every_code(problem, shared_executor):
    config = RunConfig(codes=8, tests=8, rounds=1, inputs=8, seed=3, policies=Policies().including("cluster_all_codes"))
    run = make_run(problem, shared_executor, config)
    run.run_to_end()
    selection = run.selection
    assert selection.tied == tuple(range(8))
    assert sorted(c for cluster in selection.clusters for c in cluster) == list(range(8))
    biggest = max(len(cluster) for cluster in selection.clusters)
    assert any(selection.code_id in cluster and len(cluster) == biggest for cluster in selection.clusters)


def test_without_self_consistency_one_vote_per_test(problem, shared_executor):
    config = RunConfig(codes=4, tests=4, rounds=1, inputs=4, seed=3, policies=Policies().without("self_consistency"))
    run = make_run(problem, shared_executor, config)
    for _ in range(5):
        run.step()
    assert all(len(t.votes) == 1 for t in run.tests.values())


def test_unknown_policy_is_rejected():
    with pytest.raises(ValueError, match="unknown policy"):
        Policies().without("teleport")


@pytest.mark.parametrize("field, value", [("codes", 0), ("tests", -1), ("rounds", 1000), ("votes", 0),
                                          ("inputs", 0), ("codes", 2.5)])
def test_impossible_settings_are_rejected(field, value):
    with pytest.raises(ValueError, match=field):
        RunConfig(**{field: value})


class BudgetedSim(SimPlayer):
    """The sim with a call budget, raising BudgetExceeded as the model client does."""

    def __init__(self, *args, max_calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_calls = max_calls

    def _rng(self, request, *args):
        if self.usage.calls >= self.max_calls:
            raise BudgetExceeded(f"max_calls={self.max_calls} reached")
        return super()._rng(request, *args)


def test_budget_stops_the_run_cleanly_with_what_it_has(problem, shared_executor, tmp_path):
    player = BudgetedSim(problem, shared_executor, seed=3, max_calls=120)
    run = Run(problem, player, SMALL, shared_executor, tmp_path)
    run.run_to_end()
    run.close()
    assert run.done and run.stopped.startswith("budget exhausted")
    assert run.selection is not None
    trace = read_trace(tmp_path)
    assert trace.of_type("run_stopped") and trace.summary["stopped"] == run.stopped


def test_budget_before_any_code_ends_without_selection(problem, shared_executor):
    run = Run(problem, BudgetedSim(problem, shared_executor, max_calls=3), SMALL, shared_executor)
    run.run_to_end()
    assert run.done and run.selection is None and run.summary()["selected"] is None


# -- stage 2 decisions on hand-built matrices ------------------------------------------------------------------

def snapshot_of(passes) -> MatrixSnapshot:
    passes = np.array(passes, dtype=bool)
    outcomes = tuple(tuple(Outcome("ok") for _ in row) for row in passes)
    return MatrixSnapshot(tuple(range(passes.shape[0])), tuple(range(10, 10 + passes.shape[1])), outcomes, passes)


def test_weakest_and_trusted_tests():
    snap = snapshot_of([[1, 1, 0, 1, 0],
                        [1, 0, 0, 1, 0],
                        [1, 1, 1, 0, 0],
                        [1, 0, 0, 1, 0]])
    # columns: 0 everyone (trivial), 1 two codes, 2 one code, 3 three codes, 4 nobody (trivial)
    assert selfplay.nontrivial_tests(snap) == [1, 2, 3]
    assert selfplay.weakest_test(snap) == 2
    assert selfplay.trusted_test(snap) == 3
    assert selfplay.trivial_tests(snap) == [0, 4]


def test_weakest_test_ties_break_on_the_passers_mean_pass_count():
    snap = snapshot_of([[1, 0, 1],
                        [0, 1, 1],
                        [0, 0, 1],
                        [0, 1, 0]])
    # tests 0 and ... column 0 passed by code 0 (pCode 2); column 1 by codes 1 (2) and 3 (1)
    # support: col0 = 1, col1 = 2, col2 = 3: col0 is the weakest
    assert selfplay.weakest_test(snap) == 0
    tie = snapshot_of([[1, 0, 1, 1],
                       [0, 1, 0, 0],
                       [0, 0, 1, 1]])
    # col0 and col1 both have support 1: col1's passer (code 1) has pCode 1 < code 0's pCode 3
    assert selfplay.weakest_test(tie) == 1
    assert selfplay.trusted_test(tie) == 2  # support 2, tie with col 3 broken by lower id
