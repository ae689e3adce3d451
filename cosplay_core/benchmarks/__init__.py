"""Benchmark data sets as problems and recorded pools: HumanEval (with its `check` ground truth) and CodeT's
recorded CodeGen-16B samples for it.

    problems = load_humaneval("../shared/data/HumanEval.jsonl.gz")
    passed = gt_pass_vector(problems[0], [problems[0].reference], Executor())
    pools = load_codet_pools("../shared/data/humaneval_codegen16b")   # {task_id: CodetPool}

`record_ids(path)` and `load_record(path, record_id)` are what `cosplay run FILE.jsonl#ID` and `cosplay bench FILE`
use: a HumanEval-format record as a problem, with a ground-truth scorer that runs HumanEval's own `check`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cosplay_core.benchmarks.codet_pools import (
    CodetPool,
    codet_truncate,
    load_codet_pools,
    parse_test_sample,
    split_test_sample,
    truncate_code_sample,
)
from cosplay_core.benchmarks.humaneval import (
    HumanEvalProblem,
    extract_io_tests,
    gt_check_outcomes,
    gt_check_program,
    gt_pass_vector,
    load_humaneval,
    load_humaneval_record,
    read_jsonl_records,
)
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import ProblemError
from cosplay_core.sandbox import Executor

__all__ = [
    "CodetPool",
    "HumanEvalProblem",
    "codet_truncate",
    "extract_io_tests",
    "gt_check_outcomes",
    "gt_check_program",
    "ground_truth_for",
    "gt_pass_vector",
    "load_codet_pools",
    "load_humaneval",
    "load_humaneval_record",
    "load_record",
    "parse_test_sample",
    "record_ids",
    "run_codet_benchmark",
    "format_codet_table",
    "split_test_sample",
    "truncate_code_sample",
]

_LAZY = {"run_codet_benchmark", "format_codet_table"}  # the benchmark pulls in the engine: imported when asked for


def __getattr__(name: str):
    if name in _LAZY:
        from cosplay_core.benchmarks import codet_bench

        return getattr(codet_bench, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def record_ids(path: str | Path) -> list[str]:
    """The task_ids of a HumanEval-format JSONL file (gzipped or not), in file order.

    Raises `ProblemError` (one line) for a missing or unreadable file, a malformed line, a record without a
    string task_id, a task_id seen twice, or a file with no records.
    """
    ids: list[str] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl_records(path):
        task_id = record.get("task_id")
        if not isinstance(task_id, str) or not task_id.strip():
            raise ProblemError(f"{path}:{number}: missing key 'task_id'" if task_id is None
                               else f"{path}:{number}: 'task_id' must be a non-empty string")
        if task_id in seen:
            raise ProblemError(f"{path}:{number}: task_id {task_id!r} already used on line {seen[task_id]}")
        seen[task_id] = number
        ids.append(task_id)
    if not ids:
        raise ProblemError(f"{path}: no records")
    return ids


def ground_truth_for(problem: HumanEvalProblem, executor: Executor) -> GroundTruth:
    """The problem's ground-truth scorer: a code is correct when HumanEval's own `check` passes it
    (`gt_check_program`), run through `executor`."""
    return GroundTruth(problem, executor, check_program=lambda code: gt_check_program(problem, code))


class _DeferredExecutor:
    """Stands for an `Executor` created on first use and shared by every scorer `load_record` made.

    `load_record` is called before the run's executor exists; a caller that has one can rebind the scorer
    (`ground_truth.executor = executor`) and this one is never started.
    """

    deferred = True  # a caller with an executor of its own rebinds: `if getattr(gt.executor, "deferred", False)`
    _lock = threading.Lock()
    _shared: Executor | None = None

    def _real(self) -> Executor:
        with _DeferredExecutor._lock:
            if _DeferredExecutor._shared is None:
                _DeferredExecutor._shared = Executor()
            return _DeferredExecutor._shared

    @property
    def executions(self) -> int:
        shared = _DeferredExecutor._shared
        return shared.executions if shared is not None else 0

    def __getattr__(self, name):
        return getattr(self._real(), name)


def load_record(path: str | Path, record_id: str) -> tuple[HumanEvalProblem, GroundTruth]:
    """The record with this task_id as a function-mode problem, with its ground-truth scorer (HumanEval's `check`).

    The scorer runs in an executor created when it is first needed (one for the whole process); rebind it to
    share a run's executor: `ground_truth.executor = executor`, or build it with `ground_truth_for`.
    Raises `ProblemError` when the file or the record is missing or malformed.
    """
    problem = load_humaneval_record(path, record_id)
    return problem, ground_truth_for(problem, _DeferredExecutor())  # type: ignore[arg-type]
