"""What the run, the matrix and the ground truth ask of an executor, as Protocols: the sandbox's `Executor`, the run's
`RecordingExecutor` (matrix.py) and the HumanEval benchmark's replay executor each implement `ExecutorLike`; the
pool-relative retries need only a `JobRunner`."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Protocol

from cosplay_core.sandbox import Job
from cosplay_core.sandbox.isolation import Isolation
from cosplay_core.sandbox.outcome import Limits, Outcome, Program


class JobRunner(Protocol):
    """Runs jobs: every job's outcomes, in the order of the jobs and of each job's inputs."""

    def run_jobs(self, jobs: list[Job]) -> list[list[Outcome]]: ...


class ExecutorLike(JobRunner, Protocol):
    """An executor as its users see it: jobs run (in one batch, one by one, or one program alone), with counts of
    the pairs it executed (`executions`) and answered without executing (`cache_hits`), and the isolation in force."""

    @property
    def executions(self) -> int: ...

    @property
    def cache_hits(self) -> int: ...

    @property
    def isolation(self) -> Isolation: ...

    def run(self, program: Program, inputs: Iterable[Any], limits: Limits | None = None) -> list[Outcome]: ...

    def iter_jobs(self, jobs: list[Job]) -> Iterator[list[Outcome]]: ...
