"""Every baseline at CoSPlay's budget: the selector table restricted to the codes and UTs a CoSPlay run saw (its
pools at every step), scored against ground truth. The HumanEval benchmark and `cosplay bench` both score
with `score_baselines`; `run_equal_budget` gathers what a `Run` saw and executes the pairs its matrix never ran."""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence, cast

import numpy as np

from cosplay_core import metrics, selectors
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.matrix import ExecutionMatrix, RecordingExecutor
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Executor
from cosplay_core.stages import consensus
from cosplay_core.state import Snapshot, to_jsonable


def score_baselines(gt: Any, passes: Any, counts: Sequence[int] | None, signatures: Sequence[tuple], inputs: int,
                    seed: int = 0) -> dict[str, dict[str, Any]]:
    """Every baseline of the selector table on one problem's pools: {name: {"code", "correct", "pass1", "tied"}},
    `pass1` tie-shared (the share of GT-correct codes in the selector's top group), `tied` that group's size.
    Without signature inputs (`inputs` 0) the signature selectors see empty signatures: nothing tells codes apart."""
    correct = np.asarray(gt, dtype=bool)
    matrix = np.asarray(passes, dtype=bool).reshape(len(correct), -1)
    counts = list(counts) if counts is not None else [1] * matrix.shape[1]
    evidence = selectors.Evidence(matrix, counts, [tuple(s) for s in signatures] if inputs else [()] * len(correct),
                                  seed)
    out: dict[str, dict[str, Any]] = {}
    for name, ranking in selectors.rank_all(evidence, "initial").items():
        out[name] = {"code": ranking.choice, "correct": bool(correct[ranking.choice]),
                     "pass1": metrics.tie_shared_pass1(ranking.top, correct), "tied": len(ranking.top)}
    return out


def _key(*values: Any) -> str:
    return json.dumps(to_jsonable(list(values)), sort_keys=True, default=repr)


def run_equal_budget(problem: Problem, recorder: RecordingExecutor, ground_truth: GroundTruth,
                     history: Iterable[Snapshot], inputs: Sequence[Any], seed: int) -> dict[str, Any] | None:
    """Every baseline on what a finished run saw: each code it held at any step (`history`; a slot's every version,
    so that a program drawn twice counts twice, as the HumanEval benchmark keeps duplicates as drawn) and each
    distinct used UT (a slot's every input and expected output), first seen first; signatures on its stage-3
    `inputs`. Pairs the run executed are answered from its `recorder`; the others are executed (counted in
    `executions`, apart from the run's own). None without ground truth or without a code and a UT.
    {"codes", "distinct_codes", "tests", "signature_inputs", "executions", "selectors": {name: {"code", "correct",
    "pass1", "tied"}}}, `code` an index into the codes in the order first seen."""
    if not ground_truth.available:
        return None
    codes: dict[tuple[int, int], str] = {}
    tests: dict[str, tuple[Any, Any]] = {}
    for snapshot in history:
        for code in snapshot.codes:
            codes.setdefault((code.id, code.version), code.source)
        for test in snapshot.tests:
            tests.setdefault(_key(test.id, test.input, test.expected), (test.input, test.expected))
    if not codes or not tests:
        return None
    before = recorder.executed
    matrix = ExecutionMatrix(cast(Executor, recorder), problem.io, problem.entry_point, problem.limits(),
                             problem.comparison)
    sources = list(codes.values())
    for i, source in enumerate(sources):
        matrix.set_code(i, source)
    for j, (test_input, expected) in enumerate(tests.values()):
        matrix.set_test(j, test_input, expected)
    matrix.refresh()
    inputs = list(inputs)
    signatures = consensus.run_signatures(cast(Executor, recorder), problem, sources, inputs) if inputs else \
        [()] * len(sources)
    correct = ground_truth.codes_correct(sources)
    scored = score_baselines(correct, matrix.snapshot().passes, None, signatures, len(inputs), seed)
    return {"codes": len(sources), "distinct_codes": len(set(sources)), "tests": len(tests),
            "signature_inputs": len(inputs),
            "executions": recorder.executed - before, "selectors": scored}
