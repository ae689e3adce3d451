"""Python values as tagged JSON, and back, without ever evaluating code.

    text = dumps((1, {"a": {2.5, float("nan")}}))     # '["t",[["i",1],["d",[[["s","a"],["S",[...]]]]]]]'
    loads(text) == (1, {"a": {2.5, nan}})               # the same types: a tuple, a dict, a set, a float

What crosses the sandbox's boundary in ground-truth checks: the arguments `check` passes to a candidate, and what the
candidate returns. A value is one of None, bool, int (any size), float (non-finite too), complex, str, bytes, list,
tuple, set, frozenset, or dict (keys any hashable value of these kinds), nested at most `MAX_DEPTH` deep and at most
`MAX_NODES` values and `MAX_CHARS` characters of text in all. Anything else (a custom class, an object whose `__eq__`
always answers True, a function, a generator) raises `TypedValueError`, as does a value over the bounds (never a
RecursionError). Decoding builds plain values of exactly those types from JSON data and nothing else: whatever the
text holds, the result is data that compares honestly.

Encoding, one JSON value per Python value: None, True and False as themselves; ["i", n] (n a JSON integer below
2**53 in size, else a hex string "-0x..."), ["f", x] (a JSON number, or "inf", "-inf", "nan"), ["c", [re, im]],
["s", text], ["y", hex], ["l" | "t" | "S" | "F", [items]] for list, tuple, set and frozenset (set items sorted by
their encoding, so that equal sets encode alike), ["d", [[key, value], ...]] in the dict's order. `dumps` is
canonical: equal values of the same types and order give the same text.

This file uses the standard library only and imports nothing from the project: its text is also embedded in
programs that run inside the sandbox.
"""

import json
import math

# The sandbox runs this text without importing typing: mypy reads the block (it takes a TYPE_CHECKING name as true),
# Python skips it, and the annotations that name `Any` are strings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 100
MAX_NODES = 1_000_000
MAX_CHARS = 32 << 20
_EXACT_INT = 1 << 53


class TypedValueError(ValueError):
    """A value with no typed encoding (an unsupported type, too deep, too large), or data that encodes none."""


class _Budget:
    """What is left of the size bounds while one value is encoded or decoded."""

    def __init__(self) -> None:
        self.nodes = MAX_NODES
        self.chars = MAX_CHARS

    def take(self, chars: int = 0) -> None:
        self.nodes -= 1
        self.chars -= chars
        if self.nodes < 0:
            raise TypedValueError(f"the value has more than {MAX_NODES:,} parts")
        if self.chars < 0:
            raise TypedValueError(f"the value holds more than {MAX_CHARS:,} characters of text")


def _describe(value: object) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "?")
    return name if module in ("builtins", "", None) else f"{module}.{name}"


# ---- encoding --------------------------------------------------------------------------------------------------


def _float_payload(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _plain(value: "Any") -> "Any":
    """With `subclasses`: an instance of a subclass of a supported type as the plain value it holds, read through
    the base type's own methods (so an overridden `__eq__`, `__str__` or `__iter__` plays no part); a numpy scalar
    as the Python scalar it holds. None when `value` is neither."""
    kind = type(value)
    try:
        if issubclass(kind, int):  # bool cannot be subclassed
            return int.__int__(value)
        if issubclass(kind, float):
            return float.__float__(value)
        if issubclass(kind, complex):
            return complex(complex.real.__get__(value), complex.imag.__get__(value))
        if issubclass(kind, str):
            return str.__getitem__(value, slice(None))
        if issubclass(kind, bytes):
            return bytes.__getitem__(value, slice(None))
        if issubclass(kind, tuple):
            return tuple(tuple.__iter__(value))
        if issubclass(kind, list):
            return list(list.__iter__(value))
        if issubclass(kind, dict):
            return dict(dict.items(value))
        if issubclass(kind, frozenset):
            return frozenset(frozenset.__iter__(value))
        if issubclass(kind, set):
            return set(set.__iter__(value))
        if getattr(kind, "__module__", None) == "numpy" and kind.__name__ != "ndarray" and hasattr(value, "item"):
            item = value.item()
            if type(item) in (bool, int, float, complex, str, bytes):
                return item
    except TypedValueError:
        raise
    except Exception:
        return None
    return None


def _encode(value: "Any", depth: int, budget: _Budget, subclasses: bool) -> "Any":
    if depth > MAX_DEPTH:
        raise TypedValueError(f"the value is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool:
        budget.take()
        return value
    if kind is int:
        if -_EXACT_INT < value < _EXACT_INT:
            budget.take()
            return ["i", value]
        text = hex(value)
        budget.take(len(text))
        return ["i", text]
    if kind is float:
        budget.take()
        return ["f", _float_payload(value)]
    if kind is complex:
        budget.take()
        return ["c", [_float_payload(value.real), _float_payload(value.imag)]]
    if kind is str:
        budget.take(len(value))
        return ["s", value]
    if kind is bytes:
        budget.take(2 * len(value))
        return ["y", value.hex()]
    if kind is list or kind is tuple:
        budget.take()
        return ["l" if kind is list else "t", [_encode(item, depth + 1, budget, subclasses) for item in value]]
    if kind is set or kind is frozenset:
        budget.take()
        items = [_encode(item, depth + 1, budget, subclasses) for item in value]
        items.sort(key=_canonical_text)
        return ["S" if kind is set else "F", items]
    if kind is dict:
        budget.take()
        return ["d", [[_encode(k, depth + 1, budget, subclasses), _encode(v, depth + 1, budget, subclasses)]
                      for k, v in value.items()]]
    if subclasses:
        plain = _plain(value)
        if plain is not None:
            return _encode(plain, depth, budget, subclasses)
    raise TypedValueError(f"a {_describe(value)} is not a plain value (None, bool, int, float, complex, str, bytes, "
                          "list, tuple, set, frozenset or dict)")


def _canonical_text(encoded: object) -> str:
    return json.dumps(encoded, separators=(",", ":"))


def encode(value: object, *, subclasses: bool = False) -> "Any":
    """`value`'s typed encoding, a JSON value (see the module docstring); `TypedValueError` if it has none.

    With `subclasses`, an instance of a subclass of a supported type (a `Counter`, a `namedtuple`, an `IntEnum`, a
    str subclass whose `__eq__` lies) is encoded as the plain value it holds, and a numpy scalar as its Python
    scalar: what a candidate's return value is taken for.
    """
    try:
        return _encode(value, 0, _Budget(), subclasses)
    except TypedValueError:
        raise
    except RecursionError:
        raise TypedValueError("the value is nested too deeply") from None
    except (MemoryError, OverflowError) as exc:
        raise TypedValueError(f"the value cannot be encoded ({type(exc).__name__})") from None


def dumps(value: object, *, subclasses: bool = False) -> str:
    """`value`'s typed encoding as canonical JSON text: equal values of the same types give the same text."""
    return _canonical_text(encode(value, subclasses=subclasses))


# ---- decoding --------------------------------------------------------------------------------------------------


def _float(payload: object) -> float:
    if type(payload) is str:
        if payload in ("inf", "-inf", "nan"):
            return float(payload)
        raise TypedValueError(f"not a float: {payload[:40]!r}")
    if type(payload) is float:
        return payload
    if type(payload) is int:
        try:
            return float(payload)
        except OverflowError:
            raise TypedValueError("a float out of range") from None
    raise TypedValueError(f"not a float: a JSON {type(payload).__name__}")


def _int(payload: object, budget: _Budget) -> int:
    if type(payload) is int:
        return payload
    if type(payload) is str:
        budget.take(len(payload))
        digits = payload[3:] if payload.startswith("-0x") else payload[2:] if payload.startswith("0x") else ""
        if digits and all(c in "0123456789abcdef" for c in digits):
            return int(payload, 16)
    raise TypedValueError("not an int")


def _items(payload: object) -> list:
    if type(payload) is not list:
        raise TypedValueError("a container's items must be a JSON list")
    return payload


def _decode(data: object, depth: int, budget: _Budget) -> "Any":
    if depth > MAX_DEPTH:
        raise TypedValueError(f"the value is nested more than {MAX_DEPTH} levels deep")
    if data is None or data is True or data is False:
        budget.take()
        return data
    if type(data) is not list or len(data) != 2 or type(data[0]) is not str:
        raise TypedValueError("not a typed value: expected null, true, false or [tag, payload]")
    tag, payload = data
    budget.take()
    if tag == "i":
        return _int(payload, budget)
    if tag == "f":
        return _float(payload)
    if tag == "c":
        if type(payload) is not list or len(payload) != 2:
            raise TypedValueError("a complex must be [real, imag]")
        return complex(_float(payload[0]), _float(payload[1]))
    if tag == "s":
        if type(payload) is not str:
            raise TypedValueError("a str must be a JSON string")
        budget.take(len(payload))
        return payload
    if tag == "y":
        if type(payload) is not str:
            raise TypedValueError("bytes must be a hex string")
        budget.take(len(payload))
        try:
            return bytes.fromhex(payload)
        except ValueError:
            raise TypedValueError("bytes must be a hex string") from None
    if tag in ("l", "t"):
        items = [_decode(item, depth + 1, budget) for item in _items(payload)]
        return items if tag == "l" else tuple(items)
    if tag in ("S", "F"):
        items = [_decode(item, depth + 1, budget) for item in _items(payload)]
        try:
            return set(items) if tag == "S" else frozenset(items)
        except TypeError:
            raise TypedValueError("a set item must be hashable") from None
    if tag == "d":
        pairs = []
        for pair in _items(payload):
            if type(pair) is not list or len(pair) != 2:
                raise TypedValueError("a dict item must be [key, value]")
            pairs.append((_decode(pair[0], depth + 1, budget), _decode(pair[1], depth + 1, budget)))
        try:
            return dict(pairs)
        except TypeError:
            raise TypedValueError("a dict key must be hashable") from None
    raise TypedValueError(f"unknown tag {tag[:20]!r}")


def decode(data: object) -> "Any":
    """The value a typed encoding stands for (`encode`'s inverse), built from plain types only; `TypedValueError`
    for anything that is not a typed encoding or is over the bounds."""
    try:
        return _decode(data, 0, _Budget())
    except TypedValueError:
        raise
    except RecursionError:
        raise TypedValueError("the value is nested too deeply") from None
    except (MemoryError, OverflowError, ValueError) as exc:
        raise TypedValueError(f"the value cannot be decoded ({type(exc).__name__})") from None


def loads(text: str) -> "Any":
    """The value of `dumps`'s text; `TypedValueError` for text that is not JSON or not a typed encoding."""
    if type(text) is not str:
        raise TypedValueError("typed JSON must be a str")
    if len(text) > 4 * MAX_CHARS:
        raise TypedValueError("the text is too long")
    try:
        data = json.loads(text)
    except RecursionError:
        raise TypedValueError("the value is nested too deeply") from None
    except ValueError as exc:
        raise TypedValueError(f"not JSON ({exc})") from None
    return decode(data)


# ---- mutated arguments -----------------------------------------------------------------------------------------


def update_in_place(target: "Any", value: "Any", depth: int = 0) -> "Any":
    """Makes the mutable parts of `target` hold `value` (a plain value of the same shape), keeping the identity
    of every list, dict and set that stays where it was: how a caller sees what a callee did to its arguments.
    Returns the object to hold in `target`'s place (`target` itself when it could be updated)."""
    if depth > MAX_DEPTH:
        return value
    kind = type(target)
    if kind is not type(value):
        return value
    if kind is list:
        merged = [update_in_place(target[i], v, depth + 1) if i < len(target) else v for i, v in enumerate(value)]
        target[:] = merged
        return target
    if kind is dict:
        merged = [(k, update_in_place(target[k], v, depth + 1) if k in target else v) for k, v in value.items()]
        target.clear()
        target.update(merged)
        return target
    if kind is set:
        target.clear()
        target.update(value)
        return target
    if kind is tuple and len(target) == len(value):
        for old, new in zip(target, value):
            update_in_place(old, new, depth + 1)
        return target
    return value
