"""EvalPlus's releases (HumanEval+, MBPP+) as HumanEval-format records whose `check` holds every test.

An EvalPlus release record (evalplus/evalplus, `evalplus/data/humaneval.py` and `mbpp.py`, which download
`<Name>.jsonl.gz` from the GitHub releases of `evalplus/humanevalplus_release` and `evalplus/mbppplus_release`)
holds `task_id`, `prompt`, `entry_point`, `canonical_solution`, `base_input` and `plus_input` (lists of argument
lists, JSON), `atol` and `contract`; no expected outputs. EvalPlus computes those by running the canonical solution
on every input (`evaluate.py: get_groundtruth`, through `gen/util: trusted_exec`) and compares a candidate's output
with them in `eval/__init__.py: unsafe_execute`: `==`; for an expected float (or a non-empty list of floats) with
`atol` 0, a tolerance of 1e-6; with a tolerance and no exact match, the same type, the same length and
`numpy.allclose(out, exp, rtol=1e-07, atol=atol)`; plus a few per-task special oracles (`_special_oracle.py`).

Here the canonical solution runs in the sandbox on every input (typed values in and out, `typed_values`), and the
record's `test` becomes a `check(candidate)` with one assert per input and the expected value written out as a
Python literal: `assert candidate(<args>) == <expected>` where EvalPlus compares with `==` alone, else a helper that
makes EvalPlus's comparison (its numpy call written out in plain Python). An input on which the canonical solution
fails or times out (never, in the releases as published) is left out and counted. `check` is then decided by the
project's own HumanEval ground truth (`cosplay_core/benchmarks/check_replay.py`), outside the candidate's process.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cosplay_core.datasets.cache import DataError, Say, read_jsonl

if TYPE_CHECKING:  # the sandbox is imported when a program is built
    from cosplay_core.sandbox import Program

REQUIRED = ("task_id", "prompt", "entry_point", "canonical_solution", "base_input", "plus_input", "atol")
EXPECTED_TIME_LIMIT_S = 20.0  # CPU seconds for the canonical solution on one input (EvalPlus sets none)
EXPECTED_MEMORY_MB = 4096  # EvalPlus's own cap (EVALPLUS_MAX_MEMORY_BYTES)
MAX_DEPTH = 100

# Comparison helpers written into every converted `check`, as EvalPlus's `unsafe_execute` compares.
HELPERS = '''
def _floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def _allclose(out, exp, atol):
    # numpy.allclose(out, exp, rtol=1e-07, atol=atol), on numbers and (nested) sequences of numbers
    if isinstance(exp, (list, tuple)) or isinstance(out, (list, tuple)):
        if not (isinstance(exp, (list, tuple)) and isinstance(out, (list, tuple))) or len(out) != len(exp):
            return False
        return all(_allclose(o, e, atol) for o, e in zip(out, exp))
    if not isinstance(out, (int, float)) or not isinstance(exp, (int, float)):
        return False
    return out == exp or abs(out - exp) <= atol + 1e-07 * abs(exp)


def _matches(out, exp, atol, exact):
    if atol == 0 and _floats(exp):
        atol = 1e-6
    if not exact and atol != 0:
        if type(out) != type(exp):
            return False
        if isinstance(exp, (list, tuple)) and len(out) != len(exp):
            return False
        return _allclose(out, exp, atol)
    return bool(exact)


def _close(out, exp, atol):
    return _matches(out, exp, atol, out == exp)
'''


@dataclass(frozen=True)
class Oracle:
    """How one task's outputs are judged: `line(args, value, value_source, atol)` is the assert for one input
    (`args` the source of its arguments, `value` the expected value and `value_source` its literal), `helpers` any
    code those lines need, `expected(value)` what the canonical solution's value becomes (for tasks that judge a
    property of the output rather than the output)."""

    line: Callable[[str, Any, str, float], str]
    helpers: str = ""
    expected: Callable[[Any], Any] = lambda value: value


def default_line(args: str, expected_value: Any, expected: str, atol: float) -> str:
    """EvalPlus's comparison: plain `==` (the form `extract_io_tests` reads) when that is all it does."""
    if atol == 0 and not _is_floats(expected_value):
        return f"assert candidate({args}) == {expected}"
    return f"assert _close(candidate({args}), {expected}, {atol!r})"


def _is_floats(x: Any) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(i, float) for i in x)


# ---- Python literals -------------------------------------------------------------------------------------------


def literal(value: Any, depth: int = 0) -> str:
    """`value` as Python source that evaluates to an equal value of the same types (None, bool, int, float,
    complex, str, bytes, list, tuple, set, frozenset, dict). ValueError for anything else or deeper than
    MAX_DEPTH. Integers too long for decimal conversion are written in hex; non-finite floats as `float('inf')`."""
    if depth > MAX_DEPTH:
        raise ValueError("a value nested too deeply")
    kind = type(value)
    if value is None or kind is bool:
        return repr(value)
    if kind is int:
        return repr(value) if abs(value) < 10 ** 1000 else hex(value)
    if kind is float:
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if kind is complex:
        return f"complex({literal(value.real)}, {literal(value.imag)})"
    if kind is str or kind is bytes:
        return repr(value)
    inner = lambda items: ", ".join(literal(item, depth + 1) for item in items)  # noqa: E731
    if kind is list:
        return f"[{inner(value)}]"
    if kind is tuple:
        return f"({inner(value)},)" if len(value) == 1 else f"({inner(value)})"
    if kind is set:
        return f"{{{inner(value)}}}" if value else "set()"
    if kind is frozenset:
        return f"frozenset({{{inner(value)}}})" if value else "frozenset()"
    if kind is dict:
        return "{" + ", ".join(f"{literal(k, depth + 1)}: {literal(v, depth + 1)}" for k, v in value.items()) + "}"
    raise ValueError(f"a {kind.__name__} has no literal form")


def arguments(args: Any) -> str:
    """A call's argument list (a list or tuple of values) as the source between the parentheses."""
    return ", ".join(literal(arg, 1) for arg in args)


# ---- expected outputs: the canonical solution, in the sandbox ----------------------------------------------------


def _expected_program(code: str, entry_point: str) -> Program:
    """A sandbox program whose `__cosplay_expected(call)` runs the task's code on one call's typed arguments and
    returns the typed text of the result."""
    from cosplay_core.benchmarks import typed_values
    from cosplay_core.sandbox import Program

    codec = Path(typed_values.__file__).read_text(encoding="utf-8")
    wrapper = (
        f"\n\n__cosplay_namespace = {{'__name__': '__cosplay_solution__'}}\n"
        f"exec(compile({code!r}, 'solution.py', 'exec'), __cosplay_namespace)\n"
        f"__cosplay_function = __cosplay_namespace[{entry_point!r}]\n\n\n"
        "def __cosplay_expected(call):\n"
        "    return dumps(__cosplay_function(*loads(call)), subclasses=True)\n"
    )
    return Program(codec + wrapper, "function", "__cosplay_expected")


def expected_outputs(tasks: list[dict], inputs: list[list], say: Say | None = None) -> Iterator[list]:
    """For each task, in order, the canonical solution's value on each of its inputs (a `_Failed` where it failed),
    computed in the sandbox, one task's inputs in one child (batch mode)."""
    from cosplay_core.benchmarks.typed_values import TypedValueError, dumps, loads
    from cosplay_core.progress import progress
    from cosplay_core.sandbox import Executor, Job, Limits

    limits = Limits(time_limit_s=EXPECTED_TIME_LIMIT_S, memory_mb=EXPECTED_MEMORY_MB, isolate_inputs=False)
    jobs = [Job(_expected_program(task["prompt"] + task["canonical_solution"], task["entry_point"]),
                tuple([dumps(args)] for args in task_inputs), limits)
            for task, task_inputs in zip(tasks, inputs)]
    with Executor() as executor, progress("expected outputs", total=len(jobs), quiet=say is None) as bar:
        for number, row in enumerate(executor.iter_jobs(jobs), 1):
            bar.advance(note=tasks[number - 1]["task_id"])
            values = []
            for outcome in row:
                if not outcome.ok or not isinstance(outcome.value, str):
                    values.append(_Failed(outcome.status))
                    continue
                try:
                    values.append(loads(outcome.value))
                except TypedValueError as exc:
                    values.append(_Failed(str(exc)))
            if say and bar.silent and (number % 25 == 0 or number == len(jobs)):
                say(f"expected outputs of {number}/{len(jobs)} tasks computed")
            yield values


@dataclass(frozen=True)
class _Failed:
    """The canonical solution did not give a value on an input: why (a status or a reason)."""

    why: str


# ---- records --------------------------------------------------------------------------------------------------


def read_release(path: Path) -> list[dict]:
    """The records of an EvalPlus release file (gzipped JSONL), checked for the fields conversion reads;
    `DataError` (one line naming the line) otherwise."""
    records = []
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        missing = [key for key in REQUIRED if key not in record]
        if missing:
            raise DataError(f"{where}: missing key {missing[0]!r}")
        if not all(isinstance(record[k], str) for k in ("task_id", "prompt", "entry_point", "canonical_solution")):
            raise DataError(f"{where}: task_id, prompt, entry_point and canonical_solution must be text")
        if not isinstance(record["base_input"], list) or not isinstance(record["plus_input"], list):
            raise DataError(f"{where}: base_input and plus_input must be lists of argument lists")
        records.append(record)
    if not records:
        raise DataError(f"{path}: no records")
    return records


def convert_release(records: list[dict], out: Path, name: str, label: str, oracle_for: Callable[[dict], Oracle],
                    deserialize: Callable[[dict, list], list] = lambda record, inputs: inputs,
                    say: Say | None = None) -> dict:
    """Writes `out/<name>`: each record as a HumanEval-format record whose `check` asserts the canonical solution's
    value on every base and plus input (as `oracle_for(record)` judges), then reads the file back with
    `load_humaneval`. Returns the manifest's fields."""
    from cosplay_core.benchmarks import load_humaneval
    from cosplay_core.problem import ProblemError

    inputs = []
    for record in records:
        task_inputs = deserialize(record, list(record["base_input"]) + list(record["plus_input"]))
        if not all(isinstance(args, (list, tuple)) for args in task_inputs):
            raise DataError(f"{label} {record['task_id']}: an input that is not an argument list")
        inputs.append(task_inputs)
    dropped: list[str] = []
    tests = 0
    with gzip.open(out / name, "wt", encoding="utf-8") as target:
        for record, task_inputs, values in zip(records, inputs, expected_outputs(records, inputs, say)):
            oracle = oracle_for(record)
            atol = record["atol"] or 0
            lines, failed = [], 0
            for args, value in zip(task_inputs, values):
                try:
                    if isinstance(value, _Failed):
                        raise ValueError(value.why)
                    value = oracle.expected(value)
                    lines.append(oracle.line(arguments(args), value, literal(value), atol))
                except ValueError:
                    failed += 1
            if failed:
                dropped.append(f"{record['task_id']}: {failed} of {len(task_inputs)} inputs")
            if not lines:
                raise DataError(f"{label} {record['task_id']}: the canonical solution gave no value on any input")
            tests += len(lines)
            test = (f"# {label}: {len(lines)} tests (base and plus inputs), expected values from the canonical "
                    f"solution, compared as EvalPlus compares.\n{HELPERS}{oracle.helpers}\n\ndef check(candidate):\n"
                    + "".join(f"    {line}\n" for line in lines))
            target.write(json.dumps({"task_id": record["task_id"], "prompt": record["prompt"],
                                     "canonical_solution": record["canonical_solution"],
                                     "entry_point": record["entry_point"], "test": test, "atol": atol,
                                     "source": label}) + "\n")
    try:
        problems = load_humaneval(out / name)
    except ProblemError as exc:
        raise DataError(str(exc)) from None
    notes = [f"{tests:,} tests in all"]
    notes += [f"inputs left out (the canonical solution failed on them): {line}" for line in dropped]
    return {"entry": name, "problems": len(problems), "notes": notes}
