"""Shared fixtures: one real executor for the session, and helpers that look for processes left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_problems"
SHARED_DATA = ROOT.parent / "shared" / "data"
RUNNER_MARKER = "The fork server that runs inside the sandbox"  # in the command line of every runner and its forks

sys.path.insert(0, str(ROOT))


# The fake OpenAI/Anthropic server as a fixture for every test file (tests/fake_llm_server.py).
from fake_llm_server import fake_server  # noqa: E402,F401


def require_shared(path: Path) -> Path:
    """`path` (a file of ../shared/data), or a skip that says the shared data set is absent."""
    if not path.exists():
        pytest.skip(f"the shared data set is absent: {path} (see ../shared/data/README.md)")
    return path


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


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    return children


def process_tree(pid: int) -> set[int]:
    """`pid` and all its descendants."""
    children, tree, todo = _children(), set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(children.get(current, []))
    return tree


def sandbox_leftovers(settle_s: float = 30.0) -> list[int]:
    """Processes left behind by programs, after giving an input's namespaces up to `settle_s` to be torn down
    (the runner does not wait for that after a verdict); a generous wall margin, for a loaded machine: it returns
    as soon as nothing is left."""
    import time

    deadline = time.monotonic() + settle_s
    while True:
        left = _leftovers_now()
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def _leftovers_now() -> list[int]:
    """Processes beyond what the live executors' idle servers are made of (a runner and its launchers).

    A process left behind by a program stays in its server's tree (inside bubblewrap, orphans are adopted by the
    sandbox's init) and carries the runner's command line, or another command line the test looks for by token.
    """
    from cosplay_core.sandbox import Executor

    expected: set[int] = set()
    extra: list[int] = []
    for executor in Executor.live():
        # bubblewrap's monitor (with bubblewrap), the runner, its root zygote and the loaded program's zygote
        baseline = 4 if executor.isolation.method == "bwrap" else 3
        for server in list(executor._idle):
            if server.proc is None:
                continue
            tree = process_tree(server.proc.pid)
            expected |= tree
            if len(tree) > baseline:
                extra.extend(sorted(tree)[baseline:])
    ours = process_tree(os.getpid())  # other sessions on a shared machine run sandboxes too
    extra.extend(pid for pid in processes_with(RUNNER_MARKER) if pid not in expected and pid in ours)
    return extra


@pytest.fixture(scope="session")
def executor():
    from cosplay_core.sandbox import Executor

    return Executor(workers=2, cache=False)
