"""insights: what the viewers show about a run, on hand-built snapshots (known answers) and on a real sim run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosplay_core import insights
from cosplay_core.insights import (OUTCOME_CATEGORIES, CouplingRecord, cell_category, coupling_timeline,
                                   explain_selection, round_ends, round_table, snapshot_couplings, snapshot_rounds,
                                   sorted_order, step_changes)
from cosplay_core.state import Cell, Change, Code, Selection, Snapshot, UnitTest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_problems"


# -- hand-built snapshots ------------------------------------------------------------------------------------------

def make_snapshot(step, stage, name, codes, tests, passes, gt_codes=None, gt_tests=None, changes=(), round_=0,
                  selection=None, statuses=None):
    """`codes`: [(id, version)]; `tests`: [(id, version, expected)]; `passes`: rows of 0/1."""
    passes = np.array(passes, dtype=bool).reshape(len(codes), len(tests))
    cells = tuple(tuple(Cell((statuses or {}).get((i, j), "ok"), bool(passes[i, j]),
                             tests[j][2] if passes[i, j] else "other", "", 0.001)
                        for j in range(len(tests))) for i in range(len(codes)))
    gt = None
    if gt_codes is not None:
        gt = {"codes": list(gt_codes), "tests": None if gt_tests is None else list(gt_tests)}
    return Snapshot(step=step, stage=stage, name=name, round=round_, title=name,
                    codes=tuple(Code(i, f"# code {i} v{v}", "test", v) for i, v in codes),
                    tests=tuple(UnitTest(i, f"in{i}", exp, "random", None, version=v) for i, v, exp in tests),
                    passes=passes, cells=cells, changes=tuple(changes), selection=selection, gt=gt)


def test_cell_categories_cover_every_status():
    assert OUTCOME_CATEGORIES == ("pass", "wrong answer", "error", "timeout", "limit")
    cases = {("ok", True): "pass", ("ok", False): "wrong answer", ("error", False): "error",
             ("timeout", False): "timeout", ("memory_limit", False): "limit", ("output_limit", False): "limit",
             ("something new", False): "error"}
    for (status, passed), expected in cases.items():
        assert cell_category(Cell(status, passed, None, "", 0.0)) == expected


def test_sorted_order_by_pass_counts_then_id():
    s = make_snapshot(4, 1, "tests", [(0, 0), (1, 0), (2, 0), (3, 0)], [(0, 0, "a"), (1, 0, "b"), (2, 0, "c")],
                      [[1, 0, 0],   # code 0: 1
                       [1, 1, 1],   # code 1: 3
                       [0, 0, 0],   # code 2: 0
                       [0, 1, 0]])  # code 3: 1
    rows, cols = sorted_order(s)
    assert rows == [1, 0, 3, 2]
    assert cols == [0, 1, 2]  # pUT 2, 2, 1: ties by id
    empty = make_snapshot(3, 1, "codes", [(0, 0), (1, 0)], [], [])
    assert sorted_order(empty) == ([0, 1], [])


def test_step_changes_separate_real_changes_from_attempts():
    changes = [Change("code_repaired", "code", 2, "code 2 repaired"),
               Change("repair_rejected", "code", 3, "code 3: repair still fails"),
               Change("test_rederived", "test", 5, "UT 5 re-derived"),
               Change("test_confirmed", "test", 6, "UT 6 unchanged")]
    s = make_snapshot(7, 2, "fix", [(0, 0)], [(0, 0, "x")], [[1]], changes=changes)
    found = step_changes(s)
    assert found["codes"] == {2} and found["tests"] == {5}
    assert found["by_kind"]["repair_rejected"] == {3} and found["by_kind"]["test_confirmed"] == {6}
    assert found["reasons"][("code", 3)] == ["code 3: repair still fails"]
    assert step_changes(make_snapshot(5, 2, "clean", [(0, 0)], [(0, 0, "x")], [[1]])) == {
        "codes": set(), "tests": set(), "by_kind": {}, "reasons": {}}


def timeline_snapshots():
    """A run whose couplings are known: see the comments."""
    codes3 = [(0, 0), (1, 0), (2, 0)]
    a = make_snapshot(  # stage 1: UT 1 (wrong) is passed by wrong codes 1 and 2 only -> coupling (UT 1 v0)
        4, 1, "tests", codes3, [(0, 0, "R"), (1, 0, "W1"), (2, 0, "W2")],
        [[1, 0, 0], [1, 1, 0], [0, 1, 0]], [True, False, False], [True, False, False])
    b = make_snapshot(  # code 2 replaced: it now passes UT 2 (wrong) -> coupling (UT 2 v0); UT 1 keeps code 1
        5, 2, "clean", [(0, 0), (1, 0), (2, 1)], [(0, 0, "R"), (1, 0, "W1"), (2, 0, "W2")],
        [[1, 0, 0], [1, 1, 0], [0, 0, 1]], [True, False, False], [True, False, False],
        [Change("code_replaced", "code", 2, "code 2 passed no UT: replaced")], round_=1)
    c = make_snapshot(  # UT 1 re-derived (v1, now right): its coupling is broken
        6, 2, "coupling", [(0, 0), (1, 0), (2, 1)], [(0, 0, "R"), (1, 1, "R1"), (2, 0, "W2")],
        [[1, 1, 0], [1, 0, 0], [0, 0, 1]], [True, False, False], [True, True, False],
        [Change("test_rederived", "test", 1, "UT 1 re-derived")], round_=1)
    d = make_snapshot(  # code 2 repaired into a right code: UT 2's coupling is broken
        7, 2, "fix", [(0, 0), (1, 0), (2, 2)], [(0, 0, "R"), (1, 1, "R1"), (2, 0, "W2")],
        [[1, 1, 0], [1, 0, 0], [1, 1, 0]], [True, False, True], [True, True, False],
        [Change("code_repaired", "code", 2, "code 2 repaired"),
         Change("repair_rejected", "code", 1, "code 1: repair rejected")], round_=1)
    e = make_snapshot(  # UT 2 replaced (v1, wrong again) and passed by wrong code 1 alone -> a new coupling
        8, 2, "trivial", [(0, 0), (1, 0), (2, 2)], [(0, 0, "R"), (1, 1, "R1"), (2, 1, "W3")],
        [[1, 1, 0], [1, 0, 1], [1, 1, 0]], [True, False, True], [True, True, False],
        [Change("test_replaced", "test", 2, "UT 2 was passed by no code: replaced")],
        round_=2)  # the engine labels the step that closes round 1 with the next round
    f = make_snapshot(9, 2, "clean", [(0, 0), (1, 0), (2, 2)], [(0, 0, "R"), (1, 1, "R1"), (2, 1, "W3")],
                      [[1, 1, 0], [1, 0, 1], [1, 1, 0]], [True, False, True], [True, True, False], round_=2)
    no_gt = make_snapshot(  # a snapshot without marks neither opens nor breaks anything
        10, 3, "inputs", [(0, 0), (1, 0), (2, 2)], [(0, 0, "R"), (1, 1, "R1"), (2, 1, "W3")],
        [[1, 1, 0], [1, 0, 0], [1, 1, 0]])
    g = make_snapshot(11, 3, "select", [(0, 0), (1, 0), (2, 2)], [(0, 0, "R"), (1, 1, "R1"), (2, 1, "W3")],
                      [[1, 1, 0], [1, 0, 1], [1, 1, 0]], [True, False, True], [True, True, False],
                      selection=Selection(0, (0, 2), ((0, 2),), {}, (), ("codes 0 and 2 tie",)))
    return [a, b, c, d, e, f, no_gt, g]


def test_snapshot_couplings_follow_the_definition():
    a = timeline_snapshots()[0]
    assert snapshot_couplings(a) == {1: (1, 2)}
    no_marks = make_snapshot(4, 1, "tests", [(0, 0)], [(0, 0, "x")], [[1]], [False], None)
    assert snapshot_couplings(no_marks) == {}
    # a wrong UT that a correct code passes is no coupling
    passed_by_right = make_snapshot(4, 1, "tests", [(0, 0), (1, 0)], [(0, 0, "x")], [[1], [1]], [True, False],
                                    [False])
    assert snapshot_couplings(passed_by_right) == {}


def test_coupling_timeline_on_a_known_history():
    records = coupling_timeline(timeline_snapshots())
    assert [r.key for r in records] == [(1, 0), (2, 0), (2, 1)]
    first, second, third = records
    assert first == CouplingRecord(test_id=1, test_version=0, code_ids=(1, 2), last_code_ids=(1,), input="in1",
                                   output="W1", appeared_step=4, appeared_round=0, broken_step=6, broken_round=1,
                                   broken_by="UT 1 expected output re-derived", code_versions=(0, 0))
    assert first.label == "UT 1.0 ⟷ codes 1.0, 2.0"
    assert (second.code_ids, second.output, second.appeared_step, second.appeared_round) == ((2,), "W2", 5, 1)
    assert (second.broken_step, second.broken_round, second.broken_by) == (7, 1, "code 2 repaired")
    assert (third.code_ids, third.output, third.appeared_step, third.appeared_round) == ((1,), "W3", 8, 1)
    assert third.open and third.broken_step is None and third.broken_by is None
    assert third.to_dict()["code_ids"] == [1]


def test_rounds_are_told_from_the_step_order():
    snapshots = timeline_snapshots()
    assert snapshot_rounds(snapshots) == [0, 1, 1, 1, 1, 2, 2, 2]
    ends = round_ends(snapshots)
    assert [(label, s.step) for label, s in ends] == [("initial", 4), ("round 1", 8), ("round 2", 9)]
    # steps switched off: a round of `clean` and `trivial` only
    only = [make_snapshot(4, 1, "tests", [(0, 0)], [(0, 0, "x")], [[1]])]
    for step, name in enumerate(["clean", "trivial", "clean", "trivial", "clean"], start=5):
        only.append(make_snapshot(step, 2, name, [(0, 0)], [(0, 0, "x")], [[1]], round_=9))
    assert snapshot_rounds(only) == [0, 1, 1, 2, 2, 3]


def test_explain_selection_adds_bon_and_ground_truth():
    selection = Selection(2, (0, 2), ((0,), (2,)), {0: ("a",), 2: ("b",)}, ("x",),
                          ("Codes 0 and 2 tie at 2 passed tests.", "The cluster of code 2 wins."))
    s = make_snapshot(12, 3, "select", [(0, 0), (1, 0), (2, 0)], [(0, 0, "x"), (1, 0, "y")],
                      [[1, 1], [0, 1], [1, 1]], [False, False, True], [True, True], selection=selection)
    lines = explain_selection(s)
    assert lines[:2] == list(selection.reasons)
    assert any("best-of-N" in line and "code 0" in line for line in lines)
    assert any("code 2 is GT-correct" in line for line in lines)
    assert any("code 0, is GT-wrong" in line for line in lines)
    hidden = explain_selection(s, ground_truth=False)  # the header's toggle off: no verdict, a word on where it is
    assert not any("GT-" in line for line in hidden) and hidden[-1].startswith("Whether the chosen code is correct")
    without_gt = make_snapshot(12, 3, "select", [(0, 0), (1, 0), (2, 0)], [(0, 0, "x"), (1, 0, "y")],
                               [[1, 1], [0, 1], [1, 1]], selection=selection)
    assert not any("Ground truth" in line for line in explain_selection(without_gt))
    not_yet = make_snapshot(8, 2, "trivial", [(0, 0)], [(0, 0, "x")], [[1]])
    assert "No code has been chosen yet" in explain_selection(not_yet)[0]


def test_round_table_rows():
    summary = {"rounds": [
        {"round": 1, "code_pass_counts": [3, 3, 0], "ut_pass_counts": [2, 3, 1], "changes": 2,
         "metrics": {"pool_pass_rate": 0.5, "pass_count_auc": None, "wrong_uts": 1, "spurious_couplings": 1,
                     "ut_accuracy": 0.66}},
        {"round": 2, "code_pass_counts": [3, 3, 3], "ut_pass_counts": [3, 3, 3], "changes": 0}]}
    rows = round_table(summary)
    assert [r["round"] for r in rows] == [1, 2]
    assert rows[0]["pcode_max"] == 3 and rows[0]["codes_at_top"] == 2 and rows[0]["codes_passing_none"] == 1
    assert rows[0]["trivial_uts"] == 1 and rows[1]["trivial_uts"] == 3
    assert rows[0]["spurious_couplings"] == 1 and rows[1]["spurious_couplings"] is None
    assert round_table({"rounds": []}) == []
    assert "pool_pass_rate" not in round_table({"rounds": summary["rounds"][1:]})[0]


# -- a real sim run ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sim_run(tmp_path_factory):
    from cosplay_core.config import RunConfig
    from cosplay_core.players.sim import SimPlayer
    from cosplay_core.problem import load_problem
    from cosplay_core.run import Run
    from cosplay_core.sandbox import Executor
    from cosplay_core.trace import read_trace
    out = tmp_path_factory.mktemp("insights_run")
    problem = load_problem(SAMPLES / "run_length")
    with Executor() as ex:
        run = Run(problem, SimPlayer(problem, ex, seed=1), RunConfig(codes=8, tests=8, rounds=2, inputs=8, seed=1),
                  ex, out_dir=out)
        try:
            run.run_to_end()
        finally:
            run.close()
        return run.history, run.summary(), read_trace(out).snapshots()


def test_real_run_orders_changes_and_rounds(sim_run):
    snapshots, summary, _ = sim_run
    for s in snapshots:
        rows, cols = sorted_order(s)
        assert sorted(rows) == list(range(len(s.codes))) and sorted(cols) == list(range(len(s.tests)))
        if s.passes.size:
            assert all(d <= 0 for d in np.diff(s.code_pass_counts[rows]))
            assert all(d <= 0 for d in np.diff(s.test_pass_counts[cols]))
        found = step_changes(s)
        assert found["codes"] <= {c.id for c in s.codes} and found["tests"] <= {t.id for t in s.tests}
        assert len(found["codes"]) + len(found["tests"]) <= sum(1 for c in s.changes if c.counts)
    ends = round_ends(snapshots)
    assert [label for label, _ in ends] == ["initial"] + [f"round {r['round']}" for r in summary["rounds"]]
    for (label, s), record in zip(ends[1:], summary["rounds"]):
        assert s.code_pass_counts.tolist() == record["code_pass_counts"], label
        assert s.test_pass_counts.tolist() == record["ut_pass_counts"], label
    assert len(round_table(summary)) == len(summary["rounds"])


def test_real_run_coupling_timeline_invariants(sim_run):
    snapshots, summary, from_trace = sim_run
    records = coupling_timeline(snapshots)
    by_step = {s.step: s for s in snapshots}
    rounds = dict(zip((s.step for s in snapshots), snapshot_rounds(snapshots)))
    for r in records:
        start = by_step[r.appeared_step]
        test = next(t for t in start.tests if t.id == r.test_id)
        assert test.version == r.test_version and test.expected == r.output
        assert snapshot_couplings(start)[r.test_id] == r.code_ids
        assert rounds[r.appeared_step] == r.appeared_round
        if r.broken_step is not None:
            assert r.broken_step > r.appeared_step and r.broken_by
            assert rounds[r.broken_step] == r.broken_round
    # at every step, the open records are exactly that snapshot's couplings
    for s in snapshots:
        live = {r.test_id for r in records if r.appeared_step <= s.step and
                (r.broken_step is None or r.broken_step > s.step)}
        assert live == set(snapshot_couplings(s)), s.step
    # the trace rebuilds the same story
    assert coupling_timeline(from_trace) == records
    # the per-round count matches the engine's metric on this run
    for (label, s), record in zip(round_ends(snapshots)[1:], summary["rounds"]):
        assert len(snapshot_couplings(s)) == record["metrics"]["spurious_couplings"], label


def test_real_run_selection_and_cells(sim_run):
    snapshots, summary, _ = sim_run
    final = snapshots[-1]
    lines = explain_selection(final)
    assert lines[:len(final.selection.reasons)] == list(final.selection.reasons)
    assert any("best-of-N" in line for line in lines)
    assert any("Ground truth" in line for line in lines)
    info = insights.cell_info(final, final.codes[0].id, final.tests[0].id)
    assert info["source"] == final.codes[0].source and info["category"] in OUTCOME_CATEGORIES
    with pytest.raises(KeyError):
        insights.cell_info(final, 999, 0)


# -- explanations (issue 13, item 3) ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quiet_run():
    """A run with only step 1 (clean) on: its first round changes nothing when every code passes a UT."""
    from cosplay_core.config import Policies, RunConfig
    from cosplay_core.players.sim import SimPlayer
    from cosplay_core.problem import load_problem
    from cosplay_core.run import Run
    from cosplay_core.sandbox import Executor

    problem = load_problem(SAMPLES / "run_length")
    config = RunConfig(codes=6, tests=6, rounds=4, inputs=6, seed=0,
                       policies=Policies().without("break_coupling", "fix_codes", "replace_trivial_tests"))
    with Executor(workers=2) as ex:
        run = Run(problem, SimPlayer(problem, ex, seed=0), config, ex)
        run.run_to_end()
        return run.history, config.to_dict()


def test_every_step_is_explained_and_a_quiet_round_ends_self_play(quiet_run):
    snapshots, config = quiet_run
    lines = [insights.explain_step(snapshots, i, config) for i in range(len(snapshots))]
    assert all(lines), "every step says something"
    assert lines[4][0].startswith("6 UTs (3 target attack ideas")
    clean = next(i for i, s in enumerate(snapshots) if s.name == "clean")
    assert not any(c.counts for c in snapshots[clean].changes), "this seed's codes each pass some UT"
    assert lines[clean][0].startswith("Nothing changed. Every code passes at least one UT (the lowest pCode is")
    assert "Round 1 changed nothing, so self-play stops early (up to 4 rounds were allowed)" in lines[clean][1]
    assert snapshots[clean + 1].name == "inputs"
    assert any("Ground truth (used only to score" in line for line in lines[-1])


def test_quiet_steps_say_why_from_the_matrix_they_decided_on(sim_run):
    snapshots = sim_run[0]
    for i, snapshot in enumerate(snapshots):
        if snapshot.stage != 2:
            continue
        lines = insights.explain_step(snapshots, i, {"rounds": 9})
        if not snapshot.changes:
            assert lines[0].startswith("Nothing changed. ")
        if any(c.kind == "test_confirmed" for c in snapshot.changes):
            assert any("Re-derived, unchanged (value)" in line for line in lines)
        if snapshot.name == "trivial":
            assert lines[-1].startswith("Round ") and ("another round follows" in lines[-1] or "early" in lines[-1])


def test_votes_needed_and_summary():
    from cosplay_core.state import UnitTest

    assert insights.votes_needed({"votes": 4}) == 3 and insights.votes_needed({"votes": 5}) == 4
    assert insights.votes_needed({"votes": 4, "policies": {"self_consistency": False}}) == 1
    split = UnitTest(0, "1", "1", "random", None, votes=("1", "1", "1", "2"), agreement=3)
    assert insights.vote_summary(split) == "3 of 4 votes agree (1 other)"
    assert "no agreement" in insights.vote_summary(UnitTest(1, "1", "1", "random", None, votes=("1", "2")))
    assert set(insights.GLOSSARY) >= {"pCode", "pUT", "non-trivial UT", "spurious coupling", "signature",
                                      "ERR-compatible", "N_c", "votes", "skills"}


def test_a_fix_step_without_a_trusted_ut_says_the_support_was_too_low():
    codes, tests = [(i, 0) for i in range(4)], [(0, 0, "a"), (1, 0, "b")]
    passes = [[1, 1], [1, 0], [0, 0], [0, 0]]  # UT 0: 2 of 4 codes, UT 1: 1 of 4
    before = make_snapshot(5, 2, "coupling", codes, tests, passes, round_=1)
    after = make_snapshot(6, 2, "fix", codes, tests, passes, round_=1)
    strict = insights.explain_step([before, after], 1, {"rounds": 3, "trusted_min_support": 0.75})
    assert strict[0] == ("Nothing changed. The most-supported non-trivial UT is passed by 2 of 4 codes, fewer than "
                         "the 3 a trusted UT needs (trusted_min_support 0.75 of the pool), so no UT is trusted and "
                         "no code is repaired.")
    loose = insights.explain_step([before, after], 1, {"rounds": 3, "trusted_min_support": 0.5})
    assert loose[0].startswith("Nothing changed. The model returned no usable repair")
