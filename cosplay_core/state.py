"""The run's state: code and unit-test pools, what each step changed, the state a run keeps between steps
(`RunState`), and immutable snapshots for viewers.

Everything here is plain data that round-trips through JSON (`to_dict` / `from_dict`), so that a trace can rebuild
any step and a run can resume from its last finished step.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import numpy as np

from cosplay_core.compare import Comparison


@dataclass(frozen=True)
class Code:
    """A candidate program in slot `id` (slots are stable; `version` counts replacements of the slot)."""

    id: int
    source: str
    origin: str
    version: int = 0


@dataclass(frozen=True)
class UnitTest:
    """A self-generated unit test: an input, the expected output agreed by votes, and how it came to be."""

    id: int
    input: Any
    expected: Any
    kind: str  # "random" or "attack"
    attack: str | None
    votes: tuple = ()
    agreement: int = 0
    origin: str = ""
    version: int = 0

    @property
    def agreed(self) -> bool:
        return self.agreement > 0


@dataclass(frozen=True)
class Change:
    """One change a step made to a pool, with the reason in plain words."""

    # code_replaced, code_repaired, repair_rejected, code_resampled, resample_rejected (pool replay: a fresh draw
    # for a repair), test_confirmed, test_rederived, test_regenerated, test_replaced
    kind: str
    target: str  # "code" or "test"
    id: int
    reason: str
    before: Any = None
    after: Any = None

    @property
    def counts(self) -> bool:
        """Whether the change altered a pool (a rejected repair or resample, or an unchanged re-derivation, does
        not)."""
        return self.kind not in ("repair_rejected", "resample_rejected", "test_confirmed")


@dataclass(frozen=True)
class Cell:
    """One execution-matrix cell as viewers need it: status, pass, the output (truncated) and stderr's tail."""

    status: str
    passed: bool
    output: Any
    stderr: str
    time_s: float


@dataclass(frozen=True)
class Selection:
    """Stage 3's result: the chosen code, the clusters among tied codes, and why."""

    code_id: int
    tied: tuple[int, ...]
    clusters: tuple[tuple[int, ...], ...] = ()
    signatures: dict = field(default_factory=dict)  # code id -> tuple of canonical outputs (None = ERR)
    inputs: tuple = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of a run after one step."""

    step: int
    stage: int
    name: str
    round: int
    title: str
    codes: tuple[Code, ...]
    tests: tuple[UnitTest, ...]
    passes: np.ndarray  # (codes, tests) bool, rows/columns in the order of `codes` / `tests`
    cells: tuple[tuple[Cell, ...], ...]
    changes: tuple[Change, ...]
    done: bool = False
    stopped: str | None = None  # why the run stopped early (budget, error), if it did
    selection: Selection | None = None
    hints: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    attacks: tuple[tuple[str, ...], ...] = ()
    usage: dict = field(default_factory=dict)
    executions: int = 0
    gt: dict | None = None  # ground-truth marks (only for scoring and display; never used by the algorithm)
    unused_tests: tuple[UnitTest, ...] = ()  # UTs whose votes never agreed: not in the matrix, kept with their votes

    @property
    def code_pass_counts(self) -> np.ndarray:
        return self.passes.sum(axis=1) if self.passes.size else np.zeros(len(self.codes), dtype=int)

    @property
    def test_pass_counts(self) -> np.ndarray:
        return self.passes.sum(axis=0) if self.passes.size else np.zeros(len(self.tests), dtype=int)


@dataclass(frozen=True)
class RunState:
    """Everything a run keeps between steps. Copy-on-write: a step never changes a state (nor its dicts), it returns a
    new one (`dataclasses.replace`), so the state before a step is the step's undo.

    `codes` and `tests` are the pools by slot, in slot order (`tests` holds unused UTs too, `UnitTest.agreed` false);
    `counter` the last request index given; `cursor` the next step ("done" at the end); `round` the current round and
    `round_changes` the pool changes made in it; `rounds` one record per finished round; `initial` the stage-1 pools
    (sources, passes, executions) for the baselines; `random_inputs` stage 3's inputs; the counters are the
    algorithm's executions and time, the baselines' apart, and executions answered from the run's record.
    """

    codes: dict[int, Code] = field(default_factory=dict)
    tests: dict[int, UnitTest] = field(default_factory=dict)
    hints: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    attacks: tuple[tuple[str, ...], ...] = ()
    counter: int = 0
    cursor: str = "hints"
    round: int = 0
    round_changes: int = 0
    rounds: tuple[dict, ...] = ()
    initial: dict | None = None
    random_inputs: tuple = ()
    selection: Selection | None = None
    baselines: dict = field(default_factory=dict)
    stopped: str | None = None
    executions: int = 0
    baseline_executions: int = 0
    baseline_wall_s: float = 0.0
    wall_s: float = 0.0
    executions_cached: int = 0
    total_wall_s: float = 0.0

    @property
    def done(self) -> bool:
        return self.cursor == "done"

    @property
    def used_tests(self) -> tuple[UnitTest, ...]:
        """The UTs whose votes agreed, in slot order: the matrix's columns."""
        return tuple(t for t in self.tests.values() if t.agreed)

    @property
    def unused_tests(self) -> tuple[UnitTest, ...]:
        return tuple(t for t in self.tests.values() if not t.agreed)

    def to_dict(self, blob: Callable[[Any], Any] = lambda value: value) -> dict:
        """The state as a trace's step event keeps it (`blob` stores a large value apart and returns its
        reference): `tests` the used UTs (the matrix's columns), `unused_tests` those whose votes never agreed."""
        def test_record(t: UnitTest) -> dict:
            return dict(to_jsonable(t), input=blob(t.input), expected=blob(t.expected),
                        votes=[blob(v) for v in t.votes])

        selection = None
        if self.selection is not None:
            selection = dict(to_jsonable(self.selection), inputs=[blob(x) for x in self.selection.inputs])
        initial = self.initial and dict(self.initial, codes=[blob(c) for c in self.initial["codes"]])
        return {"codes": [dict(to_jsonable(c), source=blob(c.source)) for c in self.codes.values()],
                "tests": [test_record(t) for t in self.used_tests],
                "unused_tests": [test_record(t) for t in self.unused_tests],
                "hints": list(self.hints), "plans": list(self.plans), "attacks": [list(a) for a in self.attacks],
                "counter": self.counter, "cursor": self.cursor, "round": self.round,
                "round_changes": self.round_changes, "rounds": list(self.rounds), "initial": initial,
                "random_inputs": [blob(x) for x in self.random_inputs], "selection": selection,
                "baselines": self.baselines, "stopped": self.stopped, "executions": self.executions,
                "baseline_executions": self.baseline_executions, "baseline_wall_s": self.baseline_wall_s,
                "wall_s": self.wall_s, "executions_cached": self.executions_cached,
                "total_wall_s": self.total_wall_s}

    @classmethod
    def from_dict(cls, d: dict) -> "RunState":
        """The state a step event recorded (blobs resolved), as `to_dict` wrote it; fields that older traces lack
        take their defaults."""
        tests = [test_from_dict(t) for t in d["tests"] + d.get("unused_tests", [])]
        return cls(codes={c["id"]: code_from_dict(c) for c in d["codes"]},
                   tests={t.id: t for t in sorted(tests, key=lambda t: t.id)},  # slots in order, as the run held them
                   hints=tuple(d["hints"]), plans=tuple(d["plans"]), attacks=tuple(tuple(a) for a in d["attacks"]),
                   counter=d["counter"], cursor=d["cursor"], round=d["round"], round_changes=d["round_changes"],
                   rounds=tuple(d["rounds"]), initial=d["initial"], random_inputs=tuple(d["random_inputs"]),
                   selection=selection_from_dict(d["selection"]), baselines=d["baselines"], stopped=d["stopped"],
                   executions=d["executions"], baseline_executions=d.get("baseline_executions", 0),
                   baseline_wall_s=d.get("baseline_wall_s", 0.0), wall_s=d["wall_s"],
                   executions_cached=d.get("executions_cached", 0), total_wall_s=d.get("total_wall_s", 0.0))


def canonical(value: Any, io: str, comparison: Comparison = Comparison()) -> str:
    """A hashable canonical form of an output, so that outputs equal under `comparison` compare equal as strings.

    Stdin outputs become their whitespace tokens joined by one space (floats rounded to the tolerance for float
    comparisons); function outputs their sorted-key JSON text.
    """
    if io == "function":
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    text = value if isinstance(value, str) else str(value)
    if comparison.kind == "exact":
        return text
    tokens = text.split()
    if comparison.kind == "float" and comparison.tolerance > 0:
        digits = max(0, math.ceil(-math.log10(comparison.tolerance)) - 1)
        rounded = []
        for token in tokens:
            try:
                number = float(token)
                rounded.append(f"{round(number, digits):.{digits}f}" if math.isfinite(number) else token)
            except ValueError:
                rounded.append(token)
        tokens = rounded
    return " ".join(tokens)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and numpy values as plain JSON values."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def code_from_dict(d: dict) -> Code:
    return Code(**d)


def test_from_dict(d: dict) -> UnitTest:
    return UnitTest(**{**d, "votes": tuple(d.get("votes", ()))})


def change_from_dict(d: dict) -> Change:
    return Change(**d)


def selection_from_dict(d: dict | None) -> Selection | None:
    if d is None:
        return None
    return Selection(code_id=d["code_id"], tied=tuple(d["tied"]), clusters=tuple(tuple(c) for c in d["clusters"]),
                     signatures={int(k): tuple(v) for k, v in d.get("signatures", {}).items()},
                     inputs=tuple(d.get("inputs", ())), reasons=tuple(d.get("reasons", ())))


def bump(code: Code, source: str, origin: str) -> Code:
    """The same slot holding a new program."""
    return replace(code, source=source, origin=origin, version=code.version + 1)
