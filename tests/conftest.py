"""Shared fixtures: one real executor for the session, and helpers that look for processes left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_problems"
SHARED_DATA = ROOT.parent / "shared" / "data"
RUNNER_MARKER = "The fork server that runs inside the sandbox"

sys.path.insert(0, str(ROOT))


def processes_with(token: str) -> list[int]:
    """Pids (other than ours) whose command line contains `token`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if token in cmdline:
            found.append(int(entry))
    return found


@pytest.fixture(scope="session")
def executor():
    from cosplay_core.sandbox import Executor

    return Executor(workers=2, cache=False)
