"""Stage 3, output-consensus cluster selection.

When several codes tie at the top pass count, each tied code runs on R random valid inputs; its signature is its
outputs (`None` for a failed run, ERR). Codes are grouped into clusters of compatible signatures (agreeing wherever
neither is ERR); the largest cluster wins and the chosen code comes from it (rules in `selectors.consensus_select`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from cosplay_core.problem import Problem
from cosplay_core.sandbox import Job, Outcome
from cosplay_core.sandbox.protocol import ExecutorLike
from cosplay_core.sandbox.relative import run_relative
from cosplay_core.selectors import stage3_ranking
from cosplay_core.stages.context import StepContext, StepResult
from cosplay_core.state import RunState, Selection, canonical


async def inputs_step(ctx: StepContext, state: RunState) -> StepResult:
    """R random valid inputs, for the signatures."""
    inputs = await ctx.player.random_inputs(ctx.config.inputs, ctx.indices())
    return StepResult(replace(state, random_inputs=tuple(inputs)))


async def select_step(ctx: StepContext, state: RunState) -> StepResult:
    """Stage 3 on the final pools (the codes tied at the top, or every code with `cluster_all_codes`; clustered only
    with random inputs), then the baselines on the stage-1 pools (`ctx.baselines`, counted apart)."""
    snap = ctx.matrix.snapshot()
    inputs = list(state.random_inputs)
    policies = ctx.config.policies
    every = policies.cluster_all_codes and bool(inputs)
    tied = list(snap.code_ids) if every else tied_top(snap.code_ids, snap.code_pass_counts)
    cluster = (policies.cluster_ties or every) and bool(inputs) and len(tied) > 1
    signatures: dict[int, tuple] = {c: () for c in snap.code_ids}
    if cluster:  # through the matrix's executor: the run's record, under its pool-relative limits
        rows = await asyncio.to_thread(run_signatures, ctx.matrix.executor, ctx.problem,
                                       [state.codes[c].source for c in tied], inputs)
        signatures.update(zip(tied, rows))
    selection = select_code(snap.code_ids, snap.code_pass_counts, signatures, inputs,
                            policies.cluster_ties and bool(inputs), every)
    state = replace(state, selection=selection)
    return StepResult(replace(state, baselines=await ctx.baselines(state)))


def signature(problem: Problem, outcomes: list[Outcome]) -> tuple:
    """A code's outputs on the random inputs in canonical form, None (ERR) where the run failed."""
    return tuple(canonical(o.value if problem.io == "function" else o.stdout, problem.io, problem.comparison)
                 if o.ok else None for o in outcomes)


def run_signatures(executor: ExecutorLike, problem: Problem, sources: list[str], inputs: Sequence[Any],
                   relative_time_limit: float | None = None) -> list[tuple]:
    """Signatures of `sources` on `inputs`, run in parallel in the sandbox (pool-relative limits when set)."""
    if not sources:
        return []
    limits = problem.limits()
    rows = run_relative(executor, [Job(problem.program(s), tuple(inputs), limits) for s in sources],
                        relative_time_limit)
    return [signature(problem, row) for row in rows]


def tied_top(code_ids: tuple[int, ...], pass_counts: np.ndarray) -> list[int]:
    """Ids of the codes with the highest pass count."""
    if not len(code_ids):
        return []
    best = pass_counts.max()
    return [code_id for code_id, count in zip(code_ids, pass_counts) if count == best]


def select_code(code_ids: tuple[int, ...], pass_counts: np.ndarray, signatures: dict[int, tuple],
                inputs: Sequence[Any], cluster_ties: bool = True, cluster_all: bool = False) -> Selection:
    """Stage 3's choice among `code_ids` given their pass counts and signatures (code id -> signature).

    By default the codes tied at the top pass count are clustered; with `cluster_all`, every code is (the largest
    cluster wins, pass counts breaking ties), which needs every code's signature. The rule is
    `selectors.stage3_ranking`'s; this wraps its choice as a Selection."""
    # Code ids are the pool's stable slots 0..n-1, so the selectors' row indices are the ids in their reasons.
    assert tuple(code_ids) == tuple(range(len(code_ids))), "code ids must be the slots 0..n-1"
    ranking, choice, tied = stage3_ranking([int(c) for c in pass_counts], signatures, cluster_ties, cluster_all)
    best = int(pass_counts.max()) if len(pass_counts) else 0
    if choice is None and len(tied) == 1:
        return Selection(tied[0], tuple(tied), ((tied[0],),), {tied[0]: signatures.get(tied[0], ())}, tuple(inputs),
                         (f"code {tied[0]} alone passes the most UTs ({best}): no clustering needed",))
    if choice is None:
        return Selection(ranking.choice, tuple(tied), (), {}, (),
                         (f"{len(tied)} codes tie at {best} passed UTs; clustering is off, so the lowest id, "
                          f"code {ranking.choice}, is chosen",))
    clusters = tuple(tuple(cluster) for cluster in choice.clusters)
    return Selection(choice.code, tuple(tied), clusters, {c: signatures[c] for c in tied}, tuple(inputs),
                     tuple(choice.reasons))
