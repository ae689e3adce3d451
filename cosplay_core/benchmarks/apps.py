"""APPS records as problems: `cosplay run apps.jsonl.gz#<id>` and `cosplay bench apps.jsonl.gz`.

A record (the MapCoder/TeamCoder selection of APPS in `../shared/data/apps`) holds `id`, `name`, `description`,
`difficulty`, `sample_io`, `test_list` and `starter_code`. A stdin/stdout record becomes a stdin problem: the
description is the statement a model sees, `test_list` (each `{"input": str, "output": [str]}`) is its hidden ground
truth, compared by whitespace tokens, as APPS's own harness does. APPS gives no time limit; Python solutions of its
interview problems at full size often need more than 2 s, so records get `APPS_TIME_LIMIT_S`.

Call-based records (with a `starter_code` function) are refused with one line: their arguments and results are
stored as untyped text ("2" may be the number or the string), so no faithful ground truth can be rebuilt from them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cosplay_core.problem import Problem, ProblemError, problem_from_text

APPS_TIME_LIMIT_S = 4.0


def is_apps_record(record: dict) -> bool:
    """True for a record in the APPS layout (a description and a test list)."""
    return "description" in record and "test_list" in record


def is_call_based(record: dict) -> bool:
    """True for an APPS record that asks for a function (`starter_code`): not supported, see the module docstring."""
    return bool(str(record.get("starter_code") or "").strip())


def apps_record_id(record: dict) -> str:
    """A record's id (`id`, else `name`), as text; '' when it has neither."""
    value = record.get("id", record.get("name"))
    return "" if value is None else str(value).strip()


def apps_problem(record: dict, where: str) -> Problem:
    """The stdin problem of an APPS record; ProblemError (one line naming `where`) for a call-based or malformed one."""
    record_id = apps_record_id(record)
    if is_call_based(record):
        raise ProblemError(f"{where}: APPS record {record_id} is call-based; only stdin/stdout records are supported "
                           "(call-based ones store their arguments as untyped text)")
    description = record.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ProblemError(f"{where}: APPS record {record_id} has no description")
    tests = record.get("test_list")
    if not isinstance(tests, list) or not tests:
        raise ProblemError(f"{where}: APPS record {record_id} has no test_list")
    examples = []
    for number, test in enumerate(tests, 1):
        output = test.get("output") if isinstance(test, dict) else None
        if isinstance(output, list) and len(output) == 1:
            output = output[0]
        if not isinstance(test, dict) or not isinstance(test.get("input"), str) or not isinstance(output, str):
            raise ProblemError(f"{where}: APPS record {record_id}, test {number}: expected "
                               "{\"input\": text, \"output\": [text]}")
        examples.append((test["input"], output))
    problem = problem_from_text(description, io="stdin", time_limit_s=APPS_TIME_LIMIT_S, compare="tokens",
                                examples=examples, title=f"APPS {record_id}")
    difficulty = str(record.get("difficulty") or "").strip()
    slug = "apps_" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in record_id)
    return replace(problem, slug=slug, tags=(difficulty,) if difficulty else (),
                   source=f"APPS problem {record_id} ({Path(where.split(':')[0]).name})")
