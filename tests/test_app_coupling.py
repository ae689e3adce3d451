"""Issue 13, item 4: the coupling debugger. The preset offered on the Run page makes couplings appear; each one is
shown with versioned ids, both sources, the shared wrong output and the ground-truth answer, and links to the step
where it appeared on Stage 2."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support import press_and_wait
from conftest import ROOT
from pages import settings

APP = str(ROOT / "app.py")
PRESET = "Spurious coupling appears and breaks"


@pytest.fixture(scope="module")
def preset_run(tmp_path_factory):
    import os

    os.environ["COSPLAY_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.button(key=f"preset_{PRESET}").click()
        at.run()
        press_and_wait(at, "run_button", "done")
        yield at
    finally:
        os.environ.pop("COSPLAY_RUNS_DIR", None)


def test_the_preset_sets_its_settings():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.number_input(key="codes").set_value(5)
    at.run()
    at.button(key=f"preset_{PRESET}").click()
    at.run()
    wanted = dict(settings.DEFAULTS, **settings.PRESETS[PRESET][1])
    assert at.selectbox(key="sample").value == "weighted_jobs" and at.slider(key="skill_test").value == 0.3
    assert at.number_input(key="codes").value == 6 and at.session_state["settings"] == wanted
    assert at.query_params["skill_test"] == "0.3"


def test_the_coupling_page_debugs_each_coupling(preset_run):
    at = preset_run
    at.switch_page("pages/coupling.py")
    at.run()
    assert not at.exception, at.exception
    couplings = [e for e in at.expander if "⟷" in e.label]
    assert couplings, "the preset is expected to show spurious couplings"
    first = couplings[0]
    assert first.label.startswith("UT ") and "." in first.label.split("⟷")[0]  # versioned: "UT 0.0 ⟷ code 3.0"
    assert "appeared at step" in first.label
    text = " ".join(m.value for m in first.markdown)
    assert "Shared wrong output" in text and "Ground-truth answer" in text and "Source of code" in text
    assert "Source of UT" in text
    assert any(c.value.startswith("# bug:") for c in first.code)  # the coupled wrong code, with its bug note


def test_a_coupling_links_to_the_step_where_it_appeared(preset_run):
    at = preset_run
    at.switch_page("pages/coupling.py")
    at.run()
    first = next(e for e in at.expander if "⟷" in e.label)
    step = int(first.label.split("appeared at step ")[1].split()[0])
    first.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Stage 2")
    slider = at.select_slider(key="timeline")
    labels = slider.options
    assert labels[int(slider.value) if not isinstance(slider.value, str) else labels.index(slider.value)] \
        .startswith(f"{step}:")
