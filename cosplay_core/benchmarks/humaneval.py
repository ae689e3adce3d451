"""HumanEval as function-mode problems, with its own `check(candidate)` tests as ground truth.

`load_humaneval(path)` reads HumanEval-format JSONL (plain or gzipped): OpenAI's layout (`task_id, prompt,
canonical_solution, test, entry_point`) or CodeT's (the same without `canonical_solution`). Each record becomes a
`HumanEvalProblem`: a `Problem` (so everything that takes a `Problem` takes it) that also carries the record's test
code, which is the ground truth of record. Its `tests` are the asserts that convert to plain input/output pairs
(`extract_io_tests`): a convenient, possibly partial view of that ground truth, never a substitute for it.

`gt_pass_vector` / `gt_verdicts` decide ground-truth correctness by the record's own `check(candidate)`, as
HumanEval's harness does, but never in the candidate's process (check_replay.py): the candidate runs in the
sandbox with typed arguments in and typed values out (typed_values.py), and `check` is replayed in another sandboxed
process on those values, so no candidate can fake a pass.
"""

from __future__ import annotations

import ast
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from cosplay_core.benchmarks.check_replay import CheckJudge, GTVerdict
from cosplay_core.problem import Problem, ProblemError, TestCase
from cosplay_core.sandbox import Executor, Limits

__all__ = ["CHECK_TIME_LIMIT_S", "GTVerdict", "HumanEvalProblem", "NotJsonable", "assert_to_test_case",
           "extract_io_tests", "gt_pass_vector", "gt_verdicts", "json_argument", "json_value", "literal_node",
           "load_humaneval", "load_humaneval_record", "read_jsonl_records"]

CHECK_TIME_LIMIT_S = 3.0  # for all of one code's calls by check, and for one call in function mode
SOURCE = "HumanEval"
_REQUIRED = ("task_id", "prompt", "test", "entry_point")


@dataclass(frozen=True)
class HumanEvalProblem(Problem):
    """A HumanEval problem: a function-mode `Problem` plus its raw test code (`check_code`), the ground truth.

    `tests` holds the asserts of `check_code` that convert to input/output pairs; `skipped_asserts` counts the
    asserts that do not (loops, helper calls, computed values). Correctness is decided by `gt_verdicts`.
    """

    check_code: str = ""
    skipped_asserts: int = 0


# ---- reading JSONL ---------------------------------------------------------------------------------------------


def read_jsonl_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """Yields (line number, object) for each non-blank line of a JSONL file, gzipped or not.

    Raises `ProblemError` (one line naming the file, and the line when there is one) for a missing or unreadable
    file, a line that is not JSON, or a line that is not a JSON object.
    """
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"{path}: no such file")
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        stream = gzip.open(path, "rt", encoding="utf-8") if gzipped else path.open("r", encoding="utf-8")
        with stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ProblemError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(record, dict):
                    raise ProblemError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
                yield number, record
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # gzip.BadGzipFile is an OSError
        raise ProblemError(f"{path}: cannot read: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---- records to problems ---------------------------------------------------------------------------------------


def humaneval_problem(record: dict, where: str) -> HumanEvalProblem:
    """The function-mode problem of one HumanEval-format record; ProblemError (one line naming `where`) if malformed."""
    for key in _REQUIRED:
        if key not in record:
            raise ProblemError(f"{where}: missing key {key!r}")
        if not isinstance(record[key], str) or not record[key].strip():
            raise ProblemError(f"{where}: {key!r} must be a non-empty string")
    task_id, prompt, test, entry_point = (record[k] for k in _REQUIRED)
    if not entry_point.isidentifier():
        raise ProblemError(f"{where}: entry_point must be a function name, not {entry_point!r}")
    solution = record.get("canonical_solution")
    if solution is not None and not isinstance(solution, str):
        raise ProblemError(f"{where}: 'canonical_solution' must be a string")
    try:
        tree = ast.parse(test)
    except SyntaxError as exc:
        raise ProblemError(f"{where}: the test code does not parse (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise ProblemError(f"{where}: the test code does not parse ({_one_line(exc)})") from None
    if not any(isinstance(node, ast.FunctionDef) and node.name == "check" for node in tree.body):
        raise ProblemError(f"{where}: the test code defines no check(candidate) function")
    io_tests, skipped = _extract_io_tests(tree, entry_point)
    return HumanEvalProblem(
        slug=task_id,
        title=f"{task_id}: {entry_point}",
        statement=prompt,
        io="function",
        entry_point=entry_point,
        time_limit_s=CHECK_TIME_LIMIT_S,
        tags=("humaneval",),
        source=SOURCE,
        reference=prompt + solution if solution else None,
        tests=tuple(io_tests),
        check_code=test,
        skipped_asserts=skipped,
    )


def load_humaneval(path: str | Path) -> list[HumanEvalProblem]:
    """Every record of a HumanEval-format JSONL file (gzipped or not), in file order, as function-mode problems.

    Raises `ProblemError` with one line naming the file and line for anything malformed (bad JSON, a missing or
    empty key, unparsable test code, a task_id seen twice) and for a file with no records.
    """
    problems: list[HumanEvalProblem] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl_records(path):
        where = f"{path}:{number}"
        problem = humaneval_problem(record, where)
        if problem.slug in seen:
            raise ProblemError(f"{where}: task_id {problem.slug!r} already used on line {seen[problem.slug]}")
        seen[problem.slug] = number
        problems.append(problem)
    if not problems:
        raise ProblemError(f"{path}: no records")
    return problems


def load_humaneval_record(path: str | Path, task_id: str) -> HumanEvalProblem:
    """The record with this task_id (for `FILE.jsonl#ID` references); `ProblemError` if absent or malformed."""
    for number, record in read_jsonl_records(path):
        if record.get("task_id") == task_id:
            return humaneval_problem(record, f"{path}:{number}")
    raise ProblemError(f"{path}: no record with task_id {task_id!r}")


# ---- ground truth: check, decided outside the candidate's process ----------------------------------------------


def gt_verdicts(problem: HumanEvalProblem, codes: list[str], executor: Executor,
                limits: Limits | None = None) -> list[GTVerdict]:
    """Each code's ground truth, in order: does it pass the problem's own `check`, and if not, why (one line).

    Decided by `CheckJudge` (check_replay.py): the code runs in the sandbox with nothing but typed arguments in and
    its typed results out, and `check` runs in another process on those results, so nothing a code does (exiting,
    an always-equal object, a replaced `AssertionError`, a forged result on a descriptor) can make it pass.
    `limits.time_limit_s` (the problem's 3 s by default) bounds all of one code's calls, and one replay of `check`.
    Raises `ProblemError` for a problem without check code, or whose `check` passes the candidate something other
    than plain values.
    """
    return CheckJudge(problem, limits).verdicts(codes, executor)


def gt_pass_vector(problem: HumanEvalProblem, codes: list[str], executor: Executor,
                   limits: Limits | None = None) -> list[bool]:
    """For each code, in order: does it pass every ground-truth test (`gt_verdicts`)?"""
    return [verdict.correct for verdict in gt_verdicts(problem, codes, executor, limits)]


# ---- literals as JSON values -----------------------------------------------------------------------------------


class NotJsonable(ValueError):
    """A Python literal with no faithful JSON form in the role asked for."""


def _json_scalar_or_list(value: Any, depth: int, convert: Callable[[Any, int], Any]) -> tuple[bool, Any]:
    """What both conversions share: (True, JSON form) for None, bools, ints, strings, finite floats and
    lists/tuples (items through `convert`); (False, None) for anything else."""
    if depth > 100:
        raise NotJsonable("nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return True, value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJsonable("a non-finite float")
        return True, value
    if isinstance(value, (list, tuple)):
        return True, [convert(v, depth + 1) for v in value]
    return False, None


def json_argument(value: Any, depth: int = 0) -> Any:
    """`value` as a JSON value to pass as an argument: tuples become lists; sets, bytes, complex numbers,
    non-finite floats and dicts with non-string keys raise `NotJsonable` (they would change the call)."""
    done, converted = _json_scalar_or_list(value, depth, json_argument)
    if done:
        return converted
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: json_argument(v, depth + 1) for k, v in value.items()}
    raise NotJsonable(f"a {type(value).__name__} argument has no JSON form")


def json_value(value: Any, depth: int = 0) -> Any:
    """`value` as an expected return value, converted the way the sandbox converts what a program returns:
    tuples become lists, sets sorted lists, dict keys strings. Bytes, complex numbers, non-finite floats and
    unsortable sets raise `NotJsonable`."""
    done, converted = _json_scalar_or_list(value, depth, json_value)
    if done:
        return converted
    if isinstance(value, (set, frozenset)):
        items = [json_value(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            raise NotJsonable("a set whose items cannot be sorted") from None
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): json_value(v, depth + 1) for k, v in value.items()}
    raise NotJsonable(f"a {type(value).__name__} value has no JSON form")


_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}
_MAX_DEPTH = 100


def literal_node(node: ast.AST) -> Any:
    """The value of a literal expression: what `ast.literal_eval` accepts, also inside lists, tuples, sets and
    dicts, plus + - * / // % on numbers and + on strings (model-written tests write `2.0/3.0`, `[2, 1 + 2]`).
    Raises ValueError for anything else (names, calls, ...); never runs code."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    return _evaluate(node, 0)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _evaluate(node: ast.AST, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError("expression nested too deeply")
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_evaluate(item, depth + 1) for item in node.elts]
        if isinstance(node, ast.Set):
            try:
                return set(items)
            except TypeError:
                raise ValueError("unhashable set item") from None
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        keys = [k for k in node.keys if k is not None]  # every key: None (a ** unpacking) is ruled out above
        try:
            return {_evaluate(k, depth + 1): _evaluate(v, depth + 1) for k, v in zip(keys, node.values)}
        except TypeError:
            raise ValueError("unhashable dict key") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, depth + 1)
        if not _is_number(value):
            raise ValueError("unary minus on a non-number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _evaluate(node.left, depth + 1), _evaluate(node.right, depth + 1)
        strings = isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str)
        if not (strings or (_is_number(left) and _is_number(right))):
            raise ValueError("arithmetic on something other than numbers")
        try:
            return _ARITHMETIC[type(node.op)](left, right)
        except ArithmeticError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"not a literal: {type(node).__name__}")


# ---- ground truth: asserts that are plain input/output pairs ---------------------------------------------------


def _call_args(node: ast.AST, names: set[str]) -> list | None:
    """The JSON argument list of `name(<literals>)` for a name in `names`, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
        return None
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        return None
    try:
        return [json_argument(literal_node(arg)) for arg in node.args]
    except ValueError:  # NotJsonable is a ValueError
        return None


def _expected(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, json_value(literal_node(node))
    except ValueError:
        return False, None


def assert_to_test_case(test: ast.AST, names: set[str]) -> TestCase | None:
    """An assert's condition as a TestCase when it has one of the forms `extract_io_tests` lists, calling one of
    `names` with literal arguments; else None."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, left, right = test.ops[0], test.left, test.comparators[0]
        if isinstance(op, ast.Eq):
            for call, other in ((left, right), (right, left)):
                args = _call_args(call, names)
                if args is not None:
                    ok, expected = _expected(other)
                    if ok:
                        return TestCase(args, expected)
            return None
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and (
                right.value is True or right.value is False or right.value is None):
            args = _call_args(left, names)
            return TestCase(args, right.value) if args is not None else None
        if isinstance(op, (ast.Lt, ast.LtE)):
            return _tolerance_test(left, right, names)
        return None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        args = _call_args(test.operand, names)
        return TestCase(args, False) if args is not None else None
    args = _call_args(test, names)
    return TestCase(args, True) if args is not None else None


def _tolerance_test(left: ast.AST, right: ast.AST, names: set[str]) -> TestCase | None:
    """`abs(candidate(...) - x) < tol` (or math.fabs, either order of the difference) as `candidate(...) == x`."""
    ok, tolerance = _expected(right)
    if not ok or not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool):
        return None
    if not (isinstance(left, ast.Call) and len(left.args) == 1 and not left.keywords):
        return None
    func = left.func
    is_abs = (isinstance(func, ast.Name) and func.id == "abs") or (
        isinstance(func, ast.Attribute) and func.attr == "fabs" and isinstance(func.value, ast.Name)
        and func.value.id == "math")
    difference = left.args[0]
    if not (is_abs and isinstance(difference, ast.BinOp) and isinstance(difference.op, ast.Sub)):
        return None
    for call, other in ((difference.left, difference.right), (difference.right, difference.left)):
        args = _call_args(call, names)
        if args is not None:
            ok, expected = _expected(other)
            if ok and isinstance(expected, (int, float)) and not isinstance(expected, bool):
                return TestCase(args, expected)
    return None


def _always_true(test: ast.AST) -> bool:
    try:
        return bool(ast.literal_eval(test))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _extract_io_tests(tree: ast.Module, entry_point: str) -> tuple[list[TestCase], int]:
    check = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    names = {entry_point}
    if check is not None and check.args.args:
        names.add(check.args.args[0].arg)
    scope = check if check is not None else tree
    tests, skipped = [], 0
    for node in ast.walk(scope):
        if isinstance(node, ast.Assert):
            converted = assert_to_test_case(node.test, names)
            if converted is not None:
                tests.append(converted)
            elif not _always_true(node.test):
                skipped += 1
    return tests, skipped


def extract_io_tests(test_code: str, entry_point: str) -> tuple[list[TestCase], int]:
    """The asserts of a HumanEval `check(candidate)` that are plain input/output pairs, and how many are not.

    Converted, with literal arguments and expected values (`literal_node`, made JSON by `json_argument` and
    `json_value`): `candidate(args) == expected` (either side), `candidate(args) is True/False/None`,
    `not candidate(args)` (expects False), `candidate(args)` (expects True), and `abs(candidate(args) - x) < tol`
    (expects x, compared with the problem's float tolerance). Every other assert is skipped and counted, except
    an always-true one (`assert True`). Calls to the entry point by name count like calls to `candidate`.
    Raises SyntaxError if `test_code` does not parse.
    """
    return _extract_io_tests(ast.parse(test_code), entry_point)
