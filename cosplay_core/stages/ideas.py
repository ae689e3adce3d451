"""Stage 1, exploration-attack idea generation: hints, plans, attack ideas, the code pool and the UT pool.

Unit-test expected outputs come from self-consistency: k independent predictions, kept when at least ceil(3k/4)
agree, otherwise the test is regenerated (a bounded number of times); the votes are kept on the test. A test whose
votes never agree is *unused* (`agreement == 0`): it stays in the pool's record, with its votes, but is never
executed and counts in no pass count (the run keeps it out of the execution matrix).

Half of the UT inputs target attack ideas, spread evenly over the plans (`test_attacks`).
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace
from typing import Any, Sequence

from cosplay_core.config import RunConfig
from cosplay_core.players.contract import Player
from cosplay_core.problem import Problem
from cosplay_core.stages.context import Indices, StepContext, StepResult
from cosplay_core.stages.together import gather_all
from cosplay_core.state import Code, RunState, UnitTest, canonical


async def hints_step(ctx: StepContext, state: RunState) -> StepResult:
    """Hints: K_h distinct solution approaches."""
    return StepResult(replace(state, hints=tuple(await ctx.player.propose_hints(ctx.config.hints))))


async def plans_step(ctx: StepContext, state: RunState) -> StepResult:
    """One plan per code, each built on a subset of the hints."""
    return StepResult(replace(state, plans=tuple(await write_plans(ctx.player, state.hints, ctx.config,
                                                                   ctx.indices))))


async def attacks_step(ctx: StepContext, state: RunState) -> StepResult:
    """Attack ideas for each plan."""
    attacks = await attack_ideas(ctx.player, state.plans, ctx.indices)
    return StepResult(replace(state, attacks=tuple(tuple(ideas) for ideas in attacks)))


async def codes_step(ctx: StepContext, state: RunState) -> StepResult:
    """The code pool: one program per plan, in slots 0..N_c-1."""
    return StepResult(replace(state, codes={c.id: c for c in await write_codes(ctx.player, state.plans,
                                                                                ctx.indices)}))


async def tests_step(ctx: StepContext, state: RunState) -> StepResult:
    """The UT pool (expected outputs by self-consistency), executed against the codes; the stage-1 pools are kept
    (`initial`: sources and passes) for the baselines."""
    tests = await write_tests(ctx.player, ctx.problem, state.attacks, ctx.config, ctx.indices)
    state = replace(state, tests={t.id: t for t in tests})
    snap = await ctx.refresh(state)
    initial = {"codes": [c.source for c in state.codes.values()], "passes": snap.passes.tolist()}
    return StepResult(replace(state, initial=initial))


def test_block_size(config: RunConfig) -> int:
    """Indices one `make_test` may use: an input and k votes per attempt."""
    return (config.regenerations + 1) * (1 + config.votes)


def plan_hint_subsets(hint_count: int, plan_count: int, per_plan: int, seed: int) -> list[tuple[int, ...]]:
    """For each plan, the indices of the hints it builds on: distinct subsets first, in a seeded order."""
    if hint_count == 0:
        return [()] * plan_count
    size = min(per_plan, hint_count)
    subsets = list(itertools.combinations(range(hint_count), size))
    random.Random(seed).shuffle(subsets)
    return [subsets[i % len(subsets)] for i in range(plan_count)]


async def write_plans(player: Player, hints: Sequence[str], config: RunConfig, next_index: Indices) -> list[str]:
    subsets = plan_hint_subsets(len(hints), config.codes, config.hints_per_plan, config.seed)
    requests = [player.write_plan([hints[i] for i in subset], next_index()) for subset in subsets]
    plans = await gather_all(*requests)
    return [plan or "Solve the problem directly." for plan in plans]


async def attack_ideas(player: Player, plans: Sequence[str], next_index: Indices) -> list[list[str]]:
    return list(await gather_all(*[player.attack_ideas(plan, next_index()) for plan in plans]))


async def write_codes(player: Player, plans: Sequence[str], next_index: Indices, attempts: int = 3) -> list[Code]:
    """One program per plan (a failed request is retried with a new index, up to `attempts` times)."""

    async def one(slot: int, plan: str, indices: Indices) -> Code:
        for _ in range(attempts):
            source = await player.write_code(plan, indices())
            if source:
                return Code(slot, source, f"plan {slot + 1}")
        return Code(slot, "# the model produced no program for this plan\nraise SystemExit(1)\n",
                    f"plan {slot + 1} (no program after {attempts} attempts)")

    return list(await gather_all(*[one(slot, plan, next_index.block(attempts))
                                       for slot, plan in enumerate(plans)]))


async def predict_expected(player: Player, problem: Problem, test_input: Any, config: RunConfig,
                           next_index: Indices) -> tuple[Any, tuple, int]:
    """(expected output, all votes, agreement count); agreement is 0 when fewer than ceil(3k/4) agree (with the
    `votes_cast` policy, ceil(3m/4) of the m predictions given)."""
    k = config.votes if config.policies.self_consistency else 1
    votes = await gather_all(*[player.predict_output(test_input, next_index()) for _ in range(k)])
    valid = [v for v in votes if v is not None]
    if not valid:
        return None, tuple(votes), 0
    counts = Counter(canonical(v, problem.io, problem.comparison) for v in valid)
    winner, count = counts.most_common(1)[0]
    expected = next(v for v in valid if canonical(v, problem.io, problem.comparison) == winner)
    return expected, tuple(votes), count if count >= config.agreement_needed_of(len(valid)) else 0


async def make_test(player: Player, problem: Problem, test_id: int, attack: str | None, config: RunConfig,
                    next_index: Indices, origin: str, version: int = 0) -> UnitTest:
    """A unit test whose expected output has agreement, regenerating the input up to `config.regenerations` times.

    When no attempt reaches agreement, the last attempt with a prediction is returned unused (agreement 0, its votes
    kept, its origin saying so); when no attempt even gave an input and a prediction, an empty unused test.
    """
    kind = "attack" if attack else "random"
    fallback = None
    for attempt in range(config.regenerations + 1):
        test_input = await player.write_test_input(attack, next_index())
        if test_input is None:
            continue
        expected, votes, agreement = await predict_expected(player, problem, test_input, config, next_index)
        if expected is None:
            continue
        note = origin if attempt == 0 else f"{origin}, input regenerated {attempt}x for agreement"
        test = UnitTest(test_id, test_input, expected, kind, attack, votes, agreement, note, version)
        if agreement:
            return test
        fallback = test
    if fallback is not None:
        cast = sum(vote is not None for vote in fallback.votes)
        return replace(fallback, origin=f"{origin}: unused, no {config.agreement_needed_of(cast)} of "
                                        f"{len(fallback.votes)} votes agreed in {config.regenerations + 1} attempts")
    empty = "" if problem.io == "stdin" else []
    return UnitTest(test_id, empty, None, kind, attack, (), 0, f"{origin} (the model produced no usable test)",
                    version)


def spread_attacks(attacks: Sequence[Sequence[str]], count: int) -> list[str]:
    """`count` attack ideas drawn evenly from every plan's ideas (plans without ideas are skipped).

    With at least as many UTs as plans, the plans take turns (UT i targets plan i mod P) and each plan's ideas are
    used in its own order, so every plan is drawn on and no plan gets two UTs more than another. With fewer UTs
    than plans, the UTs target plans at evenly spaced positions (8 UTs over 16 plans: plans 1, 3, 5, ...), one idea
    each: no plan can be left out less unevenly.
    """
    plans = [ideas for ideas in attacks if ideas]
    if not plans or count <= 0:
        return []
    chosen = [i * len(plans) // count if count < len(plans) else i % len(plans) for i in range(count)]
    visits: Counter = Counter()
    targets = []
    for plan in chosen:
        ideas = plans[plan]
        targets.append(ideas[visits[plan] % len(ideas)])
        visits[plan] += 1
    return targets


def test_attacks(attacks: Sequence[Sequence[str]], config: RunConfig) -> list[str | None]:
    """Which attack idea each UT targets: the first half random (None), the rest attack ideas spread evenly over
    the plans (`spread_attacks`); all random when the policy is off or no plan has an idea."""
    random_count = config.tests // 2 if config.policies.attack_tests else config.tests
    targets: list[str | None] = [None] * random_count
    spread = spread_attacks(attacks, config.tests - random_count)
    return targets + spread + [None] * (config.tests - random_count - len(spread))


async def write_tests(player: Player, problem: Problem, attacks: Sequence[Sequence[str]], config: RunConfig,
                      next_index: Indices) -> list[UnitTest]:
    targets = test_attacks(attacks, config)
    return list(await gather_all(*[
        make_test(player, problem, test_id, attack, config, next_index.block(test_block_size(config)),
                  "attack idea" if attack else "random valid input")
        for test_id, attack in enumerate(targets)]))
