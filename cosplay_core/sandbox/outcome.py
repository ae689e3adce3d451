"""What running one program on one input produced, and the limits it ran under."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

STATUSES = ("ok", "error", "timeout", "memory_limit", "output_limit")


@dataclass(frozen=True)
class Program:
    """A candidate program: its source, how it is called (`stdin` or `function`), and its entry point."""

    source: str
    io: str = "stdin"
    entry_point: str | None = None

    def __post_init__(self) -> None:
        if self.io not in ("stdin", "function"):
            raise ValueError(f"io must be 'stdin' or 'function', not {self.io!r}")
        if self.io == "function" and not self.entry_point:
            raise ValueError("a function-mode program needs an entry point")


@dataclass(frozen=True)
class Limits:
    """Per-input limits. Time is CPU time (user + system) of the input's whole process tree, so that a verdict does
    not depend on how busy the machine is; a wall-clock backstop (`wall_time_factor` x the limit, plus a second)
    ends programs that sleep or wait. Memory and processes are capped per program server.

    `isolate_inputs=False` runs a function-mode program's inputs one after another in one child (the module
    executed once, as CodeT's and HumanEval's harnesses do): much faster for many small inputs, at the price of
    state shared between calls. A crash or timeout still loses only the input it happened on. With it,
    `batch_time_limit_s` bounds the whole job's CPU time: inputs not reached get `timeout` (CodeT's suite limit).

    `output_limit_bytes` caps what a program prints, `value_limit_bytes` the JSON text of a function's return value,
    `scratch_mb` its writable folders (the working folder, /tmp and /dev/shm, fresh for every input): together, in
    the one tmpfs an input gets with per-input namespaces; each, without them.
    """

    time_limit_s: float = 2.0
    memory_mb: int = 512
    output_limit_bytes: int = 1 << 20
    value_limit_bytes: int = 64 << 20
    stderr_limit_bytes: int = 64 << 10
    file_size_bytes: int = 16 << 20
    scratch_mb: int = 64
    open_files: int = 64
    max_processes: int = 64
    stack_mb: int = 1024
    recursion_limit: int = 1_000_000
    wall_time_factor: float = 5.0
    isolate_inputs: bool = True
    batch_time_limit_s: float | None = None

    def __post_init__(self) -> None:
        for name, (low, high) in _BOUNDS.items():
            value = getattr(self, name)
            if value is None and name == "batch_time_limit_s":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number, not {value!r}")
            if not math.isfinite(value) or not low <= value <= high:
                raise ValueError(f"{name} must be between {_number(low)} and {_number(high)}, not {value!r}")
            if isinstance(low, int) and value != int(value):
                raise ValueError(f"{name} must be a whole number, not {value!r}")
            if isinstance(low, int):
                object.__setattr__(self, name, int(value))
        if not isinstance(self.isolate_inputs, bool):
            raise ValueError(f"isolate_inputs must be true or false, not {self.isolate_inputs!r}")

    def as_dict(self) -> dict[str, Any]:
        """The limits as a new dict, as `dataclasses.asdict` gives them (every field is a number, a bool or None,
        so no copy is needed: a tenth of asdict's time, which a server pays per program)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def wall_limit_s(self, cpu_limit_s: float | None = None) -> float:
        """The wall-clock backstop for a CPU budget (the per-input limit by default)."""
        return (self.time_limit_s if cpu_limit_s is None else cpu_limit_s) * self.wall_time_factor + 1.0


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


# The range each limit may take: finite, positive, and small enough that the kernel and the runner can hold it.
_BOUNDS = {
    "time_limit_s": (1e-3, 3600.0),
    "memory_mb": (16, 1 << 20),
    "output_limit_bytes": (1, 1 << 30),
    "value_limit_bytes": (1, 1 << 30),
    "stderr_limit_bytes": (1, 1 << 30),
    "file_size_bytes": (1, 1 << 40),
    "scratch_mb": (1, 1 << 16),
    "open_files": (8, 1 << 16),
    "max_processes": (1, 1 << 15),
    "stack_mb": (1, 1 << 16),
    "recursion_limit": (100, 1 << 30),
    "wall_time_factor": (1.0, 1000.0),
    "batch_time_limit_s": (1e-3, 86400.0),
}


@dataclass(frozen=True)
class Outcome:
    """The result of one (program, input) execution; `value` is set in function mode, `stdout` always."""

    status: str
    stdout: str = ""
    value: Any = None
    stderr: str = ""
    time_s: float = 0.0  # wall-clock time, for information
    cpu_s: float = 0.0  # CPU time of the input's process tree: what the time limit judges

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        """The fields as a dict; `value` is the outcome's own (not a copy): do not change it."""
        return {"status": self.status, "stdout": self.stdout, "value": self.value, "stderr": self.stderr,
                "time_s": self.time_s, "cpu_s": self.cpu_s}

    @classmethod
    def from_dict(cls, data: dict) -> "Outcome":
        return cls(status=data["status"], stdout=data.get("stdout", ""), value=data.get("value"),
                   stderr=data.get("stderr", ""), time_s=float(data.get("time_s", 0.0)),
                   cpu_s=float(data.get("cpu_s", 0.0)))
