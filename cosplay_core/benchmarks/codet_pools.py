"""CodeT's recorded HumanEval samples (CodeGen-Mono-16B, 100 codes and 100 test samples per problem) as pools.

A code sample is the function body that continues the problem's prompt and may run on past the function:
`truncate_code_sample` cuts it where the next top-level statement starts. A test sample continues a prompt ending
in `assert ` with more asserts, often truncated or junk: `parse_test_sample` keeps the first `limit` asserts that
CodeT would keep and turns those of the form `f(args) == expected` (and a few like it) into function-mode
`TestCase`s.

How this differs from CodeT's released post-processing (microsoft/CodeT, `src/postprocess.py`):
- CodeT cuts a code sample at the first of five strings: "\\nclass", "\\ndef", "\\n#", "\\nif", "\\nprint". The
  default rule here (`truncation="toplevel"`) cuts at the first line that starts a new top-level statement of any
  kind (`assert`, `import`, a call, prose, `@`, ...), found with Python's tokenizer, so that a line at column 0
  inside a multi-line string or an open bracket does not cut, and a comment at column 0 does not cut either (the
  code that follows it may still be the function's). `truncation="codet"` applies CodeT's rule exactly.
  On the released samples the two rules give different programs for 1,320 of 16,400 samples (296 of them only by
  trailing comment lines) and different ground-truth verdicts for 119: 118 pass only when cut here (the model's
  own wrong asserts, imports of missing packages or prose after the function), 1 passes only with CodeT's cut
  (a `fib4.cache = {}` after the function, which the function needs). Pool pass@1: 22.84% here, 22.13% with
  CodeT's cut (CodeT's own code reports 22.12%).
- CodeT keeps any assert that mentions the entry point and compiles, and runs it as code. Here an assert becomes a
  UT only when it is an input/output pair with literal arguments and expected value: `f(args) == expected` (either
  side), `abs(f(args) - x) < tol` (as `== x`), and, read as `== True/False/None`, `f(args) is True/False/None`,
  `not f(args)`, bare `f(args)`. The other asserts among the first `limit` are dropped and counted. Asserts are
  split, cleaned and limited as CodeT does (the limit counts the asserts CodeT keeps), so the UTs here are the
  convertible part of CodeT's.
- CodeT weighs a UT by how many times its exact text was sampled; here equal (input, output) pairs are merged and
  `CodetPool.test_counts` keeps the multiplicity (the same weight when equal pairs pass the same codes).
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cosplay_core.benchmarks.humaneval import assert_to_test_case, load_humaneval, read_jsonl_records
from cosplay_core.problem import ProblemError, TestCase

__all__ = ["CODET_STOP_STRINGS", "CodetPool", "TEST_CASE_LIMIT", "codet_truncate", "load_codet_pools",
           "parse_test_sample", "split_test_sample", "truncate_code_sample"]

CODET_STOP_STRINGS = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")
TEST_CASE_LIMIT = 5
_TEST_PROMPT_TAIL = re.compile(r"    pass\n\n# check the correctness of (?P<entry>\w+)\nassert \Z")
_FILE_NAMES = {"problems": "problems.jsonl", "codes": "code_solution.jsonl", "tests": "test_case.jsonl"}


# ---- code samples ----------------------------------------------------------------------------------------------


def codet_truncate(sample: str) -> str:
    """CodeT's cut: `sample` up to the earliest of "\\nclass", "\\ndef", "\\n#", "\\nif", "\\nprint" (exclusive)."""
    cut = min((i for i in (sample.find(s) for s in CODET_STOP_STRINGS) if i >= 0), default=len(sample))
    return sample[:cut]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")
    return starts


def _first_top_level_line(text: str, begin: int) -> int | None:
    """Offset of the first line at or after `begin` that starts a top-level statement, or None.

    A logical line whose first token is at column 0 and is not a comment; lines inside strings or brackets never
    start one. Where the tokenizer gives up (inconsistent dedent), the rest is read line by line.
    """
    starts = _line_starts(text)
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
    at_line_start = True
    resume_row: int | None = None
    try:
        for token in tokens:
            if token.type == tokenize.ENDMARKER:
                return None
            if token.type == tokenize.NEWLINE:
                at_line_start = True
                continue
            if token.type in skip:
                continue
            row, col = token.start
            if at_line_start and col == 0 and row - 1 < len(starts) and starts[row - 1] >= begin:
                return starts[row - 1]
            at_line_start = False
    except tokenize.TokenError as exc:  # EOF inside a string or brackets: the sample was cut off mid-statement
        # A string never closed that opens a top-level line (prose after the function) still cuts there.
        where = exc.args[1] if len(exc.args) > 1 else None
        if "string" in str(exc.args[0]) and at_line_start and isinstance(where, tuple) and where[1] == 0:
            row = where[0]
            if row - 1 < len(starts) and starts[row - 1] >= begin:
                return starts[row - 1]
        return None
    except (IndentationError, SyntaxError) as exc:
        resume_row = exc.lineno or len(starts)
    assert resume_row is not None, "the tokens end in ENDMARKER (returned above) or the tokenizer raises"
    for start in starts[max(resume_row - 1, 0):]:
        if start >= begin and start < len(text) and not text[start].isspace() and text[start] != "#":
            return start
    return None


def truncate_code_sample(prompt: str, sample: str, truncation: str = "toplevel") -> str:
    """The full program: `prompt` + `sample` cut where the function ends.

    "toplevel" (default): the cut is at the first line of the sample that starts a new top-level statement (see
    the module notes); "codet": CodeT's released rule, `codet_truncate`.
    """
    if truncation == "codet":
        return prompt + codet_truncate(sample)
    if truncation != "toplevel":
        raise ValueError(f"truncation must be \"toplevel\" or \"codet\", not {truncation!r}")
    text = prompt + sample
    begin = len(prompt)
    if begin and not prompt.endswith("\n"):  # the sample's first line continues the prompt's last line
        newline = sample.find("\n")
        if newline < 0:
            return text
        begin += newline + 1
    cut = _first_top_level_line(text, begin)
    return text if cut is None else text[:cut]


# ---- test samples ----------------------------------------------------------------------------------------------


def _parse_quietly(source: str) -> ast.Module:
    """ast.parse without the warnings model-written code triggers (invalid escape sequences, ...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _strip_at_stop_strings(text: str) -> str:
    return codet_truncate(text).strip()


def split_test_sample(prompt: str, sample: str, entry_point: str) -> list[str | None]:
    """The sample's assert statements as CodeT rebuilds them, in order: each is the text after an "assert ", cut
    at CodeT's stop strings, prefixed with "assert "; None for a statement CodeT discards (it does not mention
    the entry point, or does not compile: truncated or junk). Blank pieces are left out."""
    text = ("assert " + sample) if prompt.endswith("assert ") else sample
    statements: list[str | None] = []
    for part in text.split("assert ")[1:]:  # what comes before the first "assert " is not an assert
        if not part.strip():
            continue
        if entry_point.strip() not in part:
            statements.append(None)
            continue
        statement = _strip_at_stop_strings("assert " + part)
        try:
            _parse_quietly(statement)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            statements.append(None)
            continue
        statements.append(statement)
    return statements


def _statement_to_test(statement: str, entry_point: str) -> TestCase | None:
    """The statement's assert as a TestCase (`assert_to_test_case`), or None; code after the assert is ignored."""
    module = _parse_quietly(statement)
    if not module.body or not isinstance(module.body[0], ast.Assert):
        return None
    return assert_to_test_case(module.body[0].test, {entry_point})


def parse_test_sample(prompt: str, sample: str, entry_point: str,
                      limit: int | None = TEST_CASE_LIMIT) -> tuple[list[TestCase], int]:
    """The UTs of one test sample, in order, and how many of its asserts were dropped.

    The sample is read assert by assert (`split_test_sample`) until `limit` asserts that CodeT keeps have been read
    (all of them if `limit` is None). Each of those of the form `entry_point(args) == expected` (either side of
    `==`; also `is True/False/None`, `not entry_point(args)` and a bare call, read as `== True/False/None`; an
    assert message and any code after the assert are ignored) whose args and expected value are literals with a
    JSON form becomes a `TestCase` (tuples become lists; an expected set becomes a sorted list, as the sandbox
    converts returned sets; set, bytes or complex arguments are refused). Every assert read that yields no
    TestCase (truncated, junk, another function called, `!=`, a non-literal argument, ...) is counted as dropped.
    """
    tests: list[TestCase] = []
    dropped = kept = 0
    for statement in split_test_sample(prompt, sample, entry_point):
        if limit is not None and kept >= limit:
            break
        if statement is None:
            dropped += 1
            continue
        kept += 1
        test = _statement_to_test(statement, entry_point)
        if test is None:
            dropped += 1
        else:
            tests.append(test)
    return tests, dropped


# ---- pools -----------------------------------------------------------------------------------------------------


@dataclass
class CodetPool:
    """One problem's recorded pools.

    `codes`: every code sample, truncated into a full program, in sample order (duplicates kept: CodeT counts
    them). `tests`: the distinct UTs parsed from the test samples, in order of first appearance, with
    `test_counts[i]` the number of times `tests[i]` was parsed (CodeT weighs a UT by it). `dropped_tests`: asserts
    dropped over all test samples. `raw_code_count` / `raw_test_count`: code and test samples read.
    """

    task_id: str
    codes: list[str]
    tests: list[TestCase]
    dropped_tests: int
    raw_code_count: int
    raw_test_count: int
    test_counts: list[int] = field(default_factory=list)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise ProblemError(f"{folder}: missing file {stem}.gz (or {stem})")


def _samples(record: dict, where: str) -> tuple[str, list[str]]:
    prompt, samples = record.get("prompt"), record.get("samples")
    if not isinstance(prompt, str):
        raise ProblemError(f"{where}: missing key 'prompt'" if prompt is None else f"{where}: 'prompt' must be a string")
    if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples):
        raise ProblemError(f"{where}: missing key 'samples'" if samples is None
                           else f"{where}: 'samples' must be a list of strings")
    return prompt, samples


def _test_key(test: TestCase) -> str:
    return json.dumps([test.input, test.output], sort_keys=True, separators=(",", ":"))


def load_codet_pools(folder: str | Path, limit: int | None = TEST_CASE_LIMIT,
                     truncation: str = "toplevel") -> dict[str, CodetPool]:
    """Reads `problems.jsonl`, `code_solution.jsonl` and `test_case.jsonl` (each optionally .gz) from `folder`.

    Records are matched to problems by prompt, as CodeT does: a code record's prompt is the problem's prompt; a
    test record's prompt is the problem's prompt followed by "    pass", a blank line,
    "# check the correctness of <entry_point>" and "assert ". Returns one pool per problem, keyed by task_id, in
    the problems' order (a problem with no records gets empty pools). A record matching no problem, or a
    malformed one, raises `ProblemError` naming the file and line.
    """
    folder = Path(folder)
    problems = load_humaneval(_find(folder, _FILE_NAMES["problems"]))
    by_prompt = {p.statement: p for p in problems}
    codes: dict[str, list[str]] = {p.slug: [] for p in problems}
    tests: dict[str, dict[str, list[Any]]] = {p.slug: {} for p in problems}  # test key: [test, how many samples]
    dropped = dict.fromkeys(codes, 0)
    raw_tests = dict.fromkeys(codes, 0)

    code_path = _find(folder, _FILE_NAMES["codes"])
    for number, record in read_jsonl_records(code_path):
        where = f"{code_path}:{number}"
        prompt, samples = _samples(record, where)
        problem = by_prompt.get(prompt)
        if problem is None:
            raise ProblemError(f"{where}: the prompt matches no problem in {_FILE_NAMES['problems']}")
        codes[problem.slug].extend(truncate_code_sample(prompt, s, truncation) for s in samples)

    test_path = _find(folder, _FILE_NAMES["tests"])
    for number, record in read_jsonl_records(test_path):
        where = f"{test_path}:{number}"
        prompt, samples = _samples(record, where)
        tail = _TEST_PROMPT_TAIL.search(prompt)
        problem = by_prompt.get(prompt[:tail.start()]) if tail else None
        if problem is None or tail is None or tail.group("entry") != problem.entry_point:
            raise ProblemError(f"{where}: the prompt matches no problem in {_FILE_NAMES['problems']}")
        counts = tests[problem.slug]
        for sample in samples:
            parsed, lost = parse_test_sample(prompt, sample, tail.group("entry"), limit)
            dropped[problem.slug] += lost
            for test in parsed:
                key = _test_key(test)
                if key in counts:
                    counts[key][1] += 1
                else:
                    counts[key] = [test, 1]
        raw_tests[problem.slug] += len(samples)

    return {p.slug: CodetPool(task_id=p.slug, codes=codes[p.slug],
                              tests=[t for t, _ in tests[p.slug].values()], dropped_tests=dropped[p.slug],
                              raw_code_count=len(codes[p.slug]), raw_test_count=raw_tests[p.slug],
                              test_counts=[n for _, n in tests[p.slug].values()])
            for p in problems}
