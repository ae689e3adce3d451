"""Stage 2 and stage 1 pages on hand-built snapshots: pool replay's fresh draws are called resamples (never
repairs), and UTs that self-consistency left unused are shown as such, with their votes."""

from __future__ import annotations

import numpy as np

from app_support import open_app
from cosplay_core.state import Cell, Change, Code, Snapshot, UnitTest

WRONG, RIGHT, OTHER = "print(int(input()) + 1)\n", "print(int(input()))\n", "print(0)\n"
USED = (UnitTest(0, "1\n", "1\n", "random", None, ("1\n",) * 4, 4, "written"),
        UnitTest(1, "5\n", "5\n", "random", None, ("5\n",) * 4, 4, "written"))
UNUSED = (UnitTest(2, "7\n", "8\n", "random", None, ("8\n", "7\n", "9\n", None), 0,
                   "unused: no agreement after 2 regenerations"),)


def snapshot(step, stage, name, codes, changes=(), round_=0) -> Snapshot:
    outputs = {WRONG: lambda x: str(int(x) + 1) + "\n", RIGHT: lambda x: x, OTHER: lambda x: "0\n"}
    cells = tuple(tuple(Cell("ok", outputs[c.source](t.input) == t.expected, outputs[c.source](t.input), "", 0.001)
                        for t in USED) for c in codes)
    passes = np.array([[cell.passed for cell in row] for row in cells], dtype=bool)
    return Snapshot(step=step, stage=stage, name=name, round=round_, title=name, codes=tuple(codes), tests=USED,
                    passes=passes, cells=cells, changes=tuple(changes), unused_tests=UNUSED)


def opened_run():
    before = [Code(0, RIGHT, "plan 1", 0), Code(1, WRONG, "plan 2", 0), Code(2, OTHER, "plan 3", 0)]
    after = [before[0], Code(1, RIGHT, "resampled against UT 0", 1), before[2]]
    changes = (Change("code_resampled", "code", 1, "code 1 failed UT 0, the most trusted test (1 of 3 codes pass "
                      "it): replaced by a resample (the backbone cannot repair) that passes it", WRONG, RIGHT),
               Change("resample_rejected", "code", 2, "code 2 failed UT 0, the most trusted test (1 of 3 codes pass "
                      "it): the resample still fails it, code kept", OTHER, WRONG))
    snapshots = (snapshot(4, 1, "tests", before), snapshot(5, 2, "clean", before, round_=1),
                 snapshot(6, 2, "coupling", before, round_=1), snapshot(7, 2, "fix", after, changes, round_=1))
    return {"folder": "/nowhere", "snapshots": snapshots, "backbone": {"name": "pool:mine", "simulation": True},
            "problem": {"title": "Echo", "slug": "echo", "statement": "Print the number."}, "summary": None,
            "config": {"codes": 3, "tests": 3, "rounds": 2, "votes": 4}, "warnings": []}


def page(path: str):
    at = open_app()
    at.session_state["opened"] = opened_run()
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_fresh_draw_is_called_a_resample_not_a_repair():
    at = page("pages/selfplay.py")
    assert at.select_slider(key="timeline").value == 3  # the last step: fix
    text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    assert "Changed: 1 code resampled (a fresh draw, not a repair)." in text
    assert "1 resample(s) still failed the trusted UT" in text
    assert "repaired" not in text and "1 repair(s)" not in text
    labels = [e.label for e in at.expander]
    assert "diff of code 1: the resample (a fresh draw from the pool, not a repair)" in labels
    assert "diff of code 2: the rejected resample (not kept)" in labels
    assert any("answers stage 2's repair request with a fresh draw" in c.value for c in at.caption)


def test_unused_uts_are_shown_as_unused_with_their_votes():
    at = page("pages/selfplay.py")
    unused = [e for e in at.expander if e.label.startswith("1 UT(s) left unused by self-consistency")]
    assert unused and any("never reached ceil(3k/4) agreement" in c.value for c in at.caption)
    at.select_slider(key="timeline").set_value(0)  # the tests step explains it too
    at.run()
    assert any("1 UT(s) left unused by self-consistency (UT 2)" in i.value for i in at.info)
    stage1 = page("pages/ideas.py")
    assert any("1 of 3 UTs are unused" in w.value for w in stage1.warning)
    labels = [e.label for e in stage1.expander]
    assert "⊘ unused UT 2 · random · no agreement after the regenerations: unused (never run, in no count)" in labels
    assert "UT 0 · random · 4 of 4 votes agree" in labels
