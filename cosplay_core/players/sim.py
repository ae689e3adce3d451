"""The `sim` backbone: an offline SIMULATION of a code model, not a language model.

For a problem with a reference solution and plausible wrong solutions (every sample problem), it answers the
player's requests by sampling from that problem's program space with tunable skills:

- code skill: the chance that a new program is the reference (otherwise a wrong solution, uniformly);
- test skill: the chance that a predicted output is the reference's output; a wrong prediction is the output of a
  wrong solution on that input (the same one each time for a given input: the model's misconception), so wrong
  votes can agree, wrong unit tests share bugs with wrong codes, and spurious coupling arises the way it does with
  real models;
- repair skill: the chance that a repair toward a unit test's expected output succeeds: toward a right test it
  yields the reference, toward a wrong test a program that matches the wrong test (one of the wrong solutions).

Hints and attack ideas come from the problem's `ideas.toml`, inputs from its `gen.py` (run in the sandbox: `random`
inputs for random UTs, `edge` ones for UTs that target an attack idea, stage 3's mix with one `large`; a call that
fails or returns no valid input raises ProblemError, which pauses the run with every finished step kept), outputs
from running the programs in the sandbox. Every answer is drawn from a random stream keyed by (seed, request,
arguments), so a run is deterministic for a seed whatever the order in which concurrent requests complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from cosplay_core.compare import outcome_matches
from cosplay_core.models.base import BudgetExceeded, ModelConfigError
from cosplay_core.players.contract import PlayerInfo, PlayerUsage, stage3_input_kinds
from cosplay_core.problem import Problem, ProblemError, decode_generated_input, generator_program
from cosplay_core.sandbox import Executor, Job, Limits, Outcome, pair_key

IMAGINE_TIME_LIMIT_S = 0.5
SIM_NOTICE = "sim is a simulation, not a language model: it samples the problem's known programs with set skills"


@dataclass(frozen=True)
class SimSkills:
    """Skills of the simulated model, each a probability in [0, 1]."""

    code: float = 0.3
    test: float = 0.6
    repair: float = 0.5

    def __post_init__(self) -> None:
        for name in ("code", "test", "repair"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"sim {name} skill must be between 0 and 1, not {value}")


def _output_of(problem: Problem, outcome: Outcome) -> Any:
    return outcome.value if problem.io == "function" else outcome.stdout


def sim_refusal(problem: Problem) -> str | None:
    """Why sim cannot play `problem` (one sentence), or None: it needs a reference, wrong solutions and a gen.py."""
    if not problem.reference or not problem.wrong:
        return (f"the sim backbone needs a problem with a reference and wrong solutions "
                f"({problem.slug} has {'no reference' if not problem.reference else 'none wrong'}); "
                "use a real model for pasted problems")
    if problem.generator is None:
        return f"the sim backbone needs the problem's gen.py ({problem.slug} has none)"
    return None


class SimPlayer:
    """Answers the player's requests from `problem`'s reference and wrong solutions (see the module docstring)."""

    def __init__(self, problem: Problem, executor: Executor, seed: int = 0, skills: SimSkills = SimSkills(),
                 max_calls: int | None = None):
        refusal = sim_refusal(problem)
        if refusal:
            raise ModelConfigError(refusal)
        assert problem.reference is not None, "sim_refusal refuses a problem without a reference"
        self.problem = problem
        self.reference: str = problem.reference
        self.executor = executor
        self.seed = seed
        self.skills = skills
        self.max_calls = max_calls  # the run's budget of (simulated) calls, as for a language model; None: none
        self.usage = PlayerUsage()
        self.info = PlayerInfo("sim", simulation=True, description=SIM_NOTICE,
                               settings={"code_skill": skills.code, "test_skill": skills.test,
                                         "repair_skill": skills.repair, "seed": seed})
        self._limits = problem.limits()
        # A simulated model "imagines" a wrong program's output; one too slow to show it in this time is skipped.
        self._imagine_limits = problem.limits(time_limit_s=min(problem.time_limit_s, IMAGINE_TIME_LIMIT_S))
        self._outcomes: dict[str, Outcome | asyncio.Future] = {}  # by pair_key: finished, or being executed

    # -- randomness and execution ------------------------------------------------------------------------------

    def _key(self, request: str, *args: Any) -> str:
        blob = json.dumps([self.seed, request, args], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _rng(self, request: str, *args: Any) -> random.Random:
        """The random stream of one request (each counts as a call of the simulated model, against `max_calls`:
        BudgetExceeded once the budget is spent, as a language model's client raises it)."""
        if self.max_calls is not None and self.usage.calls >= self.max_calls:
            raise BudgetExceeded(f"the budget of {self.max_calls} model calls is spent")
        self.usage.calls += 1
        return random.Random(self._key(request, *args))

    async def _run(self, sources: list[str], test_input: Any, limits: Limits | None = None) -> list[Outcome]:
        """The outcomes of `sources` on `test_input`, each pair executed once for the player's life.

        Concurrent requests (the k votes of a UT) ask for the same pair at the same time; the executor's cache
        answers only what has finished, so without this each would execute it, and how many did would depend on
        timing (a run's execution count differed from run to run)."""
        limits = limits or self._limits
        programs = [self.problem.program(source) for source in sources]
        keys = [pair_key(program, test_input, limits) for program in programs]
        missing = {key: program for key, program in zip(keys, programs) if key not in self._outcomes}
        if missing:
            loop = asyncio.get_running_loop()
            pending = {key: loop.create_future() for key in missing}
            self._outcomes.update(pending)
            try:
                rows = await asyncio.to_thread(self.executor.run_jobs,
                                               [Job(program, (test_input,), limits) for program in missing.values()])
            except BaseException as exc:
                for key, future in pending.items():
                    del self._outcomes[key]
                    future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("interrupted"))
                    future.exception()  # retrieved: a waiter re-raises it, none is also fine
                raise
            for (key, future), row in zip(pending.items(), rows):
                self._outcomes[key] = row[0]
                future.set_result(row[0])
        return [await found if isinstance(found := self._outcomes[key], asyncio.Future) else found for key in keys]

    async def _generate(self, kind: str, rng: random.Random, count: int = 1) -> list[Any]:
        seeds = [[rng.randrange(2 ** 31), kind] for _ in range(count)]
        outcomes = await asyncio.to_thread(self.executor.run, generator_program(self.problem), seeds,
                                           Limits(time_limit_s=10, output_limit_bytes=64 << 20))
        inputs = []
        for (seed, _), outcome in zip(seeds, outcomes):
            try:
                if not outcome.ok:
                    lines = outcome.stderr.strip().splitlines()
                    raise ValueError(f"{outcome.status}{': ' + lines[-1] if lines else ''}")
                inputs.append(decode_generated_input(self.problem, outcome.value))
            except ValueError as exc:  # the problem's own tool is broken: no input would come from it
                raise ProblemError(f"{self.problem.path or self.problem.slug}: gen.py failed on generate(rng, "
                                   f"{kind!r}) with seed {seed}: {exc}") from None
        return inputs

    # -- requests ----------------------------------------------------------------------------------------------

    async def propose_hints(self, count: int) -> list[str]:
        hints = list(self.problem.hints) or ["Solve it directly, following the statement."]
        self._rng("hints", count).shuffle(hints)
        return hints[:count]

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        self._rng("plan", index)
        steps = "\n".join(f"- {hint}" for hint in hints)
        return f"A plan built on these approaches:\n{steps}"  # numbered by whoever shows it (the slot, not `index`)

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        attacks = list(self.problem.attacks) or ["the smallest valid input", "the largest valid input"]
        rng = self._rng("attacks", index)
        return rng.sample(attacks, min(len(attacks), 3))

    async def write_code(self, plan: str | None, index: int) -> str | None:
        rng = self._rng("code", plan, index)
        if rng.random() < self.skills.code:
            return self.reference
        return rng.choice(self.problem.wrong).source

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        rng = self._rng("test_input", attack, index)
        inputs = await self._generate("edge" if attack else "random", rng)
        return inputs[0] if inputs else None

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        rng = self._rng("predict", test_input, index)
        [reference] = await self._run([self.reference], test_input)
        if not reference.ok:
            self.usage.failed_requests += 1
            return None
        if rng.random() < self.skills.test:
            return _output_of(self.problem, reference)
        # A wrong prediction is what a wrong program outputs here: the simulated model holds one misconception
        # per input (the same wrong program every time it errs on it), as a model with a bug in its reasoning
        # repeats it, so wrong votes can agree and make a wrong UT that couples with the codes sharing the bug.
        # Wrong programs too slow to show an output in a moment are skipped.
        wrong = [w.source for w in self.problem.wrong]
        random.Random(self._key("misconception", test_input)).shuffle(wrong)
        for source in wrong:
            [outcome] = await self._run([source], test_input, self._imagine_limits)
            if outcome.ok:
                return _output_of(self.problem, outcome)
        return _output_of(self.problem, reference)

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        rng = self._rng("repair", code, test_input, expected, index)
        succeeds = rng.random() < self.skills.repair
        if succeeds:
            [reference] = await self._run([self.reference], test_input)
            if outcome_matches(expected, reference, self.problem.io, self.problem.comparison):
                return self.reference
            # Toward a wrong UT, a "successful" repair is a program that shares the UT's bug: wrong programs are
            # tried in a random order, so a too-slow one costs time only when drawn.
            wrong = [w.source for w in self.problem.wrong]
            rng.shuffle(wrong)
            for source in wrong:
                [outcome] = await self._run([source], test_input, self._imagine_limits)
                if outcome_matches(expected, outcome, self.problem.io, self.problem.comparison):
                    return source
        return rng.choice(self.problem.wrong).source

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        """Inputs of the kinds `stage3_input_kinds` names, from the problem's gen.py (as a model's generator)."""
        rng = self._rng("random_inputs", count, index)
        kinds = stage3_input_kinds(count)
        inputs = []
        for kind in dict.fromkeys(kinds):
            inputs += await self._generate(kind, rng, kinds.count(kind))
        return inputs
