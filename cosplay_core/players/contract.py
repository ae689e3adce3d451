"""The player: what the stages ask of a backbone, as typed requests.

A player is bound to one problem. Every request is async and returns a typed result, or None when the backbone
could not produce a usable answer after its retries (the failure is recorded through `on_event`, never raised).
Two exceptions propagate so that the run can stop cleanly: `BudgetExceeded` (the budget is spent) and
`ModelUnavailable` (the model cannot answer at all).

Implementations: `LMPlayer` (a language model through prompts), `SimPlayer` (the offline simulation, which is not a
language model), `PoolPlayer` (replays recorded samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

# The contract's two stops, raised by the model client below and caught by the run: re-exported so that the run
# depends on the contract, not on the providers.
from cosplay_core.models.base import BudgetExceeded as BudgetExceeded, ModelUnavailable as ModelUnavailable
from cosplay_core.sandbox import Outcome

EventSink = Callable[[dict], None]

def stage3_input_kinds(count: int) -> list[str]:
    """The kinds of the `count` random inputs stage 3 asks every backbone for: mostly `random`, every fifth `edge`,
    and from 8 inputs on one `large` (at the constraints' limits), so that a candidate too slow for the problem's
    time limit shows as ERR in its signature and loses the within-cluster choice to one that finishes."""
    kinds = ["edge" if i % 5 == 4 else "random" for i in range(count)]
    if count >= 8:
        kinds[-1] = "large"
    return kinds


@dataclass
class PlayerUsage:
    """What a player has consumed: model calls (cache hits counted apart), tokens, and answers that failed."""

    calls: int = 0
    cached_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    failed_requests: int = 0
    fresh_draws: int = 0  # your own candidates: expected outputs predicted from the candidates' outputs
    resamples: int = 0  # pool replay, your own candidates: repairs answered by a fresh draw (a resample)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PlayerInfo:
    """How a backbone presents itself: `simulation` is True for anything that is not a language model."""

    name: str
    simulation: bool = False
    description: str = ""
    settings: dict = field(default_factory=dict)


class Player(Protocol):
    info: PlayerInfo
    usage: PlayerUsage

    async def propose_hints(self, count: int) -> list[str]:
        """Up to `count` distinct high-level solution approaches."""

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        """A solution plan built on `hints`; `index` tells repeated requests apart."""

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        """Failure modes and edge cases that would break `plan`."""

    async def write_code(self, plan: str | None, index: int) -> str | None:
        """A complete program for the problem (following `plan` when given)."""

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        """One valid input: a random one, or one that targets `attack`. Stdin text, or the argument list."""

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        """The expected output for `test_input` (stdin text, or a JSON value), predicted without running code."""

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        """`code` repaired so that it produces `expected` on `test_input`, given what it actually did."""

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        """Up to `count` random valid inputs (stage 3), of the kinds `stage3_input_kinds(count)` names."""
