"""What the reference solution answers, for viewers that show the ground truth next to a wrong UT (the coupling
debugger). Ground truth only: never shown to a model, never used by the algorithm."""

from __future__ import annotations

from typing import Any, Sequence

from cosplay_core.problem import Problem
from cosplay_core.sandbox import Executor


def reference_outputs(problem: Problem, inputs: Sequence[Any], executor: Executor) -> list[Any] | None:
    """The reference solution's output on each input (its stdout, or its return value in function mode; None where
    it fails), or None when the problem has no reference (a pasted problem, a benchmark judged by a checker)."""
    if not problem.reference:
        return None
    if not inputs:
        return []
    outcomes = executor.run(problem.program(problem.reference), list(inputs), problem.limits())
    return [(o.value if problem.io == "function" else o.stdout) if o.ok else None for o in outcomes]
