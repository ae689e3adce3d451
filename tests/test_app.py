"""Every page of the app through streamlit's AppTest, with the sim backbone: a run from start to finish."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from app_support import press_and_wait
from conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = ["pages/howto.py", "pages/ideas.py", "pages/selfplay.py", "pages/coupling.py", "pages/clusters.py", "pages/runs.py",
         "pages/problems.py"]


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[dict]:
    """The plotly figures on the page, as JSON."""
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def run_to_end(at: AppTest, sample: str = "run_length", codes: int = 6) -> AppTest:
    at.selectbox(key="sample").set_value(sample)
    at.number_input(key="codes").set_value(codes)
    at.number_input(key="tests").set_value(6)
    at.number_input(key="rounds").set_value(2)
    at.number_input(key="inputs").set_value(6)
    at.run()
    press_and_wait(at, "run_button", "done")
    return at


@pytest.fixture(scope="module")
def finished():
    return run_to_end(new_app())


def test_run_page_starts_on_sample_problems_with_sim():
    at = new_app()
    assert at.title[0].value == "CoSPlay Studio"
    assert at.selectbox(key="backbone_kind").value == "sim"
    assert at.button(key="pause_button").disabled and at.button(key="reset_button").disabled
    assert not at.button(key="run_button").disabled
    assert any("simulation" in c.value.lower() for c in at.caption)


def test_a_run_finishes_and_shows_its_result(finished):
    assert any("Selected code" in s.value for s in finished.success)
    assert charts(finished), "the live matrix is drawn"
    assert any("model calls" in c.value for c in finished.caption)
    assert any("a simulation, not a language model" in m.value for m in finished.markdown)  # in the header


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_run(finished, page):
    finished.switch_page(page)
    finished.run()
    assert not finished.exception, finished.exception
    assert not finished.error, [e.value for e in finished.error]


def test_selfplay_page_has_matrix_and_histograms(finished):
    finished.switch_page("pages/selfplay.py")
    finished.run()
    figures = charts(finished)
    assert len(figures) >= 2
    matrix = figures[0]
    points = [tuple(cd[:2]) for trace in matrix["data"] if (trace.get("meta") or {}).get("kind") == "cells"
              for cd in (trace.get("customdata") or [])]
    assert len(points) == len(set(points)) == 36  # 6 codes x 6 UTs, each cell clickable exactly once
    slider = finished.select_slider(key="timeline")
    slider.set_value(slider.options and 0)
    finished.run()
    assert not finished.exception


def test_ground_truth_toggle_and_coupling_page(finished):
    finished.switch_page("pages/selfplay.py")
    finished.run()
    finished.toggle(key="show_gt").set_value(True)
    finished.run()
    assert not finished.exception
    finished.switch_page("pages/coupling.py")
    finished.run()
    assert [m.label for m in finished.metric][:2] == ["GT-correct codes", "GT-correct UTs"]


def test_clusters_page_explains_the_choice(finished):
    finished.toggle(key="show_gt").set_value(False)
    finished.switch_page("pages/clusters.py")
    finished.run()
    assert finished.subheader[0].value.startswith("Chosen: code")
    assert "ground truth" not in finished.dataframe[0].value.columns, "the baselines table, no verdict"
    assert not any("GT-correct" in m.value or "GT-wrong" in m.value for m in finished.markdown)
    finished.toggle(key="show_gt").set_value(True)
    finished.run()
    assert "ground truth" in finished.dataframe[0].value.columns
    assert any("GT-correct" in m.value or "GT-wrong" in m.value for m in finished.markdown)


def test_runs_page_lists_the_saved_run(finished):
    finished.switch_page("pages/runs.py")
    finished.run()
    assert not finished.exception
    assert finished.get("arrow_data_frame") or finished.get("data_editor") or finished.dataframe


def test_pasted_problem_needs_a_real_model_with_sim(tmp_path):
    at = new_app()
    at.radio(key="problem_source").set_value("Paste a statement")
    at.run()
    at.text_area(key="statement").input("Read two integers and print their sum.")
    at.run()
    assert any("sim backbone needs" in e.value for e in at.error)  # said before Run is pressed
    assert at.button(key="run_button").disabled
    assert "Traceback" not in "".join(e.value for e in at.error)


def test_missing_key_is_a_clear_message(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    at = new_app()
    at.selectbox(key="backbone_kind").set_value("anthropic")
    at.run()
    at.button(key="run_button").click()
    at.run()
    assert any("ANTHROPIC_API_KEY" in e.value for e in at.error)
    assert not at.exception


def test_a_server_that_cannot_be_reached_pauses_the_run_with_a_clear_message(tmp_path, monkeypatch):
    from fake_llm_server import FakeLLMServer

    monkeypatch.chdir(tmp_path)  # the run folder and the response cache go here
    with FakeLLMServer() as server:
        dead = server.openai_base_url  # nothing listens there once the server has stopped
    at = new_app()
    at.selectbox(key="backbone_kind").set_value("compatible")
    at.run()
    at.text_input(key="base_url").input(dead)
    at.run()
    at.button(key="run_button").click()
    at.run()
    controller = at.session_state["controller"]
    deadline = time.monotonic() + 120
    while not controller.view().message and time.monotonic() < deadline:
        time.sleep(0.2)
    view = controller.view()
    assert view.state == "paused" and "cannot answer" in view.message and "connection failed" in view.message
    at.run()
    assert any("cannot answer" in w.value for w in at.warning) and not at.exception
    assert not at.button(key="run_button").disabled  # Run goes on once the server answers


def test_a_long_input_shows_its_start_and_its_length():
    def script(root):
        import sys

        sys.path.insert(0, root)
        from pages.common import show_value

        show_value("7 " * 10_000)
        show_value([[1, 2], "short"])

    at = AppTest.from_function(script, args=(str(ROOT),), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    long, short = at.code
    assert long.value.startswith("7 7 ") and long.value.endswith("…") and len(long.value) < 5100
    assert at.caption[0].value == "The first 5,000 of 20,000 characters."
    assert short.value == '[[1, 2], "short"]' and short.language == "json"


def test_plans_and_random_inputs_are_numbered_as_shown(finished):
    finished.switch_page("pages/ideas.py")
    finished.run()
    plans = [e for e in finished.expander if e.label.startswith("Plan ")]
    assert plans[0].label == "Plan 1 (code 0 is written from it)"
    assert "Plan 2" not in plans[0].markdown[0].value  # the plan's text names no other number
    finished.switch_page("pages/clusters.py")
    finished.run()
    listed = [m.value for m in finished.markdown if m.value.startswith("Input ")]
    signatures = [c for c in charts(finished) if "signatures" in c["layout"]["title"]["text"]]
    if signatures:  # tied codes were clustered: the chart's input labels match the list's
        ticks = signatures[0]["layout"]["xaxis"]["ticktext"]
        assert [f"Input {n} (in {n})" for n in range(1, len(ticks) + 1)] == listed
        assert ticks[0] == "in 1"
    assert listed[0] == "Input 1 (in 1)"


def test_no_page_has_a_bare_expression_for_streamlit_magic_to_print():
    """`st.error(...) if x else st.success(...)` as a statement prints a DeltaGenerator's help text on the page."""
    import ast

    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Expr):
                assert isinstance(node.value, (ast.Call, ast.Constant, ast.Await)), f"{path.name}:{node.lineno}"


def test_the_code_pool_hides_bug_notes_unless_ground_truth_is_shown(finished):
    finished.switch_page("pages/ideas.py")
    finished.session_state["show_gt"] = False
    finished.run()
    assert not finished.exception
    assert not any("# bug:" in c.value for c in finished.code)
    finished.session_state["show_gt"] = True
    finished.run()
    assert any(c.value.startswith("# bug:") for c in finished.code)  # sim draws the sample's wrong programs
    finished.session_state["show_gt"] = False
    finished.run()


def test_how_cosplay_works_shows_where_the_run_is_and_the_glossary(finished):
    finished.switch_page("pages/howto.py")
    finished.run()
    assert not finished.exception, finished.exception
    [figure] = [c for c in charts(finished) if "How a CoSPlay run proceeds" in c["layout"]["title"]["text"]]
    assert "here: select" in figure["layout"]["title"]["text"]
    text = " ".join(m.value for m in finished.markdown)
    assert "**spurious coupling**" in text and "**ERR-compatible**" in text and "Where the run is" in text


def test_stage2_explains_each_step(finished):
    finished.switch_page("pages/selfplay.py")
    finished.run()
    assert any(i.value.startswith(("Changed: ", "Nothing changed. ", "Up to", "Round", "“Re-derived"))
               or "tie" in i.value for i in finished.info)
