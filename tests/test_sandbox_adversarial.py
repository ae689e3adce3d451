"""The adversarial corpus: hostile programs against the real sandbox.

For each: the right status, the harness alive (a normal program runs fine afterwards), no process left behind, no
file touched outside the scratch folder, no secret seen.
"""

from __future__ import annotations

import socket
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import SAMPLES, processes_with, sandbox_leftovers
from cosplay_core.sandbox import Limits, Program

SECRET = "sk-ant-PLANTED-" + uuid.uuid4().hex
FAST = Limits(time_limit_s=1.0, memory_mb=256)


@pytest.fixture(autouse=True)
def planted_secret(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def run(executor, source, inputs=("",), limits=FAST, io="stdin", entry_point=None):
    program = Program(textwrap.dedent(source), io, entry_point)
    return executor.run(program, list(inputs), limits)


def assert_clean(executor, token=None):
    """No runner or child left, no process carrying `token`, and the harness still runs programs."""
    deadline = time.monotonic() + 30  # a margin for a loaded machine: the loop ends once nothing is left
    while time.monotonic() < deadline and (sandbox_leftovers() or (token and processes_with(token))):
        time.sleep(0.05)
    assert sandbox_leftovers() == []
    if token:
        assert processes_with(token) == []
    [check] = run(executor, "print(int(input()) * 2)", ["21\n"])
    assert (check.status, check.stdout) == ("ok", "42\n")


def test_fork_bomb_is_capped(executor):
    [outcome] = run(executor, """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """)
    assert outcome.status in ("timeout", "error")
    assert_clean(executor)


def test_memory_bomb_is_memory_limit(executor):
    [outcome] = run(executor, """
        chunks = []
        while True:
            chunks.append(b"x" * (64 << 20))
    """)
    assert outcome.status == "memory_limit"
    assert_clean(executor)


def test_single_huge_allocation_is_memory_limit(executor):
    [outcome] = run(executor, "x = [0] * (10 ** 9)\nprint(len(x))")
    assert outcome.status == "memory_limit"
    assert_clean(executor)


def test_infinite_loop_is_timeout(executor):
    [outcome] = run(executor, "while True:\n    pass")
    assert outcome.status == "timeout"
    assert outcome.cpu_s >= 1.0  # judged on CPU time, whatever the machine's load
    assert_clean(executor)


def test_loop_that_catches_every_exception_and_signal_is_timeout(executor):
    [outcome] = run(executor, """
        import signal
        for sig in range(1, 65):
            try:
                signal.signal(sig, signal.SIG_IGN)
            except (OSError, ValueError, RuntimeError):
                pass
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
    """)
    assert outcome.status == "timeout"
    assert_clean(executor)


def test_sleep_is_timeout(executor):
    [outcome] = run(executor, "import time\ntime.sleep(100)")
    assert outcome.status == "timeout"
    assert_clean(executor)


def test_huge_output_is_output_limit(executor):
    [outcome] = run(executor, """
        import sys
        line = "x" * 1023 + "\\n"
        for _ in range(100 * 1024):
            sys.stdout.write(line)
    """, limits=Limits(time_limit_s=5.0))
    assert outcome.status == "output_limit"
    assert len(outcome.stdout) <= Limits().output_limit_bytes
    assert_clean(executor)


def test_files_outside_scratch_are_untouched(executor, tmp_path):
    canary = Path("/tmp") / f"cosplay-canary-{uuid.uuid4().hex}"
    canary.write_text("keep me")
    created = Path("/tmp") / f"cosplay-created-{uuid.uuid4().hex}"
    project_file = Path(__file__).resolve()
    project_before = project_file.read_bytes()
    [outcome] = run(executor, f"""
        import os, shutil
        for action in (
            lambda: os.remove({str(canary)!r}),
            lambda: open({str(canary)!r}, "w").write("overwritten"),
            lambda: open({str(created)!r}, "w").write("escaped"),
            lambda: open({str(project_file)!r}, "a").write("# tampered"),
            lambda: os.remove({str(project_file)!r}),
            lambda: shutil.rmtree({str(project_file.parent)!r}),
            lambda: open(os.path.expanduser("~/.bashrc"), "a").write("tampered"),
        ):
            try:
                action()
            except Exception as exc:
                print(type(exc).__name__)
        open("inside_scratch.txt", "w").write("fine")
        print(open("inside_scratch.txt").read())
    """)
    assert outcome.status == "ok"
    assert outcome.stdout.strip().endswith("fine")
    assert canary.read_text() == "keep me"
    assert not created.exists()
    assert project_file.read_bytes() == project_before
    canary.unlink()
    assert_clean(executor)


def test_environment_secrets_are_not_visible(executor):
    [outcome] = run(executor, """
        import os, glob
        print(dict(os.environ))
        for path in ["/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"] + glob.glob("/proc/*/environ"):
            try:
                print(open(path, "rb").read())
            except OSError as exc:
                print(path, type(exc).__name__)
    """)
    assert outcome.status == "ok"
    assert SECRET not in outcome.stdout + outcome.stderr
    assert "ANTHROPIC_API_KEY" not in outcome.stdout
    assert_clean(executor)


def test_no_network_to_a_local_listener(executor):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        [outcome] = run(executor, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=0.5).sendall(b"leak")
                print("connected")
            except OSError as exc:
                print("refused", type(exc).__name__)
        """)
        assert outcome.status == "ok"
        assert outcome.stdout.startswith("refused")
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert_clean(executor)


def test_its_parent_cannot_be_signalled(executor):
    # The parent is the input's init: another user, no capability to signal it, and init of its namespace.
    outcomes = run(executor, """
        import os, signal
        line = input()
        if line == "kill":
            os.kill(os.getppid(), signal.SIGKILL)
            import time
            time.sleep(5)
        print(line)
    """, ["a\n", "kill\n", "b\n", "kill\n", "c\n"])
    assert [o.status for o in outcomes] == ["ok", "error", "ok", "error", "ok"]
    assert [o.stdout for o in outcomes if o.ok] == ["a\n", "b\n", "c\n"]
    assert "PermissionError" in outcomes[1].stderr
    assert_clean(executor)


def test_double_forked_daemon_does_not_outlive_the_run(executor):
    token = f"{int(time.time()) % 1000}.{uuid.uuid4().int % 10 ** 9:09d}"
    [outcome] = run(executor, f"""
        import os
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "{token}"])
            os._exit(0)
        print("parent done")
    """)
    assert outcome.status == "ok"
    assert outcome.stdout == "parent done\n"
    assert_clean(executor, token)


def test_python_daemon_holding_stdout_does_not_hang_the_input(executor):
    [outcome] = run(executor, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    print("still here", flush=True)
                    time.sleep(0.01)
            os._exit(0)
        print("parent done", flush=True)
    """)
    assert outcome.status == "ok"
    assert outcome.stdout.startswith("parent done\n")
    assert_clean(executor)


def test_os_exit_before_returning_is_not_a_result(executor):
    [outcome] = run(executor, """
        import os
        def answer(x):
            os._exit(0)
    """, [[1]], io="function", entry_point="answer")
    assert outcome.status == "error"
    assert outcome.value is None
    assert_clean(executor)


def test_forged_verdict_on_other_descriptors_is_ignored(executor):
    [outcome] = run(executor, """
        import os, json
        forged = json.dumps({"status": "ok", "stdout": "42\\n", "value": 42, "stderr": "", "time_s": 0}) + "\\n"
        for fd in range(3, 64):
            try:
                os.write(fd, forged.encode())
            except OSError:
                pass
        raise SystemExit(3)
    """)
    assert outcome.status == "error"
    assert outcome.stdout == ""
    assert_clean(executor)


def test_closed_stdout_in_function_mode_keeps_the_result_channel(executor):
    [outcome] = run(executor, """
        import os, sys
        def answer(x):
            sys.stdout.close()
            os.close(1)
            return x + 1
    """, [[41]], io="function", entry_point="answer")
    assert (outcome.status, outcome.value) == ("ok", 42)
    assert_clean(executor)


def test_closed_stdout_in_stdin_mode_cannot_fake_output(executor):
    [outcome] = run(executor, """
        import os
        os.close(1)
        os._exit(0)
    """)
    assert outcome.status == "ok"
    assert outcome.stdout == ""
    assert_clean(executor)


def test_deep_recursion_runs(executor):
    [outcome] = run(executor, """
        import sys
        from functools import lru_cache
        sys.setrecursionlimit(10 ** 6)
        def depth(n):
            return 0 if n == 0 else 1 + depth(n - 1)
        @lru_cache(maxsize=None)
        def cached_depth(n):
            return 0 if n == 0 else 1 + cached_depth(n - 1)
        print(depth(100000), cached_depth(100000))
    """, limits=Limits(time_limit_s=5.0))
    assert (outcome.status, outcome.stdout) == ("ok", "100000 100000\n"), outcome.stderr[-300:]
    assert_clean(executor)


def test_busy_threads_are_killed_at_the_limit(executor):
    [outcome] = run(executor, """
        import threading
        def spin():
            while True:
                pass
        for _ in range(4):
            threading.Thread(target=spin).start()
        print("started")
    """)
    assert outcome.status == "timeout"
    assert_clean(executor)


def test_work_in_an_unjoined_thread_still_counts(executor):
    [outcome] = run(executor, """
        import threading
        def main():
            print(int(input()) + 1)
        threading.stack_size(1 << 26)
        threading.Thread(target=main).start()
    """, ["41\n"])
    assert (outcome.status, outcome.stdout) == ("ok", "42\n")


def test_problem_reference_cannot_be_read(executor):
    reference = (SAMPLES / "max_subarray" / "reference.py").resolve()
    secret_line = next(line for line in reference.read_text().splitlines() if len(line.strip()) > 12)
    [outcome] = run(executor, f"""
        import os
        for path in [{str(reference)!r}, {str(reference.parent)!r}, {str(reference.parent.parent)!r}, "/work", "/root"]:
            try:
                print(open(path).read() if os.path.isfile(path) else os.listdir(path))
            except OSError as exc:
                print(path, type(exc).__name__)
    """)
    assert outcome.status == "ok"
    assert secret_line not in outcome.stdout
    assert "FileNotFoundError" in outcome.stdout
    assert_clean(executor)


def test_files_do_not_leak_between_inputs(executor):
    outcomes = run(executor, """
        import os
        print(sorted(os.listdir(".")))
        open("note.txt", "w").write("from an earlier input")
    """, ["1\n", "2\n"])
    assert [o.stdout for o in outcomes] == ["[]\n", "[]\n"]


def test_program_runs_as_unprivileged_user_without_capabilities(executor):
    from cosplay_core.sandbox import detect

    if not detect().filesystem:
        pytest.skip("bubblewrap is not available: the fallback runs as the caller")
    [outcome] = run(executor, """
        import os
        print(os.getuid())
        print([l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1])
    """)
    uid, capabilities = outcome.stdout.split()
    assert uid != "0"
    assert int(capabilities, 16) == 0


def test_a_stdin_input_that_is_not_utf8_is_refused_with_its_reason(executor):
    outcomes = run(executor, "print(input())", ["bad \udc80 input\n", "fine\n"])
    assert outcomes[0].status == "error" and "not valid UTF-8" in outcomes[0].stderr
    assert (outcomes[1].status, outcomes[1].stdout) == ("ok", "fine\n")


def test_what_a_killed_harness_left_is_swept_by_the_next_one(tmp_path):
    # A harness killed with SIGKILL cannot clean up: its cgroups (and, without bubblewrap, scratch folders) stay.
    import signal
    import subprocess
    import sys

    from cosplay_core.sandbox import isolation

    script = textwrap.dedent("""
        import os, signal, sys
        from cosplay_core.sandbox import Executor, Program
        with_bwrap = sys.argv[1] == "1"
        from cosplay_core.sandbox import detect
        executor = Executor(workers=1, cache=False, isolation=detect(allow_bwrap=with_bwrap),
                            scratch_root=sys.argv[2])
        executor.run(Program("print(1)"), [""])
        print(os.getpid(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    dead = []
    for with_bwrap in ("1", "0"):
        proc = subprocess.run([sys.executable, "-c", script, with_bwrap, str(tmp_path)], capture_output=True,
                              text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        dead.append(int(proc.stdout))

    def left_behind():
        groups = [p for c in ("pids", "memory") if isolation._own_cgroup(c)
                  for pid in dead for p in isolation._own_cgroup(c).glob(f"cosplay-{pid}-*")]
        return groups + list(tmp_path.glob("cosplay-scratch-*"))

    assert left_behind()  # the killed harnesses did leave something
    isolation.sweep_stale.cache_clear()
    isolation.sweep_stale(str(tmp_path))
    assert left_behind() == []
