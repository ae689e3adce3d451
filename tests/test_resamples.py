"""Resamples (pool replay, your own candidates): a fresh draw answering a repair is named and counted as a
resample, a rejected one is not a change; unused UTs reach the snapshots; pool replay sized by the run's settings."""

from __future__ import annotations

from conftest import SAMPLES
from cosplay_core import insights
from cosplay_core.config import RunConfig
from cosplay_core.players.candidates import CandidatesPlayer
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.state import Change
from cosplay_core.trace import read_trace
from test_insights import make_snapshot


def test_a_rejected_resample_is_not_a_change():
    assert not Change("resample_rejected", "code", 0, "the resample still fails it, code kept").counts
    assert not Change("repair_rejected", "code", 0, "").counts and Change("code_resampled", "code", 0, "").counts


def test_the_explanation_says_resample_not_repair_for_fresh_draws():
    codes, tests = [(0, 0), (1, 1), (2, 0)], [(0, 0, "a")]
    before = make_snapshot(5, 2, "coupling", codes, tests, [[1], [0], [0]], round_=1)
    changes = [Change("code_resampled", "code", 1, "code 1 failed UT 0: replaced by a resample that passes it"),
               Change("resample_rejected", "code", 2, "code 2 failed UT 0: the resample still fails it, code kept")]
    after = make_snapshot(6, 2, "fix", codes, tests, [[1], [1], [0]], changes=changes, round_=1)
    lines = insights.explain_step([before, after], 1, {"rounds": 3})
    text = " ".join(lines)
    assert "Changed: 1 code resampled (a fresh draw, not a repair)." in lines
    assert "1 resample(s) still failed the trusted UT" in text and "a resample is accepted only if" in text
    assert "repaired" not in text and "repair(s)" not in text


def test_the_candidates_backbone_resamples_as_pool_replay_does(executor, tmp_path):
    problem = load_problem(SAMPLES / "max_subarray")
    wrong = [w.source for w in problem.wrong]
    codes = [problem.reference, problem.reference, *wrong]  # wrong ones fail the UT all the right ones pass
    tests = [(t.input, t.output) for t in problem.tests[:4]]
    events = []
    player = CandidatesPlayer(problem, executor, codes, tests, seed=0, on_event=lambda e: events[0](e))
    config = RunConfig(codes=6, tests=4, rounds=1, inputs=4, seed=0, trusted_min_support=0.25)
    run = Run(problem, player, config, executor, tmp_path)
    events.append(run.record)
    try:
        run.run_to_end()
    finally:
        run.close()
    trace = read_trace(tmp_path)
    kinds = [c.kind for s in trace.snapshots() for c in s.changes if s.name == "fix"]
    assert kinds and set(kinds) <= {"code_resampled", "resample_rejected"}
    resamples = trace.of_type("resample")
    assert len(resamples) == len(kinds) == player.usage.resamples
    assert {e["request"] for e in resamples} == {"repair_code"} and not trace.of_type("fresh_draw")


def test_snapshots_carry_the_unused_tests_live_and_from_the_trace(executor, tmp_path):
    from cosplay_core.players.sim import SimPlayer, SimSkills

    problem = load_problem(SAMPLES / "weighted_jobs")
    config = RunConfig(codes=4, tests=8, rounds=0, inputs=4, seed=2, regenerations=0)
    sim = SimPlayer(problem, executor, seed=2, skills=SimSkills(test=0.5))  # UT 1's votes split 2-2
    run = Run(problem, sim, config, executor, tmp_path)
    try:
        while run.cursor != "inputs":
            live = run.step()
    finally:
        run.close()
    unused = {t.id for t in run.tests.values() if not t.agreed}
    assert unused == {1} and {t.id for t in live.unused_tests} == unused and not unused & {t.id for t in live.tests}
    assert {t.id for t in live.unused_tests} | {t.id for t in live.tests} == set(range(8))
    assert read_trace(tmp_path).snapshots()[-1].unused_tests == live.unused_tests
