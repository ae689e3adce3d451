"""The `pool:<folder>` backbone: replays recorded model samples (CodeT's CodeGen-16B samples for HumanEval).

No model is called. A `PoolPlayer` answers the player's requests from one problem's recorded pools (`CodetPool`):

- `write_code`: the next recorded program of a seeded shuffle of the 100 samples (duplicates kept as recorded);
- `write_test_input`: the input of the next recorded UT; inputs come in the order of a seeded shuffle of the UTs
  weighted by how often each was sampled, each distinct input once (an input several samples share is drawn once);
- `predict_output`: for a recorded UT input, the expected value the model wrote in its assert (it wrote the assert,
  so that is its prediction). Several recorded UTs can share an input with different expected values: the votes
  go through them in turn, each as often as it was sampled, starting with the one the input was drawn with. For
  an input no recorded UT has, None (the pool cannot predict);
- `repair_code`: a pool cannot repair; the answer is a fresh draw of the next unused recorded program, counted in
  `usage.fresh_draws` and reported to `on_event` as `{"type": "fresh_draw", "request": "repair_code"}`;
- `propose_hints`, `write_plan`: neutral placeholders that say the samples are replayed (the pools hold no hints
  or plans); `attack_ideas`: none (the pools hold no attack ideas, so every UT counts as a random input);
- `random_inputs`: inputs of recorded UTs not drawn as UT inputs (random valid inputs written by the model), then,
  when those are too few, the drawn ones, up to `count`.

When a pool runs out, draws wrap around to its start: `usage.wrapped_code_draws` / `usage.wrapped_test_draws` count
the draws that repeat an earlier one. The answers depend only on the seed and the order of the requests (which the
engine makes deterministic), never on timing.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosplay_core.benchmarks.codet_pools import CodetPool, load_codet_pools
from cosplay_core.models.base import ModelConfigError
from cosplay_core.player import EventSink, PlayerInfo, PlayerUsage
from cosplay_core.problem import Problem, ProblemError
from cosplay_core.sandbox import Outcome

__all__ = ["POOL_DESCRIPTION", "PoolPlayer", "PoolUsage", "clear_pool_cache", "input_key", "make_pool_player"]

POOL_DESCRIPTION = "replays recorded samples (CodeGen-16B for HumanEval): no model is called"
HINT_PLACEHOLDER = "Recorded samples are replayed: the pool holds no solution approaches."


def input_key(value: Any) -> str:
    """A canonical text of a function-mode input (its JSON), so that equal inputs share one key."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass
class PoolUsage(PlayerUsage):
    """`PlayerUsage` plus what a replay consumed: `calls` stays 0 (no model is called).

    `code_draws` / `test_draws`: programs and UT inputs served (fresh draws for repairs included in code_draws);
    `predictions`: expected values replayed; `wrapped_code_draws` / `wrapped_test_draws`: draws made after the pool
    ran out, which repeat an earlier draw; `unknown_inputs`: predictions asked for an input no recorded UT has.
    """

    code_draws: int = 0
    test_draws: int = 0
    predictions: int = 0
    wrapped_code_draws: int = 0
    wrapped_test_draws: int = 0
    unknown_inputs: int = 0


class PoolPlayer:
    """Replays one problem's recorded pools (see the module docstring).

    `draw_codes` / `draw_tests` are the sizes of the first draw a run makes (its initial pools); later draws are
    refreshes from the rest of the pool. They are recorded in `info.settings` and tell apart, in `usage`, the
    initial draws from the refreshes (`refresh_draws`).
    """

    def __init__(self, problem: Problem, pool: CodetPool, seed: int = 0, draw_codes: int = 16, draw_tests: int = 16,
                 on_event: EventSink | None = None, source: str | None = None):
        if not pool.codes:
            raise ModelConfigError(f"the recorded pool of {problem.slug} holds no code samples")
        if problem.io != "function":
            raise ModelConfigError(f"pool replay answers function-mode problems; {problem.slug} reads stdin")
        self.problem = problem
        self.pool = pool
        self.seed = seed
        self.draw_codes = draw_codes
        self.draw_tests = draw_tests
        self.on_event = on_event
        self.usage = PoolUsage()
        self.info = PlayerInfo(f"pool:{source or pool.task_id}", simulation=False, description=POOL_DESCRIPTION,
                               settings={"seed": seed, "draw_codes": draw_codes, "draw_tests": draw_tests,
                                         "recorded_codes": len(pool.codes), "recorded_tests": len(pool.tests),
                                         "recorded_test_samples": pool.raw_test_count})
        self._lock = threading.Lock()
        rng = random.Random(f"pool:{seed}:{pool.task_id}")
        self._code_order = list(range(len(pool.codes)))
        rng.shuffle(self._code_order)
        self._code_cursor = 0
        counts = pool.test_counts if len(pool.test_counts) == len(pool.tests) else [1] * len(pool.tests)
        occurrences = [index for index, count in enumerate(counts) for _ in range(max(1, count))]
        rng.shuffle(occurrences)
        self._inputs: list[tuple[str, Any]] = []  # distinct inputs in draw order
        self._answers: dict[str, list[Any]] = {}  # input key -> recorded expected values, in turn order
        for index in occurrences:
            test = pool.tests[index]
            key = input_key(test.input)
            if key not in self._answers:
                self._answers[key] = []
                self._inputs.append((key, test.input))
            self._answers[key].append(test.output)
        self._answer_cursor = dict.fromkeys(self._answers, 0)
        self._input_cursor = 0

    # -- draws -------------------------------------------------------------------------------------------------

    def _draw_code(self) -> str:
        with self._lock:
            position = self._code_cursor
            self._code_cursor += 1
            self.usage.code_draws += 1
            if position >= len(self._code_order):
                self.usage.wrapped_code_draws += 1
            return self.pool.codes[self._code_order[position % len(self._code_order)]]

    @property
    def refresh_draws(self) -> dict:
        """Draws beyond the initial pools: {"codes": n, "tests": n}."""
        return {"codes": max(0, self.usage.code_draws - self.draw_codes),
                "tests": max(0, self.usage.test_draws - self.draw_tests)}

    def drawn_inputs(self) -> list[Any]:
        """The distinct UT inputs drawn so far, in draw order."""
        with self._lock:
            return [copy.deepcopy(value) for _, value in self._inputs[:min(self._input_cursor, len(self._inputs))]]

    # -- requests ----------------------------------------------------------------------------------------------

    async def propose_hints(self, count: int) -> list[str]:
        return [HINT_PLACEHOLDER] if count > 0 else []

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        return "Replayed sample: the pool records no plan; the next recorded program is used as it was sampled."

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        return []  # the pools hold none; an invented placeholder would label random UTs as attacks

    async def write_code(self, plan: str | None, index: int) -> str | None:
        return self._draw_code()

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        with self._lock:
            if not self._inputs:
                self.usage.failed_requests += 1
                return None
            position = self._input_cursor
            self._input_cursor += 1
            self.usage.test_draws += 1
            if position >= len(self._inputs):
                self.usage.wrapped_test_draws += 1
            return copy.deepcopy(self._inputs[position % len(self._inputs)][1])

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        key = input_key(test_input)
        with self._lock:
            answers = self._answers.get(key)
            if not answers:
                self.usage.unknown_inputs += 1
                self.usage.failed_requests += 1
                return None
            turn = self._answer_cursor[key]
            self._answer_cursor[key] = turn + 1
            self.usage.predictions += 1
            return copy.deepcopy(answers[turn % len(answers)])

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        source = self._draw_code()
        with self._lock:
            self.usage.fresh_draws += 1
        if self.on_event is not None:
            self.on_event({"type": "fresh_draw", "request": "repair_code"})
        return source

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        with self._lock:
            drawn = min(self._input_cursor, len(self._inputs))
            ordered = self._inputs[drawn:] + self._inputs[:drawn]  # not in use first, then the drawn ones
            return [copy.deepcopy(value) for _, value in ordered[:max(0, count)]]


# ---- the factory behind `pool:<folder>` ------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], dict[str, CodetPool]] = {}
_CACHE_LOCK = threading.Lock()


def clear_pool_cache() -> None:
    """Forgets every loaded folder (the next player loads its folder again)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _pools(folder: str, truncation: str) -> dict[str, CodetPool]:
    path = Path(folder).expanduser()
    key = (str(path.resolve()), truncation)
    with _CACHE_LOCK:  # held while loading: two runs asking for one folder load it once
        if key not in _CACHE:
            if not path.is_dir():
                raise ModelConfigError(f"pool replay needs a folder of recorded samples: {folder} is not a folder")
            try:
                _CACHE[key] = load_codet_pools(path, truncation=truncation)
            except ProblemError as err:
                raise ModelConfigError(f"no recorded pools in {folder}: {err}") from None
        return _CACHE[key]


def make_pool_player(spec_rest: str, problem: Problem, executor: Any = None, seed: int = 0, *,
                     on_event: EventSink | None = None, truncation: str = "toplevel", draw_codes: int = 16,
                     draw_tests: int = 16, **_: Any) -> PoolPlayer:
    """The player for `pool:<folder>`: `folder` holds CodeT-format pools (`load_codet_pools`, loaded once per folder
    and truncation rule, thread-safely); the problem is looked up by its task id (`problem.slug`).

    Raises ModelConfigError (one sentence) when no folder is named, the folder holds no pools, or the problem is not
    in them. The executor is not used: a replay runs nothing.
    """
    folder = (spec_rest or "").strip()
    if not folder:
        raise ModelConfigError("pool replay needs the folder of recorded samples: use pool:<folder>")
    pools = _pools(folder, truncation)
    pool = pools.get(problem.slug)
    if pool is None:
        raise ModelConfigError(f"{problem.slug} has no recorded samples in {folder} (it holds {len(pools)} problems, "
                               "by task id)")
    return PoolPlayer(problem, pool, seed=seed, draw_codes=draw_codes, draw_tests=draw_tests, on_event=on_event,
                      source=folder)


def _backbone_factory(rest: str, problem: Problem, executor: Any, options: Any) -> PoolPlayer:
    if getattr(options, "base_url", None):
        raise ModelConfigError("a base URL applies to language models (openai:<model>, anthropic:<model>), not to "
                               "pool replay")
    return make_pool_player(rest, problem, executor, getattr(options, "seed", 0),
                            on_event=getattr(options, "on_event", None))


def _register() -> None:
    from cosplay_core.backbone import register_player

    register_player("pool", _backbone_factory, usage="pool:<folder>", help=POOL_DESCRIPTION)


_register()
