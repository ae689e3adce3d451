"""The typed-value codec that carries arguments and results across the sandbox's boundary: exact round trips, clear
errors for anything that is not plain data, bounds instead of crashes, and decoding that builds nothing else."""

import collections
import enum
import json
import math
import subprocess
import sys

import pytest

from cosplay_core.benchmarks import typed_values
from cosplay_core.benchmarks.typed_values import (MAX_DEPTH, TypedValueError, decode, dumps, encode, loads,
                                                  update_in_place)

ROUND_TRIPS = [
    None, True, False, 0, -7, 2**53 - 1, 2**53, -(2**53), 10**5000, -(10**5000), 0.0, -0.0, 1.5, 1e308, 5e-324,
    float("inf"), float("-inf"), 1 + 2j, complex(float("inf"), -0.0), "", "héllo\n\x00", "\ud800 lone surrogate",
    b"", b"\x00\xffbytes", [], [1, [2, [3]]], (), (1,), ("a", (2.5, None)), set(), {1, 2, 3}, frozenset(),
    frozenset({(1, 2), "x"}), {}, {"a": 1, 2: "b", (1, 2): [3], None: None, 1.5: {4}, frozenset({1}): ()},
    [{"k": {True, 2}}, ({"z": b"y"},)],
]


@pytest.mark.parametrize("value", ROUND_TRIPS, ids=lambda v: type(v).__name__)
def test_round_trip_keeps_value_and_types(value):
    back = loads(dumps(value))
    assert _same(back, value)


def _same(a, b) -> bool:
    """Equal with the same types all the way down (1 is not 1.0 nor True; -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex):
        return _same(a.real, b.real) and _same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


def test_nan_round_trips_and_types_stay_apart():
    assert math.isnan(loads(dumps(float("nan"))))
    texts = {dumps(v) for v in (1, 1.0, True, "1", (1,), [1], {1}, frozenset({1}))}
    assert len(texts) == 8
    assert dumps(0.0) != dumps(-0.0)


def test_text_is_canonical():
    assert dumps({3, 1, 2}) == dumps({2, 3, 1}) == dumps(set([1, 2, 3]))
    assert dumps({"a": 1, "b": 2}) != dumps({"b": 2, "a": 1})  # a dict's order is part of the value
    assert encode(5) == ["i", 5] and encode(2**60) == ["i", hex(2**60)] and encode(None) is None


@pytest.mark.parametrize("value, message", [
    (object(), "object is not a plain value"),
    (lambda: 1, "function is not a plain value"),
    (len, "builtin_function_or_method"),
    (iter([1]), "list_iterator"),
    ((x for x in ()), "generator"),
    (NotImplemented, "NotImplementedType"),
    (bytearray(b"x"), "bytearray"),
    ([1, {2: object()}], "object is not a plain value"),
])
def test_anything_else_is_a_clear_error(value, message):
    with pytest.raises(TypedValueError, match=message):
        encode(value)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class LyingInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class LyingStr(str):
    def __eq__(self, other):
        return True

    def __str__(self):
        return "whatever you expect"

    def __iter__(self):
        return iter("lies")

    __hash__ = str.__hash__


class LyingList(list):
    def __eq__(self, other):
        return True

    def __iter__(self):
        return iter([])


def test_forged_values_are_refused_or_become_the_plain_value_they_hold():
    for forged in (AlwaysEqual(), [AlwaysEqual()], {AlwaysEqual()}):
        with pytest.raises(TypedValueError):
            encode(forged, subclasses=True)
    for subclass in (LyingInt(3), LyingStr("abc"), LyingList([1, 2])):  # strict: refused
        with pytest.raises(TypedValueError):
            encode(subclass)
    # As a candidate's result: the plain value, read through the base type (no override plays a part)
    assert _same(loads(dumps(LyingInt(3), subclasses=True)), 3)
    assert _same(loads(dumps(LyingStr("abc"), subclasses=True)), "abc")
    assert _same(loads(dumps(LyingList([1, 2]), subclasses=True)), [1, 2])
    assert _same(loads(dumps([LyingInt(1), {"k": LyingStr("v")}], subclasses=True)), [1, {"k": "v"}])


def test_common_subclasses_become_their_plain_values():
    Point = collections.namedtuple("Point", "x y")

    class Colour(enum.IntEnum):
        RED = 1

    counter = collections.Counter("abca")
    value = [Point(1, 2), Colour.RED, counter, collections.OrderedDict(a=1), collections.defaultdict(int, b=2)]
    assert _same(loads(dumps(value, subclasses=True)), [(1, 2), 1, {"a": 2, "b": 1, "c": 1}, {"a": 1}, {"b": 2}])


def test_numpy_scalars_become_python_scalars():
    numpy = pytest.importorskip("numpy")
    assert _same(loads(dumps([numpy.int64(3), numpy.float64(0.5), numpy.bool_(True)], subclasses=True)),
                 [3, 0.5, True])
    with pytest.raises(TypedValueError, match="ndarray"):
        encode(numpy.array([1, 2]), subclasses=True)  # an array compares element-wise: not a plain value


def test_depth_and_size_are_bounded_without_recursion_errors():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(TypedValueError, match="nested"):
        encode(deep)
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(TypedValueError, match="nested"):
        encode(cyclic)
    ok = []
    for _ in range(MAX_DEPTH):
        ok = [ok]
    assert loads(dumps(ok)) == ok
    with pytest.raises(TypedValueError, match="characters"):
        encode("x" * (typed_values.MAX_CHARS + 1))
    with pytest.raises(TypedValueError, match="parts"):
        encode([0] * (typed_values.MAX_NODES + 1))
    deep_text = '["l",[' * 50_000 + "]]" * 50_000
    with pytest.raises(TypedValueError, match="nested"):
        loads(deep_text)


@pytest.mark.parametrize("data", [
    1, 1.5, "text", {}, [], ["i"], ["i", 1, 2], [1, 2], ["?", 1], ["i", 1.5], ["i", True], ["i", "12"],
    ["i", "0x"], ["i", "0xZZ"], ["f", "1e5"], ["f", True], ["f", None], ["c", [1.0]], ["s", 5], ["y", "zz"],
    ["l", "abc"], ["l", {"a": 1}], ["S", [["l", []]]], ["d", [[["l", []], None]]], ["d", [[1]]], ["t", [["?", 1]]],
])
def test_decoding_malformed_data_is_a_clear_error(data):
    with pytest.raises(TypedValueError):
        decode(data)


def test_decoding_builds_plain_values_only():
    value = loads('["d",[[["s","__class__"],["s","os.system"]],[["t",[["i",1]]],["y","ff"]]]]')
    assert type(value) is dict and value == {"__class__": "os.system", (1,): b"\xff"}
    assert loads('["f",1e400]') == float("inf")  # JSON's own overflow: a float, as `float()` reads it
    with pytest.raises(TypedValueError, match="not JSON"):
        loads("NaN garbage")


def test_update_in_place_keeps_the_callers_objects():
    inner = [3, 1]
    outer = [inner, {"k": {1}}]
    table = {"a": [2, 1]}
    args = (outer, table, 5)
    update_in_place(args, ([[1, 3, 9], {"k": {1, 2}}], {"a": [1, 2], "b": []}, 5))
    assert outer == [[1, 3, 9], {"k": {1, 2}}] and outer[0] is inner
    assert table == {"a": [1, 2], "b": []}


def test_the_codec_runs_from_its_text_alone():
    """Its text is embedded in sandbox programs, where nothing of the project can be imported."""
    script = (f"namespace = {{}}\nexec(compile(open({typed_values.__file__!r}).read(), 'tv', 'exec'), namespace)\n"
              "print(namespace['dumps']({1: (2.5, {b'x'})}))\n")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(dumps({1: (2.5, {b"x"})}))
