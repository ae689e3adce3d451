"""Issue 13, item 10: the app answers this machine by default, uses the server's keys for visitors only when asked,
and its path fields read only the project and the data folders."""

from __future__ import annotations

import subprocess

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from pages import safety

APP = str(ROOT / "app.py")


def test_make_run_listens_on_loopback_unless_asked():
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "--server.address 127.0.0.1" in dry and "COSPLAY_SERVER_KEYS= " in dry
    shared = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "SERVER_KEYS=1"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert "--server.address 0.0.0.0" in shared and "COSPLAY_SERVER_KEYS=1 " in shared


@pytest.mark.parametrize("address, serving", [(None, False), ("", False), ("127.0.0.1", False),
                                              ("localhost", False), ("::1", False), ("0.0.0.0", True),
                                              ("192.168.1.5", True), ("::", True)])
def test_serving_others_only_when_the_address_says_so(address, serving):
    assert safety.serving_others(address) is serving


def test_remote_clients_refused_unless_serving():
    assert safety.refused_client(None, None) is None  # this machine
    assert "this machine only" in safety.refused_client(None, "10.0.0.7")
    assert safety.refused_client("0.0.0.0", "10.0.0.7") is None


def test_server_keys_need_the_second_setting_when_serving():
    assert safety.server_keys_allowed(None, {})  # local use: the owner's environment
    assert not safety.server_keys_allowed("0.0.0.0", {})
    assert safety.server_keys_allowed("0.0.0.0", {"COSPLAY_SERVER_KEYS": "1"})


def test_paths_confined_to_the_project_and_data_folders(tmp_path):
    path, error = safety.checked_path("runs/app-1")
    assert error is None and path == ROOT / "runs" / "app-1"
    assert safety.checked_path("../shared/data/HumanEval.jsonl.gz")[1] is None
    for outside in ("/etc/passwd", "../../etc", str(tmp_path)):
        path, error = safety.checked_path(outside)
        assert path is None and "outside the folders this app reads" in error and "\n" not in error
    assert safety.checked_path(str(tmp_path), {"COSPLAY_DATA_DIRS": str(tmp_path)})[1] is None
    link = ROOT / "runs" / "test-link-to-etc"
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to("/etc")
    try:
        assert safety.checked_path("runs/test-link-to-etc/passwd")[1] is not None  # links are followed
    finally:
        link.unlink()
    reference, error = safety.checked_record("/etc/passwd#1")
    assert reference is None and error.startswith("/etc/passwd is outside")


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_benchmark_record_field_refuses_a_file_outside():
    at = new_app()
    at.radio(key="problem_source").set_value("Benchmark record")
    at.run()
    at.text_input(key="record_path").input("/etc/passwd#1")
    at.run()
    assert [e.value for e in at.error] == [safety.checked_record("/etc/passwd#1")[1]]
    assert at.button(key="run_button").disabled


def test_runs_page_refuses_a_folder_outside():
    at = new_app()
    at.switch_page("pages/runs.py")
    at.run()
    at.text_input(key="open_path").input("/etc")
    at.button(key="open_button").click()
    at.run()
    assert any("outside the folders this app reads" in e.value for e in at.error)
    assert not at.exception


def test_serving_others_asks_for_a_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-the-server")
    monkeypatch.delenv("COSPLAY_SERVER_KEYS", raising=False)
    st_config.set_option("server.address", "0.0.0.0")
    try:
        at = new_app()
        at.selectbox(key="backbone_kind").set_value("anthropic")
        at.run()
        assert "serves other machines" in at.text_input(key="key_anthropic").label
        assert any("COSPLAY_SERVER_KEYS=1" in w.value for w in at.warning)
        assert at.button(key="run_button").disabled
    finally:
        st_config.set_option("server.address", None)


def test_make_run_skips_pip_when_the_requirements_have_not_changed(tmp_path):
    """A stamp in the venv, newer than requirements.txt and pyproject.toml, means nothing to install."""
    import os

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\n")
    (venv / "bin" / "python").chmod(0o755)
    stamp = venv / ".run-installed"
    stamp.touch()

    def dry() -> str:
        return subprocess.run(["make", "-n", "run", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout

    assert "pip install" not in dry() and "streamlit run app.py" in dry()
    os.utime(stamp, (1, 1))  # older than the requirements: they changed since the last install
    assert "pip install --quiet -r requirements.txt -e ." in dry()


def test_cosplay_app_starts_streamlit_through_the_launcher(tmp_path):
    """`cosplay app` runs `streamlit run app.py` inside the launcher (which imports the first page's modules while
    the browser loads), on 127.0.0.1 unless told otherwise; the launcher refuses anything but a streamlit run."""
    import sys

    from cosplay_core.app_launcher import app_command, main

    command = app_command(["--server.port", "9999"], ROOT)
    assert command[:6] == [sys.executable, "-m", "cosplay_core.app_launcher", "streamlit", "run", str(ROOT / "app.py")]
    assert "--server.address=127.0.0.1" in command and "--server.fileWatcherType=none" in command
    assert main(["streamlit", "hello"]) == 2 and main([]) == 2
