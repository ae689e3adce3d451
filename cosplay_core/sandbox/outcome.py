"""What running one program on one input produced, and the limits it ran under."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STATUSES = ("ok", "error", "timeout", "memory_limit", "output_limit")


@dataclass(frozen=True)
class Program:
    """A candidate program: its source, how it is called (`stdin` or `function`), and its entry point."""

    source: str
    io: str = "stdin"
    entry_point: str | None = None

    def __post_init__(self):
        if self.io not in ("stdin", "function"):
            raise ValueError(f"io must be 'stdin' or 'function', not {self.io!r}")
        if self.io == "function" and not self.entry_point:
            raise ValueError("a function-mode program needs an entry point")


@dataclass(frozen=True)
class Limits:
    """Per-input limits. Memory and processes are per program server; time is wall clock per input.

    `isolate_inputs=False` runs a function-mode program's inputs one after another in one child (the module
    executed once, as CodeT's and HumanEval's harnesses do): much faster for many small inputs, at the price of
    state shared between calls. A crash or timeout still loses only the input it happened on. With it,
    `batch_time_limit_s` bounds the whole job's time: inputs not reached get `timeout` (CodeT's suite limit).
    """

    time_limit_s: float = 2.0
    memory_mb: int = 512
    output_limit_bytes: int = 1 << 20
    stderr_limit_bytes: int = 64 << 10
    file_size_bytes: int = 16 << 20
    open_files: int = 64
    max_processes: int = 64
    stack_mb: int = 1024
    recursion_limit: int = 1_000_000
    isolate_inputs: bool = True
    batch_time_limit_s: float | None = None

    def __post_init__(self):
        if not self.time_limit_s > 0:
            raise ValueError("the time limit must be positive")
        if self.memory_mb < 16:
            raise ValueError("the memory limit must be at least 16 MB")
        if self.batch_time_limit_s is not None and not self.batch_time_limit_s > 0:
            raise ValueError("the batch time limit must be positive")


@dataclass(frozen=True)
class Outcome:
    """The result of one (program, input) execution; `value` is set in function mode, `stdout` always."""

    status: str
    stdout: str = ""
    value: Any = None
    stderr: str = ""
    time_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Outcome":
        return cls(status=data["status"], stdout=data.get("stdout", ""), value=data.get("value"),
                   stderr=data.get("stderr", ""), time_s=float(data.get("time_s", 0.0)))
