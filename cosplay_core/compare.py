"""Output equality: whitespace tokens (default), exact text, float tolerance, and JSON values for function mode."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosplay_core.sandbox.outcome import Outcome

_FLOAT_SPEC = re.compile(r"^float:([0-9.eE+-]+)$")
DEFAULT_FLOAT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Comparison:
    """How outputs are compared: `kind` is "tokens", "exact" or "float"; `tolerance` applies to floats."""

    kind: str = "tokens"
    tolerance: float = DEFAULT_FLOAT_TOLERANCE

    @classmethod
    def parse(cls, spec: str | None) -> "Comparison":
        """Reads "tokens", "exact" or "float:<tol>"; raises ValueError with a readable message otherwise."""
        if spec is None or spec == "tokens":
            return cls("tokens")
        if spec == "exact":
            return cls("exact")
        match = _FLOAT_SPEC.match(spec)
        if match:
            try:
                tolerance = float(match.group(1))
            except ValueError:
                tolerance = -1.0
            if tolerance >= 0 and math.isfinite(tolerance):
                return cls("float", tolerance)
        raise ValueError(f"compare must be \"tokens\", \"exact\" or \"float:<tolerance>\", not {spec!r}")

    def __str__(self) -> str:
        return f"float:{self.tolerance:g}" if self.kind == "float" else self.kind


def floats_close(a: float, b: float, tolerance: float) -> bool:
    """Absolute or relative difference within `tolerance` (NaN equals NaN; infinities must match)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def _token_equal(expected: str, actual: str, tolerance: float | None) -> bool:
    if expected == actual:
        return True
    if tolerance is None:
        return False
    try:
        return floats_close(float(expected), float(actual), tolerance)
    except ValueError:
        return False


def text_outputs_equal(expected: str, actual: str, comparison: Comparison = Comparison()) -> bool:
    """Compares stdin-mode outputs: exact text, or whitespace-separated tokens (floats within tolerance)."""
    if comparison.kind == "exact":
        return expected == actual
    want, got = expected.split(), actual.split()
    if len(want) != len(got):
        return False
    tolerance = comparison.tolerance if comparison.kind == "float" else None
    return all(_token_equal(w, g, tolerance) for w, g in zip(want, got))


def values_equal(expected: Any, actual: Any, tolerance: float = DEFAULT_FLOAT_TOLERANCE) -> bool:
    """Compares function-mode return values as Python's == would on JSON values, floats within tolerance.

    Lists and tuples are the same; `True == 1` holds as it does in Python (and in HumanEval's asserts).
    """
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
            return floats_close(float(expected), float(actual), tolerance)
        return False
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(values_equal(e, a, tolerance) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(values_equal(v, actual[k], tolerance)
                                                         for k, v in expected.items())
    if isinstance(expected, (list, tuple, dict)) or isinstance(actual, (list, tuple, dict)):
        return False
    try:
        return bool(expected == actual)
    except Exception:
        return False


def outcome_matches(expected: Any, outcome: Outcome, io: str, comparison: Comparison = Comparison()) -> bool:
    """Whether an execution outcome counts as producing `expected` (a failed run never matches)."""
    if outcome.status != "ok":
        return False
    if io == "function":
        return values_equal(expected, outcome.value, comparison.tolerance)
    return text_outputs_equal(expected, outcome.stdout, comparison)
