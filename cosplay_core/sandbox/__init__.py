"""Isolated, fast execution of untrusted programs: sandboxed fork servers, fresh processes and namespaces per input.

`Executor` is the entry point: it runs many (program, inputs) jobs in parallel on a small pool of sandboxed servers
(each program compiled once per server, each input in a fresh child), never executes an identical
(program, input, limits) pair twice, and counts what it ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from cosplay_core.sandbox.isolation import DEFAULT_PACKAGES, Isolation, detect, package_folders
from cosplay_core.sandbox.outcome import STATUSES, Limits, Outcome, Program
from cosplay_core.sandbox.server import SandboxServer, SandboxUnavailable, run_program

__all__ = ["DEFAULT_PACKAGES", "Executor", "Isolation", "Job", "Limits", "Outcome", "Program", "SandboxServer", "SandboxUnavailable", "STATUSES", "detect",
           "pair_key", "pair_keys", "run_program"]


CHUNK_INPUTS = 16  # inputs of one program run back to back on one server before another server may take over


@dataclass(frozen=True)
class Job:
    """One program and the inputs to run it on, under its limits."""

    program: Program
    inputs: tuple
    limits: Limits = field(default_factory=Limits)


# One encoder each, built once: json.dumps with arguments builds an encoder per call.
_KEY_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_INPUT_JSON = json.JSONEncoder(sort_keys=True).encode


def pair_key(program: Program, program_input: Any, limits: Limits) -> str:
    """A content hash of everything that decides an execution's outcome: the SHA-256 of the compact, key-sorted
    JSON of `[source, io, entry_point, input, limits]`."""
    return pair_keys(program, [program_input], limits)[0]


def pair_keys(program: Program, inputs: Iterable[Any], limits: Limits) -> list[str]:
    """`pair_key` of each input, with the program and limits encoded and hashed once."""
    encode = _KEY_JSON
    head = hashlib.sha256(f"[{encode(program.source)},{encode(program.io)},{encode(program.entry_point)},".encode())
    tail = f",{encode(limits.as_dict())}]"
    keys = []
    for item in inputs:
        digest = head.copy()
        digest.update((encode(item) + tail).encode())
        keys.append(digest.hexdigest())
    return keys


class Executor:
    """Runs jobs in parallel (`workers` sandboxed servers at a time) with a content-hash cache of outcomes.

    Thread-safe. `executions` counts pairs really executed; `cache_hits` counts pairs answered from the cache.
    Idle servers are kept for the next batch; `close()` (or leaving a `with` block, or exiting) stops them.
    """

    _live: "weakref.WeakSet[Executor]" = weakref.WeakSet()

    @classmethod
    def live(cls) -> list["Executor"]:
        """Every executor not yet closed or collected (for tests and diagnostics)."""
        return list(cls._live)

    def __init__(self, workers: int | None = None, isolation: Isolation | None = None,
                 scratch_root: str | None = None, cache: bool = True,
                 packages: tuple[str, ...] = DEFAULT_PACKAGES):
        """`packages`: the third-party packages programs may import (read-only); ValueError if one is missing."""
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers or os.cpu_count() or 1
        self.isolation = isolation or detect()
        self.packages = tuple(packages)
        package_folders(self.packages)
        self.scratch_root = scratch_root
        self._cache: dict[str, Outcome] | None = {} if cache else None
        self._lock = threading.Lock()
        self._idle: list[SandboxServer] = []
        # Servers must be started from threads that outlive them: bubblewrap's --die-with-parent fires when the
        # *thread* that started it ends. So the pool's threads live as long as the executor.
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="cosplay-sandbox")
        self.executions = 0
        self.cache_hits = 0
        self._finalizer = weakref.finalize(self, _shut_down, self._pool, self._idle)
        Executor._live.add(self)

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops every server and worker thread; the executor cannot be used afterwards."""
        Executor._live.discard(self)
        self._finalizer()

    def start_servers(self, count: int | None = None, limits: Limits | None = None) -> None:
        """Starts up to `count` servers (default: `workers`) in the background, under `limits` (default: the
        default limits), so that their start-up overlaps whatever the caller does before its first jobs; those jobs
        then take them (jobs submitted meanwhile wait for them rather than start servers of their own)."""
        for _ in range(min(count or self.workers, self.workers)):
            self._pool.submit(self._start_idle_server, limits)

    def _start_idle_server(self, limits: Limits | None) -> None:
        server = SandboxServer(self.isolation, self.scratch_root, self.packages)
        server.start(limits)
        self._keep_idle(server)

    def _keep_idle(self, server: SandboxServer) -> None:
        """Keeps `server` for the next job, or closes it when `workers` servers are idle already."""
        with self._lock:
            if len(self._idle) < self.workers:
                self._idle.append(server)
                return
        server.close()

    def run(self, program: Program, inputs: Iterable[Any], limits: Limits | None = None) -> list[Outcome]:
        """Outcomes of `program` on each input, in order."""
        return self.run_jobs([Job(program, tuple(inputs), limits or Limits())])[0]

    def run_jobs(self, jobs: list[Job]) -> list[list[Outcome]]:
        """Outcomes for every job, in the order of `jobs`, each in the order of its inputs.

        Jobs of the same program under the same limits run as one (pools hold many identical programs), so an
        identical pair is never executed twice, not even by two jobs running at the same time.
        """
        texts = [[_input_text(item) for item in job.inputs] for job in jobs]  # each input encoded once
        merged: dict[tuple, dict[str, object]] = {}
        for job, job_texts in zip(jobs, texts):
            unique = merged.setdefault((job.program, job.limits), {})
            for item, text in zip(job.inputs, job_texts):
                unique.setdefault(text, item)
        groups = [(program, limits, unique) for (program, limits), unique in merged.items()]
        answers = {}
        rows = self.iter_jobs([Job(program, tuple(unique.values()), limits) for program, limits, unique in groups])
        for (program, limits, unique), row in zip(groups, rows):
            for text, outcome in zip(unique, row):
                answers[(program, limits, text)] = outcome
        return [[answers[(job.program, job.limits, text)] for text in job_texts] for job, job_texts in zip(jobs, texts)]

    def iter_jobs(self, jobs: list[Job]) -> Iterator[list[Outcome]]:
        """Like `run_jobs`, but yields each job's outcomes as soon as it and every job before it are done.

        A job's inputs are split into chunks that run on any free server, so one slow program does not keep a
        single worker busy while the others idle.
        """
        chunked = []
        for job in jobs:
            keys = pair_keys(job.program, job.inputs, job.limits)
            size = len(keys) or 1 if _batched(job) else CHUNK_INPUTS  # a batch's time budget covers the whole job
            starts = range(0, max(len(keys), 1), size)
            chunked.append([self._pool.submit(self._execute, Job(job.program, job.inputs[s:s + size], job.limits),
                                              keys[s:s + size]) for s in starts])
        try:
            for futures in chunked:
                yield [outcome for future in futures for outcome in future.result()]
        finally:
            for futures in chunked:
                for future in futures:
                    future.cancel()

    def _execute(self, job: Job, keys: list[str]) -> list[Outcome]:
        """Runs the pairs of one job that the cache cannot answer; identical inputs run once."""
        row: list[Outcome | None] = [None] * len(keys)
        unique: dict[str, list[int]] = {}
        with self._lock:
            for position, key in enumerate(keys):
                cached = self._cache.get(key) if self._cache is not None else None
                if cached is not None:
                    row[position] = cached
                    self.cache_hits += 1
                else:
                    unique.setdefault(key, []).append(position)
        if unique:
            firsts = [positions[0] for positions in unique.values()]
            outcomes = self._run_on_a_server(job, [job.inputs[p] for p in firsts])
            with self._lock:
                self.executions += len(firsts)
                for key, outcome in zip(unique, outcomes):
                    if self._cache is not None and _small(outcome):
                        self._cache[key] = outcome
                    for position in unique[key]:
                        row[position] = outcome
        return row  # type: ignore[return-value]

    def _run_on_a_server(self, job: Job, inputs: list) -> list[Outcome]:
        with self._lock:
            server = self._idle.pop() if self._idle else None
        server = server or SandboxServer(self.isolation, self.scratch_root, self.packages)
        try:
            server.load(job.program, job.limits)
            outcomes = server.run_batch(inputs, batch=_batched(job))
        except BaseException:
            server.close()
            raise
        self._keep_idle(server)
        return outcomes


CACHE_MAX_BYTES = 1 << 20  # an outcome larger than this is not kept (a pool of 60 MiB values would fill memory)


_SCALARS = (int, float, bool, type(None))


def _small(outcome: Outcome) -> bool:
    """Whether an outcome is small enough to cache: its texts and value under CACHE_MAX_BYTES (roughly)."""
    budget = CACHE_MAX_BYTES - len(outcome.stdout) - len(outcome.stderr)
    kind = type(outcome.value)
    if kind is str:  # the common cases at once: a string, a number, a bool or no value
        return budget - len(outcome.value) > 0
    if kind in _SCALARS:
        return budget - 8 > 0
    stack = [outcome.value]
    while stack and budget > 0:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item)
        elif isinstance(item, (list, tuple)):
            budget -= 8 * len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            budget -= 16 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            budget -= 8
    return budget > 0


def _input_text(item: Any) -> str:
    return item if isinstance(item, str) else _INPUT_JSON(item)


def _batched(job: Job) -> bool:
    return not job.limits.isolate_inputs and job.program.io == "function"


def _shut_down(pool: ThreadPoolExecutor, servers: list[SandboxServer]) -> None:
    pool.shutdown(wait=True, cancel_futures=True)
    for server in servers:  # every runner winds down at once, rather than each after the one before
        server.hang_up()
    for server in list(servers):
        server.close()
    servers.clear()
