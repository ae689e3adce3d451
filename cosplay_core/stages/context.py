"""What a step works with: the run's state (`state.RunState`) goes in, a new state and the changes come out
(`StepResult`); the rest (the player, the problem, the settings, the matrix, request indices) comes in a
`StepContext` that the run builds for each step. A step never changes the state it is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from cosplay_core.config import RunConfig
from cosplay_core.matrix import ExecutionMatrix, MatrixSnapshot
from cosplay_core.players.contract import Player
from cosplay_core.problem import Problem
from cosplay_core.state import Change, RunState


class Indices:
    """Request indices: every request gets its own, so samples differ and runs are reproducible.

    Concurrent requests complete in any order, so each concurrent task takes a `block` reserved up front, in
    program order: the indices a request gets never depend on timing.
    """

    def __init__(self, last: int = 0):
        self.last = last

    def __call__(self) -> int:
        self.last += 1
        return self.last

    def block(self, size: int) -> "Indices":
        """A sub-source of `size` indices reserved now."""
        block = Indices(self.last)
        self.last += size
        return block


@dataclass(frozen=True)
class StepContext:
    """What a step may use besides the state.

    `matrix` holds the state's codes and used UTs, executed (its executor is the run's recording executor, which
    stage 3 executes through too); `indices` gives this step's request indices, starting after the state's
    `counter` (the run reads how far it went, even when the step fails); `refresh(state)` makes the matrix hold a
    state's pools and returns its snapshot; `baselines(state)` scores every baseline on the state's stage-1 pools,
    its work counted apart from the algorithm's.
    """

    player: Player
    problem: Problem
    config: RunConfig
    matrix: ExecutionMatrix
    indices: Indices
    refresh: Callable[[RunState], Awaitable[MatrixSnapshot]]
    baselines: Callable[[RunState], Awaitable[dict]]


@dataclass(frozen=True)
class StepResult:
    """A step's outcome: the new state (the cursor not yet moved on: the run does that) and what it changed."""

    state: RunState
    changes: tuple[Change, ...] = ()


StepFunction = Callable[[StepContext, RunState], Awaitable[StepResult]]
