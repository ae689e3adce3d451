"""Progress bars (`cosplay_core.progress`): drawn on a terminal, silent on a pipe, with --json or when quiet; the bench
bar through the real command on a pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.bench import ProgressBar
from cosplay_core.progress import interactive, progress


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_shows_its_description_count_and_note():
    stream = Terminal()
    with progress("bench", total=3, stream=stream) as bar:
        assert not bar.silent
        for name in ("a", "b", "c"):
            bar.advance(note=f"{name} ok")
    text = stream.getvalue()
    assert "bench" in text and "3/3" in text and "c ok" in text


def test_a_download_bar_counts_bytes():
    stream = Terminal()
    with progress("data.jsonl.gz", total=2_000_000, unit="bytes", stream=stream) as bar:
        bar.advance(1_000_000)
        bar.advance(1_000_000)
    assert "2.0/2.0 MB" in stream.getvalue()


@pytest.mark.parametrize("stream, quiet", [(io.StringIO(), False), (Terminal(), True)])
def test_a_bar_is_silent_on_a_pipe_or_when_quiet(stream, quiet):
    with progress("bench", total=2, stream=stream, quiet=quiet) as bar:
        assert bar.silent
        bar.advance(note="x")
        bar.update(completed=2, total=2)
    assert stream.getvalue() == ""
    assert not interactive(io.StringIO())


def test_a_bar_opened_inside_another_shares_its_display_and_leaves_it_when_done():
    stream = Terminal()
    with progress("sweep", total=2, stream=stream) as outer:
        with progress("cell 1", total=1, stream=stream) as inner:
            inner.advance()
        outer.advance()
        with progress("cell 2", total=1, stream=stream) as inner:
            inner.advance()
        outer.advance()
    last_frame = stream.getvalue().rsplit("\r", 1)[-1]
    assert "sweep" in stream.getvalue() and "cell 2" in stream.getvalue()
    assert "sweep" in last_frame and "cell" not in last_frame


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unit must be one of"):
        with progress("x", unit="parsecs"):
            pass


def test_the_bench_bar_opens_on_its_first_call_and_closes_after_the_last_problem():
    stream = Terminal()
    bar = ProgressBar(description="codet", stream=stream)
    bar(1, 2, {"problem": "p1"})
    bar(2, 2, {"problem": "p2", "error": "boom"})
    text = stream.getvalue()
    assert "codet" in text and "2/2" in text and "p2 failed" in text
    assert text.endswith("\x1b[?25h")  # the display stopped: the cursor is shown again


SMALL = ["--codes", "4", "--tests", "4", "--rounds", "1", "--inputs", "4"]


def _bench(stderr_on_terminal: bool, *extra: str) -> tuple[int, str, str]:
    """`cosplay bench` on one sample problem: (exit status, stdout, stderr), stderr on a pseudo-terminal or a pipe."""
    command = [sys.executable, "-m", "cosplay_core", "bench", str(SAMPLES), "--limit", "1", *SMALL, *extra]
    if not stderr_on_terminal:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        return result.returncode, result.stdout, result.stderr
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain():
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other end closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=follower, text=True, timeout=300)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    return result.returncode, result.stdout, b"".join(chunks).decode("utf-8", "replace")


def test_cosplay_bench_draws_a_bar_on_a_terminal_and_none_on_a_pipe_or_with_json():
    status, stdout, stderr = _bench(True)
    assert status == 0, stderr
    assert "bench" in stderr and "1/1" in stderr and "ok" in stderr
    assert "CoSPlay (self-play + cluster)" in stdout
    status, stdout, stderr = _bench(False)
    assert status == 0 and "1/1" not in stderr and "━" not in stderr
    status, stdout, stderr = _bench(True, "--json")
    assert status == 0 and "1/1" not in stderr and "━" not in stderr
    assert stdout.lstrip().startswith("{")
