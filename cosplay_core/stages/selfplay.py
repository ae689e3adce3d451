"""Stage 2, execution-matrix-driven self-play: the four steps of a round, each a pure decision on the matrix followed
by the player requests it needs. Each step takes the run's state and returns a new state with the changes it made
(`StepResult`); the run then refreshes the matrix (only the rows and columns that changed are executed again).

The matrix holds the used UTs only: a UT whose votes never agreed (`UnitTest.agreed` false) takes part in no
decision. A UT that a step re-derives or regenerates without reaching agreement becomes unused the same way.
A player that cannot repair (pool replay: `player.resamples_repairs`) answers a repair with a fresh draw; its
changes are named "resample" (`code_resampled`, `resample_rejected`), never "repair".
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import numpy as np

from cosplay_core.matrix import MatrixSnapshot
from cosplay_core.stages.context import StepContext, StepResult
from cosplay_core.stages.ideas import make_test, predict_expected, test_block_size
from cosplay_core.stages.together import gather_all
from cosplay_core.state import Change, RunState, bump, canonical


def _mean_pass_of_passers(snap: MatrixSnapshot, column: int) -> float:
    passers = snap.passes[:, column]
    return float(snap.code_pass_counts[passers].mean()) if passers.any() else 0.0


def nontrivial_tests(snap: MatrixSnapshot) -> list[int]:
    """Column indices of UTs with non-trivial support: passed by some codes but not all."""
    counts, n = snap.test_pass_counts, len(snap.code_ids)
    return [j for j in range(len(snap.test_ids)) if 0 < counts[j] < n]


def weakest_test(snap: MatrixSnapshot) -> int | None:
    """The non-trivial UT with the lowest support (ties: lower mean pCode of its passers, then lower id)."""
    candidates = nontrivial_tests(snap)
    if not candidates:
        return None
    return min(candidates, key=lambda j: (snap.test_pass_counts[j], _mean_pass_of_passers(snap, j), snap.test_ids[j]))


def trusted_test(snap: MatrixSnapshot, min_passes: int = 1) -> int | None:
    """The most-supported non-trivial UT (ties: higher mean pCode of its passers, then lower id), provided at least
    `min_passes` codes pass it; None when no UT qualifies."""
    candidates = [j for j in nontrivial_tests(snap) if snap.test_pass_counts[j] >= min_passes]
    if not candidates:
        return None
    return min(candidates, key=lambda j: (-snap.test_pass_counts[j], -_mean_pass_of_passers(snap, j),
                                          snap.test_ids[j]))


def trivial_tests(snap: MatrixSnapshot) -> list[int]:
    """Column indices of UTs that carry no signal: passed by no code, or by every code."""
    counts, n = snap.test_pass_counts, len(snap.code_ids)
    return [j for j in range(len(snap.test_ids)) if counts[j] == 0 or counts[j] == n]


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


async def clean_codes(ctx: StepContext, state: RunState) -> StepResult:
    """Step 1: codes that pass no UT are replaced by fresh samples. With no used UT at all, a pass count of 0 says
    nothing against a code, and nothing is replaced."""
    snap = ctx.matrix.snapshot()
    zero = [snap.code_ids[i] for i in np.flatnonzero(snap.code_pass_counts == 0)]
    if not zero or not snap.test_ids:
        return StepResult(state)
    sources = await gather_all(*[ctx.player.write_code(None, ctx.indices()) for _ in zero])
    codes = dict(state.codes)
    changes = []
    for code_id, source in zip(zero, sources):
        if not source:
            continue
        old = codes[code_id]
        codes[code_id] = bump(old, source, "fresh sample")
        changes.append(Change("code_replaced", "code", code_id, f"code {code_id} passed no UT: replaced by a fresh "
                                                                 "sample", old.source, source))
    return StepResult(replace(state, codes=codes), tuple(changes))


async def break_coupling(ctx: StepContext, state: RunState) -> StepResult:
    """Step 2: the weakest non-trivial UT gets its expected output re-derived, or is regenerated."""
    snap = ctx.matrix.snapshot()
    player, problem, config, next_index = ctx.player, ctx.problem, ctx.config, ctx.indices
    column = weakest_test(snap)
    if column is None:
        return StepResult(state)
    test_id = snap.test_ids[column]
    tests = dict(state.tests)
    old = tests[test_id]
    support = int(snap.test_pass_counts[column])
    expected, votes, agreement = await predict_expected(player, problem, old.input, config, next_index)
    why = f"UT {test_id} had the lowest non-trivial support ({support} of {len(snap.code_ids)} codes)"
    if expected is not None and agreement:
        same = canonical(expected, problem.io, problem.comparison) == canonical(old.expected, problem.io,
                                                                                problem.comparison)
        tests[test_id] = replace(old, expected=expected, votes=votes, agreement=agreement,
                                 origin=old.origin if same else "expected output re-derived",
                                 version=old.version + (0 if same else 1))
        if same:
            change = Change("test_confirmed", "test", test_id, f"{why}: expected output re-derived, unchanged "
                                                                f"({_show(expected)})", old.expected, expected)
        else:
            change = Change("test_rederived", "test", test_id, f"{why}: expected output re-derived, "
                                                                f"{_show(old.expected)} -> {_show(expected)}",
                            old.expected, expected)
        return StepResult(replace(state, tests=tests), (change,))
    new = await make_test(player, problem, test_id, old.attack, config, next_index,
                          "regenerated (no agreement on a re-derived output)", old.version + 1)
    tests[test_id] = new
    outcome = "regenerated" if new.agreed else "regenerated without agreement either: UT not used"
    return StepResult(replace(state, tests=tests), (Change(
        "test_regenerated", "test", test_id, f"{why}: no agreement on a re-derived output, {outcome}",
        [old.input, old.expected], [new.input, new.expected]),))


async def fix_codes(ctx: StepContext, state: RunState) -> StepResult:
    """Step 3: the most-supported non-trivial UT is trusted when at least `config.trusted_min_passes` codes pass
    it; codes failing it are repaired against it.

    With `verify_repairs` (default), a repair is kept when the repaired program passes the trusted UT; otherwise the
    code stays as it was. Without it, every repair is kept.
    """
    snap, matrix = ctx.matrix.snapshot(), ctx.matrix
    player, config, next_index, codes = ctx.player, ctx.config, ctx.indices, dict(state.codes)
    column = trusted_test(snap, config.trusted_min_passes(len(snap.code_ids)))
    if column is None:
        return StepResult(state)
    test_id = snap.test_ids[column]
    test = state.tests[test_id]
    rows = np.flatnonzero(~snap.passes[:, column])
    failing = [snap.code_ids[i] for i in rows]
    requests = [player.repair_code(codes[snap.code_ids[i]].source, test.input, test.expected, snap.outcomes[i][column],
                                   next_index()) for i in rows]
    repaired = await gather_all(*requests)
    candidates = {code_id: source for code_id, source in zip(failing, repaired) if source}
    verdicts = dict.fromkeys(candidates, True)
    if candidates and config.policies.verify_repairs:
        probe = matrix.probe()
        probe.set_test(test_id, test.input, test.expected)
        for code_id, source in candidates.items():
            probe.set_code(code_id, source)
        await asyncio.to_thread(probe.refresh)
        verdicts = {code_id: probe.passed(code_id, test_id) for code_id in candidates}
    support = int(snap.test_pass_counts[column])
    resample = bool(getattr(player, "resamples_repairs", False))
    word, kept, rejected = (("resample", "code_resampled", "resample_rejected") if resample
                            else ("repair", "code_repaired", "repair_rejected"))
    changes = []
    for code_id in failing:
        if code_id not in candidates:
            continue
        old = codes[code_id]
        why = (f"code {code_id} failed UT {test_id}, the most trusted test ({support} of {len(snap.code_ids)} codes "
               "pass it)")
        if verdicts[code_id]:
            done = "replaced by a resample (the backbone cannot repair)" if resample else "repaired"
            done += (" that passes it" if resample else "") if config.policies.verify_repairs else " (not checked)"
            codes[code_id] = bump(old, candidates[code_id],
                                  f"resampled against UT {test_id}" if resample else f"repaired against UT {test_id}")
            changes.append(Change(kept, "code", code_id, f"{why}: {done}", old.source, candidates[code_id]))
        else:
            changes.append(Change(rejected, "code", code_id, f"{why}: the {word} still fails it, code kept",
                                  old.source, candidates[code_id]))
    return StepResult(replace(state, codes=codes), tuple(changes))


async def replace_trivial_tests(ctx: StepContext, state: RunState) -> StepResult:
    """Step 4: UTs passed by no code or by every code carry no signal and are replaced."""
    snap, config = ctx.matrix.snapshot(), ctx.config
    columns = trivial_tests(snap)
    if not columns:
        return StepResult(state)
    n = len(snap.code_ids)
    tests = dict(state.tests)
    olds = [tests[snap.test_ids[j]] for j in columns]
    news = await gather_all(*[
        make_test(ctx.player, ctx.problem, old.id, old.attack, config, ctx.indices.block(test_block_size(config)),
                  "replacement for a zero-discrimination UT", old.version + 1) for old in olds])
    changes = []
    for j, old, new in zip(columns, olds, news):
        tests[old.id] = new
        who = "no code" if snap.test_pass_counts[j] == 0 else f"every code ({n})"
        outcome = "replaced" if new.agreed else "replaced by one whose votes never agreed: UT not used"
        changes.append(Change("test_replaced", "test", old.id, f"UT {old.id} was passed by {who}: {outcome}",
                              [old.input, old.expected], [new.input, new.expected]))
    return StepResult(replace(state, tests=tests), tuple(changes))
