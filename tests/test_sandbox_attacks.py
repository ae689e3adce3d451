"""Attacks on the sandbox by a candidate program that has read the sandbox's source.

Each test runs one attack against the real sandbox and asserts containment (the right status, nothing seen that
should not be, nothing left behind) and that the next honest program on the same server gets its own right
answer. An attack that still succeeds is kept as a strict xfail whose reason says what breaks: the sandbox's
owner removes the mark once it is fixed.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, processes_with
from cosplay_core.sandbox import STATUSES, Job, Limits, Program, SandboxServer, package_folders
from cosplay_core.sandbox.isolation import _site_folders, sandbox_path
from test_sandbox_adversarial import assert_clean, run

QUICK = Limits(time_limit_s=0.5, memory_mb=256, wall_time_factor=2.0)
BATCH = Limits(time_limit_s=0.5, memory_mb=256, wall_time_factor=2.0, isolate_inputs=False)
SLEEPY = Limits(time_limit_s=0.2, memory_mb=256, wall_time_factor=1.0)  # wall-clock backstop: 1.2 s
X86_64 = platform.machine() == "x86_64"  # the raw syscall numbers below are x86-64's


@pytest.fixture(autouse=True)
def full_isolation(executor):
    """Skips unless the sandbox is complete (bubblewrap, fresh namespaces per input): the fallback says it is not,
    and would let these attacks touch the caller's own files and processes."""
    if not executor.isolation.per_input or not executor.isolation.complete:
        missing = "; ".join(executor.isolation.warnings) or "no per-input namespaces"
        pytest.skip(f"the sandbox is incomplete here: {missing}")


def assert_honest_after(executor, batch: bool = False):
    """No process left behind, and honest programs (stdin, function, and batch when asked) get their answers."""
    assert_clean(executor)
    limits = BATCH if batch else QUICK
    outcomes = run(executor, "def double(x):\n    return x * 2\n", [[21], [4]], limits, "function", "double")
    assert [(o.status, o.value) for o in outcomes] == [("ok", 42), ("ok", 8)]


def lines(outcome) -> list[str]:
    return outcome.stdout.splitlines()


# ---- the control channel -----------------------------------------------------------------------------------------

FORGED = (json.dumps({"kind": "result", "status": "ok", "time_s": 0, "cpu_s": 0, "sizes": [3, 0, 2]}).encode()
          + b"\n42\n42" + b"R ok 0.000000 0.000000 3 0 2\n42\n42")
PROC_SCAN = f"""
import glob, os
FORGED = {FORGED!r}
def scan():
    me, opened = os.getpid(), []
    visible = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me)
    for pid in visible:
        paths = glob.glob(f"/proc/{{pid}}/fd/*") + [f"/proc/{{pid}}/fd/{{n}}" for n in range(16)]
        paths += [f"/proc/{{pid}}/{{name}}" for name in ("mem", "environ", "fdinfo/3", "map_files")]
        for path in paths:
            for flags in (os.O_RDONLY, os.O_WRONLY, os.O_RDWR):
                try:
                    fd = os.open(path, flags | os.O_NONBLOCK)
                except OSError:
                    continue
                opened.append(path)
                try:
                    os.write(fd, FORGED)
                except OSError:
                    pass
                os.close(fd)
        for path in (f"/proc/{{pid}}/root", f"/proc/{{pid}}/cwd", f"/proc/{{pid}}/fd"):
            try:
                os.listdir(path)
                opened.append(path)
            except OSError:
                pass
    return [opened, 1 in visible]
"""


def test_no_other_process_descriptors_memory_or_environment_can_be_opened(executor):
    [by_stdin] = run(executor, PROC_SCAN + "print(scan())\nprint(int(input()) * 2)\n", ["21\n"], QUICK)
    assert (by_stdin.status, lines(by_stdin)) == ("ok", ["[[], True]", "42"])
    [by_call] = run(executor, PROC_SCAN + "def f(x):\n    return [scan(), x * 2]\n", [[21]], QUICK, "function", "f")
    assert (by_call.status, by_call.value) == ("ok", [[[], True], 42])
    assert_honest_after(executor)


PROCESS_ATTACKS = """
import ctypes, errno, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
PIDFD_OPEN, PIDFD_SEND_SIGNAL, PIDFD_GETFD = 434, 424, 438

class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

def attack():
    me, granted = os.getpid(), []
    buffer = ctypes.create_string_buffer(64)
    local = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 64)
    remote = IoVec(0x10000, 64)
    visible = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
    for pid in visible:
        for request in (16, 0x4206):  # PTRACE_ATTACH, PTRACE_SEIZE
            if libc.ptrace(ctypes.c_long(request), ctypes.c_long(pid), None, None) == 0:
                granted.append(f"ptrace {pid}")
        if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) >= 0 \\
                or ctypes.get_errno() not in (errno.EPERM, errno.ESRCH):
            granted.append(f"process_vm_readv {pid} {errno.errorcode.get(ctypes.get_errno())}")
        handles = []
        pidfd = libc.syscall(ctypes.c_long(PIDFD_OPEN), ctypes.c_long(pid), ctypes.c_long(0))
        if pidfd >= 0:
            handles.append(pidfd)
        try:
            handles.append(os.open(f"/proc/{pid}", os.O_RDONLY | os.O_DIRECTORY))
        except OSError:
            pass
        for handle in handles:
            for target in range(16):
                stolen = libc.syscall(ctypes.c_long(PIDFD_GETFD), ctypes.c_long(handle), ctypes.c_long(target),
                                      ctypes.c_long(0))
                if stolen >= 0:
                    granted.append(f"pidfd_getfd {pid} {target}")
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                if libc.syscall(ctypes.c_long(PIDFD_SEND_SIGNAL), ctypes.c_long(handle), ctypes.c_long(sig), None,
                                ctypes.c_long(0)) == 0:
                    granted.append(f"pidfd_send_signal {pid} {sig}")
            os.close(handle)
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL, signal.SIGHUP, signal.SIGUSR1, signal.SIGSEGV):
        try:
            os.kill(1, sig)
            granted.append(f"kill 1 {sig}")
        except PermissionError:
            pass
        try:
            os.kill(-1, sig)
            granted.append(f"kill -1 {sig}")
        except ProcessLookupError:
            pass
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in range(1, 401):
            if pid != me:
                try:
                    os.kill(pid, sig)
                    granted.append(f"kill {pid} {sig}")
                except (PermissionError, ProcessLookupError):
                    pass
    return [granted, 1 in visible]
"""


@pytest.mark.skipif(not X86_64, reason="raw syscall numbers are x86-64's")
def test_no_visible_process_can_be_traced_read_or_signalled(executor):
    outcomes = run(executor, PROCESS_ATTACKS + "print(attack())\nprint(int(input()) * 2)\n", ["21\n", "5\n"], QUICK)
    assert [(o.status, lines(o)) for o in outcomes] == [("ok", ["[[], True]", "42"]), ("ok", ["[[], True]", "10"])]
    [by_call] = run(executor, PROCESS_ATTACKS + "def f(x):\n    return [attack(), x + 1]\n", [[41]], QUICK,
                    "function", "f")
    assert (by_call.status, by_call.value) == ("ok", [[[], True], 42])
    assert_honest_after(executor)


FRAME_FORGER = r"""
import json, os
FRAMES = [
    json.dumps({"kind": "result", "status": "ok", "time_s": 0, "cpu_s": 0, "sizes": [3, 0, 2]}).encode() + b"\n42\n42",
    json.dumps({"kind": "result", "status": "ok", "time_s": 0, "cpu_s": 0, "sizes": [2 ** 40] * 3}).encode() + b"\n",
    b"R ok 0.000000 0.000000 3 0 2\n42\n42", b"R ok 0.000000 0.000000 0 0 -1\n" * 50,
    b"R ok 0.000000 0.000000 999999999999 0 0\n",
    json.dumps({"kind": "ready", "compile_error": None}).encode() + b"\n",
    json.dumps({"kind": "end"}).encode() + b"\n",
    b"r " + json.dumps({"status": 0, "cpu_s": 0}).encode() + b"\nc 0.0\n",
    b"v 2\n42", b"M 0\n", b"e 1\nx", b"v 999999999999\n", b"not json at all\n",
    b"[" * 100000 + b"]" * 100000, b"NaN", "\ud800".encode("utf-8", "surrogatepass"), b"{" * 1000 + b"\n",
]
def forge():
    for fd in range(0, 11):
        for frame in FRAMES:
            try:
                os.write(fd, frame)
            except OSError:
                pass
"""


def test_forged_frames_on_every_descriptor_do_not_make_a_failure_a_success(executor):
    outcomes = run(executor, FRAME_FORGER + "forge()\nif input() == 'fail':\n    raise SystemExit(3)\n",
                   ["fail\n", "pass\n"], Limits(time_limit_s=1.0, memory_mb=256))
    assert [o.status for o in outcomes] == ["error", "ok"]
    assert "not json at all" in outcomes[1].stdout  # its own stdout, not a frame
    [by_call] = run(executor, FRAME_FORGER + "def f(x):\n    forge()\n    return x\n", [[42]],
                    Limits(time_limit_s=1.0, memory_mb=256), "function", "f")
    assert (by_call.status, by_call.value) == ("error", None)
    assert_honest_after(executor)


def test_forged_batch_records_stay_within_the_program_s_own_verdicts(executor):
    source = FRAME_FORGER + textwrap.dedent("""
        def f(x):
            if x == "forge":
                forge()
            elif x == "huge":
                os.write(3, b"v 99999999\\n")
            elif x == "module":
                os.write(3, b"M 0\\n")
            return x
    """)
    outcomes = run(executor, source, [["plain"], ["forge"], ["after"], ["huge"], ["module"], ["last"]], BATCH,
                   "function", "f")
    assert all(o.status in STATUSES for o in outcomes)
    assert (outcomes[0].status, outcomes[0].value) == ("ok", "plain")
    assert outcomes[3].status in ("output_limit", "error")
    assert_honest_after(executor, batch=True)


def test_batch_program_code_chooses_only_its_own_results(executor):
    # By design (documented in Limits and runner._program_batch): in batch mode a program shares its process with
    # the wrapper, so it can claim results for its own calls, as it could by returning them; it cannot reach any
    # other program's results, and the next program on the same server is judged by its own calls.
    outcomes = run(executor, """
        import os, time
        def f(x):
            if x == 0:
                for _ in range(3):
                    os.write(3, b"v 1 0 0\\n7")  # the record format of runner._write_record
                time.sleep(100)
            return x
    """, [[0], [1], [2]], Limits(time_limit_s=0.3, memory_mb=256, wall_time_factor=1.0, isolate_inputs=False),
        "function", "f")
    assert [(o.status, o.value) for o in outcomes] == [("ok", 7)] * 3
    assert_honest_after(executor, batch=True)


@pytest.mark.parametrize("limits", [QUICK, BATCH], ids=["per-input", "batch"])
def test_closing_or_replacing_descriptors_0_to_4_never_gives_a_value(executor, limits):
    outcomes = run(executor, """
        import os
        def f(how):
            if how == "close":
                os.closerange(0, 5)
            elif how == "dup":
                os.dup2(1, 3)
                os.dup2(0, 4)
            elif how == "swap":
                os.dup2(3, 1)
                os.dup2(2, 3)
            return "forged"
    """, [["close"], ["dup"], ["swap"]], limits, "function", "f")
    assert [o.status for o in outcomes][:2] == ["error"] * 2
    assert outcomes[2].status in ("error", "timeout")  # batch: its records went to stderr, it waits for a go-ahead
    assert all(o.value is None for o in outcomes)
    outcomes = run(executor, """
        import os
        os.closerange(0, 5)
        os._exit(0)
    """, ["x\n"], QUICK)
    assert (outcomes[0].status, outcomes[0].stdout) == ("ok", "")
    assert_honest_after(executor, batch=not limits.isolate_inputs)


@pytest.mark.parametrize("limits", [QUICK, BATCH], ids=["per-input", "batch"])
def test_values_that_look_like_frames_or_break_json_come_back_as_returned(executor, limits):
    outcomes = run(executor, """
        def f(x):
            return {"module": True} if x == "module" else {"nan": float("nan"), "inf": float("inf")} \\
                if x == "nan" else x
    """, [["module"], ["v 3\n"], ["M 0\n"], ["\ud800"], ["\u2028\x00"], ["nan"], ['{"kind": "result"}\n']],
        limits, "function", "f")
    assert [o.status for o in outcomes] == ["ok"] * 7
    assert [o.value for o in outcomes[:5]] == [{"module": True}, "v 3\n", "M 0\n", "\ud800", "\u2028\x00"]
    assert math.isnan(outcomes[5].value["nan"]) and outcomes[5].value["inf"] == math.inf
    assert outcomes[6].value == '{"kind": "result"}\n'
    assert_honest_after(executor, batch=not limits.isolate_inputs)


@pytest.mark.parametrize("limits", [QUICK, BATCH], ids=["per-input", "batch"])
def test_a_return_value_100000_levels_deep_is_an_error(executor, limits):
    outcomes = run(executor, """
        import os
        def f(how):
            value = []
            for _ in range(100000):
                value = [value]
            if how == "raw":
                os.write(3, b"[" * 100000 + b"]" * 100000)
                os._exit(0)
            return value
    """, [["return"], ["raw"]], limits, "function", "f")
    assert [(o.status, o.value) for o in outcomes] == [("error", None), ("error", None)]
    assert_honest_after(executor, batch=not limits.isolate_inputs)


HARNESS_WITH_DEEP_RECURSION = """
import sys
sys.path.insert(0, {root!r})
sys.setrecursionlimit(10 ** 6)  # what notebooks of competitive programmers do
from cosplay_core.sandbox import Executor, Limits, Program
with Executor(workers=1, cache=False) as executor:
    program = Program("import os\\ndef f():\\n    os.write(3, b'[' * 2000000 + b']' * 2000000)\\n    os._exit(0)\\n",
                      "function", "f")
    [outcome] = executor.run(program, [[]], Limits(time_limit_s=2.0))
    print(outcome.status)
"""


def test_a_deep_result_cannot_crash_a_harness_that_raised_its_recursion_limit():
    done = subprocess.run([sys.executable, "-c", HARNESS_WITH_DEEP_RECURSION.format(root=str(ROOT))],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "error"), done.stderr[-500:]


# ---- nothing survives an input ------------------------------------------------------------------------------------

PLANT_FILES = """
import os
def plant():
    for folder in (".", "/tmp", "/dev/shm"):
        os.chdir(folder)
        open("note.txt", "w").write("left behind")
        open("locked.txt", "w").write("x")
        os.chmod("locked.txt", 0)
        os.mkdir("ro")
        open("ro/inner.txt", "w").write("x")
        os.chmod("ro", 0o555)
        os.symlink("/proc/self/environ", "link")
        os.mkfifo("fifo")
    os.chdir("/scratch")
    for _ in range(3000):
        os.mkdir("d")
        os.chdir("d")
    os.chmod(".", 0o555)
    os.chdir("/scratch")
def look():
    return [sorted(os.listdir(folder)) for folder in (".", "/tmp", "/dev/shm")]
"""


def test_files_folders_links_and_fifos_do_not_survive_an_input(executor):
    outcomes = run(executor, PLANT_FILES + "plant() if input() == 'plant' else None\nprint(look())\n",
                   ["plant\n", "look\n"], Limits(time_limit_s=2.0, memory_mb=256))
    assert [o.status for o in outcomes] == ["ok", "ok"], outcomes[0].stderr[-300:]
    assert lines(outcomes[1]) == ["[[], [], []]"]
    outcomes = run(executor, PLANT_FILES + "def f(x):\n    if x:\n        plant()\n    return look()\n",
                   [[True], [False]], Limits(time_limit_s=2.0, memory_mb=256), "function", "f")
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert all("note.txt" in listing for listing in outcomes[0].value)  # it looks after planting
    assert outcomes[1].value == [[], [], []]
    assert_honest_after(executor)


def test_200000_tiny_files_hit_the_inode_cap_and_vanish(executor):
    outcomes = run(executor, """
        import errno, os
        made = 0
        if input() == "plant":
            try:
                for i in range(200000):
                    os.close(os.open(f"/dev/shm/{i}", os.O_CREAT | os.O_WRONLY))
                    made += 1
            except OSError as exc:
                print(errno.errorcode[exc.errno])
        print(made < 200000, len(os.listdir("/dev/shm")) == made)
    """, ["plant\n", "look\n"], Limits(time_limit_s=5.0, memory_mb=256))
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert lines(outcomes[0]) == ["ENOSPC", "True True"]
    assert lines(outcomes[1]) == ["True True"]  # made == 0: the folder is empty
    assert_honest_after(executor)


REPLACE_LINKS = """
import os
def replace_links():
    done = []
    for link in ("/tmp", "/dev/shm", "/scratch"):
        for attempt in (lambda: os.unlink(link), lambda: os.rename(link, link + ".old"),
                        lambda: os.symlink("/proc/self/cwd", link + ".new"), lambda: os.rename("/box", "/box.old")):
            try:
                attempt()
                done.append(link)
            except OSError:
                pass
    for path in ("/planted", "/dev/planted", "/box/planted"):
        try:
            open(path, "w").close()
            done.append(path)
        except OSError:
            pass
    return done
def look():
    return [[os.readlink(link) for link in ("/tmp", "/dev/shm", "/scratch")], os.getcwd(), os.environ["PWD"],
            sorted(os.listdir("/box")), [os.path.exists(p) for p in ("/planted", "/dev/planted", "/box/planted")]]
"""


def test_the_links_to_an_input_s_folders_cannot_be_replaced_and_the_root_is_read_only(executor):
    outcomes = run(executor, REPLACE_LINKS + "print(replace_links() if input() == 'plant' else look())\n",
                   ["plant\n", "look\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok", "ok"], outcomes[0].stderr[-300:]
    assert lines(outcomes[0]) == ["[]"]
    assert lines(outcomes[1]) == ["[['/box/tmp', '/box/shm', '/box/work'], '/box/work', '/scratch', "
                                  "['shm', 'tmp', 'work'], [False, False, False]]"]
    assert_honest_after(executor)


IPC_AND_NAMES = """
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
KEY = 0x0C05A1A
def plant():
    done = []
    if libc.shmget(KEY, 4096, 0o1666) >= 0:
        done.append("shm")
    if libc.semget(KEY, 1, 0o1666) >= 0:
        done.append("sem")
    from multiprocessing import shared_memory
    segment = shared_memory.SharedMemory(name="cosplay_note", create=True, size=4096)
    segment.buf[:4] = b"note"
    segment.close()
    done.append("posix shm")
    os.environ["COSPLAY_NOTE"] = "left behind"
    os.putenv("COSPLAY_NOTE2", "left behind")
    if libc.mq_open(b"/cosplay_note", os.O_CREAT | os.O_RDWR, 0o600, None) >= 0:
        done.append("mqueue")
    if libc.sethostname(b"pwned", 5) == 0:
        done.append("hostname")
    try:
        socket.sethostname("pwned2")
        done.append("socket hostname")
    except OSError:
        pass
    if libc.unshare(0x10000000 | 0x04000000) == 0 and libc.sethostname(b"pwned3", 6) == 0:  # user + UTS
        done.append("own uts")  # refused: the seccomp filter forbids new user namespaces
    return done
def look():
    seen = []
    if libc.shmget(KEY, 0, 0) >= 0:
        seen.append("shm")
    if libc.semget(KEY, 0, 0) >= 0:
        seen.append("sem")
    if libc.mq_open(b"/cosplay_note", os.O_RDWR) >= 0:
        seen.append("mqueue")
    for table in ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg"):
        seen += open(table).read().splitlines()[1:]
    seen += os.listdir("/dev/shm")
    seen += [k for k in os.environ if k.startswith("COSPLAY")]
    return seen + [socket.gethostname()]
"""


def test_ipc_objects_hostname_and_environment_do_not_survive_an_input(executor):
    outcomes = run(executor, IPC_AND_NAMES + "print(plant() if input() == 'plant' else look())\n",
                   ["plant\n", "look\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok", "ok"], outcomes[0].stderr[-300:]
    assert lines(outcomes[0]) == ["['shm', 'sem', 'posix shm', 'mqueue']"]  # no host name changed, no user ns
    assert lines(outcomes[1]) == ["['sandbox']"]
    outcomes = run(executor, IPC_AND_NAMES + "def f(x):\n    return plant() if x else look()\n",
                   [[True], [False]], QUICK, "function", "f")
    assert [(o.status, o.value) for o in outcomes] == [("ok", ["shm", "sem", "posix shm", "mqueue"]),
                                                        ("ok", ["sandbox"])]
    assert_honest_after(executor)


@pytest.mark.skipif(not X86_64, reason="raw syscall numbers are x86-64's")
def test_daemons_in_new_sessions_and_namespaces_do_not_outlive_the_input(executor):
    token = f"{int(time.time()) % 1000 + 300}.{uuid.uuid4().int % 10 ** 9:09d}"
    [outcome] = run(executor, f"""
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        if os.fork() == 0:
            os.setsid()
            libc.unshare(0x10000000 | 0x20000000)  # a user and PID namespace of its own
            if os.fork() == 0:
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", "{token}"])
                os.execv("/bin/sleep", ["sleep", "{token}"])
            os._exit(0)
        os.wait()
        def name(pid):
            try:
                return open(f"/proc/{{pid}}/comm").read()
            except OSError:  # its zygote's (PID 1's) entry is covered
                return ""
        for _ in range(100):  # until both sleepers run (the PID namespace's own shows in ours too)
            names = [name(p) for p in os.listdir("/proc") if p.isdigit()]
            sleepers = [name for name in names if name == "sleep\\n"]
            if len(sleepers) == 2:
                break
            time.sleep(0.01)
        print(len(sleepers), "sleeping; parent done")
    """, ["\n"], QUICK)
    assert (outcome.status, outcome.stdout) == ("ok", "2 sleeping; parent done\n")
    assert_clean(executor, token)


LEFTOVER = """
import os, signal, time
def plant():
    main = os.getpid()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:  # a daemon that waits for its input to end, then strikes at whatever runs next
            while os.path.exists(f"/proc/{main}/stat") and open(f"/proc/{main}/stat").read().split()[2] != "Z":
                time.sleep(0.001)
            for _ in range(300):
                for name in os.listdir("/proc"):
                    if name.isdigit() and int(name) != os.getpid():
                        for sig in (signal.SIGSTOP, signal.SIGKILL):
                            try:
                                os.kill(int(name), sig)
                            except OSError:
                                pass
                for folder in ("/tmp", "/dev/shm", "."):
                    try:
                        open(os.path.join(folder, "mark"), "w").close()
                    except OSError:
                        pass
                time.sleep(0.001)
        os._exit(0)
    os.wait()
def look():
    time.sleep(0.2)
    return [os.getpid(), sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            [os.path.exists(os.path.join(folder, "mark")) for folder in ("/tmp", "/dev/shm", ".")]]
"""


def test_a_leftover_of_one_input_cannot_touch_the_next_and_every_input_is_pid_2(executor):
    """The program process shares its PID namespace with its zygote: what an input leaves is killed and reaped
    before the next input starts, and no process count survives (each input's program is PID 2)."""
    outcomes = run(executor, LEFTOVER + "if input() == 'plant':\n    plant()\nprint(look())\n",
                   ["plant\n", "look\n", "plant\n", "look\n"], QUICK)
    planted, clean = ("ok", ["[2, [1, 2, 4], [False, False, False]]"]), ("ok", ["[2, [1, 2], [False, False, False]]"])
    assert [(o.status, lines(o)) for o in outcomes] == [planted, clean, planted, clean]
    assert_honest_after(executor)


KEYRING = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD_KEY, KEYCTL, KEYCTL_SEARCH, KEYCTL_READ = 248, 250, 10, 11
RINGS = (-4, -5, -3)  # the user, user-session and session keyrings
def note(text):
    for ring in RINGS:
        libc.syscall(ctypes.c_long(ADD_KEY), b"user", b"cosplay-note", text, ctypes.c_long(len(text)),
                     ctypes.c_long(ring))
def read_note():
    for ring in RINGS:
        key = libc.syscall(ctypes.c_long(KEYCTL), ctypes.c_long(KEYCTL_SEARCH), ctypes.c_long(ring), b"user",
                           b"cosplay-note", ctypes.c_long(0))
        if key > 0:
            data = ctypes.create_string_buffer(64)
            size = libc.syscall(ctypes.c_long(KEYCTL), ctypes.c_long(KEYCTL_READ), ctypes.c_long(key), data,
                                ctypes.c_long(64))
            return data.raw[:size].decode()
    return None
"""


@pytest.mark.skipif(not X86_64, reason="raw syscall numbers are x86-64's")
def test_kernel_keyring_notes_do_not_survive_an_input(executor):
    outcomes = run(executor, KEYRING + "line = input()\nprint(read_note())\nnote(line.encode())\n",
                   ["first\n", "second\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert lines(outcomes[1]) == ["None"]
    assert_honest_after(executor)


NETWORK_STATE = r"""
import ctypes, os, socket
def counters():
    lo = [line.split(":", 1)[1].split()[:2] for line in open("/proc/net/dev") if line.strip().startswith("lo:")]
    snmp = [line.split() for line in open("/proc/net/snmp") if line.startswith(("Udp:", "Tcp:", "Ip:"))]
    return lo, snmp[1::2]
def plant():
    made = []
    for family, kind in ((socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                         (socket.AF_INET, socket.SOCK_STREAM), (socket.AF_NETLINK, socket.SOCK_RAW),
                         (socket.AF_PACKET, socket.SOCK_DGRAM)):
        try:
            sock = socket.socket(family, kind)
        except OSError:
            continue
        made.append(family.name + " " + kind.name)
        try:
            if kind == socket.SOCK_DGRAM and family != socket.AF_PACKET:
                for _ in range(9):
                    sock.sendto(b"x" * 1000, ("::1" if family == socket.AF_INET6 else "127.0.0.1", 9))
            elif kind == socket.SOCK_STREAM:  # a connection closed first by this side leaves a TIME_WAIT socket
                server = socket.socket()
                server.bind(("127.0.0.1", 0))
                server.listen()
                sock.connect(server.getsockname())
                server.accept()[0].close()
                sock.close()
        except OSError:
            pass
    try:
        a, b = socket.socketpair()
        a.send(b"unix")
        made.append("socketpair " + b.recv(4).decode())
    except OSError as exc:
        made.append("socketpair refused: " + str(exc))
    libc = ctypes.CDLL(None, use_errno=True)  # io_uring can make sockets and send without the socket() call
    if libc.syscall(425, 8, ctypes.create_string_buffer(120)) >= 0:
        made.append("io_uring")
    return made
"""


def test_the_network_namespace_keeps_nothing_from_one_input_or_program_for_the_next(executor):
    """The loopback device's and the protocols' counters (and TIME_WAIT sockets) belong to the server's network
    namespace, which outlives an input: a program that could send packets would leave a number there that the next
    input, or the next program on that server, reads. Only Unix sockets can be made (io_uring, which makes sockets
    by another door, is missing)."""
    outcomes = run(executor, NETWORK_STATE + "print(plant() if input() == 'plant' else counters())\n",
                   ["look\n", "plant\n", "look again\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok"] * 3, outcomes[1].stderr[-300:]
    assert lines(outcomes[1]) == ["['socketpair unix']"]
    assert lines(outcomes[2]) == lines(outcomes[0])
    [after] = run(executor, NETWORK_STATE + "print(counters())\n", ["another program\n"], QUICK)
    assert lines(after) == lines(outcomes[0])
    assert_honest_after(executor)


ZYGOTE_ACCOUNTS = r"""
import os, time
def burn():
    started = time.process_time()
    while time.process_time() - started < 0.15:
        pass
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    return "burnt"
def look():
    seen = []
    for pid in sorted(int(name) for name in os.listdir("/proc") if name.isdigit()):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                seen.append((pid, handle.read().rsplit(")", 1)[1].split()[7:15]))
        except OSError:
            pass
    child = os.fork()  # its own processes stay in sight
    if child == 0:
        time.sleep(5)
        os._exit(0)
    mine = os.path.exists(f"/proc/{child}/stat")
    os.kill(child, 9)
    os.waitpid(child, 0)
    return [pid for pid, _ in seen], [fields for pid, fields in seen if pid == 1], mine
"""


def test_the_zygote_s_accounts_of_earlier_inputs_are_out_of_sight(executor):
    """PID 1 of a program's namespace (its zygote) reaps each input's processes: its /proc/1/stat counts their page
    faults and CPU time (cminflt, cutime), which told an input how much an earlier one had run. Programs see only
    their own processes."""
    outcomes = run(executor, ZYGOTE_ACCOUNTS + "print(burn() if input() == 'burn' else look())\n",
                   ["look\n", "burn\n", "look again\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok"] * 3, outcomes[2].stderr[-300:]
    assert lines(outcomes[0]) == lines(outcomes[2]) == ["([2], [], True)"]
    assert_honest_after(executor)


MEMORY_SCAN = r"""
import ctypes, re
def scan(pattern):
    found = set()
    for line in open("/proc/self/maps"):
        fields = line.split()
        low, high = (int(x, 16) for x in fields[0].split("-"))
        if fields[1].startswith("rw") and not (len(fields) > 5 and fields[5].startswith("[v")):
            found.update(m.decode() for m in re.findall(pattern, ctypes.string_at(low, high - low)))
    return sorted(found)
"""


def test_earlier_inputs_and_their_outputs_cannot_be_read_from_memory(executor):
    marks = [f"LEAK{uuid.uuid4().hex[:8]}" for _ in range(4)]
    inputs = [(mark + " ") * 400 + "\n" for mark in marks]  # 5 KB: kept in the runner's heap, not unmapped
    source = MEMORY_SCAN + textwrap.dedent("""
        line = input()
        print(line)
        print([m for m in scan(rb'LEAK[0-9a-f]{8}') if m != line.split()[0]])
    """)
    outcomes = run(executor, source, inputs, QUICK)
    assert [(o.status, lines(o)[-1]) for o in outcomes] == [("ok", "[]")] * 4
    assert_honest_after(executor)


def test_an_earlier_program_s_outputs_cannot_be_read_from_memory(executor):
    mark = "OUT" + uuid.uuid4().hex[:8].upper()
    with SandboxServer(executor.isolation) as server:
        server.load(Program(f"print(({mark[:3]!r} + {mark[3:]!r} + ' ') * 400)"), QUICK)
        assert server.run("").stdout == (mark + " ") * 400 + "\n"
        server.load(Program(MEMORY_SCAN + "print(scan(rb'OUT[0-9A-F]{8}'))"), QUICK)
        after = server.run("")
    assert (after.status, after.stdout) == ("ok", "[]\n")


# ---- resource limits -----------------------------------------------------------------------------------------------

FILL_SCRATCH = """
import errno, os
def fill():
    report, chunk = [], b"x" * (1 << 20)
    for folder in (".", "/tmp", "/dev/shm"):
        written = 0
        try:
            for i in range(1000):
                with open(os.path.join(folder, f"fill{i}"), "wb") as handle:
                    for _ in range(8):
                        handle.write(chunk)
                        written += 1
        except OSError as exc:
            report.append([errno.errorcode[exc.errno], written])
    return report
"""


def test_filling_the_scratch_quota_is_enospc_and_never_reaches_the_host_disk(executor):
    limits = Limits(time_limit_s=3.0, memory_mb=512, scratch_mb=48)
    before = shutil.disk_usage(tempfile.gettempdir()).used
    [by_stdin] = run(executor, FILL_SCRATCH + "print(fill())\n", ["\n"], limits)
    [by_call] = run(executor, FILL_SCRATCH + "def f():\n    return fill()\n", [[]], limits, "function", "f")
    grown = shutil.disk_usage(tempfile.gettempdir()).used - before
    assert by_stdin.status == "ok", by_stdin.stderr[-300:]
    expected = [["ENOSPC", 48], ["ENOSPC", 0], ["ENOSPC", 0]]  # one tmpfs per input holds the three folders
    assert json.loads(by_stdin.stdout.replace("'", '"')) == expected
    assert (by_call.status, by_call.value) == ("ok", expected)
    assert grown < 200 << 20  # 288 MiB were written; the host's disk saw none of it (others write too)
    assert_honest_after(executor)


def test_a_memory_bomb_in_tmpfs_is_memory_limit(executor):
    outcomes = run(executor, """
        chunk = b"x" * (1 << 20)
        with open("/dev/shm/bomb", "wb", buffering=0) as handle:
            while True:
                handle.write(chunk)
    """, ["1\n", "2\n", "3\n"], Limits(time_limit_s=3.0, memory_mb=64, scratch_mb=2048, file_size_bytes=1 << 40))
    assert [o.status for o in outcomes] == ["memory_limit"] * 3, [o.stderr for o in outcomes]
    assert_honest_after(executor)


def test_fork_and_thread_bombs_are_stopped(executor):
    outcomes = run(executor, """
        import os, threading, time
        def spin():
            while True:
                pass
        if input() == "threads":
            while True:
                try:
                    threading.Thread(target=time.sleep, args=(100,)).start()
                except RuntimeError:
                    pass
        while True:
            try:
                os.fork()
                threading.Thread(target=spin, daemon=True).start()
            except (OSError, RuntimeError):
                pass
    """, ["threads\n", "forks\n"], QUICK)
    assert all(o.status in ("timeout", "error", "memory_limit") for o in outcomes), outcomes
    assert_honest_after(executor)


def test_cpu_spent_in_eight_processes_counts_for_the_whole_tree(executor):
    # A generous wall-clock backstop: on a loaded machine the tree may get a fraction of a core.
    limits = Limits(time_limit_s=0.3, memory_mb=256, wall_time_factor=30.0)
    [outcome] = run(executor, """
        import os
        for _ in range(7):
            if os.fork() == 0:
                break
        while True:
            pass
    """, ["\n"], limits)
    assert outcome.status == "timeout"
    assert "wall-clock" not in outcome.stderr  # the CPU limit ended it, not the backstop
    assert outcome.cpu_s >= limits.time_limit_s
    assert_honest_after(executor)


def test_children_reaped_by_the_kernel_cannot_hide_their_cpu_time(executor):
    # A parent that ignores SIGCHLD (or sets SA_NOCLDWAIT) has the kernel reap its children at once: their CPU
    # time is then added to no process, so short-lived workers would compute unseen until the wall-clock backstop.
    limits = Limits(time_limit_s=0.3, memory_mb=256, wall_time_factor=30.0)
    [outcome] = run(executor, """
        import ctypes, os, signal, time
        libc = ctypes.CDLL(None, use_errno=True)
        class SigAction(ctypes.Structure):
            _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong), ("restorer", ctypes.c_void_p),
                        ("mask", ctypes.c_ulong)]
        ignored = []
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)
            ignored.append("SIG_IGN")
        except OSError as exc:
            print("SIG_IGN:", exc.strerror)
        action = SigAction(0, 2)  # SIG_DFL with SA_NOCLDWAIT, straight to the system call
        if libc.syscall(13, 17, ctypes.byref(action), None, 8) == 0:
            ignored.append("SA_NOCLDWAIT")
        else:
            print("SA_NOCLDWAIT:", os.strerror(ctypes.get_errno()))
        print("reaped by the kernel:", ignored, flush=True)
        while True:  # workers of 5 ms of CPU each, never waited for when the kernel reaps them
            pid = os.fork()
            if pid == 0:
                end = time.process_time() + 0.005
                while time.process_time() < end:
                    pass
                os._exit(0)
            if not ignored:
                os.waitpid(pid, 0)
    """, ["\n"], limits)
    assert outcome.stdout.splitlines() == ["SIG_IGN: Operation not permitted", "SA_NOCLDWAIT: Operation not permitted",
                                          "reaped by the kernel: []"]
    assert outcome.status == "timeout"
    assert "wall-clock" not in outcome.stderr  # the CPU limit ended it, not the backstop
    assert outcome.cpu_s >= limits.time_limit_s
    assert_honest_after(executor)


def _i386_system_call_source(calls: str) -> str:
    """A program that makes the 32-bit ABI's system calls `calls` (a Python list of (number, argument)) by
    `int 0x80` and prints what each returned, then its effective capabilities."""
    return f"""
        import ctypes, mmap
        def call32(number, argument):
            code = (b"\\x53\\xb8" + number.to_bytes(4, "little") + b"\\xbb" + argument.to_bytes(4, "little")
                    + b"\\xcd\\x80\\x5b\\xc3")  # push rbx; mov eax, n; mov ebx, a; int 0x80; pop rbx; ret
            page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            page.write(code)
            return ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
        for number, argument in {calls}:
            print(call32(number, argument))
        print([line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0])
    """


@pytest.mark.skipif(not X86_64, reason="the 32-bit ABI by int 0x80 is x86-64's")
def test_system_calls_by_the_32_bit_abi_are_refused(executor):
    # `int 0x80` reaches the kernel's i386 system calls (another arch in seccomp's eyes, other numbers): through
    # them a program could make a user namespace with every capability, or a keyring note for the next input.
    host = subprocess.run([sys.executable, "-I", "-c", textwrap.dedent(_i386_system_call_source("[(20, 0)]"))],
                          capture_output=True, text=True, timeout=60)
    if host.returncode != 0:
        pytest.skip("this kernel has no 32-bit ABI (int 0x80 faults): nothing to refuse")
    assert int(host.stdout.split()[0]) > 0  # getpid works there: the attack below is a real one
    calls = "[(20, 0), (310, 0x10000000), (286, 0)]"  # getpid, unshare(CLONE_NEWUSER), add_key
    [outcome] = run(executor, _i386_system_call_source(calls), ["\n"], QUICK)
    assert (outcome.status, lines(outcome)) == ("ok", ["-38", "-38", "-38", "0000000000000000"])  # ENOSYS
    assert_honest_after(executor)


SURFACE_CALLS = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
attr = ctypes.create_string_buffer(128)  # perf_event_attr: a software CPU-clock event on this process
ctypes.memmove(attr, (1).to_bytes(4, "little") + (128).to_bytes(4, "little"), 8)
attempts = {
    "userfaultfd": (323, 1),  # UFFD_USER_MODE_ONLY: what an unprivileged process may open here
    "perf_event_open": (298, attr, 0, -1, -1, 0),
    "bpf": (321, 0, ctypes.create_string_buffer(128), 128),
    "syslog": (103, 10, None, 0),  # the kernel log's size: refused or not by the host's dmesg_restrict
}
found = []
for name, (number, *args) in attempts.items():
    result = libc.syscall(number, *args)
    found.append(f"{name} {ctypes.get_errno() if result < 0 else 'opened'}")
    if result >= 0:
        os.close(result)
print(found)
"""


@pytest.mark.skipif(not X86_64, reason="raw syscall numbers are x86-64's")
def test_kernel_interfaces_no_judged_program_needs_are_missing(executor):
    """userfaultfd and perf_event_open (doors that kernel exploits use to win races and read state), bpf and
    syslog (the kernel log, which an input could write to by crashing and the next read) are "not implemented" in
    the sandbox (Docker's default profile refuses them too), whatever this host's sysctls allow."""
    [outcome] = run(executor, SURFACE_CALLS, ["\n"], QUICK)
    expected = "['userfaultfd 38', 'perf_event_open 38', 'bpf 38', 'syslog 38']"
    assert (outcome.status, lines(outcome)) == ("ok", [expected]), \
        outcome.stderr[-300:]
    assert_honest_after(executor)


def test_sleeping_or_stopping_itself_is_stopped_by_the_wall_clock_backstop(executor):
    outcomes = run(executor, """
        import os, signal, time
        if input() == "sleep":
            time.sleep(100)
        os.kill(os.getpid(), signal.SIGSTOP)
    """, ["sleep\n", "stop\n"], SLEEPY)
    assert [o.status for o in outcomes] == ["timeout", "timeout"]
    assert all(o.cpu_s < SLEEPY.time_limit_s for o in outcomes)
    assert "wall-clock" in outcomes[0].stderr
    assert_honest_after(executor)


def test_huge_stderr_is_truncated_and_the_verdict_stands(executor):
    [outcome] = run(executor, """
        import os, sys
        block = b"e" * (1 << 20)
        for _ in range(40):
            os.write(2, block)
        print("done")
    """, ["\n"], Limits(time_limit_s=2.0, memory_mb=256))
    assert (outcome.status, outcome.stdout) == ("ok", "done\n")
    assert len(outcome.stderr) <= Limits().stderr_limit_bytes
    assert_honest_after(executor)


# ---- the host --------------------------------------------------------------------------------------------------------


def _host_targets(token: str) -> list[Path]:
    interpreter_dir = Path(os.path.realpath(sys.executable)).parent
    return [ROOT / f"escaped-{token}", ROOT / "tests" / f"escaped-{token}", interpreter_dir / f"escaped-{token}",
            Path(sys.base_prefix) / f"escaped-{token}", Path("/usr") / f"escaped-{token}",
            Path("/usr/lib") / f"escaped-{token}", Path(tempfile.gettempdir()) / f"escaped-{token}"]


def test_nothing_outside_its_folders_can_be_written_or_chmodded(executor):
    token = uuid.uuid4().hex
    targets = _host_targets(token)
    readme = ROOT / "README.md"
    readme_mode, devnull_mode = readme.stat().st_mode, os.stat("/dev/null").st_mode
    python = Path(os.path.realpath(sys.executable))
    [outcome] = run(executor, f"""
        import os
        done = []
        for path in {[str(t) for t in targets]!r}:
            try:
                open(path, "w").write("escaped")
                done.append(path)
            except OSError:
                pass
        for path in ("/dev/null", {str(readme)!r}, {str(python)!r}, {str(python.parent)!r}, "/usr/bin", "/proc/sys"):
            try:
                os.chmod(path, 0o777)
                done.append("chmod " + path)
            except OSError:
                pass
        for path in ("/dev/null", {str(python)!r}):
            try:
                os.unlink(path)
                done.append("unlink " + path)
            except OSError:
                pass
        for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
                     "/proc/sys/kernel/core_pattern", {str(python)!r}, "/usr/bin/env", "/bin/sh"):
            try:
                os.close(os.open(path, os.O_WRONLY))  # opened for writing; nothing written
                done.append("open " + path)
            except OSError:
                pass
        print(done)
    """, ["\n"], QUICK)
    # its own /tmp is a fresh folder of its own: writing there is fine, and the host's must not see it
    assert (outcome.status, outcome.stdout) == ("ok", f"{[str(targets[-1])]}\n")
    assert [t for t in targets if t.exists()] == []
    assert (readme.stat().st_mode, os.stat("/dev/null").st_mode) == (readme_mode, devnull_mode)
    assert python.exists()
    assert_honest_after(executor)


def test_the_project_and_reference_solutions_are_out_of_sight(executor):
    references = sorted(str(p.resolve()) for p in SAMPLES.glob("*/reference.py"))[:3]
    allowed = [str(p) for p in package_folders(executor.packages)]
    [outcome] = run(executor, f"""
        import os
        seen = []
        for top in ("/work", {str(ROOT)!r}, {str(ROOT.parent)!r}):
            for folder, _, files in os.walk(top):
                if not any(folder.startswith(a) for a in {allowed!r}):
                    seen += [os.path.join(folder, f) for f in files]
        for path in {references!r}:
            try:
                seen.append(open(path).read()[:40])
            except OSError:
                pass
        print(seen)
    """, ["\n"], QUICK)
    assert (outcome.status, outcome.stdout) == ("ok", "[]\n")
    assert_honest_after(executor)


def test_packages_outside_the_allow_list_are_out_of_sight(executor):
    import sysconfig

    site = Path(sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["purelib"])
    allowed = {p.name for p in package_folders(executor.packages)}
    candidates = sorted(p.name for p in site.iterdir()
                        if (p / "__init__.py").is_file() and p.name not in allowed and p.name.isidentifier())
    if not candidates:
        pytest.skip("the interpreter's site-packages holds no package outside the allow-list")
    [outcome] = run(executor, f"""
        import os, sys
        sys.path.append({str(site)!r})
        print([name for name in {candidates[:20]!r} if os.path.exists(os.path.join({str(site)!r}, name))])
    """, ["\n"], QUICK)
    assert (outcome.status, outcome.stdout) == ("ok", "[]\n")


def test_api_keys_of_the_caller_are_not_visible(executor, monkeypatch):
    secret = "sk-ant-ATTACK-" + uuid.uuid4().hex
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    [outcome] = run(executor, """
        import glob, os
        def f():
            found = [repr(dict(os.environ))]
            for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline") + ["/proc/self/auxv"]:
                try:
                    found.append(open(path, "rb").read().decode("latin-1"))
                except OSError:
                    pass
            return found
    """, [[]], QUICK, "function", "f")
    assert outcome.status == "ok"
    assert not any(secret in text or "API_KEY" in text for text in outcome.value)
    assert_honest_after(executor)


def _host_socket(family, kind, address) -> socket.socket:
    """A non-blocking socket of the host bound to `address` (and listening, for a stream socket)."""
    sock = socket.socket(family, kind)
    sock.bind(address)
    if kind == socket.SOCK_STREAM:
        sock.listen(5)
    sock.setblocking(False)
    return sock


def test_no_network_reaches_host_listeners(executor):
    abstract = "\0cosplay-attack-" + uuid.uuid4().hex
    tcp = _host_socket(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
    udp = _host_socket(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
    unix = _host_socket(socket.AF_UNIX, socket.SOCK_STREAM, abstract)
    try:
        [outcome] = run(executor, f"""
            import socket
            reached = []
            try:
                socket.create_connection(("127.0.0.1", {tcp.getsockname()[1]}), timeout=0.3).sendall(b"leak")
                reached.append("tcp")
            except OSError:
                pass
            try:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"leak", ("127.0.0.1", {udp.getsockname()[1]}))
            except OSError:
                pass
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect({abstract!r})
                reached.append("unix")
            except OSError:
                pass
            print(reached)
        """, ["\n"], QUICK)
        assert (outcome.status, outcome.stdout) == ("ok", "[]\n")
        for listener in (tcp, unix):
            with pytest.raises(BlockingIOError):
                listener.accept()
        with pytest.raises(BlockingIOError):
            udp.recvfrom(16)
    finally:
        for listener in (tcp, udp, unix):
            listener.close()
    assert_honest_after(executor)


def test_programs_are_the_host_s_nobody_without_capabilities(executor):
    token = f"{int(time.time()) % 100 + 300}.{uuid.uuid4().int % 10 ** 9:09d}"  # sleeps past the backstop
    seen: dict[str, str] = {}

    def watch():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen:
            for pid in processes_with(token):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                seen.update(line.split(":", 1) for line in status.splitlines() if ":" in line)
                seen["pid"] = str(pid)
                os.kill(pid, signal.SIGKILL)  # seen: end it now (the wall backstop is long, for a busy machine)
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    # the program sleeps until the watcher has read its status and killed it: no verdict here depends on how soon
    # a busy machine schedules the watcher (a 30 s wall backstop, not 1.2 s)
    [outcome] = run(executor, f"""
        import os
        os.execv("/bin/sleep", ["sleep", "{token}"])
    """, ["\n"], Limits(time_limit_s=0.2, memory_mb=256, wall_time_factor=150.0))
    watcher.join()
    assert outcome.status != "ok"
    assert seen, "the program's process was not seen from the host"
    assert seen["Uid"].split() == ["65534"] * 4 and seen["Gid"].split() == ["65534"] * 4
    assert int(seen["CapEff"], 16) == 0 and int(seen["CapBnd"], 16) == 0
    assert all(int(seen[field], 16) == 0 for field in ("CapPrm", "CapInh", "CapAmb"))
    assert seen["NoNewPrivs"].strip() == "1"
    assert seen["Seccomp"].strip() == "2"  # filter mode
    assert_clean(executor, token)


def test_mounts_show_no_host_path_but_the_interpreter_s_and_the_packages(executor):
    allowed = {Path(sys.base_prefix).resolve(), Path(os.path.realpath(sys.executable)).parent}
    allowed |= set(package_folders(executor.packages))
    allowed |= set(_site_folders(Path(sys.base_prefix).resolve()))  # empty tmpfs masks over them
    allowed = {str(sandbox_path(p)) for p in allowed}
    system = ("/", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/tmp", "/scratch", "/box")
    [outcome] = run(executor, "print(open('/proc/self/mountinfo').read())", ["\n"], QUICK)
    assert outcome.status == "ok"
    points = {line.split()[4] for line in outcome.stdout.splitlines() if line.strip()}
    stray = {p for p in points if p not in system and p not in allowed and not p.startswith(("/proc", "/dev"))}
    assert stray == set()
    project = [line for line in outcome.stdout.splitlines() if str(ROOT) in line]
    assert all(any(a in line for a in allowed if a.startswith(str(ROOT))) for line in project)
    assert_honest_after(executor)


# ---- plain Python --------------------------------------------------------------------------------------------------


def test_exit_quit_help_and_allowed_imports_behave_as_in_python(executor):
    outcomes = run(executor, """
        import sys
        how = input()
        print("start")
        if how == "exit":
            exit()
        if how == "quit":
            quit(0)
        if how == "exit3":
            exit(3)
        if how == "message":
            sys.exit("bye now")
        if how == "help":
            help(len)
        if how == "sorted":
            from sortedcontainers import SortedList
            print(list(SortedList([3, 1, 2])))
        print("end")
    """, ["exit\n", "quit\n", "exit3\n", "message\n", "help\n", "sorted\n"], QUICK)
    assert [o.status for o in outcomes] == ["ok", "ok", "error", "error", "ok", "ok"]
    assert [o.stdout for o in outcomes[:2]] == ["start\n", "start\n"]
    assert "bye now" in outcomes[3].stderr
    assert "len" in outcomes[4].stdout and outcomes[4].stdout.endswith("end\n")
    assert outcomes[5].stdout == "start\n[1, 2, 3]\nend\n"
    for limits in (QUICK, BATCH):
        outcomes = run(executor, """
            from sortedcontainers import SortedList
            def f(how):
                if how == "exit":
                    exit()
                return list(SortedList([3, 1, 2]))
        """, [["sorted"], ["exit"]], limits, "function", "f")
        assert [(o.status, o.value) for o in outcomes] == [("ok", [1, 2, 3]), ("error", None)]
    assert_honest_after(executor)


def test_allowed_packages_installed_below_tmp_are_importable(tmp_path):
    # A venv made in /tmp (CI's, pytest's) holds the allowed packages below /tmp, which in the sandbox is a link
    # into each input's tmpfs: bubblewrap could not make their folders there, and every program failed to start.
    import sortedcontainers

    site = tmp_path / "venv" / "site-packages"
    shutil.copytree(Path(sortedcontainers.__file__).parent, site / "sortedcontainers")
    program = tmp_path / "sorted.py"
    program.write_text("import sortedcontainers\nprint(sortedcontainers.__file__)\n"
                       "print(list(sortedcontainers.SortedList(map(int, input().split()))))\n")
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("3 1 2\n")
    result = subprocess.run([sys.executable, "-m", "cosplay_core", "exec", "--json", "--input-file", str(numbers),
                             str(program)], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"})
    [[outcome]] = json.loads(result.stdout)
    assert outcome["status"] == "ok", outcome["stderr"]
    assert outcome["stdout"].splitlines() == [f"/host{site}/sortedcontainers/__init__.py", "[1, 2, 3]"]


@pytest.mark.parametrize("read", ["len(input().split())", "len(sys.stdin.buffer.read().split())",
                                  "len(open(0).read().split())", "len(read_all().split())"])
def test_large_and_empty_stdin_by_every_reading_style(executor, read):
    outcomes = run(executor, f"""
        import os, sys
        def read_all():
            data = b""
            while True:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    return data
                data += chunk
        print({read})
    """, ["1 " * (4 << 20) + "\n", ""], Limits(time_limit_s=3.0, memory_mb=256))
    assert (outcomes[0].status, outcomes[0].stdout) == ("ok", f"{4 << 20}\n")
    if read.startswith("len(input()"):
        assert outcomes[1].status == "error" and "EOFError" in outcomes[1].stderr
    else:
        assert (outcomes[1].status, outcomes[1].stdout) == ("ok", "0\n")
    assert_clean(executor)


def test_large_return_values_are_ok(executor):
    outcomes = run(executor, "def f(mib):\n    return 'x' * (mib << 20)\n", [[10], [60]],
                   Limits(time_limit_s=3.0), "function", "f")
    assert [(o.status, len(o.value)) for o in outcomes] == [("ok", 10 << 20), ("ok", 60 << 20)]
    assert_honest_after(executor)


def test_batch_caps_are_per_input(executor):
    limits = Limits(time_limit_s=1.0, memory_mb=512, isolate_inputs=False)
    printed = run(executor, "def f(n):\n    print('y' * 300000)\n    return n\n", [[n] for n in range(5)], limits,
                  "function", "f")
    assert [(o.status, o.value) for o in printed] == [("ok", n) for n in range(5)]
    returned = run(executor, "def f(n):\n    return str(n) * (10 << 20)\n", [[n] for n in range(7)], limits,
                   "function", "f")
    assert [o.status for o in returned] == ["ok"] * 7


def test_a_big_integer_return_value_is_ok(executor):
    [outcome] = run(executor, "def f(n):\n    return 7 ** n\n", [[6000]], QUICK, "function", "f")
    assert (outcome.status, outcome.value) == ("ok", 7 ** 6000)


# ---- the library never raises for what a program does --------------------------------------------------------------

HOSTILE = [
    ("stdin", None, "while True:\n    pass"),
    ("stdin", None, "import os\nos.kill(-1, 9)\nos.kill(1, 9)"),
    ("stdin", None, "import os\nfor fd in range(5):\n    os.close(fd)\nraise SystemExit(9)"),
    ("stdin", None, "import os\nos.write(1, b'\\xff\\xfe' * 100000)"),
    ("stdin", None, "import os\nos.write(1, b'x' * (60 << 20))"),
    ("stdin", None, "x = " + "(" * 100000 + ")" * 100000),
    ("stdin", None, "x = " + "-" * 100000 + "1"),
    ("stdin", None, "source code with \0 a null byte"),
    ("stdin", None, "s = '\ud800'\nprint(s)"),
    ("stdin", None, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
    ("stdin", None, "import time\ntime.sleep(30)"),
    ("stdin", None, "import sys\nsys.setrecursionlimit(10 ** 7)\ndef r(n):\n    return r(n + 1)\nr(0)"),
    ("stdin", None, "import os\nos._exit = lambda *a: None\nimport __main__\n__main__._exit_like_python = None"),
    ("stdin", None, "a = []\nwhile True:\n    a.append(' ' * 10 ** 7)"),
    ("function", "f", "def g(x):\n    return x"),
    ("function", "f", "def f(x):\n    return (i for i in range(3))"),
    ("function", "f", "def f(x):\n    a = []\n    a.append(a)\n    return a"),
    ("function", "f", "def f(x):\n    return {(1, 2): {3, 'a'}, 4: b'bytes'}"),
    ("function", "f", "import os\ndef f(x):\n    os.write(3, b'x' * (70 << 20))\n    return x"),
    ("function", "f", "import os\ndef f(x):\n    os.dup2(os.open('/dev/null', os.O_RDONLY), 4)\n    return x"),
    ("function", "f", "import os\ndef f(x):\n    os.close(3)\n    return x"),
    ("function", "f", "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSEGV)"),
    ("function", "f", "class T:\n    def tolist(self):\n        return self\ndef f(x):\n    return T()"),
    ("function", "f", "import threading, os\ndef f(x):\n"
                      "    threading.Thread(target=lambda: os.write(3, b'[')).start()\n    return x"),
    ("function", "f", "import atexit, time\natexit.register(time.sleep, 30)\ndef f(x):\n    return x"),
    ("function", "Solution().go", "class Solution:\n    def __init__(self):\n        raise KeyError('no')"),
    ("function", "f", "import sys\ndef f(x):\n    sys.stdout = None\n    print(1)\n    return float('nan')"),
    ("function", "f", "raise SystemExit(0)"),
    ("function", "f", "def f(*a):\n    raise MemoryError"),
    ("function", "f", "import os\ndef f(x):\n    os.write(3, b'M 0\\nv 5\\n12345garbage')\n    return x"),
]


def test_no_program_behaviour_makes_the_library_raise(executor):
    limits = Limits(time_limit_s=0.3, memory_mb=128, wall_time_factor=1.0)
    jobs = []
    for io, entry_point, source in HOSTILE:
        inputs = ("1\n", "") if io == "stdin" else ([1], ["two"])
        jobs.append(Job(Program(source, io, entry_point), inputs, limits))
        if io == "function":
            jobs.append(Job(Program(source, io, entry_point), inputs, Limits(time_limit_s=0.3, memory_mb=128,
                                                                             wall_time_factor=1.0,
                                                                             isolate_inputs=False)))
    results = executor.run_jobs(jobs)
    assert len(results) == len(jobs) and [len(r) for r in results] == [2] * len(jobs)
    assert all(outcome.status in STATUSES for row in results for outcome in row)
    assert results[14][0].status == "error"  # a missing entry point
    assert_honest_after(executor, batch=True)
