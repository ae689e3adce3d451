"""`apps`: the APPS test split (5,000 problems), from the hub's `codeparrot/apps`, as stdin/stdout records.

Upstream: `test.jsonl` of the dataset repository `codeparrot/apps` on the Hugging Face hub, at a pinned revision, one
problem a line: `id` (the loading script `apps.py` renames it `problem_id`), `question`, `solutions` (JSON text),
`input_output` (JSON text of `{"inputs", "outputs"}`, plus `fn_name` for a call-based problem), `difficulty`, `url`,
`starter_code`. APPS's own harness (hendrycks/apps, `eval/testing_util.py`) feeds a list input as its lines joined
by newlines and compares a list output line by line; MapCoder's `convert-apps-xcode.py` builds the record layout
this project reads (`cosplay_core/benchmarks/apps.py`) from the same fields in the same way.

Converted: `apps_test.jsonl.gz`, one record a line in that layout (`id`, `name`, `description`, `difficulty`,
`sample_io` (the first two tests), `test_list` (every test, `{"input": text, "output": [text]}`), `starter_code`,
plus `url`), stdin/stdout problems only: call-based ones are left out (their arguments are stored as untyped text,
so the project refuses them) and counted, as are problems without tests.

No SHA-256 of `test.jsonl` could be read from a trusted copy when this was written: the file is checked by its size,
and the SHA-256 it had is recorded in the dataset's manifest (`cosplay data list --json`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from cosplay_core.datasets.cache import DataError, HubFile, Say, Source, read_jsonl

REPO = "codeparrot/apps"
REVISION = "21e74ddf8de1a21436da12e3e653065c5213e9d1"
FILE = "test.jsonl"
OUTPUT = "apps_test.jsonl.gz"
SOURCES = (Source(FILE, HubFile(REPO, FILE, REVISION).url(), sha256=None, size=1_292_436_853,
                  hub=HubFile(REPO, FILE, REVISION)),)


def _text(value: object) -> str:
    """An APPS input or output as text: a list is its items' lines."""
    return "\n".join(str(item) for item in value) if isinstance(value, list) else str(value)


def apps_record(raw: dict) -> dict | None:
    """An upstream APPS record in the project's APPS layout; None for a call-based problem. ValueError (one line)
    for a record without a question or without tests."""
    record_id = raw.get("id", raw.get("problem_id"))
    if record_id is None:
        raise ValueError("no id")
    io = raw.get("input_output") or ""
    if not io.strip():
        raise ValueError(f"problem {record_id} has no tests")
    tests = json.loads(io)
    if not isinstance(tests, dict):
        raise ValueError(f"problem {record_id}: input_output is not an object")
    if tests.get("fn_name"):
        return None
    inputs, outputs = tests.get("inputs"), tests.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs) or not inputs:
        raise ValueError(f"problem {record_id}: inputs and outputs do not pair up")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"problem {record_id} has no question")
    test_list = [{"input": _text(given), "output": [_text(expected)]} for given, expected in zip(inputs, outputs)]
    return {"id": record_id, "name": str(record_id), "description": question,
            "difficulty": str(raw.get("difficulty") or ""), "sample_io": test_list[:2], "test_list": test_list,
            "starter_code": str(raw.get("starter_code") or ""), "url": str(raw.get("url") or "")}


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """The stdin/stdout problems of the upstream file as `out/apps_test.jsonl.gz`, each checked by the project's
    APPS loader; the manifest's fields (problems kept, call-based and malformed ones counted)."""
    from cosplay_core.benchmarks import apps_problem
    from cosplay_core.problem import ProblemError

    kept, call_based, left_out = 0, 0, []
    with gzip.open(out / OUTPUT, "wt", encoding="utf-8") as target:
        for number, raw in read_jsonl(files[FILE]):
            where = f"{FILE}:{number}"
            try:
                record = apps_record(raw)
                if record is None:
                    call_based += 1
                    continue
                apps_problem(record, where)
            except (ValueError, TypeError, RecursionError, ProblemError) as exc:  # JSONDecodeError is a ValueError
                left_out.append(f"{where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                continue
            target.write(json.dumps(record, ensure_ascii=False) + "\n")
            kept += 1
    if not kept:
        raise DataError(f"apps: no stdin/stdout problem in {files[FILE]}")
    notes = [f"{call_based} call-based problems left out (not supported)"]
    notes += [f"left out: {line}" for line in left_out]
    return {"entry": OUTPUT, "problems": kept, "notes": notes}
