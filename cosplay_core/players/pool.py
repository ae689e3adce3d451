"""The `pool:<folder>` backbone: replays recorded model samples (CodeT's CodeGen-16B samples for HumanEval).

No model is called. A `PoolPlayer` answers the player's requests from one problem's recorded pools (`CodetPool`),
every draw without replacement: a recorded sample is served at most once, and a pool that has run out answers
None (the request fails, and the player reports `{"type": "pool_exhausted", ...}` to `on_event` the first time;
the run writes it to its trace). Draws never wrap around.

- `write_code`: the next recorded program of a seeded shuffle of the 100 samples (duplicates kept as recorded);
- `write_test_input`: the next UT input. The distinct recorded inputs are split once, by the seed, into UT inputs
  and stage-3 inputs (below); UT inputs come in the order of a seeded shuffle of the recorded asserts (so an input
  many samples asserted on tends to come early), each distinct input once;
- `predict_output`: the next recorded prediction for that input. Every recorded assert on an input is one
  prediction (the model wrote it, so its expected value is what it predicted), as many times as the samples wrote
  it: an assert written by 3 samples is 3 votes, one written once is 1 vote. The k votes of a UT are k of these,
  drawn without replacement in a seeded order; an input with fewer recorded asserts than votes asked gives None
  for the rest. So self-consistency means what it means for a model: a UT is kept when ceil(3k/4) of k recorded
  predictions agree, and a re-derivation draws predictions not used before (None once they are spent, which makes
  break_coupling regenerate the UT from a new input). An input no recorded assert has gives None;
- `repair_code`: a pool cannot repair. The answer is a *resample*: the next unused recorded program, counted in
  `usage.resamples` and reported to `on_event` as `{"type": "resample", "request": "repair_code"}`; the player's
  `resamples_repairs` tells stage 2 to name such changes "resample", never "repair";
- `propose_hints`, `write_plan`: neutral placeholders that say the samples are replayed (the pools hold no hints
  or plans); `attack_ideas`: none (the pools hold no attack ideas, so every UT counts as a random input);
- `random_inputs` (stage 3): the held-out stage-3 inputs, never drawn as UT inputs, so stage 3 runs the codes on
  inputs disjoint from every UT input of the run. The held-out inputs are the `stage3_inputs` distinct inputs
  the samples asserted on least often (ties in a seeded order), at most half of the distinct inputs so that the UT
  pool keeps the other half: the inputs written once or twice could never reach ceil(3k/4) agreeing votes as UTs
  (k = 4), so holding them out costs the UT pool least. A problem with fewer than two distinct inputs holds none
  out, and stage 3 then has no input (ties go to the lowest id).

`available_test_inputs` is how many distinct UT inputs the pool can ever give; a run reports, in its summary,
whether that falls short of N_t (`short_of_test_inputs`). The answers depend only on the seed and the order of the
requests (which the engine makes deterministic), never on timing.
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
from cosplay_core.players.contract import EventSink, PlayerInfo, PlayerUsage
from cosplay_core.problem import Problem, ProblemError
from cosplay_core.sandbox import Outcome

__all__ = ["POOL_DESCRIPTION", "PoolPlayer", "PoolUsage", "clear_pool_cache", "input_key", "make_pool_player"]

POOL_DESCRIPTION = "replays recorded samples (CodeGen-16B for HumanEval): no model is called"
HINT_PLACEHOLDER = "Recorded samples are replayed: the pool holds no solution approaches."
STAGE3_INPUTS = 16  # R, stage 3's random inputs by default (RunConfig.inputs)


def input_key(value: Any) -> str:
    """A canonical text of a function-mode input (its JSON), so that equal inputs share one key."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass
class PoolUsage(PlayerUsage):
    """`PlayerUsage` plus what a replay consumed: `calls` stays 0 (no model is called).

    `code_draws` / `test_draws`: programs and UT inputs served (resamples for repairs included in code_draws);
    `resamples`: programs drawn to stand in for a repair; `predictions`: recorded predictions replayed;
    `exhausted_code_requests` / `exhausted_test_requests`: requests for a program or a UT input after the pool had
    run out (answered None); `exhausted_predictions`: votes asked for an input whose recorded predictions were all
    used (answered None); `unknown_inputs`: predictions asked for an input no recorded assert has.
    """

    code_draws: int = 0
    test_draws: int = 0
    predictions: int = 0
    exhausted_code_requests: int = 0
    exhausted_test_requests: int = 0
    exhausted_predictions: int = 0
    unknown_inputs: int = 0


class PoolPlayer:
    """Replays one problem's recorded pools (see the module docstring).

    `draw_codes` / `draw_tests` are the sizes of the first draw a run makes (its initial pools); later draws are
    refreshes from the rest of the pool. They are recorded in `info.settings` and tell apart, in `usage`, the
    initial draws from the refreshes. `stage3_inputs`: how many distinct inputs to hold out for
    stage 3 (R).
    """

    resamples_repairs = True  # a repair request is answered by a fresh draw, named "resample" by stage 2

    def __init__(self, problem: Problem, pool: CodetPool, seed: int = 0, draw_codes: int = 16, draw_tests: int = 16,
                 on_event: EventSink | None = None, source: str | None = None, stage3_inputs: int = STAGE3_INPUTS):
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
        self._lock = threading.Lock()
        self._exhausted: set[str] = set()
        rng = random.Random(f"pool:{seed}:{pool.task_id}")
        code_order = list(range(len(pool.codes)))
        rng.shuffle(code_order)
        counts = pool.test_counts if len(pool.test_counts) == len(pool.tests) else [1] * len(pool.tests)
        occurrences = [index for index, count in enumerate(counts) for _ in range(max(1, count))]
        rng.shuffle(occurrences)
        inputs: dict[str, Any] = {}  # distinct inputs, in the order of the shuffled asserts
        self._answers: dict[str, list[Any]] = {}  # input key -> recorded predictions, one per assert, in draw order
        for index in occurrences:
            test = pool.tests[index]
            key = input_key(test.input)
            if key not in inputs:
                inputs[key] = test.input
                self._answers[key] = []
            self._answers[key].append(test.output)
        self._answer_cursor = dict.fromkeys(self._answers, 0)
        held = self._stage3_keys(list(inputs), rng, stage3_inputs)
        self._stage3 = [inputs[key] for key in held]
        held_set = set(held)
        # what each draw serves, in order, and how far each has gone
        self._draws = {"programs": [pool.codes[i] for i in code_order],
                       "UT inputs": [value for key, value in inputs.items() if key not in held_set]}
        self._drawn = dict.fromkeys(self._draws, 0)
        self.info = PlayerInfo(f"pool:{source or pool.task_id}", simulation=False, description=POOL_DESCRIPTION,
                               settings={"seed": seed, "draw_codes": draw_codes, "draw_tests": draw_tests,
                                         "recorded_codes": len(pool.codes), "recorded_tests": len(pool.tests),
                                         "recorded_test_samples": pool.raw_test_count,
                                         "distinct_inputs": len(inputs), "ut_inputs": self.available_test_inputs,
                                         "stage3_inputs": len(self._stage3)})

    def _stage3_keys(self, keys: list[str], rng: random.Random, wanted: int) -> list[str]:
        """The inputs held out for stage 3: the least-asserted ones, at most `wanted` and half of them all."""
        order = list(keys)
        rng.shuffle(order)
        order.sort(key=lambda key: len(self._answers[key]))  # stable: ties keep the seeded order
        return order[:max(0, min(wanted, len(keys) // 2))]

    # -- draws -------------------------------------------------------------------------------------------------

    def _report_exhausted(self, pool: str, request: str, drawn: int) -> None:
        """Tells `on_event`, once per pool, that it has run out (outside the lock)."""
        with self._lock:
            if pool in self._exhausted:
                return
            self._exhausted.add(pool)
        if self.on_event is not None:
            self.on_event({"type": "pool_exhausted", "pool": pool, "request": request, "drawn": drawn,
                           "message": f"the recorded {pool} are used up after {drawn} draws: {request} gets no "
                                      "answer (draws never repeat a sample)"})

    _COUNTERS = {"programs": ("code_draws", "exhausted_code_requests"),
                 "UT inputs": ("test_draws", "exhausted_test_requests")}

    def _draw(self, pool: str, request: str) -> Any | None:
        """The next unused item of `pool` ("programs" or "UT inputs"), or None once it has run out."""
        items = self._draws[pool]
        drawn, exhausted = self._COUNTERS[pool]
        with self._lock:
            position = self._drawn[pool]
            if position < len(items):
                self._drawn[pool] += 1
                setattr(self.usage, drawn, getattr(self.usage, drawn) + 1)
                return copy.deepcopy(items[position])
            setattr(self.usage, exhausted, getattr(self.usage, exhausted) + 1)
            self.usage.failed_requests += 1
        self._report_exhausted(pool, request, len(items))
        return None

    @property
    def available_test_inputs(self) -> int:
        """How many distinct UT inputs this pool can ever give (the stage-3 inputs held out)."""
        return len(self._draws["UT inputs"])

    def drawn_inputs(self) -> list[Any]:
        """The distinct UT inputs drawn so far, in draw order."""
        with self._lock:
            return copy.deepcopy(self._draws["UT inputs"][:self._drawn["UT inputs"]])

    def drawn_programs(self) -> list[str]:
        """The programs drawn so far (initial pools, refreshes and resamples), in draw order."""
        with self._lock:
            return list(self._draws["programs"][:self.usage.code_draws])

    def held_out_inputs(self) -> list[Any]:
        """Every input held out of the UT pool for stage 3 (R of them at most), in the order they are given."""
        return copy.deepcopy(self._stage3)

    # -- requests ----------------------------------------------------------------------------------------------

    async def propose_hints(self, count: int) -> list[str]:
        return [HINT_PLACEHOLDER] if count > 0 else []

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        return "Replayed sample: the pool records no plan; the next recorded program is used as it was sampled."

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        return []  # the pools hold none; an invented placeholder would label random UTs as attacks

    async def write_code(self, plan: str | None, index: int) -> str | None:
        return self._draw("programs", "write_code")

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        return self._draw("UT inputs", "write_test_input")

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        key = input_key(test_input)
        with self._lock:
            answers = self._answers.get(key)
            if not answers:
                self.usage.unknown_inputs += 1
                self.usage.failed_requests += 1
                return None
            turn = self._answer_cursor[key]
            if turn >= len(answers):
                self.usage.exhausted_predictions += 1
                return None
            self._answer_cursor[key] = turn + 1
            self.usage.predictions += 1
            return copy.deepcopy(answers[turn])

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        source = self._draw("programs", "repair_code (resample)")
        if source is None:
            return None
        with self._lock:
            self.usage.resamples += 1
        if self.on_event is not None:
            self.on_event({"type": "resample", "request": "repair_code"})
        return source

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        return copy.deepcopy(self._stage3[:max(0, count)])


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
                     draw_tests: int = 16, stage3_inputs: int = STAGE3_INPUTS, **_: Any) -> PoolPlayer:
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
                      source=folder, stage3_inputs=stage3_inputs)


def backbone_factory(rest: str, problem: Problem, executor: Any, options: Any) -> PoolPlayer:
    """The backbone registry's factory (`backbone.make_player`): a `PoolPlayer` for `pool:<folder>`;
    ModelConfigError (one sentence) when it cannot be made."""
    if getattr(options, "base_url", None):
        raise ModelConfigError("a base URL applies to language models (openai:<model>, anthropic:<model>), not to "
                               "pool replay")
    config = getattr(options, "config", None)  # the run's N_c, N_t and R: the initial draws and the held-out inputs
    sizes = {} if config is None else {"draw_codes": config.codes, "draw_tests": config.tests,
                                       "stage3_inputs": config.inputs}
    return make_pool_player(rest, problem, executor, getattr(options, "seed", 0),
                            on_event=getattr(options, "on_event", None), **sizes)
