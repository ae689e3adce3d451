"""The fork server that runs inside the sandbox: one per program server.

Started by the harness (server.py) as `python -s -S -P -c <this file's text> <mode> <packages dir>` inside the isolation
that isolation.py builds. It speaks on two file descriptors that no program ever holds (the control channel, fds 3
and 4), in frames of one header line (JSON; a result's is a line of its own, below), optionally followed by a raw
payload whose size the header states:

    harness -> runner   {"kind": "load", "setup": {"io", "entry_point", "limits"}, "size": n} + program source
    runner  -> harness  {"kind": "hello"}, once, before it reads anything
    runner  -> harness  {"kind": "ready", "compile_error": str | null}
    harness -> runner   {"kind": "run", "size": n} + the input (stdin bytes, or the JSON array of arguments)
    runner  -> harness  R <status> <time_s> <cpu_s> <out size> <err size> <value size or -1> (a line) + the three
    harness -> runner   {"kind": "runs", "sizes": [n1, n2, ...], "size": n} + the inputs, one after the other
    runner  -> harness  one "result" frame per input (each run as a "run" is), in order, then {"kind": "end"}
    harness -> runner   {"kind": "batch", "size": n} + the JSON list of argument arrays (function mode)
    runner  -> harness  one "result" frame per input, in order, then {"kind": "end"}

Each program gets a *program zygote*, forked from a root zygote that the runner forks before it reads anything: with
namespaces, PID 1 of a PID namespace of its own, with its own mount, IPC and UTS namespaces and /proc. It compiles the
program once and never runs program code itself. Every input runs in a fresh *program process* forked from it, with
every capability dropped, no_new_privs and a seccomp filter, its limits set, its own session, stdin/stdout/stderr on
pipes and, in function mode, a result pipe on fd 3. The zygote keeps the capabilities it needs, reports the CPU
time of every process in its namespace while the input runs, and when the program process ends it kills every
other process in the namespace, reaps them all and reports the exit status. Only then does it take the next input,
after giving it one fresh size-capped tmpfs holding the working folder, /tmp and /dev/shm (links into it in a
read-only root; the old one is detached and dropped whole), a fresh IPC namespace and the hostname back: nothing a
program starts or writes survives its input. A program cannot see or signal this runner (another PID namespace); it sees its zygote, which
runs as another user, is not dumpable and ignores signals it has no handler for; it never holds a control
descriptor. The runner kills a program process through a pidfd its zygote hands over. A server's batches (a
function-mode program's inputs in one process) all fork from one *batch zygote* of the same kind that never holds a
program: its batch process compiles the source it reads on stdin before the inputs, so that a program run as a
batch costs no zygote of its own.

Without namespaces (a machine with no usable bubblewrap) the zygotes run in the runner's namespaces: the program's
process group is killed and the working folder emptied after each input, and the harness says that isolation is
incomplete.

Time is CPU time (user + system) of the whole process tree, so that a verdict does not depend on the machine's load;
a wall-clock backstop ends programs that sleep. The verdict (status, value) comes from how the program process ended
and, in function mode, from the result pipe; never from anything the program prints.

This file uses the standard library only and imports nothing from the project: it runs where the project's files
cannot be read.
"""

from __future__ import annotations

import atexit
import builtins
import ctypes
import gc
import json
import math
import os
import re
import resource
import select
import signal
import _signal  # type: ignore[import-not-found]  # typeshed has no stub for the C module behind signal
import socket
import sys
import time
import traceback
import types

# mypy reads the block (it takes a TYPE_CHECKING name as true); the runner never imports typing for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

CONTROL_IN = 3
CONTROL_OUT = 4
RESULT_FD = 3  # in the program process
EXIT_MEMORY = 211
EXIT_NO_RESULT = 212
EXIT_SETUP_FAILED = 213
MAX_HEADER = 1 << 16
SCRATCH = "/scratch"
BOX = "/box"  # with namespaces: each input's one tmpfs; /scratch, /tmp and /dev/shm are links to folders in it
BOX_FOLDERS = ((BOX + "/work", 0o755, SCRATCH), (BOX + "/tmp", 0o1777, "/tmp"), (BOX + "/shm", 0o1777, "/dev/shm"))
SANDBOX_UID = 65534
CPU_SAMPLE_S = 0.01  # how often a program zygote reports the tree's CPU time while a program runs
DRAIN_S = 0.1  # after a program ends, how long a leftover process may keep its pipes open

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x04000000, 0x08000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (1, 2, 4, 8, 0x20, 0x1000,
                                                                             0x4000, 0x40000)
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 23, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PR_GET_SECUREBITS = 27
CLK_TCK = os.sysconf("SC_CLK_TCK")

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """The runner could not build an input's isolation (reported to the harness, never a program's fault)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(errno)}")


def _prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


# ---- the control channel ---------------------------------------------------------------------------------------


class Channel:
    """Frames on the control descriptors: a header line (JSON, or a result line), then `size` raw bytes."""

    def __init__(self, fd_in: int, fd_out: int) -> None:
        self.fd_in, self.fd_out = fd_in, fd_out
        self.buffer = bytearray()
        self.pending: list[bytes] = []  # frames held for one write

    def _fill(self) -> bool:
        chunk = os.read(self.fd_in, 1 << 20)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def read(self) -> tuple[dict[str, Any], bytes] | None:
        """(header, payload), or None when the harness has closed the channel."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_HEADER or not self._fill():
                return None
        end = self.buffer.index(b"\n")
        header = json.loads(bytes(self.buffer[:end]))
        del self.buffer[:end + 1]
        size = int(header.get("size", 0))
        while len(self.buffer) < size:
            if not self._fill():
                return None
        payload = bytes(self.buffer[:size])
        del self.buffer[:size]
        return header, payload

    def send(self, header: dict[str, Any], *blobs: bytes) -> None:
        self.pending += [json.dumps(header).encode(), b"\n", *blobs]
        self.flush()

    def send_result(self, result: dict[str, Any], hold: bool = False) -> None:
        """A result frame: the line `R <status> <time_s> <cpu_s> <stdout size> <stderr size> <value size, or -1>`,
        then those bytes. With `hold`, it waits for `flush` (a batch's results that are ready together go to the
        harness in one write, which it reads in one)."""
        out, err, value = result["stdout"], result["stderr"], result["value"]
        self.pending += [b"R %s %.6f %.6f %d %d %d\n" % (result["status"].encode(), max(result["time_s"], 0.0),
                                                            max(result["cpu_s"], 0.0), len(out), len(err),
                                                            -1 if value is None else len(value)),
                         out, err, value or b""]
        if not hold:
            self.flush()

    def flush(self) -> None:
        """Writes every frame held so far."""
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            _write_all(self.fd_out, data)


def _write_file(path: str, data: bytes) -> None:
    """Writes `data` to a (proc) file, quietly: without the io module, which costs a forked process dear."""
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError:
        pass


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---- values --------------------------------------------------------------------------------------------------


def _jsonable(value: Any, depth: int = 0) -> Any:
    """The program's return value as a JSON value: tuples become lists, sets sorted lists, dict keys strings."""
    if depth > 200:
        raise ValueError("the return value is nested more than 200 levels deep")
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [_jsonable(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist(), depth + 1)
    raise TypeError(f"a return value of type {type(value).__name__} is not a JSON value")


def _encode_value(value: Any) -> bytes:
    try:
        sys.set_int_max_str_digits(0)  # a long int is a valid value; its conversion costs the program's own CPU
    except AttributeError:
        pass
    text = json.dumps(_jsonable(value), ensure_ascii=False, check_circular=False)
    return text.encode("utf-8", "surrogatepass")


def _resolve_entry_point(namespace: dict[str, Any], entry_point: str) -> Any:
    """`name` is a function of the module; `Class().method` instantiates Class and takes the bound method."""
    if "()." not in entry_point:
        if entry_point not in namespace:
            raise NameError(f"the program defines no function named {entry_point!r}")
        return namespace[entry_point]
    class_name, method = entry_point.split("().", 1)
    if class_name not in namespace:
        raise NameError(f"the program defines no class named {class_name!r}")
    return getattr(namespace[class_name](), method)


# ---- the program process -------------------------------------------------------------------------------------


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _FilterProgram(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _drop_bounding_set() -> bool:
    """Empties the capability bounding set (once: the root zygote does it for every process forked from it, which
    keeps its effective capabilities); whether it is empty. Where it cannot be emptied (not root), no capability
    could be gained from it either: True when none is left but those the process could never use."""
    global BOUNDING_EMPTY
    if not BOUNDING_EMPTY:
        for cap in range(64):
            if _prctl(PR_CAPBSET_DROP, cap) != 0 and ctypes.get_errno() == 22:  # EINVAL: past the last capability
                break
        BOUNDING_EMPTY = all(_prctl(PR_CAPBSET_READ, cap) != 1 for cap in range(64))
    return BOUNDING_EMPTY or os.getuid() != 0


def _drop_privileges() -> None:
    """The sandbox's unprivileged user (the host's `nobody`) where this process can switch to it (it is root in
    its user namespace), every capability gone for good (bounding set, ambient set, effective/permitted/inheritable),
    no_new_privs, and the seccomp filter. What a fork inherits and never gets back (no_new_privs, the filter, an
    empty ambient and inheritable set) the root zygote has set once where it could (`_lock_zygote`): then, when the
    switch from root to `nobody` happens here, the kernel clears the permitted and effective sets with it
    (capabilities(7); the zygote checked that no securebit keeps them) and the program process makes no ctypes call,
    whose first one costs it some 70 page faults."""
    if not _drop_bounding_set():
        raise SetupError("the capability bounding set could not be emptied")
    switch = os.getuid() == 0 and SWITCH_USER
    if not ZYGOTE_LOCKED:
        _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    if switch:
        try:
            os.setgroups([])
        except PermissionError:  # a user namespace that denies setgroups has no other group to drop
            pass
        os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    if not (ZYGOTE_LOCKED and switch):
        _check(_libc.capset(*_NO_CAPABILITIES), "capset")
    if not ZYGOTE_LOCKED:
        _install_no_new_privs_and_filter()


def _install_no_new_privs_and_filter() -> None:
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")
    _install_filter(_SECCOMP)


def _install_filter(program: tuple[_FilterProgram, ctypes.Array[_Filter]] | None) -> None:
    """Adds a seccomp filter to this process (every filter added stays, and each must allow a system call)."""
    if program is not None:
        _check(_libc.prctl(ctypes.c_int(22), ctypes.c_ulong(2), ctypes.byref(program[0]), ctypes.c_ulong(0),
                           ctypes.c_ulong(0)), "seccomp")


def _lock_zygote() -> None:
    """In the root zygote, once: no_new_privs, the seccomp filter, an empty ambient set and an empty inheritable
    set, which every zygote and program process forked from it inherits for good (no zygote executes anything, and
    the filter refuses nothing a zygote does). Sets ZYGOTE_LOCKED only when all of it held and no securebit would
    keep capabilities across the switch to `nobody` (then each program process skips those steps); otherwise each
    program process does them all itself, as before."""
    global ZYGOTE_LOCKED
    try:
        if _prctl(PR_GET_SECUREBITS) != 0:
            return
        _check(_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL), "ambient")
        header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
        _check(_libc.capget(ctypes.byref(header), ctypes.byref(data)), "capget")
        data[0].inheritable = data[1].inheritable = 0
        _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")
        _install_no_new_privs_and_filter()
        ZYGOTE_LOCKED = True
    except SetupError:
        pass


# Syscalls a program may not make (Docker's default profile refuses them too): the kernel's keyrings are shared by
# every process of a user namespace, so a key one input adds would be there for the next; a new user namespace
# would give the program capabilities of its own, over more of the kernel. Sockets of any family but AF_UNIX: the
# network namespace is the server's, and what a packet leaves there (the loopback's and the protocols' counters,
# TIME_WAIT sockets) would be read by the next input or program; Unix sockets leave nothing once their processes
# are gone. io_uring, which makes sockets and sends by a door no filter sees, is "not implemented" (as on kernels
# built without it), and so are userfaultfd, perf_event_open, bpf and syslog: doors that kernel exploits use (to
# win races, to read kernel state), the kernel log a channel from one input to the next, none of which a judged
# program needs, whatever the host's sysctls allow. x86_64's x32 numbering could reach them all by other numbers,
# and so could the 32-bit ABI (`int 0x80`, which the kernel reports with another arch): any system call but a
# native one is "not implemented". clone3 passes its flags in memory a filter cannot read, so it is "not
# implemented" too and the C library falls back to clone.
_SYSCALLS = {  # arch, (add_key, request_key, keyctl), unshare, clone, clone3, rt_sigaction, (socket, socketpair),
    #            (io_uring_setup, io_uring_enter, io_uring_register, userfaultfd, perf_event_open, bpf, syslog)
    "x86_64": (0xC000003E, (248, 249, 250), 272, 56, 435, 13, (41, 53), (425, 426, 427, 323, 298, 321, 103)),
    "aarch64": (0xC00000B7, (217, 218, 219), 97, 220, 435, 134, (198, 199), (425, 426, 427, 282, 241, 280, 116)),
}
CLONE_NEWUSER = 0x10000000
AF_UNIX = 1
_BPF_LOAD, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _REFUSE, _MISSING = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38  # allow, EPERM, ENOSYS
# A filter's code: (operation, label if true, label if false, k) instructions, and strings that name the place
# where they stand; the labels "allow", "refuse" (EPERM) and "missing" (ENOSYS) are the three returns at the end.
# seccomp_data holds nr at 0, arch at 4, argument i at 16 + 8 i (its low half first on these little-endian machines).
_Code = list["tuple[int, str | None, str | None, int] | str"]


def _assemble(code: _Code) -> tuple[_FilterProgram, ctypes.Array[_Filter]]:
    """The filter program of `code`, its labels resolved to relative jumps."""
    instructions: list[tuple[int, str | None, str | None, int]] = []
    labels: dict[str, int] = {}
    for item in code + ["allow", (_BPF_RET, None, None, _ALLOW), "refuse", (_BPF_RET, None, None, _REFUSE),
                        "missing", (_BPF_RET, None, None, _MISSING)]:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)

    def offset(at: int, label: str | None) -> int:
        return 0 if label is None else labels[label] - at - 1

    filters = (_Filter * len(instructions))(*[_Filter(op, offset(i, t), offset(i, f), k)
                                              for i, (op, t, f, k) in enumerate(instructions)])
    return _FilterProgram(len(instructions), filters), filters  # the array must live as long as the program


def _seccomp_program() -> tuple[_FilterProgram, ctypes.Array[_Filter]] | None:
    """The seccomp filter described above, built once (the program process only installs it), or None on an
    architecture it does not know."""
    machine = os.uname().machine
    if machine not in _SYSCALLS:
        return None
    arch, keyrings, unshare, clone, clone3, _, sockets, missing = _SYSCALLS[machine]
    code: _Code = [(_BPF_LOAD, None, None, 4), (_BPF_JEQ, None, "missing", arch), (_BPF_LOAD, None, None, 0)]
    if machine == "x86_64":
        code.append((_BPF_JGE, "refuse", None, 0x40000000))
    code += [(_BPF_JEQ, "refuse", None, number) for number in keyrings]
    code += [(_BPF_JEQ, "missing", None, number) for number in (clone3, *missing)]
    code += [(_BPF_JEQ, "family", None, number) for number in sockets]
    code += [(_BPF_JEQ, "flags", None, unshare), (_BPF_JEQ, "flags", "allow", clone),
             "flags", (_BPF_LOAD, None, None, 16), (_BPF_JSET, "refuse", "allow", CLONE_NEWUSER),
             "family", (_BPF_LOAD, None, None, 16), (_BPF_JEQ, "allow", "refuse", AF_UNIX)]
    return _assemble(code)


def _sigchld_program() -> tuple[_FilterProgram, ctypes.Array[_Filter]] | None:
    """A second filter, which each program zygote adds once it has set SIGCHLD to its default: SIGCHLD's
    disposition can no longer be changed (reading it still can; EPERM otherwise). A parent that ignores SIGCHLD,
    or sets SA_NOCLDWAIT, has the kernel reap its children at once, and their CPU time would then count for no
    process that the zygote can see. None on an architecture the filters do not know."""
    machine = os.uname().machine
    if machine not in _SYSCALLS:
        return None
    arch, sigaction = _SYSCALLS[machine][0], _SYSCALLS[machine][5]
    return _assemble([(_BPF_LOAD, None, None, 4), (_BPF_JEQ, None, "allow", arch),  # others: the first filter's
                      (_BPF_LOAD, None, None, 0), (_BPF_JEQ, None, "allow", sigaction),
                      (_BPF_LOAD, None, None, 16), (_BPF_JEQ, None, "allow", signal.SIGCHLD),  # rt_sigaction(SIGCHLD,
                      (_BPF_LOAD, None, None, 24), (_BPF_JEQ, None, "refuse", 0),  # act) with act not NULL
                      (_BPF_LOAD, None, None, 28), (_BPF_JEQ, "allow", "refuse", 0)])


_SECCOMP = _seccomp_program()
_SECCOMP_SIGCHLD = _sigchld_program()
_NO_CAPABILITIES = (ctypes.byref(_CapHeader(0x20080522, 0)), ctypes.byref((_CapData * 2)()))  # built once


def _set_limits(limits: dict[str, Any], cpu_seconds: float) -> None:
    cpu = max(1, math.ceil(cpu_seconds)) + 1  # a per-process backstop; the tree's time is watched by its zygote
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("address_space_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (limits["address_space_bytes"],) * 2)


def _install_site_builtins() -> None:
    """What `site` adds to builtins (exit, quit, help, copyright, credits, license): the runner starts without site."""
    try:
        import _sitebuiltins

        builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
        builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")
        builtins.help = _sitebuiltins._Helper()
        builtins.copyright = _sitebuiltins._Printer("copyright", sys.copyright)
        builtins.credits = _sitebuiltins._Printer("credits", "See https://www.python.org/.")
        builtins.license = _sitebuiltins._Printer("license", "See https://www.python.org/psf/license/")
    except Exception:
        pass


def _become_program(setup: dict[str, Any], pipes: tuple[int, ...], cpu_seconds: float, namespaces: bool) -> None:
    """In the program process: its pipes on fds 0-3, nothing else open, no privileges, its limits set. Any failure
    ends the process with EXIT_SETUP_FAILED (reported as the sandbox's fault)."""
    stdin_r, stdout_w, stderr_w, result_w = pipes
    try:
        if not namespaces:  # with them, its zygote is PID 1 of its PID namespace: the kernel kills it with its zygote
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        os.dup2(result_w, RESULT_FD)
        os.closerange(RESULT_FD + 1, 1 << 16)
        # _signal's own function: the signal module's wrapper builds enum members, which costs ~45 page faults here
        for number in (signal.SIGPIPE, signal.SIGXFSZ):
            _signal.signal(number, 0)  # SIG_DFL
        _signal.signal(signal.SIGINT, _signal.default_int_handler)
        _write_file("/proc/self/oom_score_adj", b"1000")  # under memory pressure the program goes first
        _drop_privileges()
        os.chdir(SCRATCH if namespaces else WORKDIR)
        _set_limits(setup["limits"], cpu_seconds)
        sys.setrecursionlimit(setup["limits"]["recursion_limit"])
        sys.argv[:] = ["solution.py"]
        if "random" in sys.modules:  # its children reseed at fork, as in Python, but by their pid (_seed_random)
            os.register_at_fork(after_in_child=_reseed_random)
    except BaseException:
        os._exit(EXIT_SETUP_FAILED)


def _seed_random() -> None:
    """Imports `random` once, seeded as by random.seed(0): every zygote and program process inherits that state
    (no zygote draws from it), so a program that draws without a seed of its own gives the same output in every run
    and on every server; os.urandom and SystemRandom stay random. random.py registers a reseed from os.urandom for
    every fork's child, which would cost each program process 0.05 ms and undo the seed: it is imported while
    `os.fork` is hidden, so that it registers none, and each program process registers one of its own for its
    children, which reseed by their pid (`_become_program`: as random as Python's, and the same in every run)."""
    fork = os.fork
    del os.fork
    try:
        import random
    except ImportError:
        return
    finally:
        os.fork = fork
    random.seed(0)


def _reseed_random() -> None:
    module = sys.modules.get("random")
    if module is not None:
        module.seed(os.getpid())


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _program_namespace(function_mode: bool) -> dict[str, Any]:
    """The globals of a real module, registered in sys.modules (as `__main__` for a stdin program), so that
    pickling (multiprocessing) and `sys.modules[__name__]` work as in a plain interpreter."""
    name = "__cosplay_program__" if function_mode else "__main__"
    module = types.ModuleType(name)
    module.__file__ = "solution.py"
    module.__dict__["__builtins__"] = builtins  # what a module's globals hold (typeshed lists no such attribute)
    sys.modules[name] = module
    return module.__dict__


def _read_request() -> Any:
    """In function mode, the arguments (or a batch's inputs) arrive as JSON on stdin; stdin is then empty."""
    return json.loads(_read_stdin())


def _read_stdin() -> bytes:
    """All of stdin; stdin is then empty."""
    chunks = []
    while True:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return b"".join(chunks)


def _program_one(code: types.CodeType | None, setup: dict[str, Any]) -> NoReturn:
    """Runs the program on one input (stdin on fd 0, or JSON arguments read from it first). Never returns."""
    exit_code = 0
    function_mode = setup["io"] == "function"
    try:
        arguments = _read_request() if function_mode else []
        namespace = PROGRAM_MODULE[0] if PROGRAM_MODULE else _program_namespace(function_mode)
        assert code is not None, "a program zygote that runs single inputs holds a compiled program"
        exec(code, namespace)
        if function_mode:
            func = _resolve_entry_point(namespace, setup["entry_point"])
            data = _encode_value(func(*arguments))
            _join_threads()
            _write_all(RESULT_FD, data)
        else:
            _join_threads()
    except SystemExit as stop:
        _join_threads()
        if stop.code is None or stop.code == 0:
            exit_code = EXIT_NO_RESULT if function_mode else 0
        elif isinstance(stop.code, int):
            exit_code = stop.code & 0xFF or 1
        else:
            print(stop.code, file=sys.stderr)
            exit_code = 1
    except MemoryError:
        exit_code = EXIT_MEMORY
    except BaseException as exc:
        _print_program_traceback(exc)
        exit_code = 1
    _exit_like_python(exit_code)


def _exit_like_python(exit_code: int) -> NoReturn:
    """Runs atexit handlers and flushes the streams, as the interpreter does at exit, then ends the process."""
    try:  # atexit comes with the runner: imported here, each program process went through importlib for it
        atexit._run_exitfuncs()
    except BaseException:
        pass
    _flush_streams()
    os._exit(exit_code)


def _program_traceback(exc: BaseException) -> str:
    """The program's part of a traceback, as text: the runner's own frames are noise to a reader."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "solution.py":
            tb = tb.tb_next
        return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))[-4000:]
    except BaseException:
        return type(exc).__name__


def _print_program_traceback(exc: BaseException) -> None:
    try:
        sys.stderr.write(_program_traceback(exc))
    except BaseException:
        pass


def _join_threads() -> None:
    """Waits for the program's non-daemon threads, as the interpreter would at exit."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException:
            pass


def _program_batch(code: types.CodeType | None, setup: dict[str, Any]) -> NoReturn:
    """Runs the module once, then the entry point on each input of the batch (read from stdin), back to back. Each
    call's result goes on the result pipe as one record: a header line `<kind> <value> <stdout> <stderr>` (kind `v`
    a value, `o` a value over the cap, `e` an error, `m` a memory error, `M` the module failed; then the three
    sizes) followed by those bytes; what the call printed is caught in files of its own, so that no input's output
    is mixed with another's. The program shares this process: it can choose its own results (as it can by
    returning them), never another program's. Never returns."""
    limits = setup["limits"]
    try:
        if code is None:  # from the batch zygote: the source comes first on stdin, then the inputs
            data = _read_stdin()
            size, _, data = data.partition(b"\n")
            code = compile(data[:int(size)].decode("utf-8", "surrogateescape"), "solution.py", "exec",
                           dont_inherit=True)
            inputs = json.loads(data[int(size):])
        else:
            inputs = _read_request()
        namespace = _program_namespace(True)
        exec(code, namespace)
        func = _resolve_entry_point(namespace, setup["entry_point"])
    except BaseException as exc:
        _flush_streams()
        _write_record("M", _program_traceback(exc).encode("utf-8", "replace"))
        os._exit(1)
    capture = _Capture(limits)
    capture.start()
    for arguments in inputs:
        try:
            kind, data = "v", _encode_value(func(*arguments))
            if len(data) > limits["value_limit_bytes"]:
                kind, data = "o", b""
        except MemoryError:
            kind, data = "m", b"MemoryError"
        except BaseException as exc:
            kind, data = "e", _program_traceback(exc).encode("utf-8", "replace")
        out, err = capture.take()
        _write_record(kind, data, out, err)
    capture.stop()
    _join_threads()
    _exit_like_python(0)


class _Capture:
    """Sends what the program prints during its calls to files of its own (memfds), read back and emptied after
    each call: each call's output is its own. Between `start` and `stop` (the calls of a batch) stdout and stderr
    are those files (a call that printed nothing costs two fstat calls, not ten system calls)."""

    def __init__(self, limits: dict[str, Any]) -> None:
        self.files = (os.memfd_create("stdout"), os.memfd_create("stderr"))
        self.pipes = (os.dup(1), os.dup(2))
        self.caps = (limits["output_limit_bytes"] + 1, limits["stderr_limit_bytes"])

    def start(self) -> None:
        _flush_streams()
        os.dup2(self.files[0], 1)
        os.dup2(self.files[1], 2)

    def take(self) -> tuple[bytes, bytes]:
        """What the last call printed on stdout and on stderr (each up to its cap); the files are emptied."""
        _flush_streams()
        return self._take(self.files[0], self.caps[0]), self._take(self.files[1], self.caps[1])

    def stop(self) -> None:
        _flush_streams()
        os.dup2(self.pipes[0], 1)
        os.dup2(self.pipes[1], 2)

    @staticmethod
    def _take(fd: int, cap: int) -> bytes:
        size = min(os.fstat(fd).st_size, cap)
        if size == 0:  # nothing printed (a program that moves its own stdout's offset affects only its output)
            return b""
        chunks: list[bytes] = []
        offset = 0
        while offset < size:
            chunk = os.pread(fd, size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return b"".join(chunks)


def _write_record(kind: str, data: bytes, out: bytes = b"", err: bytes = b"") -> None:
    _write_all(RESULT_FD, f"{kind} {len(data)} {len(out)} {len(err)}\n".encode() + data + out + err)


# ---- the program zygote's side of an input ------------------------------------------------------------------------


def _enter_program_namespaces() -> None:
    """With namespaces, once per program zygote (PID 1 of the program's PID namespace), before it has a program:
    new mount, IPC and UTS namespaces and a /proc of this PID namespace (the input folders come with the program,
    whose limits size them)."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    # This zygote's own /proc/1 (its stat, status, sched...) counts the page faults, CPU time and context switches
    # of every input it has run and reaped: an empty read-only folder covers it, so no input learns how much an
    # earlier one did (hidepid would hide it too, but also a program's own children: programs are not dumpable).
    _mount("tmpfs", "/proc/1", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=1,mode=0555")


def _seal_layout() -> None:
    """With namespaces, once, in the runner before it forks any zygote: the sandbox's fixed root layout, which every
    zygote's mount namespace copies. /scratch, /tmp and /dev/shm are links into BOX, where each input gets one fresh
    tmpfs (`_mount_input_folders`); bubblewrap made the first two links, and /dev/shm (a folder bubblewrap makes
    with /dev) becomes one here. Then / and /dev are remounted read-only, so that no program can replace a link or
    leave anything there for the next input, whoever owns them."""
    if not os.path.islink("/dev/shm"):
        os.rmdir("/dev/shm")
        os.symlink(BOX + "/shm", "/dev/shm")
    for folder, _, link in BOX_FOLDERS:
        if os.readlink(link) != folder:
            raise SetupError(f"{link} does not link to {folder}")
    for point in ("/dev", "/"):
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    os.environ["PWD"] = SCRATCH  # where programs start (bubblewrap set it to /, where the runner starts)


def _mount_input_folders(scratch_mb: int, replace: bool) -> None:
    """A fresh tmpfs at BOX, capped at `scratch_mb` and 65536 inodes for the three folders in it together: the
    working folder (owned by the sandbox's user), tmp and shm (1777, like /tmp), which /scratch, /tmp and /dev/shm
    link to (`_seal_layout`). With `replace`, the previous input's tmpfs is detached first and dropped whole, however
    deep, chmod-ed or full it was: one unmount and one mount per input (three of each, with a tmpfs per folder, cost
    more kernel time, most of it in the RCU wait of each unmount)."""
    data = _INPUT_MOUNTS.get(scratch_mb)
    if data is None:  # built once (a zygote writes as few pages as it can between two forks)
        data = _INPUT_MOUNTS[scratch_mb] = f"size={scratch_mb}m,nr_inodes=65536,mode=0755".encode()
    if replace and _libc.umount2(BOX_TARGET, MNT_DETACH) != 0:
        _check(-1, f"umount {BOX}")
    if _libc.mount(b"tmpfs", BOX_TARGET, b"tmpfs", BOX_FLAGS, data) != 0:
        _check(-1, f"mount {BOX}")
    for folder, mode, _ in BOX_FOLDERS:
        os.mkdir(folder)
        os.chmod(folder, mode)  # the zygote's umask would take the sticky and write bits away
    os.chown(BOX_FOLDERS[0][0], SANDBOX_UID, SANDBOX_UID)


def _fresh_input_state(scratch_mb: int) -> None:
    """With namespaces, between two inputs (every process of the first is gone): a fresh IPC namespace (no SysV
    object or message queue left), the hostname back, fresh folders."""
    _check(_libc.unshare(CLONE_NEWIPC), "unshare")
    _check(_libc.sethostname(b"sandbox", 7), "sethostname")
    _mount_input_folders(scratch_mb, replace=True)


def _fork_program(code: types.CodeType | None, setup: dict[str, Any], fds: list[int], request: dict[str, Any]) -> int:
    """Forks an input's program process; returns its pid. The zygote keeps only the report pipe of the five."""
    pipes = tuple(fds[:4])
    if NAMESPACES:  # every input's program is PID 2 (its leftovers are gone): no count survives from input to input
        _write_file("/proc/sys/kernel/ns_last_pid", b"1")
    pid = os.fork()
    if pid == 0:
        _become_program(setup, pipes, float(request["cpu_seconds"]), NAMESPACES)
        if request["batch"]:
            _program_batch(code, setup)
        _program_one(code, setup)
    for fd in pipes:
        os.close(fd)
    return pid


def _finish_input(pid: int, pidfd: int, report_w: int, baseline: float) -> None:
    """Follows an input's program process until it ends (reporting the tree's CPU time on `report_w`), kills
    whatever it left, reports how it ended and closes `report_w`."""
    try:
        status = _watch(pid, pidfd, report_w, baseline)
        _kill_the_rest(pid)
        _write_all(report_w, b'r {"status": %d, "cpu_s": %.6f}\n' % (status, _children_cpu() - baseline))
    except OSError:  # the runner closed the report pipe: it gave up on this input
        _kill_the_rest(pid)
    finally:
        os.close(report_w)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _watch(pid: int, pidfd: int, report_w: int, baseline: float) -> int:
    """Waits for the program process, reporting the tree's CPU time every CPU_SAMPLE_S; returns its wait status."""
    ready = [pidfd]
    while True:
        waited, status = _reap(pid)
        if waited:
            return status
        select.select(ready, (), (), CPU_SAMPLE_S)
        waited, status = _reap(pid)
        if waited:
            return status
        _write_all(report_w, b"c %.3f %.3f\n" % _tree_usage(pid, baseline))


def _reap(pid: int) -> tuple[bool, int]:
    """Reaps finished processes (orphans too, inside our namespace); (True, status) once `pid` has ended, else
    (False, 0)."""
    while True:
        try:
            waited, status = os.waitpid(-1 if NAMESPACES else pid, os.WNOHANG)
        except ChildProcessError:
            return True, 0
        if waited == 0:
            return False, 0
        if waited == pid:
            return True, status


def _tree_usage(pid: int, baseline: float) -> tuple[float, float]:
    """(CPU seconds used so far by the input's processes: finished ones we reaped, plus every live one; seconds the
    live ones have waited for a CPU while runnable, the kernel's run-queue delay, which is the machine's load and not
    the program's doing: the wall-clock backstop does not count it)."""
    total, waited = _children_cpu() - baseline, 0.0
    pids = [name for name in os.listdir("/proc") if name.isdigit() and name != "1"] if NAMESPACES else [str(pid)]
    for name in pids:
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / CLK_TCK  # utime stime cutime cstime
            with open(f"/proc/{name}/schedstat", "rb") as handle:  # on-CPU ns, run-queue wait ns, slices
                waited += int(handle.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
    return total, waited


def _kill_the_rest(pid: int) -> None:
    """Kills every process the program left: in our own namespace, all of them (we are its PID 1); without one, its
    process group. Returns once they are all reaped."""
    if NAMESPACES:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    while True:
        try:
            if os.waitpid(-1, 0)[0] == 0:
                break
        except ChildProcessError:
            break
        except OSError:
            break


# ---- the runner: one input, or a batch ------------------------------------------------------------------------


def _spawn_input(zygote: ZygoteLink, cpu_seconds: float, batch: bool, setup: dict[str, Any] | None = None,
                 stdin_data: bytes | None = None) -> tuple[Any, ...]:
    """Has a zygote fork an input's program process (the batch zygote, for the program `setup` describes); returns
    (a pidfd of it, the runner's pipe ends). With `stdin_data`, the first 64 KiB of it are in the stdin pipe before
    the process exists and the zygote's answer is not waited for: the pidfd is None (`Supervision` takes it from the
    zygote when it needs it, or at the end), and the third item is what is left of the data to feed."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    result_r, result_w = os.pipe()
    report_r, report_w = os.pipe()
    theirs = [stdin_r, stdout_w, stderr_w, result_w, report_w]
    fds = {"stdin": stdin_w, "stdout": stdout_r, "stderr": stderr_r, "result": result_r, "report": report_r}
    try:
        request = {"kind": "input", "cpu_seconds": cpu_seconds, "batch": batch}
        if setup is not None:
            request["setup"] = setup
        if stdin_data is not None:
            rest = memoryview(stdin_data)
            if rest:
                os.set_blocking(stdin_w, False)
                try:
                    rest = rest[os.write(stdin_w, rest[:1 << 16]):]
                except BlockingIOError:
                    pass
            zygote.tell(request, theirs)
            return None, fds, rest
        _, received = zygote.ask(request, theirs)
    finally:
        for fd in theirs:
            os.close(fd)
    if len(received) != 1:
        raise SetupError("the program's zygote sent no process")
    return received[0], fds


class Supervision:
    """The runner's side of one program process: feeds stdin, drains the pipes under their caps, follows the CPU
    reports, enforces the CPU limit and the wall-clock backstop, and collects how the program ended."""

    def __init__(self, pidfd: int | None, fds: dict[str, int], limits: dict[str, Any], stdin_data: bytes | memoryview,
                 function_mode: bool, zygote: ZygoteLink | None = None) -> None:
        """`pidfd` None: the zygote (`zygote`) has yet to send it. With a zygote, the output pipes are read only
        once the zygote has reported a first CPU sample or the end (a quick program wakes the runner once: its
        output waits in the pipes; a longer one, or one that fills a pipe, is drained as it runs)."""
        self.pidfd, self.fds, self.limits = pidfd, fds, limits
        self.zygote = zygote
        self.function_mode = function_mode
        self.caps = {fds["stdout"]: limits["output_limit_bytes"], fds["stderr"]: limits["stderr_limit_bytes"],
                     fds["result"]: limits["value_limit_bytes"], fds["report"]: 1 << 20}
        self.data = {fd: bytearray() for fd in self.caps}
        self.sizes = {fd: 0 for fd in self.caps}
        self.open = set(self.caps)
        self.poller = select.poll()
        self.watched = zygote is None
        for fd in self.caps if self.watched else (fds["report"],):
            self.poller.register(fd, select.POLLIN)
        self.pending = memoryview(stdin_data)
        self.stdin: int | None = fds["stdin"]
        if self.pending:
            os.set_blocking(self.stdin, False)
            self._feed(0)  # most inputs fit in the pipe at once: no wait for the pipe to be writable
        else:
            os.close(self.stdin)
            self.stdin = None
        if self.stdin is not None:
            self.poller.register(self.stdin, select.POLLOUT)
        self.cpu = 0.0
        self.report: dict[str, Any] | None = None
        self.setup_error: Any = None  # what the zygote said when it could not set up the input (JSON)
        self.killed: str | None = None  # "timeout", "wall", "output_limit" or "garbled", when the runner ended it
        self.waited = 0.0  # seconds the program's processes waited for a CPU while runnable (the zygote's reports)
        self.reported_at: float | None = None  # when the zygote's last CPU report came
        self.past_backstop_at: float | None = None  # when the backstop was first found passed (acts on a later report)
        self.ended_at: float | None = None

    def kill(self, reason: str) -> None:
        if self.killed is None:
            self.killed = reason
        self._kill()

    def _kill(self) -> None:
        """Kills the program process; its zygote then kills whatever it left and reports."""
        self._take_pidfd()
        if self.pidfd is None:  # the zygote ended: the kernel killed its namespace with it
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass

    def _take_pidfd(self) -> None:
        """The pidfd the zygote sent after forking (it sends it at once; None if the zygote ended)."""
        if self.zygote is not None:
            zygote, self.zygote = self.zygote, None
            received = zygote.answer()[1]
            self.pidfd = received[0] if received else None
            for fd in received[1:]:
                os.close(fd)

    def _watch_outputs(self) -> None:
        """Starts reading the output pipes (the first CPU sample, or the end, came)."""
        if not self.watched:
            self.watched = True
            for fd in (self.fds["stdout"], self.fds["stderr"], self.fds["result"]):
                self.poller.register(fd, select.POLLIN)

    def follow(self, cpu_limit: float, wall_deadline: float) -> bool:
        """One round of supervision: enforces the CPU limit and the wall-clock backstop, then waits for what comes
        next; False once the program has ended and its pipes are drained (leftovers get DRAIN_S at most)."""
        now = time.monotonic()
        if self.killed is None:
            if self.cpu > cpu_limit:
                self.kill("timeout")
            elif self._past_backstop(now, wall_deadline):
                self.kill("wall")
        if self.ended_at is None and (self.report is not None or self.setup_error is not None or self.killed):
            self.ended_at = now
        if self.ended_at is not None and now > self.ended_at + DRAIN_S:
            return False
        return self.step(min(0.05, max(0.001, wall_deadline + self.waited - now)))

    def _past_backstop(self, now: float, wall_deadline: float) -> bool:
        """True once the wall-clock backstop is passed by time the program could have run: the time its processes
        waited for a CPU on a busy machine does not count (so a verdict does not depend on the load), and the
        backstop acts only on a CPU report that came after it was passed (the zygote, starved too, may be late)."""
        if now - self.waited < wall_deadline:
            self.past_backstop_at = None
            return False
        if self.past_backstop_at is None:
            self.past_backstop_at = now
        return self.reported_at is None or self.reported_at > self.past_backstop_at

    def step(self, timeout_s: float) -> bool:
        """Waits up to `timeout_s` for something to happen and handles it; False once everything is closed."""
        if not self.open and self.stdin is None:
            return False
        for fd, event in self.poller.poll(max(1, int(timeout_s * 1000))):
            if fd == self.stdin:
                self._feed(event)
            else:
                self._drain(fd)
        return True

    def _feed(self, event: int) -> None:
        assert self.stdin is not None, "stdin is fed only while its pipe is open"
        if not event & (select.POLLERR | select.POLLHUP):
            try:
                self.pending = self.pending[os.write(self.stdin, self.pending[:1 << 16]):]
            except BlockingIOError:
                return
            except OSError:
                self.pending = memoryview(b"")
        else:
            self.pending = memoryview(b"")
        if not self.pending:
            if event:
                self.poller.unregister(self.stdin)
            os.close(self.stdin)
            self.stdin = None

    def _drain(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            self.poller.unregister(fd)
            self.open.discard(fd)
            if fd == self.fds["report"]:  # the zygote is done with this input, report or not
                self._watch_outputs()
            return
        if fd == self.fds["report"]:
            self.data[fd] += chunk
            self._read_reports()
            return
        cap = self.caps[fd]
        if self.sizes[fd] <= cap:
            self.data[fd] += chunk[: cap + 1 - self.sizes[fd]]
        self.sizes[fd] += len(chunk)
        if fd != self.fds["stderr"] and self.sizes[fd] > cap:
            self.kill("output_limit")

    def _read_reports(self) -> None:
        buffer = self.data[self.fds["report"]]
        if len(buffer) > 4096 and b"\n" not in buffer:
            buffer.clear()  # the zygote writes short lines only
        while b"\n" in buffer:
            end = buffer.index(b"\n")
            line = bytes(buffer[:end])
            del buffer[:end + 1]
            self._watch_outputs()
            try:
                if line.startswith(b"c "):
                    cpu, waited = line[2:].split()
                    self.cpu, self.waited = float(cpu), max(self.waited, float(waited))
                    self.reported_at = time.monotonic()
                elif line.startswith(b"r "):
                    self.report = json.loads(line[2:])
                    self.cpu = float(self.report["cpu_s"])
                elif line.startswith(b"s "):
                    self.setup_error = json.loads(line[2:])
            except (ValueError, KeyError, TypeError):
                pass
        if self.report is not None or self.setup_error is not None:  # the last word: no need to wait for its exit
            fd = self.fds["report"]
            if fd in self.open:
                self.poller.unregister(fd)
                self.open.discard(fd)
                os.close(fd)

    def take(self, fd: int) -> bytes:
        """What was read from `fd` so far, emptied (its cap then counts from zero: batch inputs are capped each)."""
        if not self.data[fd]:  # nothing read (its count is then 0 too: a first chunk always keeps a byte)
            return b""
        data = bytes(self.data[fd])
        self.data[fd].clear()
        self.sizes[fd] = 0
        return data

    def finish(self) -> None:
        """Kills the program process (if still there), waits until its zygote has killed what it left and reported
        (the report pipe closes), and closes every pipe."""
        self._kill()
        self._watch_outputs()
        deadline = time.monotonic() + 5
        while self.fds["report"] in self.open and time.monotonic() < deadline and self.step(0.05):
            pass
        for fd in list(self.open):
            self.poller.unregister(fd)
            os.close(fd)
        self.open.clear()
        if self.stdin is not None:
            os.close(self.stdin)
            self.stdin = None
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _run_one(zygote: ZygoteLink | None, compile_error: str | None, setup: dict[str, Any],
             payload: bytes) -> dict[str, Any]:
    """Runs one input in fresh processes and returns its result record."""
    limits = setup["limits"]
    if compile_error is not None:
        return _result("error", stderr=compile_error)
    assert zygote is not None, "a program that compiled has its zygote (_serve forks it before the first input)"
    function_mode = setup["io"] == "function"
    started = time.monotonic()
    _, fds, rest = _spawn_input(zygote, limits["time_limit_s"], batch=False, stdin_data=payload)
    watch = Supervision(None, fds, limits, rest, function_mode, zygote)
    wall_deadline = started + limits["time_limit_s"] * limits["wall_time_factor"] + 1.0
    while watch.follow(limits["time_limit_s"], wall_deadline):
        pass
    watch.finish()
    elapsed = time.monotonic() - started
    _clean_workdir()
    status, note = _verdict(watch, limits, function_mode)
    stdout = watch.take(fds["stdout"])[: limits["output_limit_bytes"]]
    stderr = watch.take(fds["stderr"])[: limits["stderr_limit_bytes"]]
    value = watch.take(fds["result"]) if status == "ok" and function_mode else None
    if value is not None:
        problem = _unreadable_value(value)
        if problem:
            status, value, note = "error", None, problem
    stderr = _with_note(stderr, note, status)
    return _result(status, stdout, stderr, value, elapsed, watch.cpu)


def _with_note(stderr: bytes, note: str | None, status: str) -> bytes:
    """The program's stderr with the runner's note: an exit status only where the program said nothing itself."""
    if not note:
        return stderr
    if not stderr.strip():
        return note.encode()
    if status == "error" and (note.startswith("exit status") or note.startswith("killed by")):
        return stderr
    return stderr + b"\n" + note.encode()


def _result(status: str, stdout: bytes = b"", stderr: bytes | str = b"", value: bytes | None = None,
            time_s: float = 0.0, cpu_s: float = 0.0) -> dict[str, Any]:
    if isinstance(stderr, str):
        stderr = stderr.encode("utf-8", "replace")
    return {"status": status, "stdout": stdout, "stderr": stderr, "value": value, "time_s": round(time_s, 6),
            "cpu_s": round(cpu_s, 6)}


def _verdict(watch: Supervision, limits: dict[str, Any], function_mode: bool) -> tuple[str, str | None]:
    """(status, a note for stderr or None) from how the program ended: never from what the program wrote."""
    if watch.setup_error is not None:
        return "error", f"sandbox: could not set up this input's isolation ({watch.setup_error})"
    if watch.killed == "output_limit":
        return "output_limit", None
    if watch.killed == "wall":
        return "timeout", (f"sandbox: stopped by the wall-clock backstop after "
                           f"{limits['time_limit_s'] * limits['wall_time_factor'] + 1:g} s (the program waited or "
                           f"slept; it had used {watch.cpu:.2f} s of CPU; time spent waiting for a busy CPU is not "
                           f"counted)")
    if watch.killed == "timeout" or watch.cpu > limits["time_limit_s"]:
        return "timeout", None
    if watch.report is None:
        return "error", "sandbox: the input's supervisor ended without a report"
    status = watch.report["status"]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "timeout", None
        if sig == signal.SIGKILL and limits.get("memory_cgroup"):
            return "memory_limit", None
        if sig == signal.SIGXFSZ:
            return "output_limit", "the program wrote a file larger than the file size limit"
        return "error", _describe_exit(status)
    code = os.WEXITSTATUS(status)
    if code == EXIT_MEMORY:
        return "memory_limit", None
    if code == EXIT_SETUP_FAILED:
        return "error", "sandbox: the program process could not be set up"
    if code != 0:
        return "error", _describe_exit(status)
    if function_mode:
        if watch.sizes[watch.fds["result"]] > limits["value_limit_bytes"]:
            return "output_limit", f"the return value is larger than {limits['value_limit_bytes']} bytes"
        if not watch.data[watch.fds["result"]]:
            return "error", "the program ended without returning a value"
    return "ok", None


def _describe_exit(exit_status: int) -> str:
    if os.WIFSIGNALED(exit_status):
        try:
            name = signal.Signals(os.WTERMSIG(exit_status)).name
        except ValueError:
            name = str(os.WTERMSIG(exit_status))
        return f"killed by signal {name}"
    code = os.WEXITSTATUS(exit_status)
    if code == EXIT_NO_RESULT:
        return "the program ended without returning a value"
    return f"exit status {code}"


# ---- batch mode: a function-mode program's inputs one after another in one program process ---------------------

RECORD_HEADER = re.compile(rb"([voemM]) (\d{1,12}) (\d{1,12}) (\d{1,12})\n")


def _run_batch(source: bytes, compile_error: str | None, setup: dict[str, Any], inputs: list[Any],
               channel: Channel) -> None:
    """Every input of a batch, in order, sent to the harness as each finishes: as few program processes as
    possible, a crash or overrun losing only the input it was on (the rest continue in a fresh process). A batch
    CPU budget, when set, ends the batch: inputs not yet run get `timeout` (CodeT's whole-suite limit)."""
    limits = setup["limits"]
    if compile_error is not None:
        for _ in inputs:
            channel.send_result(_result("error", stderr=compile_error))
        return
    budget = limits.get("batch_time_limit_s")
    spent = 0.0
    position = 0
    while position < len(inputs):
        if budget is not None and spent >= budget:
            for _ in range(position, len(inputs)):
                channel.send_result(_result("timeout", stderr="not run: the batch time limit was reached"))
            return
        position, used = _batch_round(source, setup, inputs, position, channel,
                                      None if budget is None else budget - spent)
        spent += used


def _batch_round(source: bytes, setup: dict[str, Any], inputs: list[Any], first: int, channel: Channel,
                 budget_left: float | None) -> tuple[int, float]:
    """One program process over inputs[first:]; sends each input's result; returns (position to go on from, CPU
    seconds used)."""
    limits = setup["limits"]
    per_input = limits["time_limit_s"]
    cpu_seconds = per_input * (len(inputs) - first)
    if budget_left is not None:
        cpu_seconds = min(cpu_seconds, budget_left)
    pidfd, fds = _spawn_input(_batch_zygote(), cpu_seconds, True, {key: setup[key] for key in ("io", "entry_point", "limits")})
    stdin = b"%d\n" % len(source) + source + json.dumps(inputs[first:]).encode()
    watch = Supervision(pidfd, fds, limits, stdin, True)
    watch.caps[fds["result"]] = 1 << 62  # records are checked one by one below
    current, input_started, input_cpu_start, input_waited_start = first, time.monotonic(), 0.0, 0.0
    records = bytearray()
    caps = (limits["value_limit_bytes"], limits["output_limit_bytes"] + 1, limits["stderr_limit_bytes"])
    while current < len(inputs):
        if budget_left is not None and watch.cpu > budget_left:
            watch.kill("timeout")
        wall_deadline = input_started + input_waited_start + per_input * limits["wall_time_factor"] + 1.0
        alive = watch.follow(input_cpu_start + per_input, wall_deadline)
        records += watch.take(fds["result"])
        while current < len(inputs):
            match = RECORD_HEADER.match(records)
            if match is None:
                if len(records) >= 48 or b"\n" in records:
                    watch.kill("garbled")
                break
            sizes = [int(match.group(k)) for k in (2, 3, 4)]
            if any(size > cap for size, cap in zip(sizes, caps)):
                watch.kill("garbled")
                break
            end = match.end() + sum(sizes)
            if len(records) < end:
                break
            at = match.end()
            data, out, err = (bytes(records[at: at + sizes[0]]), bytes(records[at + sizes[0]: at + sizes[0] + sizes[1]]),
                              bytes(records[at + sizes[0] + sizes[1]: end]))
            kind = match.group(1)
            del records[:end]
            now = time.monotonic()
            stdout = watch.take(fds["stdout"]) + out
            stderr = watch.take(fds["stderr"]) + err
            result = _batch_result(kind, data, stdout, stderr, now - input_started, watch.cpu - input_cpu_start,
                                   limits)
            if kind == b"M":  # the module itself failed: so does every input
                for _ in range(current, len(inputs)):
                    channel.send_result(result)
                current = len(inputs)
                break
            channel.send_result(result, hold=True)
            current, input_started, input_cpu_start, input_waited_start = current + 1, now, watch.cpu, watch.waited
        channel.flush()
        if watch.killed or not alive:
            break
    if current == len(inputs):  # every result is in: the process is finished after the harness has them
        DEFERRED.append(watch)
        return current, watch.cpu
    watch.finish()
    _clean_workdir()
    if current < len(inputs):
        stdout = watch.take(fds["stdout"])[: limits["output_limit_bytes"]]
        stderr = watch.take(fds["stderr"])[: limits["stderr_limit_bytes"]]
        status: str
        note: str | None
        if watch.killed == "garbled":
            status, note = "error", "the program wrote something other than a result on the result channel"
        else:
            watch.cpu = watch.cpu - input_cpu_start
            status, note = _verdict(watch, limits, False)
            if status == "ok":  # ended without answering this input (os._exit in the function, say)
                status, note = "error", "the program ended before returning a value for this input"
            watch.cpu += input_cpu_start
        stderr = _with_note(stderr, note, status)
        channel.send_result(_result(status, stdout, stderr, None, time.monotonic() - input_started,
                                    watch.cpu - input_cpu_start))
        current += 1
    return current, watch.cpu


MAX_VALUE_DEPTH = 500
_JSON_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: no per-character state on long strings
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _unreadable_value(data: bytes) -> str | None:
    """Why a result's bytes cannot be handed to the harness (nested deeper than MAX_VALUE_DEPTH), or None: the
    harness then parses nothing deeper, whatever its own recursion limit."""
    if len(data) <= MAX_VALUE_DEPTH:  # too short to hold more than MAX_VALUE_DEPTH opening brackets
        return None
    brackets = _JSON_STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in (91, 123):  # [ {
            depth += 1
            if depth > MAX_VALUE_DEPTH:
                return f"the return value is nested more than {MAX_VALUE_DEPTH} levels deep"
        else:
            depth -= 1
    return None


def _batch_result(kind: bytes, data: bytes, stdout: bytes, stderr: bytes, elapsed: float, cpu: float,
                  limits: dict[str, Any]) -> dict[str, Any]:
    if len(stdout) > limits["output_limit_bytes"]:
        return _result("output_limit", stdout[: limits["output_limit_bytes"]], stderr[: limits["stderr_limit_bytes"]],
                       None, elapsed, cpu)
    if kind == b"o":
        note = f"the return value is larger than {limits['value_limit_bytes']} bytes"
        return _result("output_limit", stdout, _with_note(stderr[: limits["stderr_limit_bytes"]], note, "output_limit"),
                       None, elapsed, cpu)
    if kind == b"v":
        problem = _unreadable_value(data)
        if problem:
            return _result("error", stdout, _with_note(stderr[: limits["stderr_limit_bytes"]], problem, "error"),
                           None, elapsed, cpu)
        return _result("ok", stdout, stderr[: limits["stderr_limit_bytes"]], data, elapsed, cpu)
    status = "memory_limit" if kind == b"m" else "error"
    return _result(status, stdout, (stderr + data)[-limits["stderr_limit_bytes"]:], None, elapsed, cpu)


# ---- without namespaces: the working folder is emptied between inputs --------------------------------------------


def _clean_workdir() -> None:
    """Without per-input namespaces: kills what an input left (all but us, when this sandbox's PID namespace is
    ours alone) and empties the writable folders. With them, all of it went with the input's namespaces."""
    if NAMESPACES:
        return
    if os.getpid() == 1:  # this sandbox's PID namespace is ours: every process but ours is a leftover
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in KEEP_PIDS:
                try:
                    os.kill(int(name), signal.SIGKILL)
                except OSError:
                    pass
        _reap_all()
    for folder in [WORKDIR] + (["/tmp", "/dev/shm"] if os.getpid() == 1 else []):
        remove_tree_contents(folder)


def remove_tree_contents(root: str) -> None:
    """Removes everything below `root`, however deep, however its permissions were set, without recursion and
    without following links; never raises."""
    stack = [root]
    folders = []
    while stack:
        folder = stack.pop()
        folders.append(folder)
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    for folder in reversed(folders[1:]):
        try:
            os.rmdir(folder)
        except OSError:
            pass
    try:
        left = os.listdir(root)
    except OSError:
        return
    if left:  # paths past PATH_MAX (a tree thousands of folders deep): coreutils walk them relative to each folder
        import subprocess

        targets = [os.path.join(root, name) for name in left]
        for command in (["chmod", "-R", "u+rwx"], ["rm", "-rf", "--one-file-system"]):
            try:
                subprocess.run(command + targets, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=120, check=False)
            except (OSError, subprocess.SubprocessError):
                pass


# ---- main ------------------------------------------------------------------------------------------------------


def _load(source: str) -> tuple[types.CodeType | None, str | None]:
    """Compiles a program; returns (code, compile_error)."""
    try:
        return compile(source, "solution.py", "exec", dont_inherit=True), None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return None, "".join(traceback.format_exception_only(type(exc), exc))


# ---- zygotes: where input processes are forked from -------------------------------------------------------------


class ZygoteLink:
    """The runner's end of a program zygote's socket: small JSON messages, with descriptors alongside."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def ask(self, message: dict[str, Any], fds: list[int] | tuple[int, ...] = ()) -> tuple[Any, list[int]]:
        """Sends `message` (and `fds`); returns the reply and the descriptors that came with it."""
        self.tell(message, fds)
        return self.answer()

    def tell(self, message: dict[str, Any], fds: list[int] | tuple[int, ...] = ()) -> None:
        """Sends `message` (and `fds`); its reply is for `answer`."""
        socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))

    def answer(self) -> tuple[Any, list[int]]:
        """The next reply and the descriptors that came with it (SetupError if the zygote ended)."""
        data, received, _, _ = socket.recv_fds(self.sock, 1 << 16, 1)
        if not data:
            for fd in received:
                os.close(fd)
            raise SetupError("the program's zygote ended")
        return json.loads(data), received

    def close(self) -> None:
        self.sock.close()


def _start_root_zygote() -> socket.socket:
    """Forks the root zygote before the runner has read anything, so that it and every process forked from it
    hold none of the inputs, outputs or programs that pass through the runner later."""
    runner_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        runner_end.close()
        for fd in (CONTROL_IN, CONTROL_OUT):
            os.close(fd)
        _root_zygote(zygote_end)
    zygote_end.close()
    global ROOT_ZYGOTE
    ROOT_ZYGOTE = pid
    KEEP_PIDS.update({os.getpid(), pid})
    return runner_end


def _root_zygote(sock: socket.socket) -> NoReturn:
    """Forks a clean program zygote for each program the runner loads: with namespaces, PID 1 of a PID namespace
    of its own. Never returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps program zygotes at once
    try:
        _drop_bounding_set()
        _lock_zygote()
        own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY) if NAMESPACES else -1
        while True:
            data, fds, _, _ = socket.recv_fds(sock, 1024, 1)
            if not data or not fds:
                break
            if NAMESPACES:
                _check(_libc.unshare(CLONE_NEWPID), "unshare")
            if os.fork() == 0:
                sock.close()
                _program_zygote(socket.socket(fileno=fds[0]))
            if NAMESPACES:
                _check(_libc.setns(own_pid_ns, CLONE_NEWPID), "setns")
            os.close(fds[0])
    except BaseException:
        pass
    os._exit(0)


def _program_zygote(sock: socket.socket) -> NoReturn:
    """Compiles one program, then runs each input the runner asks for in a fresh process forked from it (see
    `_fork_program`, `_finish_input`), one at a time. With namespaces it is PID 1 of the program's PID namespace:
    after each input it kills everything else in it and gives the next input fresh folders, IPC namespace and
    hostname. The server's *batch zygote* is one without a program: each request brings its program's setup, and
    the program process compiles the source it reads on stdin. Never returns."""
    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                       signal.SIGUSR2, signal.SIGALRM, signal.SIGCHLD):
            _signal.signal(number, 0)  # SIG_DFL; PID 1 ignores what it has no handler for
        _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")  # (a zygote never executes anything)
        _install_filter(_SECCOMP_SIGCHLD)  # its program processes keep SIGCHLD as it is now
        _prctl(PR_SET_DUMPABLE, 0)
        os.chdir("/")
        if NAMESPACES:
            _enter_program_namespaces()
        data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 1)
        setup, code, compile_error = json.loads(data).get("setup"), None, None
        if setup is not None:
            source = _read_all(fds[0])
            os.close(fds[0])
            code, compile_error = _load(source.decode("utf-8", "surrogateescape"))
            del source
            if code is not None:  # its module, made once: each program process gets a fresh copy of it
                PROGRAM_MODULE.append(_program_namespace(setup["io"] == "function"))
        gc.freeze()  # a program process's collections leave the zygote's objects (and their pages) alone
        sock.send(json.dumps({"compile_error": compile_error, "pid": os.getpid()}).encode())
        mounted = False
        while True:
            data, fds = _recv_fds(sock, 8)
            if not data:
                break
            if len(fds) != 5:
                raise SetupError("an input request without its five pipes")
            request = json.loads(data)
            setup = request.get("setup", setup) if code is None else setup
            if NAMESPACES:  # here rather than after an input: a program's last needs none
                if mounted:
                    _fresh_input_state(setup["limits"]["scratch_mb"])
                else:
                    _mount_input_folders(setup["limits"]["scratch_mb"], replace=False)
                mounted = True
            baseline = _children_cpu()
            pid = _fork_program(code, setup, fds, request)
            pidfd = os.pidfd_open(pid)
            # few objects: each page a zygote writes while its program process lives costs a copy-on-write fault
            sock.sendmsg([b'{"pid": %d}' % pid], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, pidfd.to_bytes(4, ORDER))])
            try:
                _finish_input(pid, pidfd, fds[4], baseline)
            finally:
                os.close(pidfd)
    except BaseException as exc:
        try:
            os.write(2, f"runner: program zygote: {type(exc).__name__}: {exc}\n".encode())
        except BaseException:
            pass
    os._exit(0)


def _recv_fds(sock: socket.socket, maxfds: int) -> tuple[bytes, list[int]]:
    """(message, descriptors) from a zygote socket: socket.recv_fds without its imports and array (a program
    zygote runs this between two forks, where every page written costs a fault)."""
    data, ancillary, _, _ = sock.recvmsg(1 << 16, socket.CMSG_SPACE(maxfds * 4))
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += memoryview(payload)[:len(payload) - len(payload) % 4].cast("i").tolist()
    return data, fds


def _reap_all() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _fork_zygote(root: socket.socket) -> socket.socket:
    """Has the root zygote fork a program zygote; returns the runner's end of its socket at once."""
    runner_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    socket.send_fds(root, [b"fork"], [zygote_end.fileno()])
    zygote_end.close()
    return runner_end


def _load_program(root: socket.socket, setup: dict[str, Any] | None, source: bytes) -> tuple[ZygoteLink, str | None]:
    """A fresh program zygote holding `source` compiled; returns (its link, compile_error)."""
    runner_end = _fork_zygote(root)
    zygote = ZygoteLink(runner_end)
    source_r, source_w = os.pipe()
    socket.send_fds(runner_end, [json.dumps({"setup": setup}).encode()], [source_r])
    os.close(source_r)
    _write_all(source_w, source)
    os.close(source_w)
    data = runner_end.recv(1 << 16)
    if not data:
        raise SetupError("the program's zygote ended before compiling")
    reply = json.loads(data)
    KEEP_PIDS.intersection_update({os.getpid(), ROOT_ZYGOTE, BATCH_ZYGOTE[1]})
    KEEP_PIDS.add(int(reply["pid"]))
    return zygote, reply["compile_error"]


def _close_batch_zygote() -> None:
    if BATCH_ZYGOTE[0] is not None:
        BATCH_ZYGOTE[0].close()
        KEEP_PIDS.discard(BATCH_ZYGOTE[1])
        BATCH_ZYGOTE[:] = [None, -1]


def _batch_zygote() -> ZygoteLink:
    """The server's batch zygote (started on first use): one zygote for every program's batches, since a batch
    runs in one process that compiles its program itself, which spares each program a zygote of its own."""
    if BATCH_ZYGOTE[0] is None:
        root = ROOT_ZYGOTE_LINK[0]
        assert root is not None, "_serve starts the root zygote before any batch"
        link = ZygoteLink(_fork_zygote(root))
        reply, _ = link.ask({"kind": "batch zygote"})
        BATCH_ZYGOTE[:] = [link, int(reply["pid"])]
        KEEP_PIDS.add(BATCH_ZYGOTE[1])
    return BATCH_ZYGOTE[0]


def _serve(channel: Channel) -> None:
    root = _start_root_zygote()
    ROOT_ZYGOTE_LINK[:] = [root]
    setup: dict[str, Any] | None = None
    source = b""
    zygote: ZygoteLink | None = None
    compile_error: str | None = "no program loaded"
    while True:
        frame = channel.read()
        if frame is None:
            return
        _reap_all()
        header, payload = frame
        kind = header["kind"]
        if kind == "load":  # its zygote is forked with its first isolated input: a batch needs none
            if zygote is not None:
                zygote.close()
            setup, source, zygote = header["setup"], payload, None
            compile_error = _load(source.decode("utf-8", "surrogateescape"))[1]
            channel.send({"kind": "ready", "compile_error": compile_error})
            continue
        if setup is None:  # the harness loads a program before its first input (this failed on setup[...] before)
            raise SetupError(f"a {kind!r} request before any program was loaded")
        if kind in ("run", "runs") and zygote is None and compile_error is None:
            _close_batch_zygote()  # a server holds one zygote at a time besides the root
            zygote, compile_error = _load_program(root, setup, source)
        if kind == "batch" and zygote is not None:
            zygote.close()
            zygote = None
        if kind == "batch":
            _run_batch(source, compile_error, setup, json.loads(payload), channel)
            channel.send({"kind": "end"})
            while DEFERRED:
                DEFERRED.pop().finish()
                _clean_workdir()
        elif kind == "run":
            channel.send_result(_run_one(zygote, compile_error, setup, payload))
        elif kind == "runs":
            at = 0
            for size in header["sizes"]:
                channel.send_result(_run_one(zygote, compile_error, setup, payload[at: at + size]))
                at += size
            channel.send({"kind": "end"})


def main() -> None:
    global NAMESPACES, WORKDIR, SWITCH_USER
    mode, packages = sys.argv[1], sys.argv[2]
    NAMESPACES = mode == "namespaces"
    SWITCH_USER = mode != "plain-as-caller"
    WORKDIR = os.getcwd()
    os.environ.pop("LD_BIND_NOW", None)  # read by the loader (isolation.RUNNER_ONLY_ENV); programs never see it
    if packages:
        sys.path.append(packages)
    _install_site_builtins()
    for name in PRELOADED:  # stateless modules most programs import: imported once here, not in every process
        try:
            __import__(name)
        except ImportError:
            pass
    _seed_random()
    # compile() first checks whether its argument is an AST object, which makes the interpreter create its ~120 AST
    # types: done once here, inherited by every zygote, rather than in each batch process (~1 ms of CPU each).
    compile("", "<runner>", "exec")
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # as PID 1 it adopts orphans: the kernel reaps them
    _prctl(PR_SET_DUMPABLE, 0)  # no process of the same user can ptrace this one or open its descriptors
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The control channel arrives on fds 0 and 1; it moves to 3 and 4, and 0-1 become /dev/null (2 stays the
    # harness's log of the runner's own errors; program processes never hold it).
    for source, target in ((0, CONTROL_IN), (1, CONTROL_OUT)):
        os.dup2(source, 100 + target)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    os.close(devnull)
    for target in (CONTROL_IN, CONTROL_OUT):
        os.dup2(100 + target, target)
        os.close(100 + target)
    try:
        if NAMESPACES:
            _seal_layout()
        channel = Channel(CONTROL_IN, CONTROL_OUT)
        channel.send({"kind": "hello"})  # the sandbox is up: whatever fails from here on is a program's doing
        _serve(channel)
    except Exception as exc:  # a frame it cannot read, or an isolation it cannot build: the harness replaces it
        os.write(2, f"runner: {type(exc).__name__}: {exc}\n".encode())
        sys.exit(3)


PRELOADED = ("typing", "collections", "functools", "itertools", "heapq", "bisect", "math", "string")
NAMESPACES = False
WORKDIR = "."
ROOT_ZYGOTE = -1
SWITCH_USER = True  # programs run as the sandbox's user where the interpreter's files are readable by it
KEEP_PIDS: set[int] = set()  # the runner and its zygotes: what sweeping leftovers must spare
ROOT_ZYGOTE_LINK: list[socket.socket | None] = [None]  # the runner's end of the root zygote's socket
BATCH_ZYGOTE: list[Any] = [None, -1]  # the batch zygote's link and pid, once started
DEFERRED: list[Supervision] = []  # the supervision of a batch's last process, finished once the harness has its results
PROGRAM_MODULE: list[dict[str, Any]] = []  # in a program zygote: the globals its program processes run in
_INPUT_MOUNTS: dict[int, bytes] = {}  # tmpfs mount options by size
BOX_TARGET, BOX_FLAGS = BOX.encode(), ctypes.c_ulong(MS_NOSUID | MS_NODEV)
ZYGOTE_LOCKED = False  # the root zygote set no_new_privs, the filter, empty ambient and inheritable sets
BOUNDING_EMPTY = False  # the root zygote emptied the capability bounding set (inherited by forks)
ORDER = sys.byteorder

if __name__ == "__main__":
    main()
