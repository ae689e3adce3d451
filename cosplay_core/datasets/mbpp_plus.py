"""`mbpp-plus`: MBPP+ (EvalPlus v0.2.0), 378 MBPP problems with about 35 times more tests, from GitHub.

Upstream: `MbppPlus.jsonl.gz` of the `v0.2.0` release of github.com/evalplus/mbppplus_release (as evalplus's
`evalplus/data/mbpp.py` fetches it), plain HTTPS; the pinned SHA-256 and size are those several public projects
record for that asset. The release stores every input as JSON; evalplus's `mbpp_deserialize_inputs` turns the lists
of some tasks back into tuples, sets, complex numbers and so on, and `deserialize` here does the same per task.
Converted by `evalplus.convert_release` into `MbppPlus.jsonl.gz`, HumanEval format (the prompt is MBPP+'s docstring
with one example assert), keeping EvalPlus's special oracles (`eval/__init__.py`, `_special_oracle.py`): any output
for `are_equivalent`, 0 also right for `sum_div`, set equality for eight tasks, "not None" for three, a
recomputed value for `surface_Area` and `digit_distance_nums`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from cosplay_core.datasets.cache import Say, Source
from cosplay_core.datasets.evalplus import Oracle, convert_release, default_line, read_release

VERSION = "v0.2.0"
FILE = f"MbppPlus-{VERSION}.jsonl.gz"
OUTPUT = "MbppPlus.jsonl.gz"
SOURCES = (Source(FILE, f"https://github.com/evalplus/mbppplus_release/releases/download/{VERSION}/"
                        "MbppPlus.jsonl.gz",
                  sha256="af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63", size=336_032),)

SET_EQUAL = ("similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
             "intersection_array", "find_dissimilar", "Diff")
NOT_NONE = ("check_str", "text_match_three", "text_starta_endb")
_HELPERS = '''

def _or_equal(out, exp, atol, other):
    return _matches(out, exp, atol, out == exp or out == other)


def _or_near(out, exp, atol, other):
    return _matches(out, exp, atol, out == exp or abs(out - other) <= atol)


def _set_equal(out, exp, atol):
    return _matches(out, exp, atol, set(out) == set(exp))


def _not_none(out, exp, atol):
    return _matches(out, exp, atol, out == exp if isinstance(out, bool) else exp == (out is not None))


def _surface_Area(base_edge, height):
    slant = math.sqrt((base_edge / 2) ** 2 + height ** 2)
    return round(base_edge ** 2 + 4 * (base_edge * slant) / 2)


def _digit_distance_nums(a, b):
    a, b = str(a), str(b)
    width = max(len(a), len(b))
    return sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width)))
'''
_HELPERS = "\nimport math\n" + _HELPERS


def _line(template: str) -> Callable[[str, Any, str, float], str]:
    return lambda args, value, expected, atol: template.format(args=args, expected=expected, atol=repr(atol))


ORACLES = {
    "are_equivalent": Oracle(_line("candidate({args})"), _HELPERS),
    "sum_div": Oracle(_line("assert _or_equal(candidate({args}), {expected}, {atol}, 0)"), _HELPERS),
    "surface_Area": Oracle(_line("assert _or_near(candidate({args}), {expected}, {atol}, _surface_Area({args}))"),
                           _HELPERS),
    "digit_distance_nums": Oracle(_line("assert _or_equal(candidate({args}), {expected}, {atol}, "
                                        "_digit_distance_nums({args}))"), _HELPERS),
    **{name: Oracle(_line("assert _set_equal(candidate({args}), {expected}, {atol})"), _HELPERS)
       for name in SET_EQUAL},
    **{name: Oracle(_line("assert _not_none(candidate({args}), {expected}, {atol})"), _HELPERS,
                    expected=lambda value: value is not None) for name in NOT_NONE},
}


def oracle_for(record: dict) -> Oracle:
    return ORACLES.get(record["entry_point"], Oracle(default_line))


# ---- inputs: JSON back to the types the tasks take (evalplus/data/mbpp.py: mbpp_deserialize_inputs) ----------

def _tuples(args: list[Any]) -> list[Any]:
    return [tuple(arg) for arg in args]


def _lists_of_tuples(args: list[Any]) -> list[Any]:
    return [[tuple(item) for item in arg] for arg in args]


def _deep_tuples(value: Any) -> Any:
    return tuple(_deep_tuples(item) for item in value) if isinstance(value, list) else value


_BY_TASK = {
    **dict.fromkeys((2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726,
                     740, 744, 809), _tuples),
    **dict.fromkeys((63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780), _lists_of_tuples),
    **dict.fromkeys((75, 413, 444, 753), lambda args: [[tuple(item) for item in args[0]], args[1]]),
    **dict.fromkeys((106, 750), lambda args: [args[0], tuple(args[1])]),
    # an empty item becomes {} (a dict), as evalplus does
    115: lambda args: [[set(item) if isinstance(item, list) and item else {} for item in args[0]]],
    124: lambda args: (float(args[0]), complex(args[1])),
    **dict.fromkeys((250, 405, 446, 617, 720, 763, 808), lambda args: [tuple(args[0]), args[1]]),
    **dict.fromkeys((259, 401, 445), lambda args: [tuple(arg) for arg in _lists_of_tuples(args)]),
    278: lambda args: [tuple(tuple(item) if isinstance(item, list) else item for item in args[0])],
    307: lambda args: [tuple(args[0]), args[1], args[2]],
    722: lambda args: [{key: tuple(value) for key, value in args[0].items()}, *args[1:]],
    252: lambda args: [complex(args[0])],
    **dict.fromkeys((580, 615, 791), _deep_tuples),
}


def deserialize(record: dict, inputs: list) -> list:
    """A task's inputs with the types its functions take (JSON lists back to tuples, sets, complex numbers)."""
    try:
        number = int(str(record["task_id"]).rsplit("/", 1)[-1])
    except ValueError:
        return inputs
    convert_args = _BY_TASK.get(number)
    return [convert_args(args) for args in inputs] if convert_args else inputs


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """MBPP+ as HumanEval-format records with every test in `check`; the manifest's fields."""
    return convert_release(read_release(files[FILE]), out, OUTPUT, f"MBPP+ {VERSION}", oracle_for, deserialize,
                           say=say)
