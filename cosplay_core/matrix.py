"""The execution matrix: every code run on every unit test's input, the raw outcomes kept, pass counts derived.

Rows are codes, columns are unit tests, both keyed by stable ids. Replacing a code re-executes one row; replacing a
test's input re-executes one column; changing only a test's expected output re-executes nothing (the outcomes are
kept and compared again). Identical (program, input) pairs are never executed twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from cosplay_core.compare import Comparison, outcome_matches
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Job, Limits, Outcome, Program, pair_key
from cosplay_core.sandbox.isolation import Isolation
from cosplay_core.sandbox.protocol import ExecutorLike
from cosplay_core.sandbox.relative import run_relative


@dataclass(frozen=True)
class MatrixSnapshot:
    """An immutable view of the matrix: ids in row/column order, outcomes and the pass matrix."""

    code_ids: tuple[int, ...]
    test_ids: tuple[int, ...]
    outcomes: tuple[tuple[Outcome, ...], ...]
    passes: np.ndarray  # bool, shape (codes, tests), read-only

    @property
    def code_pass_counts(self) -> np.ndarray:
        return self.passes.sum(axis=1)

    @property
    def test_pass_counts(self) -> np.ndarray:
        return self.passes.sum(axis=0)


class ExecutionMatrix:
    """Codes x unit tests, refreshed incrementally through a shared executor."""

    def __init__(self, executor: ExecutorLike, io: str, entry_point: str | None, limits: Limits,
                 comparison: Comparison = Comparison(), relative_time_limit: float | None = None):
        self.executor = executor
        self.io = io
        self.entry_point = entry_point
        self.limits = limits
        self.relative_time_limit = relative_time_limit  # see sandbox/relative.py; None: the full limit everywhere
        self.comparison = comparison
        self._codes: dict[int, Program] = {}
        self._tests: dict[int, tuple[Any, Any]] = {}
        self._outcomes: dict[str, Outcome] = {}  # by (program, input) content key
        self._keys: dict[int, dict[int, str]] = {}  # code id -> test id -> that cell's content key, as computed
        self._keyed_limits = limits

    def probe(self) -> "ExecutionMatrix":
        """An empty matrix that executes as this one does (same executor, I/O, limits, comparison and pool-relative
        limit): for checking a few programs apart, such as repairs against one UT, without touching this one."""
        return ExecutionMatrix(self.executor, self.io, self.entry_point, self.limits, self.comparison,
                               self.relative_time_limit)

    # -- pools -------------------------------------------------------------------------------------------------

    def set_code(self, code_id: int, source: str) -> None:
        """Adds or replaces a code (its row is executed at the next `refresh`)."""
        self._codes[code_id] = Program(source, self.io, self.entry_point)
        self._keys.pop(code_id, None)

    def remove_code(self, code_id: int) -> None:
        del self._codes[code_id]
        self._keys.pop(code_id, None)

    def set_test(self, test_id: int, test_input: Any, expected: Any) -> None:
        """Adds or replaces a unit test; a new input means its column is executed at the next `refresh`."""
        self._tests[test_id] = (test_input, expected)
        self._forget_column(test_id)

    def remove_test(self, test_id: int) -> None:
        del self._tests[test_id]
        self._forget_column(test_id)

    def _forget_column(self, test_id: int) -> None:
        for row in self._keys.values():
            row.pop(test_id, None)

    @property
    def code_ids(self) -> tuple[int, ...]:
        return tuple(self._codes)

    @property
    def test_ids(self) -> tuple[int, ...]:
        return tuple(self._tests)

    def source(self, code_id: int) -> str:
        return self._codes[code_id].source

    def test(self, test_id: int) -> tuple[Any, Any]:
        return self._tests[test_id]

    # -- execution ---------------------------------------------------------------------------------------------

    def _key(self, code_id: int, test_id: int) -> str:
        """The content key of a cell (`pair_key` of its program, input and the limits), computed once per cell
        until its code or test is replaced: snapshots read every cell, and hashing a program's source each time
        took a third of the benchmark harness's CPU."""
        if self._keyed_limits is not self.limits:  # the limits are part of every key
            self._keys.clear()
            self._keyed_limits = self.limits
        row = self._keys.setdefault(code_id, {})
        key = row.get(test_id)
        if key is None:
            key = row[test_id] = pair_key(self._codes[code_id], self._tests[test_id][0], self.limits)
        return key

    def refresh(self) -> int:
        """Executes every cell without an outcome, in one parallel batch; returns the number of pairs run."""
        jobs, wanted = [], []
        for code_id, program in self._codes.items():
            inputs, keys = [], []
            for test_id, (test_input, _) in self._tests.items():
                key = self._key(code_id, test_id)
                if key not in self._outcomes and key not in keys:
                    inputs.append(test_input)
                    keys.append(key)
            if inputs:
                jobs.append(Job(program, tuple(inputs), self.limits))
                wanted.append(keys)
        for keys, row in zip(wanted, run_relative(self.executor, jobs, self.relative_time_limit)):
            self._outcomes.update(zip(keys, row))
        return sum(len(keys) for keys in wanted)

    def outcome(self, code_id: int, test_id: int) -> Outcome | None:
        return self._outcomes.get(self._key(code_id, test_id))

    def passed(self, code_id: int, test_id: int) -> bool:
        outcome = self.outcome(code_id, test_id)
        return outcome is not None and outcome_matches(self._tests[test_id][1], outcome, self.io, self.comparison)

    def snapshot(self) -> MatrixSnapshot:
        """The current matrix (cells not yet executed count as not passed, with an `error` placeholder)."""
        code_ids, test_ids = self.code_ids, self.test_ids
        pending = Outcome("error", stderr="not executed yet")
        outcomes = tuple(tuple(self.outcome(c, t) or pending for t in test_ids) for c in code_ids)
        passes = np.zeros((len(code_ids), len(test_ids)), dtype=bool)
        for i, c in enumerate(code_ids):
            for j, t in enumerate(test_ids):
                passes[i, j] = outcome_matches(self._tests[t][1], outcomes[i][j], self.io, self.comparison)
        passes.setflags(write=False)
        return MatrixSnapshot(code_ids, test_ids, outcomes, passes)

    def code_pass_counts(self) -> dict[int, int]:
        snap = self.snapshot()
        return dict(zip(snap.code_ids, snap.code_pass_counts.tolist()))

    def test_pass_counts(self) -> dict[int, int]:
        snap = self.snapshot()
        return dict(zip(snap.test_ids, snap.test_pass_counts.tolist()))


class RecordingExecutor:
    """The executor a run's own executions go through (the matrix, repair checks, stage 3): it gives each pair's
    final outcome, under pool-relative limits when set (sandbox/relative.py), records it by its pair key (the
    job's own limits), and answers a pair already recorded from the record.

    So a trace can carry every verdict (`Run` writes `take_new()` with each step), and a run resumed or replayed
    from a trace gets the recorded outcomes back instead of executing again (`recorded`). Only final outcomes are
    recorded: whether a pair whose CPU time is near the short probe limit of relative limits times out there, and
    is run again, depends on timing; what it finally gives does not.

    It counts, for the run, `executed`: the distinct pairs it had to execute (not recorded yet), each once, whether
    or not the executor's cache held it (a cache shared with other runs, or a backbone's own executions, must not
    change a run's counts); `replayed`: the pairs it answered from the record; and apart, in no count a seed
    reproduces: `retried`, the pairs run again after timing out under the probe limit (timing-dependent), and
    `sandbox_executions` / `sandbox_cache_hits`, what the executor really did for it (another run sharing the
    executor at the same time may add to them).
    """

    def __init__(self, executor: ExecutorLike, relative_time_limit: float | None = None,
                 recorded: dict[str, Outcome] | None = None):
        self.executor = executor
        self.relative_time_limit = relative_time_limit
        self.recorded: dict[str, Outcome] = dict(recorded or {})
        self.executed = 0
        self.replayed = 0
        self.retried = 0
        self.sandbox_executions = 0
        self.sandbox_cache_hits = 0
        self._new: list[str] = []
        self._lock = threading.Lock()

    def run_jobs(self, jobs: list[Job]) -> list[list[Outcome]]:
        """The final outcome of every job's pairs, recorded ones answered from the record."""
        rows: list[list[Outcome | None]] = []
        todo: list[Job] = []
        places: list[tuple[int, list[int], list[str]]] = []
        wanted: set[str] = set()
        with self._lock:
            for job in jobs:
                keys = [pair_key(job.program, x, job.limits) for x in job.inputs]
                rows.append([self.recorded.get(key) for key in keys])
                missing = [i for i, outcome in enumerate(rows[-1]) if outcome is None]
                wanted.update(keys[i] for i in missing)
                self.replayed += len(keys) - len(missing)
                if missing:
                    todo.append(Job(job.program, tuple(job.inputs[i] for i in missing), job.limits))
                    places.append((len(rows) - 1, missing, keys))
            self.executed += len(wanted)
        executions, hits = self.executor.executions, self.executor.cache_hits
        answers = run_relative(_Retries(self), todo, self.relative_time_limit) if todo else []
        with self._lock:
            self.sandbox_executions += self.executor.executions - executions
            self.sandbox_cache_hits += self.executor.cache_hits - hits
            for (row, missing, keys), answer in zip(places, answers):
                for i, outcome in zip(missing, answer):
                    rows[row][i] = outcome
                    if keys[i] not in self.recorded:
                        self.recorded[keys[i]] = outcome
                        self._new.append(keys[i])
        return rows  # type: ignore[return-value]

    def run(self, program: Program, inputs: Iterable[Any], limits: Limits | None = None) -> list[Outcome]:
        return self.run_jobs([Job(program, tuple(inputs), limits or Limits())])[0]

    def iter_jobs(self, jobs: list[Job]) -> Iterator[list[Outcome]]:
        yield from self.run_jobs(jobs)

    @property
    def executions(self) -> int:
        """As an executor: the pairs it passed on to the executor (`executed`)."""
        return self.executed

    @property
    def cache_hits(self) -> int:
        """As an executor: the pairs it answered from its record (`replayed`)."""
        return self.replayed

    @property
    def isolation(self) -> Isolation:
        return self.executor.isolation

    def take_new(self) -> dict[str, Outcome]:
        """The outcomes recorded since the last call, by pair key (what a trace has not written yet)."""
        with self._lock:
            new, self._new = self._new, []
            return {key: self.recorded[key] for key in new}


class _Retries:
    """The executor as `run_relative` sees it from a `RecordingExecutor`: every call after the first is a retry of
    pairs that timed out under the probe limit, counted in the recorder's `retried`."""

    def __init__(self, recorder: RecordingExecutor):
        self.recorder, self.calls = recorder, 0

    def run_jobs(self, jobs: list[Job]) -> list[list[Outcome]]:
        if self.calls:
            with self.recorder._lock:
                self.recorder.retried += sum(len(job.inputs) for job in jobs)
        self.calls += 1
        return self.recorder.executor.run_jobs(jobs)


def problem_matrix(problem: Problem, sources: dict[int, str], tests: dict[int, tuple[Any, Any]],
                   executor: ExecutorLike) -> ExecutionMatrix:
    """A refreshed matrix of `sources` x `tests` (id -> (input, expected)) under `problem`'s I/O and limits."""
    matrix = ExecutionMatrix(executor, problem.io, problem.entry_point, problem.limits(), problem.comparison)
    for code_id, source in sources.items():
        matrix.set_code(code_id, source)
    for test_id, (test_input, expected) in tests.items():
        matrix.set_test(test_id, test_input, expected)
    matrix.refresh()
    return matrix
