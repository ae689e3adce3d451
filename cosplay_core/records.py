"""Typed, versioned records: a run's summary (`summary.json`) and a benchmark's result (`bench.json` of `cosplay
bench`, `result.<split>.json` of the HumanEval benchmark), with `to_dict`/`from_dict`.

`from_dict` reads every version up to the current one, unversioned files of before included (version 1), and
refuses a newer version or a malformed record with `RecordError`, one line. Summary version 2 renamed four ground
truth keys to names that say what they mean (`GT_RENAMED`); it writes the old names too, because `bon` and
`bon_cluster` are keys of the `summary.json` contract (DESIGN.md) that other tools read: they stay.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from cosplay_core import metrics
from cosplay_core.metrics import Spread
from cosplay_core.outdir import MalformedFile, read_json_file

SUMMARY_VERSION = 2  # 1: unversioned (before this module); 2: versioned, gt renamed (old names written too)
BENCH_VERSION = 2  # 1: unversioned bench.json / result.<split>.json; 2: one format for both pipelines
# summary version 1's gt names -> version 2's (both written: the old ones are the summary contract's keys)
GT_RENAMED = {"bon_cluster": "cosplay_correct", "bon": "bon_correct", "pass1_cluster": "cosplay_pass1",
              "pass1_bon": "bon_pass1"}
PIPELINES = ("bench", "humaneval_codet")  # `cosplay bench`, the HumanEval x CodeT benchmark


class RecordError(ValueError):
    """A record that cannot be read: malformed, or written by a newer CoSPlay Studio. One line."""


def _version(data: Any, kind: str, current: int) -> int:
    """The version of a record (1 when it has none), refusing a non-object, a bad or a newer version."""
    if not isinstance(data, dict):
        raise RecordError(f"a {kind} must be a JSON object, not {type(data).__name__}")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordError(f"a {kind} with version {version!r}: expected a positive whole number")
    if version > current:
        raise RecordError(f"a {kind} of version {version}, newer than this CoSPlay Studio reads (up to {current}): "
                          "update CoSPlay Studio")
    return version


def _typed(data: Mapping, key: str, kind: str, types: type | tuple[type, ...], default: Any = None,
           required: bool = False) -> Any:
    """`data[key]` when it has one of `types` (or is null when not required); `default` when absent."""
    if key not in data:
        if required:
            raise RecordError(f"a {kind} without its '{key}'")
        return default
    value = data[key]
    if value is None and not required:
        return default
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise RecordError(f"a {kind} whose '{key}' is {type(value).__name__}, not {_names(types)}")
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _names(types: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(types))


# -- a run's summary ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundTruthScores:
    """How a run scores against ground truth; every field None without ground truth."""

    cosplay_correct: bool | None = None  # CoSPlay's chosen code (stage 3) passes the ground truth (was `bon_cluster`)
    bon_correct: bool | None = None  # BoN after self-play (top pass count, ties to the lowest id) (was `bon`)
    cosplay_pass1: float | None = None  # share of GT-correct codes in CoSPlay's top group (was `pass1_cluster`)
    bon_pass1: float | None = None  # the same for BoN's top group (was `pass1_bon`)
    ut_accuracy: float | None = None  # CURE's, on the final pools
    ut_accuracy_initial: float | None = None  # CURE's, on the stage-1 pools
    codes_correct: int | None = None  # GT-correct codes in the final pool
    codes_total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The new names, then the old ones (`GT_RENAMED`), which the summary contract names."""
        values = asdict(self)
        return values | {old: values[new] for old, new in GT_RENAMED.items()}

    @classmethod
    def from_dict(cls, data: Any) -> "GroundTruthScores":
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise RecordError(f"a summary whose 'gt' is {type(data).__name__}, not an object")
        old = {new: data[old] for old, new in GT_RENAMED.items() if old in data}
        values = {f.name: data.get(f.name, old.get(f.name)) for f in fields(cls)}
        for name in ("cosplay_correct", "bon_correct"):
            if values[name] is not None and not isinstance(values[name], bool):
                raise RecordError(f"a summary whose gt '{name}' is {values[name]!r}, not true, false or null")
        for name in ("cosplay_pass1", "bon_pass1", "ut_accuracy", "ut_accuracy_initial", "codes_correct",
                     "codes_total"):
            if values[name] is not None and (isinstance(values[name], bool)
                                             or not isinstance(values[name], (int, float))):
                raise RecordError(f"a summary whose gt '{name}' is {values[name]!r}, not a number or null")
        return cls(**values)


@dataclass(frozen=True)
class RunSummary:
    """A finished run (`summary.json`): DESIGN.md's summary contract, typed. `extra` keeps every other key a run
    writes (cost counters, stage-3 reasons, ...) as it is; `equal_budget` is every baseline restricted to the codes
    and UTs the run saw (`equal_budget.py`; None when not measured)."""

    problem: str
    model: str
    seed: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    selected: dict[str, Any] | None = None  # {"code_id", "code"}
    gt: GroundTruthScores = GroundTruthScores()
    rounds: list[dict[str, Any]] = field(default_factory=list)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    executions: int = 0
    wall_s: float | None = None
    equal_budget: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = SUMMARY_VERSION

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version, "problem": self.problem, "model": self.model,
                                "seed": self.seed, "config": self.config, "selected": self.selected,
                                "gt": self.gt.to_dict(), "rounds": self.rounds, "baselines": self.baselines,
                                "usage": self.usage, "executions": self.executions, "wall_s": self.wall_s}
        if self.equal_budget is not None:
            data["equal_budget"] = self.equal_budget
        return data | {k: v for k, v in self.extra.items() if k not in data}

    @classmethod
    def from_dict(cls, data: Any) -> "RunSummary":
        """A summary of any version up to `SUMMARY_VERSION`; RecordError (one line) for anything else."""
        version = _version(data, "run summary", SUMMARY_VERSION)
        kind = "run summary"
        known = {f.name for f in fields(cls)} - {"extra", "version"}
        return cls(problem=_typed(data, "problem", kind, str, required=True),
                   model=_typed(data, "model", kind, str, "?"),
                   seed=_typed(data, "seed", kind, int),
                   config=_typed(data, "config", kind, dict, {}),
                   selected=_typed(data, "selected", kind, dict),
                   gt=GroundTruthScores.from_dict(data.get("gt")),
                   rounds=_typed(data, "rounds", kind, list, []),
                   baselines=_typed(data, "baselines", kind, dict, {}),
                   usage=_typed(data, "usage", kind, dict, {}),
                   executions=_typed(data, "executions", kind, int, 0),
                   wall_s=_typed(data, "wall_s", kind, (int, float)),
                   equal_budget=_typed(data, "equal_budget", kind, dict),
                   extra={k: v for k, v in data.items() if k not in known and k != "version"},
                   version=version)


def load_summary(path: str | Path) -> RunSummary:
    """A `summary.json` as a RunSummary; RecordError naming the file for an unreadable or malformed one."""
    return _load(path, RunSummary.from_dict)


def _load(path: str | Path, parse: Callable[[Any], Any]) -> Any:
    try:
        data = read_json_file(Path(path), object)
    except MalformedFile as exc:
        raise RecordError(str(exc)) from None
    except OSError as exc:
        raise RecordError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    try:
        return parse(data)
    except RecordError as exc:
        raise RecordError(f"{path}: {exc}") from None


# -- a benchmark's result -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One selector on one problem under one seed, as the result counts it."""

    correct: float | None  # 1.0 / 0.0: the chosen code passes the ground truth (random: its expectation)
    pass1: float | None = None  # tie-shared: the share of GT-correct codes in the selector's top group
    equal_budget_pass1: float | None = None  # the same, restricted to the codes and UTs CoSPlay saw
    ut_accuracy: float | None = None  # of the UTs the selector ranks by (None: it ranks by none)
    executions: int = 0


_EMPTY = Spread(None, None, None, None, 0, 0)


def _spread(data: Any, where: str) -> Spread:
    if data is None:
        return _EMPTY
    if not isinstance(data, dict):
        raise RecordError(f"a bench result whose {where} is {type(data).__name__}, not an object")
    try:
        return Spread(**{f.name: data[f.name] for f in fields(Spread)})
    except KeyError as exc:
        raise RecordError(f"a bench result whose {where} lacks '{exc.args[0]}'") from None


@dataclass(frozen=True)
class SelectorScore:
    """One selector over the problems of a split: each figure the mean over seeds of the per-seed means, with its
    std over seeds and bootstrap 95% interval over problems (`metrics.Spread`)."""

    accuracy: Spread  # the chosen code (ties to the lowest index) passes the ground truth
    pass1: Spread  # tie-shared pass@1
    equal_budget_pass1: Spread  # tie-shared pass@1 on the codes and UTs CoSPlay saw
    ut_accuracy: float | None  # mean over seeds
    executions: int  # over the problems, first seed

    @property
    def problems(self) -> int:
        return self.accuracy.problems

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy.to_dict(), "pass1": self.pass1.to_dict(),
                "equal_budget_pass1": self.equal_budget_pass1.to_dict(), "ut_accuracy": self.ut_accuracy,
                "problems": self.problems, "executions": self.executions}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "SelectorScore":
        if not isinstance(data, dict):
            raise RecordError(f"a bench result whose {where} is {type(data).__name__}, not an object")
        return cls(_spread(data.get("accuracy"), f"{where} accuracy"), _spread(data.get("pass1"), f"{where} pass1"),
                   _spread(data.get("equal_budget_pass1"), f"{where} equal_budget_pass1"),
                   _typed(data, "ut_accuracy", "bench result", (int, float)),
                   _typed(data, "executions", "bench result", int, 0))


@dataclass(frozen=True)
class SplitScores:
    """Every selector over the problems of one split scored in every seed, and CoSPlay's UT accuracy at the start
    and the end of self-play over the same problems."""

    problems: int
    selectors: dict[str, SelectorScore]
    ut_accuracy_start: Spread = _EMPTY
    ut_accuracy_end: Spread = _EMPTY

    def to_dict(self) -> dict[str, Any]:
        return {"problems": self.problems, "selectors": {n: s.to_dict() for n, s in self.selectors.items()},
                "ut_accuracy_start": self.ut_accuracy_start.to_dict(),
                "ut_accuracy_end": self.ut_accuracy_end.to_dict()}

    @classmethod
    def from_dict(cls, data: Any, split: str) -> "SplitScores":
        if not isinstance(data, dict) or not isinstance(data.get("selectors"), dict):
            raise RecordError(f"a bench result whose split '{split}' has no selectors object")
        return cls(_typed(data, "problems", "bench result", int, 0),
                   {n: SelectorScore.from_dict(s, f"selector '{n}'") for n, s in data["selectors"].items()},
                   _spread(data.get("ut_accuracy_start"), "ut_accuracy_start"),
                   _spread(data.get("ut_accuracy_end"), "ut_accuracy_end"))


@dataclass(frozen=True)
class BenchResult:
    """A benchmark's result, the same for `cosplay bench` and the HumanEval benchmark: per split (`split`, and with
    "all" also "dev" and "test"), per selector, mean, std over seeds, bootstrap 95% interval over problems and the
    number of problems. `details` holds the pipeline's own figures (the HumanEval benchmark's analyses, the bench's
    problems short of UT inputs)."""

    pipeline: str
    split: str
    seeds: list[int]
    problems: int  # in the split (and --limit), per seed
    scored: int  # with ground truth and no failure, first seed
    failed: int
    splits: dict[str, SplitScores]
    usage: dict[str, int] = field(default_factory=dict)
    wall_s: float | None = None
    errors: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    version: int = BENCH_VERSION

    @property
    def main(self) -> SplitScores:
        """The scores of the split the benchmark was asked for."""
        return self.splits[self.split]

    def to_dict(self) -> dict[str, Any]:
        """The record, then version 1's `selectors` (flat) and `claims` for the readers of before (one version)."""
        data = {"version": self.version, "pipeline": self.pipeline, "split": self.split, "seeds": self.seeds,
                "problems": self.problems, "scored": self.scored, "failed": self.failed,
                "splits": {name: s.to_dict() for name, s in self.splits.items()}, "usage": self.usage,
                "wall_s": self.wall_s, "errors": self.errors, "details": self.details}
        main = self.main
        data["selectors"] = {n: {"bon": s.accuracy.mean, "pass1": s.pass1.mean, "ut_accuracy": s.ut_accuracy,
                                 "problems": s.problems, "executions": s.executions}
                             for n, s in main.selectors.items()}
        data["claims"] = {"seeds": self.seeds, "problems": main.problems,
                          "selectors": {n: {"bon": s.accuracy.to_dict(), "pass1": s.pass1.to_dict(),
                                            "equal_budget": s.equal_budget_pass1.to_dict()}
                                        for n, s in main.selectors.items()},
                          "ut_accuracy_start": main.ut_accuracy_start.to_dict(),
                          "ut_accuracy_end": main.ut_accuracy_end.to_dict()}
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "BenchResult":
        """A result of any version up to `BENCH_VERSION` (version 1: either pipeline's unversioned file);
        RecordError (one line) for anything else."""
        version = _version(data, "bench result", BENCH_VERSION)
        if version == 1:
            return _from_version1(data)
        kind = "bench result"
        pipeline = _typed(data, "pipeline", kind, str, required=True)
        if pipeline not in PIPELINES:
            raise RecordError(f"a bench result of an unknown pipeline '{pipeline}' (known: {', '.join(PIPELINES)})")
        split = _typed(data, "split", kind, str, required=True)
        splits = _typed(data, "splits", kind, dict, required=True)
        if split not in splits:
            raise RecordError(f"a bench result of split '{split}' without its scores")
        return cls(pipeline, split, _typed(data, "seeds", kind, list, []), _typed(data, "problems", kind, int, 0),
                   _typed(data, "scored", kind, int, 0), _typed(data, "failed", kind, int, 0),
                   {name: SplitScores.from_dict(s, name) for name, s in splits.items()},
                   _typed(data, "usage", kind, dict, {}), _typed(data, "wall_s", kind, (int, float)),
                   _typed(data, "errors", kind, list, []), _typed(data, "details", kind, dict, {}), version)


def _from_version1(data: dict) -> BenchResult:
    """An unversioned `bench.json` or `result.<split>.json`: its flat table (the first seed's), and its figures
    over seeds (`claims`) where it has them."""
    kind = "bench result"
    table = _typed(data, "selectors", kind, dict, required=True)
    claims = _typed(data, "claims", kind, dict, {})
    over_seeds = claims.get("selectors") or {}
    selectors = {}
    for name, row in table.items():
        if not isinstance(row, dict):
            raise RecordError(f"a bench result whose selector '{name}' is {type(row).__name__}, not an object")
        spreads = over_seeds.get(name) or {}
        problems = _typed(row, "problems", kind, int, 0)

        def one_seed(value: Any, problems: int = problems) -> Spread:
            return _EMPTY if value is None else Spread(value, 0.0, None, None, 1, problems)

        selectors[name] = SelectorScore(
            _spread(spreads["bon"], name) if "bon" in spreads else one_seed(row.get("bon")),
            _spread(spreads["pass1"], name) if "pass1" in spreads else one_seed(row.get("pass1")),
            _spread(spreads.get("equal_budget"), name), _typed(row, "ut_accuracy", kind, (int, float)),
            _typed(row, "executions", kind, int, 0))
    split = _typed(data, "split", kind, str, "all")
    scores = SplitScores(claims.get("problems", data.get("scored", 0)), selectors,
                         _spread(claims.get("ut_accuracy_start"), "ut_accuracy_start"),
                         _spread(claims.get("ut_accuracy_end"), "ut_accuracy_end"))
    pipeline = "humaneval_codet" if "oracle" in data or "reference" in data else "bench"
    skip = {"selectors", "claims", "split", "problems", "scored", "failed", "usage", "wall_s", "errors"}
    return BenchResult(pipeline, split, list(claims.get("seeds") or [0]), _typed(data, "problems", kind, int, 0),
                       _typed(data, "scored", kind, int, 0), _typed(data, "failed", kind, int, 0), {split: scores},
                       _typed(data, "usage", kind, dict, {}), _typed(data, "wall_s", kind, (int, float)),
                       _typed(data, "errors", kind, list, []), {k: v for k, v in data.items() if k not in skip},
                       version=1)


def load_bench_result(path: str | Path) -> BenchResult:
    """A `bench.json` or `result.<split>.json` as a BenchResult; RecordError naming the file when it cannot be."""
    return _load(path, BenchResult.from_dict)


def score_splits(readings: Mapping[str, Mapping[int, Mapping[str, Reading]]], seeds: Sequence[int], split: str,
                 names: Sequence[str],
                 ut_start_end: Mapping[str, Mapping[int, tuple[float | None, float | None]]]) -> dict[str, SplitScores]:
    """The scores of `split` (and, for "all", of "dev" and "test" too: `metrics.split_of` of each problem).

    `readings[problem][seed][selector]`: problems scored in every seed (the caller leaves out the others);
    `ut_start_end[problem][seed]`: CoSPlay's UT accuracy at the start and the end of self-play."""
    subsets = {split: list(readings)}
    if split == "all":
        for part in ("dev", "test"):
            subsets[part] = [p for p in readings if metrics.split_of(p) == part]
    result = {}
    for part, problems in subsets.items():
        table = {}
        for name in names:
            rows = [[readings[p][k].get(name) for k in seeds] for p in problems]

            def column(attribute: str, rows: list = rows) -> list[list[float | None]]:
                return [[None if r is None else getattr(r, attribute) for r in row] for row in rows]

            table[name] = SelectorScore(
                metrics.spread(column("correct")), metrics.spread(column("pass1")),
                metrics.spread(column("equal_budget_pass1")), metrics.spread(column("ut_accuracy")).mean,
                sum(int(row[0].executions) for row in rows if row and row[0] is not None))
        start, end = metrics.paired_spreads([[ut_start_end.get(p, {}).get(k, (None, None)) for k in seeds]
                                             for p in problems])
        result[part] = SplitScores(len(problems), table, start, end)
    return result
