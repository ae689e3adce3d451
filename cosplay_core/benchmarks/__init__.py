"""Benchmark data sets as problems and recorded pools: HumanEval (with its `check` ground truth), CodeT's recorded
CodeGen-16B samples for it, and APPS's stdin/stdout records (their tests as ground truth).

    problems = load_humaneval("../shared/data/HumanEval.jsonl.gz")
    passed = gt_pass_vector(problems[0], [problems[0].reference], Executor())
    pools = load_codet_pools("../shared/data/humaneval_codegen16b")   # {task_id: CodetPool}

`record_ids(path)` and `load_record(path, record_id)` are what `cosplay run FILE.jsonl#ID` and `cosplay bench FILE`
use: a HumanEval-format record as a problem, with a ground-truth scorer that decides by HumanEval's own `check`
(replayed outside the candidate's process: check_replay.py), or an APPS record as a stdin problem.
"""

from __future__ import annotations

from pathlib import Path

from cosplay_core.benchmarks.apps import (APPS_TIME_LIMIT_S, apps_problem, apps_record_id, is_apps_record,
                                          is_call_based)
from cosplay_core.benchmarks.check_replay import CheckJudge, GTVerdict
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
    gt_pass_vector,
    gt_verdicts,
    humaneval_problem,
    load_humaneval,
    load_humaneval_record,
    read_jsonl_records,
)
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import Problem, ProblemError
from cosplay_core.sandbox.protocol import ExecutorLike

__all__ = [
    "APPS_TIME_LIMIT_S",
    "CheckJudge",
    "CodetPool",
    "GTVerdict",
    "HumanEvalProblem",
    "codet_truncate",
    "extract_io_tests",
    "apps_problem",
    "ground_truth_for",
    "gt_pass_vector",
    "gt_verdicts",
    "load_codet_pools",
    "load_humaneval",
    "load_humaneval_record",
    "load_record",
    "parse_test_sample",
    "record_ids",
    "split_test_sample",
    "truncate_code_sample",
]

def record_ids(path: str | Path, runnable: bool = False) -> list[str]:
    """The record ids of a benchmark JSONL file (gzipped or not), in file order: HumanEval's `task_id`s, or APPS's
    `id`s. With `runnable`, only the records `load_record` accepts (APPS's call-based records are left out).

    Raises `ProblemError` (one line) for a missing or unreadable file, a malformed line, a record without an id, an
    id used by two different records (a record repeated as it is counts once), or a file with no records.
    """
    ids: list[str] = []
    seen: dict[str, tuple[int, dict]] = {}
    for number, record in read_jsonl_records(path):
        if is_apps_record(record):
            record_id = apps_record_id(record)
            if not record_id:
                raise ProblemError(f"{path}:{number}: missing key 'id'")
        else:
            task_id = record.get("task_id")
            if not isinstance(task_id, str) or not task_id.strip():
                raise ProblemError(f"{path}:{number}: missing key 'task_id'" if task_id is None
                                   else f"{path}:{number}: 'task_id' must be a non-empty string")
            record_id = task_id
        if record_id in seen:
            first, earlier = seen[record_id]
            if record == earlier:
                continue  # the same record twice (APPS's selection repeats four): one problem
            raise ProblemError(f"{path}:{number}: id {record_id!r} already used on line {first}")
        seen[record_id] = (number, record)
        if not (runnable and is_apps_record(record) and is_call_based(record)):
            ids.append(record_id)
    if not seen:
        raise ProblemError(f"{path}: no records")
    return ids


def ground_truth_for(problem: HumanEvalProblem, executor: ExecutorLike | None = None) -> GroundTruth:
    """The problem's ground-truth scorer: a code is correct when HumanEval's own `check` passes it, decided outside
    the code's process (`CheckJudge`: the recording of `check`'s calls is made once and kept), run through
    `executor` (without one, the scorer is bound later: `GroundTruth.bind`); all of one code's calls get the
    problem's time limit, at least 5 s."""
    judge = CheckJudge(problem, problem.limits(time_limit_s=max(problem.time_limit_s, 5.0)))
    return GroundTruth(problem, executor, check_codes=judge.correct)


def load_record(path: str | Path, record_id: str) -> tuple[Problem, GroundTruth | None]:
    """The record with this id as a problem, with its ground-truth scorer: for HumanEval, a function-mode problem
    scored by HumanEval's own `check` (a scorer without an executor: the run that uses it binds its own, and any
    other caller binds one with `GroundTruth.bind` before scoring);
    for APPS, a stdin problem whose tests are its ground truth (scorer None: the problem's tests).
    Raises `ProblemError` when the file or the record is missing or malformed.
    """
    for number, record in read_jsonl_records(path):  # one pass, whichever the layout
        if is_apps_record(record):
            if apps_record_id(record) == record_id:
                return apps_problem(record, f"{path}:{number}"), None
        elif record.get("task_id") == record_id:
            problem = humaneval_problem(record, f"{path}:{number}")
            return problem, ground_truth_for(problem)
    raise ProblemError(f"{path}: no record with task_id {record_id!r}")
