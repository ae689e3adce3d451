"""`cosplay sweep SWEEP.toml`: a grid of datasets x backbones x seeds x settings, each cell a `cosplay bench` folder.

    out = "runs/sweep"                     # where results go (default: runs/sweep-<file name>)
    datasets = ["../sample_problems"]      # folders of problem folders, problem folders, JSONL files, dataset names
    backbones = ["sim", { model = "openai:qwen", base_url = "http://localhost:8000/v1" }]
    seeds = [0, 1, 2]
    limit = 5                              # optional: the first N problems of each dataset

    [calls_per_minute]                     # optional, on Ray: the cluster-wide pace of calls per provider
    anthropic = 50

    [settings.default]                     # named variants of the run settings (none given: one, "default")
    [settings.no_fix]
    no = ["fix_codes"]                     # the keys are `cosplay run`'s settings, with underscores

Relative paths are relative to the sweep file's folder. A cell's folder is
`out/<dataset>/<backbone>/<settings>/seed<N>/`, written as `cosplay bench --out` writes (a folder per problem, and
`bench.json`), so every reader of bench folders reads a cell; `out/sweep.json` lists the cells with their results.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from cosplay_core.bench import ProblemRef, aggregate, list_problems
from cosplay_core.config import Policies, RunConfig
from cosplay_core.outdir import child_names, write_json_atomic
from cosplay_core.session import BackboneSettings

if TYPE_CHECKING:
    from cosplay_core.distributed import RayRunner

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

SWEEP_NAME = "sweep.json"
BENCH_NAME = "bench.json"
TOP_KEYS = ("out", "datasets", "backbones", "seeds", "limit", "calls_per_minute", "settings")
BACKBONE_KEYS = ("model", "base_url")
# settings that belong to the backbone rather than to the run; sim's skills are named as the command's flags
BACKBONE_SETTINGS = ("concurrency", "max_calls", "max_tokens", "cache_dir")
SIM_SKILLS = {"code_skill": "code", "test_skill": "test", "repair_skill": "repair"}
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class SweepError(ValueError):
    """A sweep file that cannot be used: the message is one line naming the file."""


@dataclass(frozen=True)
class Cell:
    """One cell of the grid: a dataset's problems run with one backbone, one setting and one seed."""

    dataset: str  # the path list_problems reads
    backbone: BackboneSettings
    settings: str
    config: RunConfig
    folder: Path  # the cell's bench folder

    def describe(self) -> dict:
        return {"dataset": self.dataset, "model": self.backbone.model, "base_url": self.backbone.base_url,
                "settings": self.settings, "seed": self.config.seed, "folder": str(self.folder)}


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file: its output folder, its cells, and the pace of model calls per provider."""

    path: Path
    out: Path
    cells: list[Cell]
    limit: int | None
    calls_per_minute: dict[str, float]


def load_sweep(path: str | Path, out: str | Path | None = None) -> Sweep:
    """The sweep that `path` describes (`out` overrides its output folder); SweepError (one line) for a file that
    cannot be read, an unknown key, or a value of the wrong kind."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{path}: no such sweep file") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path}: not a TOML text file ({type(exc).__name__})") from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None
    where = str(path)
    _known(data, TOP_KEYS, where, "a sweep")
    base = path.parent
    from cosplay_core.datasets import DATASETS

    def local(value: str) -> str:  # a dataset name stays a name, resolved from the data cache
        return value if value in DATASETS and not Path(base, value).exists() else os.path.normpath(Path(base, value))

    datasets = list(dict.fromkeys(local(d) for d in _list(data, "datasets", str, where, required=True)))
    listed = _list(data, "backbones", (str, dict), where) or ["sim"]
    backbones = list({_backbone_name(b): b for b in (_backbone(entry, f"{where}: backbones[{i}]")
                                                     for i, entry in enumerate(listed))}.values())
    seeds = _list(data, "seeds", int, where) or [0]
    limit = data.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise SweepError(f"{where}: limit must be a whole number of at least 1, not {limit!r}")
    rates = _rates(data.get("calls_per_minute", {}), where)
    variants = data.get("settings", {"default": {}})
    if not isinstance(variants, dict) or not all(isinstance(v, dict) for v in variants.values()) or not variants:
        raise SweepError(f"{where}: settings must be tables, one per variant ([settings.<name>])")
    if not isinstance(data.get("out", ""), str):
        raise SweepError(f"{where}: out must be a folder name (a string)")
    out_dir = Path(out) if out is not None else Path(base, data["out"]) if "out" in data else \
        Path("runs") / f"sweep-{path.stem}"
    cells = []
    dataset_names = _folder_names(datasets, _dataset_name)
    backbone_names = _folder_names(list(dict.fromkeys(_backbone_name(b) for b in backbones)), str)
    for dataset in datasets:
        for backbone in backbones:
            for name, variant in variants.items():
                if not _SAFE_NAME.fullmatch(name):
                    raise SweepError(f"{where}: settings.{name}: a variant's name is a folder name (letters, digits, "
                                     "., _ and -)")
                config, tuned = _settings(variant, backbone, base, f"{where}: settings.{name}")
                for seed in dict.fromkeys(seeds):
                    try:
                        seeded = replace(config, seed=seed)
                    except ValueError as exc:
                        raise SweepError(f"{where}: seeds: {exc}") from None
                    folder = out_dir / dataset_names[dataset] / backbone_names[_backbone_name(backbone)] / name / \
                        f"seed{seed}"
                    cells.append(Cell(dataset, tuned, name, seeded, folder))
    return Sweep(path, out_dir, cells, limit, rates)


def _folder_names(items: list[str], short: Callable[[str], str]) -> dict[str, str]:
    """A distinct, safe folder name for each item: its short name, followed by a short hash of the item where
    two items' short names meet (two datasets both called `problems`)."""
    shared = Counter(short(i) for i in items)
    names = {i: short(i) if shared[short(i)] == 1 else
             f"{short(i)}~{hashlib.sha256(i.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}" for i in items}
    safe = child_names(list(names.values()))
    return {i: safe[name] for i, name in names.items()}


def _known(table: dict, keys: Iterable[str], where: str, what: str) -> None:
    unknown = [k for k in table if k not in keys]
    if unknown:
        raise SweepError(f"{where}: unknown key {unknown[0]!r} in {what} (known: {', '.join(keys)})")


def _list(data: dict, key: str, kind: type | tuple[type, ...], where: str, required: bool = False) -> list:
    value = data.get(key)
    if value is None and not required:
        return []
    kinds: dict[object, str] = {str: "strings", int: "whole numbers"}
    names = kinds.get(kind, "strings or tables")
    if not isinstance(value, list) or not value or not all(isinstance(v, kind) and not isinstance(v, bool)
                                                           for v in value):
        raise SweepError(f"{where}: {key} must be a non-empty list of {names}")
    return value


def _backbone(entry: str | dict, where: str) -> BackboneSettings:
    if isinstance(entry, str):
        entry = {"model": entry}
    _known(entry, BACKBONE_KEYS, where, "a backbone")
    if not isinstance(entry.get("model"), str) or not entry["model"].strip():
        raise SweepError(f"{where}: a backbone needs model = \"<spec>\" (sim, anthropic:<model>, openai:<model>)")
    if not isinstance(entry.get("base_url", ""), str):
        raise SweepError(f"{where}: base_url must be a string")
    return BackboneSettings(model=entry["model"].strip(), base_url=entry.get("base_url") or None)


def _rates(table: object, where: str) -> dict[str, float]:
    from cosplay_core.distributed import check_rates

    if not isinstance(table, dict):
        raise SweepError(f"{where}: calls_per_minute must be a table of provider = calls per minute")
    try:
        check_rates(table)
    except ValueError as exc:
        raise SweepError(f"{where}: calls_per_minute: {exc}") from None
    return {p: float(r) for p, r in table.items()}


RUN_SETTINGS = tuple(f.name for f in fields(RunConfig) if f.name not in ("seed", "policies"))
SETTING_KEYS = RUN_SETTINGS + ("no", "with") + BACKBONE_SETTINGS + tuple(SIM_SKILLS)


def _settings(variant: dict, backbone: BackboneSettings, base: Path, where: str) -> tuple[RunConfig, BackboneSettings]:
    """A variant's run settings, and the backbone with the variant's backbone settings (a cache folder relative to
    `base`)."""
    _known(variant, SETTING_KEYS, where, "settings")
    run = {k: v for k, v in variant.items() if k in RUN_SETTINGS}
    if run.get("relative_time_limit") == 0:
        run["relative_time_limit"] = None  # as --relative-time-limit 0: the problem's full limit on every input
    try:
        policies = Policies().including(*_names(variant, "with", where)).without(*_names(variant, "no", where))
        config = RunConfig(policies=policies, **run)
    except (ValueError, TypeError) as exc:
        raise SweepError(f"{where}: {exc}") from None
    tuned = {k: variant[k] for k in BACKBONE_SETTINGS if k in variant}
    for name, value in tuned.items():
        if name == "cache_dir" and not isinstance(value, str):
            raise SweepError(f"{where}: cache_dir must be a folder name (a string)")
        if name == "cache_dir":
            tuned[name] = str(Path(base, value))
        if name != "cache_dir" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise SweepError(f"{where}: {name} must be a whole number of at least 1, not {value!r}")
    skills = {SIM_SKILLS[k]: variant[k] for k in SIM_SKILLS if k in variant}
    if skills:
        from cosplay_core.players.sim import SimSkills

        try:
            tuned["sim_skills"] = SimSkills(**skills)
        except (ValueError, TypeError) as exc:
            raise SweepError(f"{where}: {exc}") from None
    return config, replace(backbone, **tuned)


def _names(variant: dict, key: str, where: str) -> list[str]:
    value = variant.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SweepError(f"{where}: {key} must be a list of policy names")
    return value


def _dataset_name(dataset: str) -> str:
    name = Path(dataset.rstrip("/")).name or dataset
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return name


def _backbone_name(backbone: BackboneSettings) -> str:
    from cosplay_core.distributed import backbone_key

    return backbone_key(backbone)


def sweep_problems(sweep: Sweep) -> list[tuple[Cell, list[ProblemRef]]]:
    """Every cell with its problems (the first `limit` of its dataset); ProblemError or DataError (one line) for a
    dataset that cannot be listed."""
    from cosplay_core.datasets import resolve_dataset

    listed: dict[str, list[ProblemRef]] = {}
    for cell in sweep.cells:
        if cell.dataset not in listed:
            refs = list_problems(resolve_dataset(cell.dataset))
            listed[cell.dataset] = refs[: sweep.limit] if sweep.limit else refs
    return [(cell, listed[cell.dataset]) for cell in sweep.cells]


def finish_sweep(sweep: Sweep, results: list[tuple[Cell, list[dict]]]) -> dict:
    """Writes each cell's `bench.json` and the sweep's `sweep.json`; the sweep's result: one entry per cell, and
    `interrupted`, the first problem stopped because its model could not answer (None when none was)."""
    cells, interrupted = [], []
    for cell, summaries in results:
        result = aggregate(summaries).to_dict()
        cell.folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(cell.folder / BENCH_NAME, result)
        cells.append({**cell.describe(), "result": result})
        interrupted += [s for s in summaries if s.get("interrupted")]
    interrupted.sort(key=lambda s: s["error"].startswith("not run"))  # the cause before its consequences
    sweep_result = {"sweep": str(sweep.path), "out": str(sweep.out), "cells": cells,
                    "interrupted": f"{interrupted[0]['problem']}: {interrupted[0]['error']}" if interrupted else None}
    sweep.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(sweep.out / SWEEP_NAME, sweep_result)
    return sweep_result


def format_sweep_table(result: dict) -> str:
    """One line per cell: CoSPlay's accuracy and UT accuracy, BoN's and CodeT's accuracy, cost, failures."""
    def pct(value: Any) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    lines = [f"{'dataset':<20} {'backbone':<24} {'settings':<12} {'seed':>5} {'CoSPlay':>8} {'UT acc.':>8} "
             f"{'BoN':>7} {'CodeT':>7} {'calls':>7} {'failed':>7}"]
    for cell in result["cells"]:
        r, s = cell["result"], cell["result"]["selectors"]
        lines.append(f"{_dataset_name(cell['dataset'])[:20]:<20} {cell['model'][:24]:<24} {cell['settings'][:12]:<12} "
                     f"{cell['seed']:>5} {pct(s['cosplay']['bon']):>8} {pct(s['cosplay']['ut_accuracy']):>8} "
                     f"{pct(s['bon']['bon']):>7} {pct(s['codet']['bon']):>7} {r['usage']['calls']:>7} "
                     f"{r['failed']:>7}")
    lines.append(f"{len(result['cells'])} cells; each cell's problems and bench.json are in {result['out']}")
    return "\n".join(lines)


CellRunner = Callable[[list[tuple[Cell, list[ProblemRef]]]], list[list[dict]]]


def run_sweep(sweep: Sweep, cells: list[tuple[Cell, list[ProblemRef]]], run_cells: CellRunner) -> dict:
    """Runs every cell's problems through `run_cells` (which returns each cell's summaries, in order), then writes
    and returns the sweep's result."""
    summaries = run_cells(cells)
    return finish_sweep(sweep, [(cell, s) for (cell, _), s in zip(cells, summaries)])


Progress = Callable[[int, int, dict], None]


def run_cells_locally(jobs: int, progress: Progress | None = None) -> CellRunner:
    """A CellRunner on this machine: one cell after another, `jobs` problems of a cell at a time, each cell on a
    sandbox executor of its own (so a cell's results are those of `cosplay bench` on it: no outcome of another
    cell's runs is reused)."""
    from cosplay_core.bench import run_benchmark
    from cosplay_core.sandbox import Executor

    def run_cells(cells: list[tuple[Cell, list[ProblemRef]]]) -> list[list[dict]]:
        total, before, results = sum(len(refs) for _, refs in cells), 0, []
        for cell, refs in cells:
            def counted(done: int, _: int, summary: dict, offset: int = before) -> None:
                if progress:
                    progress(offset + done, total, summary)

            with Executor() as executor:
                results.append(run_benchmark(refs, cell.config, cell.backbone, executor, cell.folder, jobs, counted))
            before += len(refs)
        return results

    return run_cells


def run_cells_on_ray(runner: RayRunner, progress: Progress | None = None) -> CellRunner:
    """A CellRunner on Ray (`distributed.RayRunner`): every problem of every cell is a task, all submitted at once."""
    from cosplay_core.distributed import ProblemTask

    def run_cells(cells: list[tuple[Cell, list[ProblemRef]]]) -> list[list[dict]]:
        tasks = [ProblemTask(ref, cell.config, cell.backbone, cell.folder) for cell, refs in cells for ref in refs]
        summaries = iter(runner.run(tasks, progress))
        return [[next(summaries) for _ in refs] for _, refs in cells]

    return run_cells
