"""The workload of the evalplus comparison: HumanEval problems, their canonical programs, and a few thousand inputs.

HumanEval+'s own inputs are downloaded at run time and cannot be reached here, so the workload is rebuilt the way
HumanEval+ built its inputs, from what is on this machine:
- problems: every 4th HumanEval task (HumanEval/0, /4, ..., /160), less `find_zero` (evalplus grades it with a
  special oracle, not by comparing outputs): 40 problems, chosen by position, not by speed;
- base inputs: the arguments of every call that the problem's own `check(candidate)` makes, recorded while it checks
  the canonical solution;
- more inputs: evalplus's own type-aware mutator (`evalplus.gen.type_mut.TypedMutGen`, with the canonical solution as
  its contract, as HumanEval+ did) grows each problem to `per_problem` inputs, seeded per problem;
- every input and every expected output is a JSON value (tuples become lists; anything else is dropped), so that both
  harnesses get exactly the same arguments; inputs on which the canonical solution raises or runs past evalplus's
  own 1 s contract limit are dropped;
- expected outputs and reference times come from evalplus's `trusted_exec` on the canonical solution, as its
  evaluator's `get_groundtruth` computes them.

Deterministic for a seed when run under PYTHONHASHSEED=0 (the mutator picks from sets of strings).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosplay_core.benchmarks.humaneval import read_jsonl_records

STRIDE = 4
EXCLUDED_ENTRY_POINTS = ("find_zero",)  # graded by a special oracle in evalplus, not by output equality
CONTRACT_TIME_LIMIT_S = 1.0  # evalplus's trusted_check_exec limit for an input of the canonical solution


@dataclass(frozen=True)
class Task:
    """One problem of the workload: its canonical program, inputs, expected outputs and reference times."""

    task_id: str
    entry_point: str
    code: str
    inputs: list
    expected: list  # the canonical solution's return values, as Python returns them (tuples stay tuples)
    ref_time: list  # seconds per input, as evalplus's get_groundtruth measures them
    base_inputs: int  # how many of `inputs` come from check() itself (the rest are mutations)


def select_records(path: str | Path) -> list[dict]:
    """The workload's problems: every `STRIDE`-th HumanEval record, less those graded by a special oracle."""
    records = [record for _, record in read_jsonl_records(path)]
    return [r for r in records[::STRIDE] if r["entry_point"] not in EXCLUDED_ENTRY_POINTS]


def as_json(value: Any) -> Any:
    """`value` with tuples turned into lists, or raises ValueError when it is not a JSON value that reads back equal."""
    def lists(x):
        if isinstance(x, (list, tuple)):
            return [lists(v) for v in x]
        if isinstance(x, dict):
            return {k: lists(v) for k, v in x.items()}
        return x

    converted = lists(value)
    try:
        same = json.loads(json.dumps(converted, allow_nan=False)) == converted
    except (TypeError, ValueError, RecursionError):
        same = False
    if not same:
        raise ValueError("not a JSON value")
    return converted


def _json_inputs(candidates: list, seen: set[str]) -> list:
    kept = []
    for candidate in candidates:
        try:
            value = as_json(candidate)
        except ValueError:
            continue
        key = json.dumps(value, sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def recorded_check_calls(record: dict) -> list:
    """The argument lists of every call `check(candidate)` makes on the canonical solution, in order."""
    namespace: dict = {}
    exec(record["prompt"] + record["canonical_solution"], namespace)
    canonical = namespace[record["entry_point"]]
    calls = []

    def candidate(*args):
        calls.append(copy.deepcopy(list(args)))
        return canonical(*args)

    exec(record["test"], namespace)
    namespace["check"](candidate)
    return calls


def _canonical_outcomes(code: str, entry_point: str, inputs: list) -> tuple[list, list, list]:
    """(kept inputs, expected outputs, reference times): inputs the canonical solution answers in time with a JSON
    value, through evalplus's trusted_exec under its contract time limit."""
    from evalplus.eval.utils import time_limit
    from evalplus.gen.util import trusted_exec

    kept, expected, times = [], [], []
    for item in inputs:
        try:
            with time_limit(CONTRACT_TIME_LIMIT_S):
                outputs, ref_time = trusted_exec(code, [item], entry_point, record_time=True)
            as_json(outputs[0])
        except BaseException:  # noqa: BLE001 - the canonical solution failed on it: not a valid input
            continue
        kept.append(item)
        expected.append(outputs[0])
        times.append(ref_time[0])
    return kept, expected, times


def build_task(record: dict, per_problem: int, seed: int) -> Task:
    """One problem's task: its check() inputs grown to about `per_problem` by evalplus's type-aware mutation."""
    from evalplus.gen.type_mut import TypedMutGen

    code = record["prompt"] + record["canonical_solution"]
    seen: set[str] = set()
    base = _json_inputs(recorded_check_calls(record), seen)
    random.seed(f"{seed}:{record['task_id']}")  # the mutator draws from the module-level generator
    mutator = TypedMutGen(base, record["entry_point"], code)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a progress line every 1,000 attempts
        mutated = _json_inputs(mutator.generate(max(0, per_problem - len(base))), seen) if base else []
    base_inputs, base_expected, base_times = _canonical_outcomes(code, record["entry_point"], base)
    inputs, expected, times = _canonical_outcomes(code, record["entry_point"], mutated)
    return Task(record["task_id"], record["entry_point"], code, base_inputs + inputs, base_expected + expected,
                base_times + times, len(base_inputs))


def build_workload(path: str | Path, per_problem: int, seed: int) -> list[Task]:
    """Every selected problem's task, in task order."""
    return [build_task(record, per_problem, seed) for record in select_records(path)]
