"""Problems as Ray tasks, for benchmarks and sweeps beyond one machine (the optional extra: `pip install .[ray]`).

    with ray_session(address):                       # None: a local Ray in this process; "auto" or HOST:PORT: a cluster
        runner = RayRunner(cpus_per_problem=1, calls_per_minute={"anthropic": 50})
        summaries = runner.run([ProblemTask(ref, config, backbone, out_dir), ...], progress)

Each problem run is one Ray task that declares the CPUs its sandbox uses (`num_cpus`); Ray schedules the tasks. A Ray
worker process keeps one sandbox executor for every task it runs. A task runs its problem in a scratch folder of its
own machine and sends the folder's files back; the driver writes them into `out_dir` as `cosplay bench --out` does
(the problem's folder held while written, `summary.json` atomically and last), so results land on the driver's disk
whether or not the machines share a filesystem. Problems whose summary is already in `out_dir` are not run again;
an unfinished one is resumed from its trace, which the driver sends with the task.

Model calls pass through one `ModelGate` actor for the whole cluster: a pace per provider (calls per minute), and a
closed gate for a backbone once it cannot answer (its problems not yet started are then not run, as in `bench`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cosplay_core.bench import ProblemRef, run_one
from cosplay_core.config import RunConfig
from cosplay_core.outdir import LOCK_NAME, FolderBusy, MalformedFile, hold_folder, inside, read_json_file, \
    write_json_atomic
from cosplay_core.session import SUMMARY_NAME, BackboneSettings
from cosplay_core.trace import TRACE_NAME

if TYPE_CHECKING:  # imported by the functions that use them, on the workers
    from cosplay_core.models.base import Completion, GenerateConfig, Message
    from cosplay_core.sandbox import Executor

# A local Ray on a small shared machine: the object store only carries summaries and traces (about 1 MB each).
LOCAL_OBJECT_STORE_BYTES = 128 << 20
CONNECT_TIMEOUT_S = 5.0
RAY_CLIENT_PORT = 10001  # the default port of a ray:// (Ray Client) address
NOT_RUN = "not run: the model could not answer"


class RayUnavailable(Exception):
    """Ray cannot be used (not installed, an address that cannot be reached): the message is one line."""


def _ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise RayUnavailable("Ray is not installed: pip install 'cosplay-studio[ray]' (or pip install 'ray>=2.9')") \
            from None
    return ray


def _host_port(address: str) -> tuple[str, int]:
    """The host and port of `HOST:PORT` or `ray://HOST[:PORT]`; RayUnavailable (one line) for anything else."""
    client = address.startswith("ray://")
    rest = address[len("ray://"):] if client else address
    host, colon, port = rest.rpartition(":")
    if not colon or "]" in port:  # no port, or the tail of an IPv6 address without one
        host, port = rest, ""
    host = host.strip("[]")
    port = port or (str(RAY_CLIENT_PORT) if client else "")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayUnavailable(f"Ray address {address!r}: use HOST:PORT (the head's `ray start --head` port, 6379 by "
                             "default), ray://HOST:PORT, or auto")
    return host, int(port)


def _check_reachable(address: str) -> None:
    """RayUnavailable (one line) unless something accepts connections at `address` within CONNECT_TIMEOUT_S.

    `ray.init` itself would retry an unreachable address for minutes before failing."""
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, socket.timeout) else (exc.strerror or str(exc))
        raise RayUnavailable(f"Ray address {address}: cannot connect ({reason}); start the head with `ray start "
                             "--head` there, or leave the address out for a local Ray") from None


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """Ray, connected for the block: the Ray this process is already connected to; else, without `address` (nor
    RAY_ADDRESS), a local Ray started here (`num_cpus`, default every core; a small object store; no dashboard);
    else the cluster at `address` ("auto": the one on this machine). RayUnavailable (one line) when it cannot be
    reached. A Ray started or connected here is shut down when the block ends."""
    ray = _ray()
    if ray.is_initialized():
        yield ray
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    # workers' output is not forwarded: standard output holds the command's JSON alone
    quiet = {"include_dashboard": False, "log_to_driver": False}
    options: dict[str, Any]
    if address is None:  # Ray's warnings about a cluster (token authentication) say nothing about a local one
        options = {"num_cpus": num_cpus or os.cpu_count() or 1, "object_store_memory": LOCAL_OBJECT_STORE_BYTES,
                   "logging_level": logging.ERROR}
    else:
        if address != "auto":
            _check_reachable(address)
        options = {"address": address, "logging_level": logging.WARNING}
    try:
        ray.init(**options, **quiet)
    except ConnectionError as exc:
        if address == "auto":
            raise RayUnavailable("Ray address auto: no Ray cluster runs on this machine; start one with `ray start "
                                 "--head`, or leave the address out for a local Ray") from None
        raise RayUnavailable(f"Ray address {address}: {str(exc).splitlines()[0]}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


@dataclass(frozen=True)
class ProblemTask:
    """One problem to run: the problem, its settings, its backbone, and the bench folder its results go to."""

    ref: ProblemRef
    config: RunConfig
    backbone: BackboneSettings
    out_dir: Path | None


def backbone_key(backbone: BackboneSettings) -> str:
    """The name of a backbone's gate: its spec, and its endpoint when it has one."""
    return f"{backbone.model.strip()}@{backbone.base_url}" if backbone.base_url else backbone.model.strip()


def check_cpus(cpus: float) -> None:
    """ValueError (one line) unless `cpus` is a share of one CPU (0 < cpus < 1) or a whole number of CPUs, as Ray
    takes them."""
    if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not math.isfinite(cpus) or cpus <= 0 or \
            (cpus > 1 and cpus != int(cpus)):
        raise ValueError(f"CPUs per problem must be a fraction of one CPU or a whole number of CPUs, not {cpus!r}")


def check_rates(calls_per_minute: dict[str, float]) -> None:
    """ValueError (one line) unless every key is a model provider and every rate a finite number above 0."""
    from cosplay_core.models.registry import providers

    known = [usage.split(":", 1)[0].split()[0] for usage in providers()]
    for provider, rate in calls_per_minute.items():
        if provider not in known:
            raise ValueError(f"{provider} is not a model provider (calls are paced for {', '.join(known)})")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"the calls per minute for {provider} must be a number above 0, not {rate!r}")


class ModelGate:
    """What model calls pass through, cluster-wide (one Ray actor per runner).

    `reserve(provider)` returns the seconds to wait before the next call to that provider: calls are spaced
    60 / calls_per_minute seconds apart across every worker, by this actor's one clock (no limit: 0). `close(key)`
    marks a backbone as unable to answer; `is_closed(key)` says so."""

    def __init__(self, calls_per_minute: dict[str, float] | None = None, clock: Callable[[], float] = time.monotonic):
        self.intervals = {p: 60.0 / rate for p, rate in (calls_per_minute or {}).items()}
        self.clock = clock
        self.next_slot: dict[str, float] = {}
        self.closed: set[str] = set()
        self.granted: dict[str, int] = {}

    def reserve(self, provider: str) -> float:
        interval = self.intervals.get(provider)
        self.granted[provider] = self.granted.get(provider, 0) + 1
        if interval is None:
            return 0.0
        now = self.clock()
        slot = max(now, self.next_slot.get(provider, now))
        self.next_slot[provider] = slot + interval
        return slot - now

    def close(self, key: str) -> None:
        self.closed.add(key)

    def is_closed(self, key: str) -> bool:
        return key in self.closed

    def counts(self) -> dict[str, int]:
        """Calls reserved so far, per provider."""
        return dict(self.granted)


class PacedModel:
    """A model whose calls first wait for their slot at the gate; everything else is the wrapped model's."""

    def __init__(self, inner: Any, gate: Any, provider: str):
        self._inner, self._gate, self._provider = inner, gate, provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        wait = await self._gate.reserve.remote(self._provider)
        if wait > 0:
            await asyncio.sleep(wait)
        return await self._inner.generate(messages, config)


_PACED: dict[str, Any] = {}  # provider -> the gate its calls wait at, in this process


def pace_providers(gate: Any, providers: list[str]) -> None:
    """Makes every model of `providers` created in this process from now on wait at `gate` before each call."""
    from cosplay_core.models import registry

    for provider in providers:
        if provider in _PACED:
            _PACED[provider] = gate
            continue
        # registry offers no public read of a factory: the original is kept here so that pacing wraps it once
        factory, usage = registry._PROVIDERS[provider]
        _PACED[provider] = gate

        def paced(rest: str, *, _factory: Callable[..., Any] = factory, _provider: str = provider,
                  **options: Any) -> PacedModel:
            return PacedModel(_factory(rest, **options), _PACED[_provider], _provider)

        registry.register_provider(provider, paced, usage=usage)


# ---- the worker side ------------------------------------------------------------------------------------------------

_EXECUTOR: list[Executor] = []  # this worker process's sandbox executor, kept for every task it runs
_EXECUTOR_LOCK = threading.Lock()


def _worker_executor(workers: int) -> Executor:
    """This process's executor with `workers` servers (made on first use, remade if a task declares other CPUs),
    its servers warm from earlier tasks and its outcome cache empty.

    The cache is emptied because Ray places tasks as it likes: outcomes left by whichever runs this worker ran before
    (a program at the edge of its time limit, timed out in another seed's run) would make a run's results depend on
    that placement. Each run starts as a `cosplay bench` process does."""
    from cosplay_core.sandbox import Executor

    with _EXECUTOR_LOCK:
        if _EXECUTOR and _EXECUTOR[0].workers != workers:
            _EXECUTOR.pop().close()
        if not _EXECUTOR:
            _EXECUTOR.append(Executor(workers=workers))
        executor = _EXECUTOR[0]
    outcomes = getattr(executor, "_cache", None)  # the sandbox has no public way to forget its outcomes yet
    if outcomes is not None:
        with executor._lock:
            outcomes.clear()
    return executor


@contextmanager
def _in_folder(folder: str) -> Iterator[None]:
    """Runs the block in `folder` (the driver's working folder) when this machine has it, so that relative problem
    paths and the default cache folder mean what they mean to the driver. A worker runs one task at a time."""
    before = os.getcwd()
    moved = os.path.isdir(folder)
    if moved:
        os.chdir(folder)
    try:
        yield
    finally:
        if moved:
            os.chdir(before)


def solve(task: ProblemTask, prior_trace: bytes | None, gate: Any, paced: list[str], cwd: str, workers: int,
          ) -> tuple[dict, dict[str, bytes]]:
    """Runs one problem in a Ray worker: its summary, and the files of its run folder (none without `out_dir`)."""
    import ray

    if ray.get(gate.is_closed.remote(backbone_key(task.backbone))):
        return {"problem": task.ref.slug, "error": NOT_RUN, "interrupted": True}, {}
    pace_providers(gate, paced)
    with tempfile.TemporaryDirectory(prefix="cosplay-task-") as scratch, _in_folder(cwd):
        folder = Path(scratch) / task.ref.slug
        if prior_trace is not None:
            folder.mkdir()
            (folder / TRACE_NAME).write_bytes(prior_trace)
        try:
            summary = run_one(task.ref, task.config, task.backbone, _worker_executor(workers),
                              Path(scratch) if task.out_dir is not None else None)
        except Exception as exc:  # a setting this machine cannot honour (a missing key): the problem fails, not all
            summary = {"problem": task.ref.slug, "error": _one_line(exc)}
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
                 if p.is_file() and p.name != LOCK_NAME} if folder.is_dir() else {}
    return summary, files


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# ---- the driver side ------------------------------------------------------------------------------------------------


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    """`data` into `path`: a reader (or a crash) sees the old file or the new one, never part of one. Readable by
    all, as the trace a run writes itself."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _store(folder: Path, summary: dict, files: dict[str, bytes]) -> dict:
    """Writes a task's files into the problem's folder, held meanwhile, `summary.json` last (as `run_one` does);
    the summary, or one that says why it could not be stored."""
    try:
        with hold_folder(folder, "the problem folder"):
            for name, data in files.items():
                if name != SUMMARY_NAME:
                    _write_bytes_atomic(inside(folder, name), data)
            if SUMMARY_NAME in files:
                write_json_atomic(folder / SUMMARY_NAME, summary)
    except FolderBusy as exc:
        return {"problem": summary.get("problem"), "error": str(exc)}
    return summary


def _finished(folder: Path, slug: str) -> dict | None:
    """The summary of a problem already finished in `folder` (or a failure saying it cannot be read), else None."""
    try:
        return read_json_file(folder / SUMMARY_NAME)
    except FileNotFoundError:
        return None
    except MalformedFile as exc:
        return {"problem": slug, "error": f"{exc}; delete it to run this problem again"}


class RayRunner:
    """Runs problems as Ray tasks on the connected Ray (see `ray_session`), model calls paced per provider by
    `calls_per_minute` across the cluster.

    Each task declares `cpus_per_problem` CPUs, and its worker's executor runs that many sandbox servers (at least
    one). A fraction (0.25: four runs a core) suits language models, whose runs mostly wait for answers."""

    def __init__(self, cpus_per_problem: float = 1, calls_per_minute: dict[str, float] | None = None):
        ray = _ray()
        check_cpus(cpus_per_problem)
        check_rates(calls_per_minute or {})
        self.cpus = cpus_per_problem
        self.workers = max(1, round(cpus_per_problem))
        self.paced = sorted(calls_per_minute or {})
        self.gate = ray.remote(num_cpus=0)(ModelGate).remote(calls_per_minute)
        self._solve = ray.remote(solve).options(num_cpus=cpus_per_problem, max_retries=1)
        self.submitted = 0  # tasks sent to Ray (finished problems are read back, not sent)

    def bench(self, refs: list[ProblemRef], config: RunConfig, backbone: BackboneSettings, out_dir: Path | None,
              progress: Callable[[int, int, dict], None] | None = None) -> list[dict]:
        """`bench.run_benchmark`'s runner: one dataset's problems with one backbone and one setting."""
        return self.run([ProblemTask(ref, config, backbone, out_dir) for ref in refs], progress)

    def run(self, tasks: list[ProblemTask], progress: Callable[[int, int, dict], None] | None = None) -> list[dict]:
        """Every task's summary, in the order of `tasks`, each written into its `out_dir` as it comes back."""
        import ray

        if any(t.backbone.api_key for t in tasks):
            raise ValueError("a key held in memory is not sent to Ray workers: set it in their environment")
        summaries: list[dict | None] = [None] * len(tasks)
        done = [0]

        def finish(index: int, summary: dict) -> None:
            summaries[index] = summary
            done[0] += 1
            if progress:
                progress(done[0], len(tasks), summary)

        pending = {}
        cwd = os.getcwd()
        for index, task in enumerate(tasks):
            folder = inside(task.out_dir, task.ref.slug) if task.out_dir is not None else None
            summary = _finished(folder, task.ref.slug) if folder is not None else None
            if summary is not None:
                finish(index, summary)
                continue
            trace = folder / TRACE_NAME if folder is not None else None
            prior = trace.read_bytes() if trace is not None and trace.is_file() else None
            pending[self._solve.remote(_shippable(task), prior, self.gate, self.paced, cwd, self.workers)] = index
            self.submitted += 1
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index = pending.pop(ref)
                task = tasks[index]
                try:
                    summary, files = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the worker died (out of memory, a lost node) after a retry
                    summary, files = {"problem": task.ref.slug, "error": f"the Ray task failed: {_one_line(exc)}"}, {}
                if task.out_dir is not None and files:
                    summary = _store(inside(task.out_dir, task.ref.slug), summary, files)
                if summary.get("interrupted") and summary.get("error") != NOT_RUN:
                    ray.get(self.gate.close.remote(backbone_key(task.backbone)))
                finish(index, summary)
        finished = [summary for summary in summaries if summary is not None]
        assert len(finished) == len(tasks), "every task finishes: from its folder or from its Ray task"
        return finished


def _shippable(task: ProblemTask) -> ProblemTask:
    """The task as sent to a worker: the cache folder named as the driver resolves it (COSPLAY_CACHE_DIR or the
    default), so every worker uses the same folder, relative to the driver's working folder."""
    from cosplay_core.models.cache import default_cache_dir

    if task.backbone.cache_dir is not None:
        return task
    return replace(task, backbone=replace(task.backbone, cache_dir=str(default_cache_dir())))
