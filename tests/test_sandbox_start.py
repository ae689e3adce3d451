"""A sandbox that cannot start is one clear error, never an `error` outcome on every input of every program."""

from __future__ import annotations

import pytest

from cosplay_core import cli
from cosplay_core.sandbox import Executor, Limits, Program, SandboxUnavailable, isolation


@pytest.fixture
def bubblewrap_cannot_start(monkeypatch):
    """bubblewrap fails on its own setup, before the runner says hello (as it did for allowed packages in a venv
    below /tmp, whose folders it could not make)."""
    if isolation.detect().method != "bwrap":
        pytest.skip("no bubblewrap here")
    real = isolation._bwrap_args
    monkeypatch.setattr(isolation, "_bwrap_args",
                        lambda *args: real(*args) + ["--ro-bind", "/nonexistent-cosplay-source", "/opt/missing"])


def test_a_sandbox_that_cannot_start_raises_one_clear_error(bubblewrap_cannot_start):
    with Executor(workers=1, cache=False) as executor:
        with pytest.raises(SandboxUnavailable, match="the sandbox cannot start: .*nonexistent-cosplay-source"):
            executor.run(Program("print(1)"), ["\n", "\n"], Limits())


def test_the_command_says_it_in_one_line(bubblewrap_cannot_start, tmp_path, capsys):
    program, stdin = tmp_path / "one.py", tmp_path / "in.txt"
    program.write_text("print(1)\n")
    stdin.write_text("\n")
    assert cli.main(["exec", "--json", "--input-file", str(stdin), str(program)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()[-1:]
    assert line.startswith("cosplay: the sandbox cannot start: ") and "Traceback" not in captured.err


def test_a_runner_that_starts_says_hello_and_runs_programs():
    with Executor(workers=1, cache=False) as executor:
        [outcome] = executor.run(Program("print(int(input()) * 2)"), ["21\n"], Limits())
    assert (outcome.status, outcome.stdout) == ("ok", "42\n")


def test_a_run_pauses_in_one_line_and_keeps_its_folder_resumable(bubblewrap_cannot_start, tmp_path, capsys):
    from conftest import SAMPLES

    out = tmp_path / "run"
    assert cli.main(["run", str(SAMPLES / "max_subarray"), "--model", "sim", "--rounds", "1", "--out", str(out),
                     "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "the sandbox cannot start: " in err and "run the same command again to resume" in err
    assert "Traceback" not in err and (out / "trace.jsonl").exists()
