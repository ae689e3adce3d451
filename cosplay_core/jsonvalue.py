"""JSON values from files a user gives (jobs files, tests): parsed, with their nesting capped.

Its own module, importing only the standard library's json and re, so that `cosplay exec` reads its jobs file
without the problem folders' modules.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 200  # as deep as a program's return value may be (the sandbox refuses deeper ones)

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: no per-character state on long strings
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def load_json_value(text: str) -> Any:
    """The JSON value in `text`; ValueError with a one-line reason when it is not JSON or nests deeper than
    MAX_JSON_DEPTH (a 100,000-deep value would otherwise end in RecursionError here or in whatever walks it)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ValueError(f"a JSON value nested deeper than {MAX_JSON_DEPTH} levels") from None
    if nests_deeper(text, MAX_JSON_DEPTH):
        raise ValueError(f"a JSON value nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def nests_deeper(text: str, limit: int) -> bool:
    """Whether the lists and objects of `text`, a valid JSON text, nest more than `limit` levels deep. Its strings
    and everything but brackets are dropped, then each pass removes the innermost pairs, one level: the passes it
    takes to empty the text are its depth (each pass one scan in C, not a Python step per value)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _STRINGS.sub(b"", text.encode("utf-8", "surrogatepass")).translate(None, _NOT_BRACKETS)
    if len(brackets) > 1 << 16:  # many brackets: one pass over them, rather than up to `limit` passes
        depth = 0
        for byte in brackets:
            depth += 1 if byte in (91, 123) else -1  # [ {
            if depth > limit:
                return True
        return False
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST.sub(b"", brackets)
    return bool(brackets)
