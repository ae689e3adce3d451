"""Issue 13, items 1 and 2 through AppTest: one state machine behind Run, Step, Pause and Reset on every page, a
header on every page, and the Run page's settings kept across pages and in the URL."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support import wait_for_state as wait_state
from conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = ["pages/run.py", "pages/howto.py", "pages/ideas.py", "pages/selfplay.py", "pages/coupling.py", "pages/clusters.py",
         "pages/runs.py", "pages/problems.py"]


def new_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def buttons(at: AppTest) -> dict:
    return {key: (at.button(key=key).label, not at.button(key=key).disabled)
            for key in ("run_button", "step_button", "pause_button", "reset_button")}


def header_line(at: AppTest) -> str:
    return at.markdown[0].value


SMALL = {"sample": "run_length", "codes": "6", "tests": "6", "rounds": "2", "inputs": "6"}


def test_pause_is_enabled_as_soon_as_run_is_pressed_and_a_finished_run_offers_a_new_one():
    at = new_app(**SMALL)
    assert buttons(at)["pause_button"] == ("⏸ Pause", False)
    at.button(key="run_button").click()
    at.run()  # a run takes seconds: this page is drawn while it runs
    assert at.session_state["controller"].view().state == "running"
    assert buttons(at)["pause_button"] == ("⏸ Pause", True)
    assert not buttons(at)["run_button"][1] and not buttons(at)["step_button"][1]
    at.button(key="pause_button").click()
    at.run()
    wait_state(at, "paused")
    state = buttons(at)
    assert state["run_button"] == ("▶ Continue", True) and state["step_button"][1] and not state["pause_button"][1]
    assert "paused" in header_line(at)
    at.number_input(key="seed").set_value(9)  # new settings while paused: Continue keeps the run's own, and says so
    at.run()
    assert any("The settings have changed since this run started" in c.value for c in at.caption)
    at.number_input(key="seed").set_value(0)
    at.run()
    at.button(key="run_button").click()
    at.run()
    wait_state(at, "done")
    state = buttons(at)
    assert state["run_button"] == ("▶ New run", True) and not state["step_button"][1] and state["reset_button"][1]
    line = header_line(at)
    assert "(run_length)" in line and "`sim` (a simulation, not a language model)" in line and "seed 0" in line
    assert "**finished**" in line and "select" in line
    at.switch_page("pages/coupling.py")  # every page has the header and the same controls
    at.run()
    assert header_line(at) == line and buttons(at) == state
    at.button(key="reset_button").click()
    at.run()
    assert at.session_state["controller"] is None and buttons(at)["run_button"] == ("▶ Run", True)
    assert "No run yet" in header_line(at)


def test_step_starts_a_run_and_advances_one_step_at_a_time():
    at = new_app(**SMALL)
    at.button(key="step_button").click()
    at.run()
    wait_state(at, "paused")
    assert "step 0: stage 1 · hints" in header_line(at)
    at.switch_page("pages/ideas.py")
    at.run()
    at.button(key="step_button").click()  # stepping from another page
    at.run()
    wait_state(at, "paused")
    assert "step 1: stage 1 · plans" in header_line(at)
    at.session_state["controller"].close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_header_and_the_statement(page):
    at = new_app()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert "No run yet" in header_line(at)
    assert [e.label for e in at.expander][0] == "Problem statement (what the model sees)"


def test_settings_survive_a_visit_to_another_page():
    at = new_app()
    at.selectbox(key="sample").set_value("coin_ways")
    at.selectbox(key="backbone_kind").set_value("sim")
    at.number_input(key="seed").set_value(7)
    at.number_input(key="codes").set_value(8)
    at.slider(key="skill_test").set_value(0.9)
    at.checkbox(key="policy_fix_codes").uncheck()
    at.run()
    at.switch_page("pages/selfplay.py")
    at.run()
    at.switch_page("pages/run.py")
    at.run()
    assert at.selectbox(key="sample").value == "coin_ways"
    assert at.number_input(key="seed").value == 7 and at.number_input(key="codes").value == 8
    assert at.slider(key="skill_test").value == 0.9 and not at.checkbox(key="policy_fix_codes").value


def test_a_pasted_statement_survives_a_page_visit():
    at = new_app()
    at.radio(key="problem_source").set_value("Paste a statement")
    at.run()
    at.text_area(key="statement").input("Print the sum of two integers.")
    at.run()
    at.switch_page("pages/runs.py")
    at.run()
    at.switch_page("pages/run.py")
    at.run()
    assert at.radio(key="problem_source").value == "Paste a statement"
    assert at.text_area(key="statement").value == "Print the sum of two integers."


def test_settings_go_into_the_url_and_come_back_from_it():
    at = new_app()
    at.selectbox(key="sample").set_value("coin_ways")
    at.number_input(key="seed").set_value(3)
    at.checkbox(key="policy_break_coupling").uncheck()
    at.run()
    query = {k: at.query_params[k] for k in at.query_params}
    assert query == {"sample": "coin_ways", "seed": "3", "policy_break_coupling": "0"}
    fresh = new_app(**query)  # another browser opening the link
    assert fresh.selectbox(key="sample").value == "coin_ways" and fresh.number_input(key="seed").value == 3
    assert not fresh.checkbox(key="policy_break_coupling").value


def test_a_link_with_bad_values_keeps_the_defaults_and_says_which():
    at = new_app(codes="9999", sample="../../etc", seed="2", colour="red")
    assert at.number_input(key="codes").value == 16 and at.selectbox(key="sample").value == "weighted_jobs"
    assert at.number_input(key="seed").value == 2
    assert any("codes, sample, colour" in w.value for w in at.warning)


def test_the_ground_truth_toggle_is_kept():
    at = new_app()
    at.session_state["show_gt"] = True  # as the stage 2 toggle sets it
    at.switch_page("pages/problems.py")
    at.run()
    at.switch_page("pages/run.py")
    at.run()
    assert at.session_state["settings"]["show_gt"] is True and at.query_params["show_gt"] == "1"


def test_the_trusted_ut_support_is_a_setting_kept_in_the_url_and_given_to_the_run():
    at = new_app(**SMALL)
    field = at.number_input(key="trusted_min_support")
    assert field.value == 0.375 and "most-supported non-trivial UT" in field.help
    field.set_value(0.5)
    at.run()
    assert at.query_params["trusted_min_support"] == "0.5"
    fresh = new_app(**SMALL, trusted_min_support="0.5")
    assert fresh.number_input(key="trusted_min_support").value == 0.5
    fresh.button(key="step_button").click()
    fresh.run()
    wait_state(fresh, "paused")
    assert fresh.session_state["live_meta"]["config"]["trusted_min_support"] == 0.5
    assert new_app(trusted_min_support="1.5").number_input(key="trusted_min_support").value == 0.375
