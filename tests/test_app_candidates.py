"""Issue 13, item 6: your own candidates, offline. A pasted problem with pasted candidate programs and UTs runs with
no model and no key (the `candidates` backbone replays them as pool replay does); malformed example blocks are
named and the number of parsed examples shown, before Run."""

from __future__ import annotations

import asyncio

import pytest

from app_support import open_app, press_and_wait
from cosplay_core.models.base import ModelConfigError
from cosplay_core.players.candidates import CandidatesPlayer, load_candidates, write_candidates
from cosplay_core.problem import problem_from_text
from cosplay_core.sandbox import Outcome
from pages.settings import io_blocks, split_candidates

STATEMENT = """# Sum of two

Read two integers `a` and `b` on one line and print `a + b`.

Input:
```
2 4
```
Output:
```
6
```
"""
RIGHT = "a, b = map(int, input().split())\nprint(a + b)\n"
OFF_BY_ONE = "a, b = map(int, input().split())\nprint(a + b + 1)\n"
PRODUCT = "a, b = map(int, input().split())\nprint(a * b)\n"
CANDIDATES = f"{OFF_BY_ONE}# ---\n{RIGHT}# ---\n{PRODUCT}# ---\n{RIGHT}"
UTS = "Input: 1 1\nOutput: 2\n\nInput: 10 -4\nOutput: 6\n"
EXAMPLES = "Input: 7 8\nOutput: 15\n\nInput: 0 0\nOutput: 0\n"


def test_pasted_text_is_parsed_and_malformed_blocks_named():
    assert split_candidates(CANDIDATES) == [OFF_BY_ONE, RIGHT, PRODUCT, RIGHT]
    pairs, problems = io_blocks(UTS)
    assert pairs == [("1 1", "2"), ("10 -4", "6")] and problems == []
    pairs, problems = io_blocks("Input: 1 2\n\nInput: 3 4\nOutput: 7\nOutput: 9\n")
    assert pairs == [("3 4", "7")]
    assert problems == ["the Input at line 1 has no Output after it", "the Output at line 5 has no Input before it"]


def test_the_player_replays_the_candidates_and_votes_the_rest(executor, tmp_path):
    problem = problem_from_text(STATEMENT)
    folder = write_candidates(tmp_path / "mine", [OFF_BY_ONE, RIGHT, PRODUCT, RIGHT], [("1 1\n", "2\n")])
    codes, tests, inputs = load_candidates(folder)
    events = []
    player = CandidatesPlayer(problem, executor, codes, tests, inputs, seed=0, on_event=events.append)
    ask = asyncio.run
    assert [ask(player.write_code(None, i)) for i in range(4)] == [OFF_BY_ONE, RIGHT, PRODUCT, RIGHT]
    assert ask(player.write_code(None, 5)) in codes  # then resampled from the pool
    assert ask(player.write_test_input(None, 6)) == "1 1\n" and ask(player.write_test_input(None, 7)) == "2 4\n"
    assert ask(player.predict_output("1 1\n", 8)) == "2\n"  # the given UT
    assert ask(player.predict_output("2 4\n", 9)) == "6\n"  # two of four candidates print 6
    assert events == [{"type": "fresh_draw", "request": "predict_output"}]
    ask(player.repair_code(RIGHT, "1 1\n", "2\n", Outcome("ok", "2\n", None, "", 0.0), 10))
    assert events[-1] == {"type": "resample", "request": "repair_code"}  # a repair is a resample, as in pool replay
    assert player.usage.fresh_draws == 1 and player.usage.resamples == 1 and player.usage.calls == 0
    assert player.info.simulation and player.info.name == "candidates:pasted"


def test_the_player_needs_inputs_and_candidates(executor, tmp_path):
    bare = problem_from_text("Print the sum of two integers read on one line.")
    with pytest.raises(ModelConfigError, match="needs inputs to test with"):
        CandidatesPlayer(bare, executor, [RIGHT])
    with pytest.raises(ModelConfigError, match="no candidate program"):
        load_candidates(tmp_path)


def test_a_pasted_problem_runs_offline_with_its_own_candidates(monkeypatch, tmp_path):
    monkeypatch.setenv("COSPLAY_RUNS_DIR", str(tmp_path))
    at = open_app()
    at.radio(key="problem_source").set_value("Paste a statement")
    at.run()
    at.text_area(key="statement").input(STATEMENT)
    at.text_area(key="paste_examples").input("Input: 7 8\n\n" + EXAMPLES)
    at.run()
    assert any("2 examples parsed" in c.value and "the Input at line 1 has no Output after it" in c.value
               for c in at.caption)
    assert any("Examples: the Input at line 1 has no Output after it." == e.value for e in at.error)
    at.text_area(key="paste_examples").input(EXAMPLES)
    at.selectbox(key="backbone_kind").set_value("sim")
    at.run()
    assert any("sim backbone needs" in e.value for e in at.error) and at.button(key="run_button").disabled
    at.selectbox(key="backbone_kind").set_value("candidates")
    at.run()
    at.text_area(key="cand_codes").input(CANDIDATES)
    at.text_area(key="cand_tests").input(UTS)
    at.number_input(key="codes").set_value(4)
    at.number_input(key="tests").set_value(3)
    at.number_input(key="rounds").set_value(1)
    at.number_input(key="inputs").set_value(4)
    at.run()
    assert any("4 candidates, 2 unit tests parsed." in c.value for c in at.caption)
    assert not at.error and not at.button(key="run_button").disabled
    view = press_and_wait(at, "run_button", "done")
    assert "your own candidates, replayed" in at.markdown[0].value
    assert view.summary["gt"]["bon_cluster"] is True  # the chosen candidate passes the examples
    assert view.summary["selected"]["code"] == RIGHT and view.summary["usage"]["calls"] == 0
    at.switch_page("pages/calls.py")
    at.run()
    assert any(i.value.startswith("This run's backbone replays your own candidate programs: it calls no model")
               for i in at.info)
