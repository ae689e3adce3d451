"""Where the machine cannot isolate fully, the sandbox still works, and says what is missing."""

import socket
import textwrap

import pytest

from conftest import sandbox_leftovers
from cosplay_core.sandbox import Executor, Limits, Program, detect


@pytest.fixture(scope="module")
def bare():
    isolation = detect(allow_bwrap=False, allow_cgroups=False)
    return Executor(workers=2, isolation=isolation, cache=False)


def test_missing_layers_are_reported(bare):
    isolation = bare.isolation
    assert not isolation.filesystem and not isolation.complete
    assert isolation.memory_cap == "rlimit" and not isolation.process_cap
    assert any("filesystem not isolated" in w for w in isolation.warnings)
    assert any("processes" in w for w in isolation.warnings)


def test_full_isolation_here_has_no_warnings():
    isolation = detect()
    if isolation.method != "bwrap":
        pytest.skip("bubblewrap is not installed on this machine")
    assert isolation.complete and isolation.filesystem and isolation.network and isolation.pid_namespace


@pytest.mark.parametrize("source, status", [
    ("print(int(input()) + 1)", "ok"),
    ("while True: pass", "timeout"),
    ("x = [0] * (10 ** 9)", "memory_limit"),
    ("chunks = []\nwhile True:\n    chunks.append(b'x' * (64 << 20))", "memory_limit"),
    ("import sys\nwhile True: sys.stdout.write('x' * 4096)", "output_limit"),
    ("raise ValueError('no')", "error"),
])
def test_statuses_without_bwrap_or_cgroups(bare, executor, source, status):
    [outcome] = bare.run(Program(textwrap.dedent(source)), ["41\n"], Limits(time_limit_s=2.0, memory_mb=256))
    assert outcome.status == status
    assert sandbox_leftovers() == []


def test_network_is_still_cut_with_unshare(bare):
    if bare.isolation.method != "unshare":
        pytest.skip("unshare --net is not available here")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        [outcome] = bare.run(Program(f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), 0.5)\n"
                                     "    print('connected')\nexcept OSError as e:\n    print('refused')\n"), [""])
    assert outcome.stdout.strip() == "refused"



def test_the_working_folder_is_not_on_the_path_and_string_hashing_is_fixed(bare):
    """The runner's interpreter starts without -E, so that PYTHONHASHSEED=0 holds, but with no working folder on
    sys.path (-P, or the bootstrap removing it), as with -I before: a module a program writes where it runs is
    not imported in its place, here where nothing but that folder's emptying stands between two inputs."""
    source = ("open('zz_planted.py', 'w').write('x = 1')\nimport sys\n"
              "print('' in sys.path, '.' in sys.path, sys.flags.hash_randomization)\n"
              "try:\n    import zz_planted\nexcept ImportError:\n    print('not imported')")
    outcomes = bare.run(Program(source), ["", ""])
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert [o.stdout.split() for o in outcomes] == [["False", "False", "0", "not", "imported"]] * 2
