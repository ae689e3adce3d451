"""The fork server that runs inside the sandbox: one per program.

Started as `python -S -s -P runner.py [--private-tmp]` inside the isolation the harness built (see
isolation.py). It speaks newline-delimited JSON on two file descriptors that the program never sees (the control
channel), request and response:

    harness -> runner   {"load": {"source", "io", "entry_point", "limits": {...}}}
    runner  -> harness  {"ready": true, "compile_error": str | null}
    harness -> runner   {"input": <str | list>}                      (any number, for the loaded program)
    runner  -> harness  {"status", "stdout", "value", "stderr", "time_s"}
    harness -> runner   {"batch": [<list>, ...]}                     (function mode: inputs in one child)
    runner  -> harness  {"results": [{"status", ...}, ...]}

A loaded program is compiled once; each input runs in a fresh child forked from this runner, which itself never runs
program code, so every input starts from the same pristine state: its own session, limits and pipes, and a crash or
a timeout loses only that input. After each input, every process the child left behind is killed and the writable
folders are emptied. The verdict (status, value) is decided here, from the child's exit status and a result pipe,
never from anything the program prints. The runner is not dumpable, so a child cannot ptrace it or read its memory.

This file uses the standard library only and imports nothing from the project: it runs where the project's files
cannot be read.
"""

import atexit
import builtins
import json
import math
import os
import resource
import select
import signal
import sys
import time
import traceback

CONTROL_IN = 3
CONTROL_OUT = 4
RESULT_FD = 3
ACK_FD = 4  # batch mode: the runner's go-ahead after it has taken an input's output
EXIT_MEMORY = 211
EXIT_NO_RESULT = 212


def _send(obj):
    data = (json.dumps(obj) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(CONTROL_OUT, view)
        view = view[n:]


class _LineReader:
    """Reads newline-terminated frames from a raw file descriptor."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""

    def read_frame(self):
        while b"\n" not in self.buffer:
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


def _jsonable(value, depth=0):
    """The program's return value as a JSON value: tuples become lists, sets sorted lists."""
    if depth > 200:
        raise ValueError("return value nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
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
        return {str(k) if not isinstance(k, str) else k: _jsonable(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist(), depth + 1)
    raise TypeError(f"return value of type {type(value).__name__} is not a JSON value")


def _resolve_entry_point(namespace, entry_point):
    """`name` is a function of the module; `Class().method` instantiates Class and takes the bound method."""
    if "()." not in entry_point:
        if entry_point not in namespace:
            raise NameError(f"the program defines no function named {entry_point!r}")
        return namespace[entry_point]
    class_name, method = entry_point.split("().", 1)
    if class_name not in namespace:
        raise NameError(f"the program defines no class named {class_name!r}")
    return getattr(namespace[class_name](), method)


def _set_limits(limits, cpu_seconds):
    cpu = max(2, int(cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("address_space_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (limits["address_space_bytes"],) * 2)


def _become_child(setup, pipes, cpu_seconds, ack_r=None):
    """In a freshly forked child: own session, the pipes on fds 0-3 (and the ack pipe on 4), nothing else open,
    the limits set."""
    stdin_r, stdout_w, stderr_w, result_w = pipes
    try:
        os.setsid()
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        os.dup2(result_w, RESULT_FD)
        if ack_r is not None:
            os.dup2(ack_r, ACK_FD)
        os.closerange(ACK_FD + 1 if ack_r is not None else RESULT_FD + 1, 1 << 16)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _set_limits(setup["limits"], cpu_seconds)
        # sys.stdin/stdout/stderr are the interpreter's own objects on fds 0-2, never used by the runner, so they
        # now read and write the child's pipes, with empty buffers (building new ones costs a third of a fork).
        sys.setrecursionlimit(setup["limits"]["recursion_limit"])
    except BaseException:
        os._exit(EXIT_NO_RESULT)


def _flush_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _child(code, compile_error, request, setup, pipes):
    """Runs in the forked child: becomes the program for one input. Never returns."""
    _become_child(setup, pipes, math.ceil(setup["limits"]["time_limit_s"]) + 1)
    exit_code = 0
    try:
        function_mode = setup["io"] == "function"
        namespace = {"__name__": "__cosplay_program__" if function_mode else "__main__",
                     "__builtins__": builtins, "__file__": "solution.py"}
        exec(code, namespace)
        if function_mode:
            func = _resolve_entry_point(namespace, setup["entry_point"])
            value = _jsonable(func(*request["input"]))
            payload = json.dumps(value).encode()
            _join_threads()
            _write_all(RESULT_FD, payload)
        else:
            _join_threads()
    except SystemExit as stop:
        _join_threads()
        if stop.code is None or stop.code == 0:
            exit_code = EXIT_NO_RESULT if setup["io"] == "function" else 0
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
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    _flush_streams()
    os._exit(exit_code)


def _print_program_traceback(exc):
    """Prints the traceback from the program's first frame on: the runner's own frames are noise to a reader."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "solution.py":
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__, file=sys.stderr)
    except BaseException:
        pass


def _join_threads():
    """Waits for the program's non-daemon threads, as the interpreter would at exit."""
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()


def _kill_leftovers(child_pid, private):
    """Kills the child's process group and, inside our own PID namespace, every process but ours and init."""
    _kill_group(child_pid)
    if not private:
        return
    keep = {os.getpid(), os.getppid(), 1}
    for _ in range(20):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in keep]
        if not others:
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in others:
            try:
                os.waitpid(pid, os.WNOHANG)
            except OSError:
                pass
        time.sleep(0.001)


def _clean_writable():
    """Empties the writable folders between inputs, so no input sees another's files."""
    for folder in WRITABLE:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            _remove(os.path.join(folder, name))


def _remove(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            _remove_tree(path)
        else:
            os.unlink(path)
    except OSError:
        pass


def _remove_tree(path):
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            full = os.path.join(root, name)
            try:
                os.unlink(full) if os.path.islink(full) else os.rmdir(full)
            except OSError:
                pass
    os.rmdir(path)


def _pipes(count):
    return [os.pipe() for _ in range(count)]


def _run_one(code, compile_error, request, setup):
    """Runs one input in a fresh child and returns its result record."""
    limits = setup["limits"]
    if compile_error is not None:
        return {"status": "error", "stdout": "", "value": None, "stderr": compile_error, "time_s": 0.0}
    (stdin_r, stdin_w), (stdout_r, stdout_w), (stderr_r, stderr_w), (result_r, result_w) = _pipes(4)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(code, compile_error, request, setup, (stdin_r, stdout_w, stderr_w, result_w))
    for fd in (stdin_r, stdout_w, stderr_w, result_w):
        os.close(fd)
    data = b"" if setup["io"] == "function" else request["input"].encode()
    outcome = _supervise(pid, started, data, stdin_w, stdout_r, stderr_r, result_r, limits,
                         setup["io"] == "function")
    _kill_leftovers(pid, PRIVATE)
    _clean_writable()
    return outcome


def _supervise(pid, started, data, stdin_w, stdout_r, stderr_r, result_r, limits, function_mode):
    """Feeds stdin, drains the pipes under their caps, enforces the wall clock, and decides the status."""
    deadline = started + limits["time_limit_s"]
    caps = {stdout_r: limits["output_limit_bytes"], stderr_r: limits["stderr_limit_bytes"],
            result_r: limits["output_limit_bytes"]}
    chunks = {stdout_r: [], stderr_r: [], result_r: []}
    sizes = {stdout_r: 0, stderr_r: 0, result_r: 0}
    open_reads = {stdout_r, stderr_r, result_r}
    poller = select.poll()
    for fd in open_reads:
        poller.register(fd, select.POLLIN)
    pidfd = None
    try:
        pidfd = os.pidfd_open(pid)
        poller.register(pidfd, select.POLLIN)
    except (AttributeError, OSError):
        pass
    pending = memoryview(data)
    if pending:
        os.set_blocking(stdin_w, False)
        poller.register(stdin_w, select.POLLOUT)
    else:
        os.close(stdin_w)
        stdin_w = None
    killed_by_us = None
    exit_status = None
    rusage = None
    drain_until = None
    while True:
        if exit_status is None:
            waited, status, usage = os.wait4(pid, os.WNOHANG)
            if waited:
                exit_status, rusage = status, usage
        if exit_status is not None and not open_reads:
            break
        now = time.monotonic()
        if now >= deadline and killed_by_us is None and exit_status is None:
            killed_by_us = "timeout"
            _kill_group(pid)
            continue
        if exit_status is not None:
            # The child is gone; a leftover process may still hold a pipe: drain what is there, briefly.
            if drain_until is None:
                drain_until = now + 0.05
            if now >= drain_until:
                break
            wait_ms = max(1, int((drain_until - now) * 1000))
        elif pidfd is None:
            wait_ms = max(1, min(50, int((deadline - now) * 1000) + 1))
        else:
            wait_ms = max(1, int((deadline - now) * 1000) + 1)
        events = poller.poll(wait_ms)
        if not events and exit_status is not None:
            break
        for fd, event in events:
            if fd == pidfd:
                poller.unregister(pidfd)
                os.close(pidfd)
                pidfd = None
            elif fd == stdin_w:
                if event & (select.POLLERR | select.POLLHUP):
                    pending = memoryview(b"")
                else:
                    try:
                        pending = pending[os.write(stdin_w, pending[:65536]):]
                    except (BrokenPipeError, BlockingIOError):
                        pending = memoryview(b"") if not _alive(pid) else pending
                if not pending:
                    poller.unregister(stdin_w)
                    os.close(stdin_w)
                    stdin_w = None
            else:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    poller.unregister(fd)
                    open_reads.discard(fd)
                    continue
                if sizes[fd] < caps[fd] + 1:
                    chunks[fd].append(chunk[: caps[fd] + 1 - sizes[fd]])
                sizes[fd] += len(chunk)
                if fd != stderr_r and sizes[fd] > caps[fd] and killed_by_us is None:
                    killed_by_us = "output_limit"
                    _kill_group(pid)
    if exit_status is None:
        _, exit_status, rusage = os.wait4(pid, 0)
    elapsed = time.monotonic() - started
    for fd in list(open_reads) + [fd for fd in (stdin_w, pidfd) if fd is not None]:
        os.close(fd)
    for fd in (stdout_r, stderr_r, result_r):
        if fd not in open_reads:
            os.close(fd)
    stdout = b"".join(chunks[stdout_r])[: limits["output_limit_bytes"]].decode("utf-8", "replace")
    stderr = b"".join(chunks[stderr_r])[: limits["stderr_limit_bytes"]].decode("utf-8", "replace")
    result_bytes = b"".join(chunks[result_r])
    status, value = _verdict(exit_status, rusage, killed_by_us, result_bytes, limits, function_mode)
    if status == "error" and not stderr:
        stderr = _describe_exit(exit_status)
    return {"status": status, "stdout": stdout, "value": value, "stderr": stderr, "time_s": round(elapsed, 6)}


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _verdict(exit_status, rusage, killed_by_us, result_bytes, limits, function_mode):
    """The status from how the child ended: never from what the program wrote."""
    if killed_by_us:
        return killed_by_us, None
    if os.WIFSIGNALED(exit_status):
        sig = os.WTERMSIG(exit_status)
        cpu = rusage.ru_utime + rusage.ru_stime if rusage else 0.0
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits["time_limit_s"]):
            return "timeout", None
        if sig == signal.SIGKILL and limits.get("memory_cgroup"):
            return "memory_limit", None
        if sig == signal.SIGXFSZ:
            return "output_limit", None
        return "error", None
    code = os.WEXITSTATUS(exit_status)
    if code == EXIT_MEMORY:
        return "memory_limit", None
    if code != 0:
        return "error", None
    if function_mode:
        if not result_bytes:
            return "error", None
        try:
            return "ok", json.loads(result_bytes)
        except ValueError:
            return "error", None
    return "ok", None


def _describe_exit(exit_status):
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


# -- batch mode: a function-mode program's inputs one after another in one child ------------------------------------


def _batch_child(code, setup, inputs, first, pipes, cpu_seconds, ack_r):
    """Runs in the forked child: the module once, then the entry point on inputs[first:], one result line each
    on the result pipe ({"i", "value"} or {"i", "error", "memory"}), each followed by a wait for the runner's
    go-ahead, so that what an input printed is never mixed with the next one's. Never returns."""
    _become_child(setup, pipes, cpu_seconds, ack_r)
    try:
        namespace = {"__name__": "__cosplay_program__", "__builtins__": builtins, "__file__": "solution.py"}
        exec(code, namespace)
        func = _resolve_entry_point(namespace, setup["entry_point"])
    except BaseException as exc:
        _flush_streams()
        _write_all(RESULT_FD, (json.dumps({"i": first, "error": _program_traceback(exc), "module": True,
                                           "memory": isinstance(exc, MemoryError)}) + "\n").encode())
        os._exit(1)
    for index in range(first, len(inputs)):
        try:
            frame = {"i": index, "value": _jsonable(func(*inputs[index]))}
            line = json.dumps(frame)
        except BaseException as exc:
            line = json.dumps({"i": index, "error": _program_traceback(exc), "memory": isinstance(exc, MemoryError)})
        _flush_streams()
        _write_all(RESULT_FD, (line + "\n").encode())
        if not os.read(ACK_FD, 1):
            os._exit(0)
    _flush_streams()
    os._exit(0)


def _program_traceback(exc):
    """The program's part of a traceback, as text."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "solution.py":
            tb = tb.tb_next
        return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))[-4000:]
    except BaseException:
        return type(exc).__name__


def _run_batch(code, compile_error, request, setup):
    """Every input of a batch, in order, in as few children as possible: a child that crashes or overruns loses
    only the input it was on, and the rest continue in a fresh child. A batch time budget, when set, ends the
    batch: inputs not yet run get `timeout` (CodeT's whole-suite limit)."""
    inputs = request["batch"]
    if compile_error is not None:
        return [{"status": "error", "stdout": "", "value": None, "stderr": compile_error, "time_s": 0.0}
                for _ in inputs]
    limits = setup["limits"]
    budget = limits.get("batch_time_limit_s")
    batch_deadline = time.monotonic() + budget if budget else None
    results = [None] * len(inputs)
    position = 0
    while position < len(inputs):
        if batch_deadline is not None and time.monotonic() >= batch_deadline:
            for index in range(position, len(inputs)):
                results[index] = {"status": "timeout", "stdout": "", "value": None, "time_s": 0.0,
                                  "stderr": "not run: the batch time limit was reached"}
            break
        position = _batch_round(code, setup, inputs, position, results, batch_deadline)
    return results


def _batch_round(code, setup, inputs, first, results, batch_deadline):
    """One child over inputs[first:]; fills `results` and returns the position to go on from."""
    limits = setup["limits"]
    remaining = len(inputs) - first
    cpu_seconds = math.ceil(limits["time_limit_s"] * remaining) + 1
    if batch_deadline is not None:
        cpu_seconds = min(cpu_seconds, math.ceil(batch_deadline - time.monotonic()) + 1)
    (stdin_r, stdin_w), (stdout_r, stdout_w), (stderr_r, stderr_w), (result_r, result_w), (ack_r, ack_w) = _pipes(5)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _batch_child(code, setup, inputs, first, (stdin_r, stdout_w, stderr_w, result_w), cpu_seconds, ack_r)
    for fd in (stdin_r, stdout_w, stderr_w, result_w, stdin_w, ack_r):
        os.close(fd)
    current, current_started = first, started
    out, err, pending = bytearray(), bytearray(), b""
    poller = select.poll()
    open_reads = {stdout_r, stderr_r, result_r}
    for fd in open_reads:
        poller.register(fd, select.POLLIN)
    killed_by_us, exit_status, rusage = None, None, None

    def drain(fd, sink):
        while True:
            try:
                ready = select.select([fd], [], [], 0)[0]
            except (OSError, ValueError):
                return
            if not ready:
                return
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            if len(sink) <= limits["output_limit_bytes"]:
                sink += chunk

    while current < len(inputs):
        deadline = current_started + limits["time_limit_s"]
        if batch_deadline is not None:
            deadline = min(deadline, batch_deadline)
        now = time.monotonic()
        if exit_status is None:
            waited, status, usage = os.wait4(pid, os.WNOHANG)
            if waited:
                exit_status, rusage = status, usage
        if exit_status is not None and result_r not in open_reads:
            break
        if now >= deadline and exit_status is None:
            killed_by_us = "timeout"
            break
        events = poller.poll(max(1, min(50, int((deadline - now) * 1000) + 1)))
        for fd, _ in events:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                open_reads.discard(fd)
                continue
            if fd == stdout_r:
                out += chunk
                if len(out) > limits["output_limit_bytes"]:
                    killed_by_us = "output_limit"
            elif fd == stderr_r:
                if len(err) <= limits["stderr_limit_bytes"]:
                    err += chunk
            else:
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    drain(stdout_r, out)
                    drain(stderr_r, err)
                    now = time.monotonic()
                    result = _batch_result(line, out, err, now - current_started, limits)
                    out, err = bytearray(), bytearray()
                    if b'"module": true' in line:  # the module itself failed: so does every input
                        for index in range(current, len(inputs)):
                            results[index] = dict(result)
                        current = len(inputs)
                        break
                    results[current] = result
                    current, current_started = current + 1, now
                    try:
                        os.write(ack_w, b"k")
                    except OSError:
                        pass
        if killed_by_us:
            break
    _kill_group(pid)
    os.close(ack_w)
    if exit_status is None:
        _, exit_status, rusage = os.wait4(pid, 0)
    for fd in open_reads:
        os.close(fd)
    for fd in (stdout_r, stderr_r, result_r):
        if fd not in open_reads:
            os.close(fd)
    _kill_leftovers(pid, PRIVATE)
    _clean_writable()
    if current < len(inputs):
        status, _ = _verdict(exit_status, rusage, killed_by_us, b"", limits, False)
        if status == "ok":  # ended without answering this input (os._exit in the function, say)
            status = "error"
        stderr = bytes(err[: limits["stderr_limit_bytes"]]).decode("utf-8", "replace")
        if status == "error" and not stderr:
            stderr = "the program ended before returning a value for this input (" + _describe_exit(exit_status) + ")"
        results[current] = {"status": status, "stdout": bytes(out[: limits["output_limit_bytes"]]).decode(
            "utf-8", "replace"), "value": None, "stderr": stderr,
            "time_s": round(time.monotonic() - current_started, 6)}
        current += 1
    return current


def _batch_result(line, out, err, elapsed, limits):
    stdout = bytes(out[: limits["output_limit_bytes"]]).decode("utf-8", "replace")
    stderr = bytes(err[: limits["stderr_limit_bytes"]]).decode("utf-8", "replace")
    try:
        frame = json.loads(line)
    except ValueError:
        return {"status": "error", "stdout": stdout, "value": None, "stderr": "unreadable result",
                "time_s": round(elapsed, 6)}
    if "error" in frame:
        status = "memory_limit" if frame.get("memory") else "error"
        return {"status": status, "stdout": stdout, "value": None, "stderr": (stderr + frame["error"])[-4000:],
                "time_s": round(elapsed, 6)}
    return {"status": "ok", "stdout": stdout, "value": frame["value"], "stderr": stderr, "time_s": round(elapsed, 6)}


def _set_not_dumpable():
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError, ImportError):
        pass


def _load(spec):
    """Compiles a program; returns (code, compile_error)."""
    try:
        return compile(spec["source"], "solution.py", "exec", dont_inherit=True), None
    except (SyntaxError, ValueError) as exc:
        return None, "".join(traceback.format_exception_only(type(exc), exc))


def main():
    global PRIVATE, WRITABLE
    # Inside bubblewrap (--private-tmp) the PID namespace and /tmp are ours alone: leftovers there can be swept.
    PRIVATE = "--private-tmp" in sys.argv
    WRITABLE = [".", "/tmp", "/dev/shm"] if PRIVATE else ["."]
    # The control channel moves to fds 3 and 4; fds 0 and 1 become /dev/null until a child takes them.
    os.dup2(0, 100)
    os.dup2(1, 101)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    os.dup2(100, CONTROL_IN)
    os.dup2(101, CONTROL_OUT)
    os.close(100)
    os.close(101)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    _set_not_dumpable()
    reader = _LineReader(CONTROL_IN)
    setup, code, compile_error = None, None, "no program loaded"
    while True:
        request = reader.read_frame()
        if request is None:
            return
        if "load" in request:
            setup = request["load"]
            code, compile_error = _load(setup)
            _send({"ready": True, "compile_error": compile_error})
        elif "batch" in request:
            _send({"results": _run_batch(code, compile_error, request, setup)})
        else:
            _send(_run_one(code, compile_error, request, setup))


PRIVATE = False
WRITABLE = ["."]

if __name__ == "__main__":
    main()
