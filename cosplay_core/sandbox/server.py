"""The harness side of one program's fork server: start it, feed it inputs, survive whatever it does."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from cosplay_core.sandbox.isolation import Cgroups, Isolation, runner_command
from cosplay_core.sandbox.outcome import Limits, Outcome, Program

STARTUP_TIMEOUT_S = 20.0
GRACE_S = 2.0  # on top of the per-input limit, before the harness stops waiting for the runner itself


class ServerDied(Exception):
    """The runner ended or stopped answering (the program killed it, or it hung)."""


class SandboxServer:
    """A sandboxed runner that runs programs' inputs, each input in a fresh child forked from the runner.

    `load` a program (compiled once), then `run` its inputs; load the next program into the same server. `run`
    never raises for anything a program does: a runner that dies is replaced, and the input it was running gets
    an `error` (or `timeout`) outcome that says so.
    """

    def __init__(self, isolation: Isolation, scratch_root: str | None = None):
        self.isolation = isolation
        self.scratch_root = scratch_root
        self.proc: subprocess.Popen | None = None
        self.scratch: Path | None = None
        self.cgroups: Cgroups | None = None
        self.program: Program | None = None
        self.limits: Limits | None = None
        self.compile_error: str | None = None
        self._loaded = False
        self._memory_bytes: int | None = None
        self._buffer = b""
        self.restarts = 0

    def __enter__(self) -> "SandboxServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, program: Program, limits: Limits) -> None:
        """Makes `program` the one that `run` executes, under `limits` (sent to the runner lazily)."""
        if (program, limits) != (self.program, self.limits):
            self.program, self.limits, self._loaded = program, limits, False

    def run(self, program_input) -> Outcome:
        """Runs one input of the loaded program (a stdin string, or the list of arguments in function mode)."""
        return self._request({"input": program_input}, 1, self.limits.time_limit_s + GRACE_S)[0]

    def run_batch(self, inputs: list) -> list[Outcome]:
        """Runs a function-mode program's inputs one after another in one child (see `Limits.isolate_inputs`)."""
        budget = self.limits.time_limit_s * len(inputs)
        if self.limits.batch_time_limit_s is not None:
            budget = min(budget, self.limits.batch_time_limit_s)
        return self._request({"batch": list(inputs)}, len(inputs), budget + GRACE_S * 2)

    def _request(self, frame: dict, count: int, timeout_s: float) -> list[Outcome]:
        """Sends one run request for `count` inputs and returns their outcomes; never raises for what a program
        does: a runner that dies or hangs is stopped (the next request starts a fresh one)."""
        try:
            if self.proc is None:
                self._start()
            if not self._loaded:
                self._send_load()
            if self.compile_error is not None:
                return [Outcome("error", stderr=self.compile_error) for _ in range(count)]
            self._send(frame)
            reply = self._read_frame(timeout_s)
            return [Outcome.from_dict(r) for r in reply["results"]] if "results" in reply else [Outcome.from_dict(reply)]
        except ServerDied as died:
            self._stop()
            self.restarts += 1
            status = "timeout" if died.args and died.args[0] == "timeout" else "error"
            note = died.args[1] if len(died.args) > 1 else str(died)
            return [Outcome(status, stderr=f"sandbox: {note}") for _ in range(count)]

    def _start(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="cosplay-scratch-", dir=self.scratch_root))
        memory = self._memory_for(self.limits)
        self.cgroups = Cgroups.create(self.isolation, self.limits.max_processes, memory)
        self._memory_bytes = memory
        argv, env = runner_command(self.isolation, self.scratch, self.cgroups, self.limits.stack_mb << 20)
        self._stderr_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr_file,
                                     env=env, cwd=self.scratch, start_new_session=True, close_fds=True)
        self._buffer = b""
        self._loaded = False

    @staticmethod
    def _memory_for(limits: Limits) -> int:
        return limits.memory_mb * 1024 * 1024 + (32 << 20)  # the runner itself needs a little

    def _send_load(self) -> None:
        memory = self._memory_for(self.limits)
        if memory != self._memory_bytes:
            self.cgroups.set_limits(self.limits.max_processes, memory)
            self._memory_bytes = memory
        limits = asdict(self.limits)
        limits["memory_cgroup"] = self.isolation.memory_cap == "cgroup"
        if self.isolation.memory_cap != "cgroup":
            limits["address_space_bytes"] = self.limits.memory_mb * 1024 * 1024
        program = self.program
        self._send({"load": {"source": program.source, "io": program.io, "entry_point": program.entry_point,
                             "limits": limits}})
        self.compile_error = self._read_frame(STARTUP_TIMEOUT_S).get("compile_error")
        self._loaded = True

    def _send(self, frame: dict) -> None:
        data = (json.dumps(frame) + "\n").encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise ServerDied("error", self._death_note()) from None

    def _read_frame(self, timeout_s: float) -> dict:
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerDied("timeout", "the runner stopped answering; it was killed")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise ServerDied("error", self._death_note())
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _death_note(self) -> str:
        note = "the runner died while running this input (did the program kill its parent?)"
        try:
            self._stderr_file.seek(0)
            tail = self._stderr_file.read()[-400:].decode("utf-8", "replace").strip()
        except (OSError, AttributeError, ValueError):
            tail = ""
        return f"{note}; runner said: {tail}" if tail else note

    def close(self) -> None:
        """Stops the runner and everything it started, and removes its scratch folder and cgroups."""
        self._stop()

    def _stop(self) -> None:
        self._loaded = False
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
            self.proc.stdout.close()
            self._stderr_file.close()
            self.proc = None
        if self.cgroups is not None:
            self.cgroups.remove()
            self.cgroups = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def run_program(program: Program, inputs: list, limits: Limits, isolation: Isolation,
                scratch_root: str | None = None) -> list[Outcome]:
    """Runs `program` on every input, in order, in a server of its own; one outcome per input."""
    if not inputs:
        return []
    with SandboxServer(isolation, scratch_root) as server:
        server.load(program, limits)
        return [server.run(x) for x in inputs]
