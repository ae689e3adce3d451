"""The harness side of one program server: start the runner, feed it inputs, survive whatever a program does.

Every frame from the runner is checked before it is believed: a header line of bounded size that must be a JSON
object of the expected kind with fields of the expected types (a result's: a line of fixed fields, `RESULT_LINE`),
then payloads whose sizes the header states and that must fit the limits. Anything else (a malformed, oversized or unexpected frame, a runner that dies or stops
answering) replaces the server: the input gets an `error` outcome with a one-line reason, and the next request
starts a fresh runner.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any

from cosplay_core.sandbox.isolation import (DEFAULT_PACKAGES, SANDBOX_UID, Cgroups, Isolation, remove_tree,
                                            start_runner, sweep_stale, switches_user)
from cosplay_core.sandbox.outcome import STATUSES, Limits, Outcome, Program

STARTUP_TIMEOUT_S = 20.0
GRACE_S = 5.0  # on top of the runner's own wall-clock backstop, before the harness stops waiting for it
MAX_HEADER = 1 << 16
# A result's header line: status, wall and CPU seconds, then the sizes of its stdout, stderr and value (-1: none).
RESULT_LINE = re.compile(rb"R (%s) (\d{1,12}\.\d{6}) (\d{1,12}\.\d{6}) (\d{1,12}) (\d{1,12}) (-1|\d{1,12})"
                         % "|".join(STATUSES).encode())


class ServerDied(Exception):
    """The runner ended, stopped answering or sent something it should not have."""

    def __init__(self, status: str, note: str):
        super().__init__(note)
        self.status, self.note = status, note


class SandboxUnavailable(Exception):
    """The sandbox itself cannot start here (a runner died or hung before its first word, twice running): never
    what a program did, since no program has reached the runner by then."""


class SandboxServer:
    """A sandboxed runner that runs programs' inputs, each input in fresh processes forked from the runner.

    `load` a program (compiled once), then `run` its inputs; load the next program into the same server. `run`
    never raises for anything a program does: a runner that dies is replaced, and the input it was running gets
    an `error` (or `timeout`) outcome that says so.
    """

    def __init__(self, isolation: Isolation, scratch_root: str | None = None,
                 packages: tuple[str, ...] = DEFAULT_PACKAGES):
        self.isolation = isolation
        self.scratch_root = scratch_root
        self.packages = tuple(packages)
        self.proc: subprocess.Popen | None = None
        self.scratch: Path | None = None
        self.cgroups: Cgroups | None = None
        self.program: Program | None = None
        self.limits: Limits | None = None
        self.compile_error: str | None = None
        self._loaded = False
        self._memory_bytes: int | None = None
        self._stack_mb: int | None = None
        self._buffer = bytearray()
        self._stderr_file: IO[bytes] | None = None
        self.restarts = 0
        self._stall_at_request = cpu_stall_s()  # the machine's CPU stall when the current request began

    def __enter__(self) -> "SandboxServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, program: Program, limits: Limits) -> None:
        """Makes `program` the one that `run` executes, under `limits` (sent to the runner lazily)."""
        if (program, limits) != (self.program, self.limits):
            self.program, self.limits, self._loaded = program, limits, False
            if self.proc is not None and limits.stack_mb != self._stack_mb:  # set when the runner starts
                self._stop()

    def start(self, limits: Limits | None = None) -> None:
        """Starts the runner now (under `limits`' stack size and caps; a load with another stack size restarts it),
        so that a first request does not wait for it; a runner that cannot start is left for that request to
        report."""
        if self.proc is None:
            if self.limits is None:
                self.limits = limits or Limits()
            try:
                self._start()
            except (ServerDied, SandboxUnavailable):
                self._stop()

    def run(self, program_input: Any) -> Outcome:
        """Runs one input of the loaded program (a stdin string, or the list of arguments in function mode)."""
        return self.run_batch([program_input], batch=False)[0]

    def run_batch(self, inputs: list, batch: bool = True) -> list[Outcome]:
        """Outcomes of the loaded program on `inputs`; with `batch`, a function-mode program's inputs run one
        after another in one program process (see `Limits.isolate_inputs`), else each in fresh processes."""
        assert self.program is not None, "a server runs the program that load() gave it"
        outcomes: list[Outcome | None] = [None] * len(inputs)
        payload = _batch_payload(inputs) if batch and self.program.io == "function" else None
        todo = []
        for position, item in enumerate(inputs):
            refused = None if payload is not None else _unsendable(item, self.program.io)
            if refused is None:
                todo.append(position)
            else:
                outcomes[position] = Outcome("error", stderr=refused)
        if batch and len(todo) > 1:
            results = self._request([inputs[p] for p in todo], batch=True, payload=payload)
        else:  # one request for them all; a runner that dies costs the input it was on, the rest go to a new one
            results = []
            while len(results) < len(todo):
                results += self._request([inputs[p] for p in todo[len(results):]], batch=False)
        for position, outcome in zip(todo, results):
            outcomes[position] = outcome
        return outcomes  # type: ignore[return-value]

    def _request(self, inputs: list, batch: bool, payload: bytes | None = None) -> list[Outcome]:
        """Runs `inputs` (as one batch, or each in fresh processes) and returns their outcomes; never raises for
        what a program does: a runner that dies, hangs or misbehaves is stopped (the next request starts a fresh
        one) and the input it was on gets an outcome that says so. A batch's later inputs then get `error` (not
        run); without batch, only the outcomes up to that input are returned. `payload`: a batch's inputs already
        encoded, as the JSON list of `inputs`."""
        outcomes: list[Outcome] = []
        self._stall_at_request = cpu_stall_s()
        oom_kills = self.cgroups.oom_kills() if self.cgroups is not None else 0
        try:
            if self.proc is None:
                self._start()
            loading = not self._loaded
            if loading:
                self._send_load()
            elif self.compile_error is not None:
                return [Outcome("error", stderr=self.compile_error) for _ in inputs]
            limits = self.limits
            assert self.program is not None and limits is not None, "a server runs the program that load() gave it"
            # The request goes right behind the load (the runner answers a program that does not compile with
            # an error per input): one round trip less per program.
            if batch:
                self._send({"kind": "batch"}, payload if payload is not None else _arguments_json(inputs))
            elif len(inputs) == 1:
                self._send({"kind": "run"}, _input_bytes(inputs[0], self.program.io))
            else:
                blobs = [_input_bytes(item, self.program.io) for item in inputs]
                self._send({"kind": "runs", "sizes": [len(b) for b in blobs]}, b"".join(blobs))
            if loading:
                self._read_ready()
            cgroups = self.cgroups if self.cgroups is not None and self.cgroups.memory_in_force else None
            if cgroups is not None:
                cgroups.reset_memory_peak()
            for _ in inputs:
                outcome = self._read_result(limits.wall_limit_s() + GRACE_S)
                if cgroups is not None and outcome.status == "timeout":
                    if cgroups.reached_memory_cap():
                        outcome = _at_the_memory_cap(outcome)
                    cgroups.reset_memory_peak()
                outcomes.append(outcome)
            if batch or len(inputs) > 1:
                self._read_header(GRACE_S, "end")
            return outcomes
        except ServerDied as error:
            died = error
            if self.cgroups is not None and self.cgroups.oom_kills() > oom_kills:
                # The kernel, out of memory in this server's cgroup, took a process the input needed.
                died = ServerDied("memory_limit", "the server ran out of memory while running this input")
            self._stop()
            self.restarts += 1
            outcomes.append(Outcome(died.status, stderr=f"sandbox: {died.note}"))
            if batch:
                outcomes += [Outcome("error", stderr="sandbox: not run: the server was replaced while running an "
                                                     "earlier input") for _ in range(len(inputs) - len(outcomes))]
            return outcomes[:len(inputs)]

    def _start(self) -> None:
        """Starts a runner and waits for its hello; a runner that fails before it is started again once, then
        SandboxUnavailable (so a sandbox that cannot start is one clear error, not an `error` on every input)."""
        try:
            self._start_runner()
        except ServerDied:
            self._stop()
            try:
                self._start_runner()
            except ServerDied as again:
                self._stop()
                raise SandboxUnavailable(f"the sandbox cannot start: {again.note}") from None

    def _start_runner(self) -> None:
        self._stall_at_request = cpu_stall_s()
        if self.isolation.method != "bwrap":
            import tempfile

            self.scratch = Path(tempfile.mkdtemp(prefix=f"cosplay-scratch-{os.getpid()}-", dir=self.scratch_root))
            if switches_user(self.isolation):  # programs run as nobody: the working folder is theirs
                os.chown(self.scratch, SANDBOX_UID, SANDBOX_UID)
        assert self.limits is not None, "start() or load() sets the limits the runner starts under"
        memory = self._memory_for(self.limits)
        self.cgroups = Cgroups.create(self.isolation, self.limits.max_processes, memory)
        self._stack_mb = self.limits.stack_mb
        self._memory_bytes = memory
        # The runner's own error log: a file in memory (nothing on disk to leave behind).
        self._stderr_file = open(os.memfd_create("cosplay-runner-stderr"), "w+b")
        try:
            self.proc = start_runner(self.isolation, self.scratch or Path("/"), self.cgroups,
                                     self.limits.stack_mb << 20, self.packages, stderr=self._stderr_file)
        except OSError as exc:
            raise ServerDied("error", f"the sandbox could not start ({exc})") from None
        sweep_stale(self.scratch_root)  # once per process, while the runner starts
        self._buffer = bytearray()
        self._loaded = False
        self._read_header(STARTUP_TIMEOUT_S, "hello")  # sent before the runner reads anything

    @staticmethod
    def _memory_for(limits: Limits) -> int:
        return limits.memory_mb * 1024 * 1024 + (48 << 20)  # the runner and each input's init need a little

    def _send_load(self) -> None:
        """Sends the loaded program to the runner; its answer is read by `_read_ready`."""
        assert self.program is not None and self.limits is not None, "a program is sent after load() gave it"
        assert self.cgroups is not None, "the runner (and its cgroups) started before a load is sent"
        memory = self._memory_for(self.limits)
        if memory != self._memory_bytes:
            self.cgroups.set_limits(self.limits.max_processes, memory)
            self._memory_bytes = memory
        limits = self.limits.as_dict()
        # The memory cgroup's cap where the kernel holds it; else (no memory cgroup could be made for this server,
        # or the kernel refused the cap) the address-space limit, so that a program never runs uncapped.
        limits["memory_cgroup"] = self.cgroups.memory_in_force
        if not self.cgroups.memory_in_force:
            limits["address_space_bytes"] = self.limits.memory_mb * 1024 * 1024
        program = self.program
        setup = {"io": program.io, "entry_point": program.entry_point, "limits": limits}
        self._send({"kind": "load", "setup": setup}, program.source.encode("utf-8", "surrogatepass"))

    def _read_ready(self) -> None:
        header = self._read_header(STARTUP_TIMEOUT_S, "ready")
        error = header.get("compile_error")
        if error is not None and not isinstance(error, str):
            raise ServerDied("error", "the runner sent a malformed reply to a load")
        self.compile_error = error
        self._loaded = True

    def _send(self, header: dict, payload: bytes = b"") -> None:
        header = dict(header, size=len(payload))
        assert self.proc is not None and self.proc.stdin is not None, "frames go to a started runner's stdin pipe"
        try:
            self.proc.stdin.write(json.dumps(header).encode() + b"\n" + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise ServerDied("error", self._death_note()) from None

    # ---- reading frames ----

    def _fill(self, deadline: float, what: str) -> None:
        """Reads what the runner sent; ServerDied once `deadline` has passed by more than the time the machine's
        tasks have spent waiting for a CPU since this request began (read only once the deadline is reached), so
        that a runner late only because the machine is busy is not declared dead (its own backstop does the same)."""
        assert self.proc is not None and self.proc.stdout is not None, "frames come from a started runner's stdout"
        fd = self.proc.stdout.fileno()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                remaining += cpu_stall_s() - self._stall_at_request
                if remaining <= 0:
                    raise ServerDied("timeout", f"the runner did not answer in time ({what}); it was stopped")
            if select.select([fd], [], [], remaining)[0]:
                break
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise ServerDied("error", self._death_note())
        self._buffer += chunk

    def _read_line(self, timeout_s: float, kind: str) -> bytes:
        """A frame's header line (at most MAX_HEADER bytes)."""
        end = self._buffer.find(b"\n", 0, MAX_HEADER + 1)
        if end < 0:
            deadline = time.monotonic() + timeout_s
            while end < 0:
                if len(self._buffer) > MAX_HEADER:
                    raise ServerDied("error", "the runner sent an oversized frame; the server was replaced")
                self._fill(deadline, kind)
                end = self._buffer.find(b"\n", 0, MAX_HEADER + 1)
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return line

    def _read_header(self, timeout_s: float, kind: str) -> dict:
        line = self._read_line(timeout_s, kind)
        try:
            header = json.loads(line)
        except (ValueError, RecursionError):
            raise ServerDied("error", "the runner sent a frame that is not JSON; the server was replaced") from None
        if not isinstance(header, dict) or header.get("kind") != kind:
            raise ServerDied("error", f"the runner sent an unexpected frame (wanted {kind!r}); the server was "
                                      f"replaced")
        return header

    def _read_payload(self, size: int, timeout_s: float) -> bytes:
        if len(self._buffer) < size:
            deadline = time.monotonic() + timeout_s
            while len(self._buffer) < size:
                self._fill(deadline, "payload")
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _read_result(self, timeout_s: float) -> Outcome:
        """A result frame: its line (RESULT_LINE, each field checked), then its stdout, stderr and value bytes."""
        match = RESULT_LINE.fullmatch(self._read_line(timeout_s, "result"))
        limits = self.limits
        assert limits is not None, "results come for the program that load() gave"
        if match is None:
            raise ServerDied("error", "the runner sent a malformed result; the server was replaced")
        out_size, err_size, value_size = int(match[4]), int(match[5]), int(match[6])
        if (out_size > limits.output_limit_bytes or err_size > limits.stderr_limit_bytes + 4096
                or value_size > limits.value_limit_bytes):
            raise ServerDied("error", "the runner sent a malformed result; the server was replaced")
        status = match[1].decode()
        data = self._read_payload(out_size + err_size + max(value_size, 0), GRACE_S)
        text_out = data[:out_size].decode("utf-8", "replace") if out_size else ""
        text_err = data[out_size:out_size + err_size].decode("utf-8", "replace") if err_size else ""
        value_bytes = data[out_size + err_size:] if value_size >= 0 else None
        value = None
        if value_bytes is not None and status == "ok":
            try:
                value = _load_value(value_bytes)
            except RecursionError:
                status, text_err = "error", _append(text_err, "the return value is nested too deeply to read")
            except ValueError:
                status, text_err = "error", _append(text_err, "the result channel did not hold a JSON value")
        return Outcome(status, stdout=text_out, value=value, stderr=text_err, time_s=float(match[2]),
                       cpu_s=float(match[3]))

    def _death_note(self) -> str:
        note = "the runner ended unexpectedly while running this input"
        try:
            if self._stderr_file is None:  # no runner started yet
                raise ValueError
            self._stderr_file.seek(0)
            tail = self._stderr_file.read()[-400:].decode("utf-8", "replace").strip()
        except (OSError, AttributeError, ValueError):
            tail = ""
        return f"{note}; runner said: {tail}" if tail else note

    def close(self) -> None:
        """Stops the runner and everything it started, and removes its scratch folder and cgroups."""
        self._stop()

    def hang_up(self) -> None:
        """Closes the runner's request pipe, on which it winds down by itself; a `close` after it waits less. (An
        executor hangs up on all its servers first, so that they wind down together.)"""
        if self.proc is not None:
            assert self.proc.stdin is not None, "start_runner pipes the runner's stdin"
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def _stop(self) -> None:
        self._loaded = False
        if self.proc is not None:
            self.hang_up()
            try:
                self.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
            assert self.proc.stdout is not None, "start_runner pipes the runner's stdout"
            self.proc.stdout.close()
            self.proc = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        if self.cgroups is not None:
            self.cgroups.remove()
            self.cgroups = None
        if self.scratch is not None:
            remove_tree(self.scratch)
            site = self.scratch.parent / f"{self.scratch.name}-site"
            if site.exists():
                remove_tree(site)
            self.scratch = None


MAX_INT_DIGITS = 1_000_000


def _at_the_memory_cap(outcome: Outcome) -> Outcome:
    """A timeout of an input during which the server's memory reached its cap is a `memory_limit`: filling memory
    up to the cap, and the kernel's reclaiming at the cap before it kills, take CPU time that grows with the
    machine's load, so the same program would otherwise end as one or the other. (An earlier input of the same
    request that touched the cap without being killed would make a later timeout a `memory_limit` too: both fail.)"""
    note = "sandbox: the program reached its memory cap (it ran out of CPU time filling it)"
    return dataclasses.replace(outcome, status="memory_limit", stderr=_append(outcome.stderr, note))


@functools.cache
def _pressure_fd() -> int:
    """An open descriptor on the kernel's CPU pressure file, or -1 where there is none."""
    try:
        return os.open("/proc/pressure/cpu", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1


def cpu_stall_s() -> float:
    """Seconds during which some task on this machine waited for a CPU (the `some` total of /proc/pressure/cpu);
    0.0 where the kernel does not tell. Only differences between two readings mean anything."""
    fd = _pressure_fd()
    if fd < 0:
        return 0.0
    try:
        return int(os.pread(fd, 256, 0).split(b"\n", 1)[0].rsplit(b"total=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def _load_value(data: bytes) -> Any:
    """A result's JSON value; integers longer than Python's default 4,300 digits too (a slower parse, only then)."""
    try:
        return json.loads(data)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        return json.loads(data, parse_int=_parse_int)


def _parse_int(text: str) -> int:
    """A JSON integer of any length up to MAX_INT_DIGITS (Python refuses more than 4,300 digits by default)."""
    if len(text) <= 4000:
        return int(text)
    if len(text) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INT_DIGITS:,} digits")
    import decimal  # rarely needed: not imported with the command

    return int(decimal.Decimal(text))


def _append(text: str, note: str) -> str:
    return f"{text}\n{note}" if text.strip() else note


def _input_bytes(program_input: Any, io: str) -> bytes:
    if io == "stdin":
        return program_input.encode("utf-8")
    return _arguments_json(program_input)


def _batch_payload(inputs: list) -> bytes | None:
    """A function-mode batch's inputs as the JSON list the runner reads, when every input can be sent (each is a
    list of arguments that JSON can hold: what `_unsendable` checks one by one); else None."""
    if len(inputs) < 2 or not all(isinstance(item, list) for item in inputs):
        return None
    try:
        return _arguments_json(inputs)
    except UNSENDABLE_ERRORS:
        return None


def _unsendable(program_input: Any, io: str) -> str | None:
    """Why an input cannot be given to a program (it is then not run), or None."""
    if io == "stdin":
        if not isinstance(program_input, str):
            return f"sandbox: not run: a stdin input must be text, not {type(program_input).__name__}"
        try:
            program_input.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (f"sandbox: not run: the input is not valid UTF-8 text (an unpaired surrogate at character "
                    f"{exc.start})")
        return None
    if not isinstance(program_input, list):
        return "sandbox: not run: a function-mode input must be the list of arguments"
    try:
        _arguments_json(program_input)
    except UNSENDABLE_ERRORS as exc:
        return f"sandbox: not run: the arguments cannot be sent as JSON ({exc})"
    return None


# What `_arguments_json` raises for a value it cannot send.
UNSENDABLE_ERRORS = (TypeError, ValueError, RecursionError, UnicodeEncodeError)


def _arguments_json(value: Any) -> bytes:
    """Function-mode arguments (or a batch's list of them) as the JSON the runner reads; NaN and infinities are
    kept (Python's json reads them back)."""
    return json.dumps(value, allow_nan=True).encode("utf-8")


def run_program(program: Program, inputs: list, limits: Limits, isolation: Isolation,
                scratch_root: str | None = None) -> list[Outcome]:
    """Runs `program` on every input, in order, in a server of its own; one outcome per input."""
    if not inputs:
        return []
    with SandboxServer(isolation, scratch_root) as server:
        server.load(program, limits)
        return [server.run(x) for x in inputs]
