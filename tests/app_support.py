"""What the app's AppTest files share: an app started with a query (and a runs folder), and a wait for the live run.

The polling fragment does not tick under AppTest: `press_and_wait` presses a control, waits for the run's state on
its own thread, then runs the page again, as the fragment would in a browser."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from conftest import ROOT

APP = str(ROOT / "app.py")


def open_app(monkeypatch=None, runs=None, timeout: float = 120, **query) -> AppTest:
    """The app after its first run, with `query` in its URL and, when given, COSPLAY_RUNS_DIR set to `runs`."""
    if runs is not None:
        monkeypatch.setenv("COSPLAY_RUNS_DIR", str(runs))
    at = AppTest.from_file(APP, default_timeout=timeout)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def wait_for_state(at: AppTest, *states: str, timeout: float = 300):
    """Waits until the live run is in one of `states`, runs the page again, and returns the run's view."""
    controller = at.session_state["controller"]
    deadline = time.monotonic() + timeout
    while controller.view().state not in states and time.monotonic() < deadline:
        time.sleep(0.1)
    view = controller.view()
    assert view.state in states, (view.state, view.message)
    at.run()
    assert not at.exception, at.exception
    return view


def press_and_wait(at: AppTest, key: str, *states: str, timeout: float = 300):
    """Clicks the control `key`, then `wait_for_state`."""
    at.button(key=key).click()
    at.run()
    return wait_for_state(at, *states, timeout=timeout)
