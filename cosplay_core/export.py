"""Training data from finished CoSPlay runs, in the manner of Sol-Ver: SFT rows, DPO pairs and self-verified tests.

`cosplay export RUN_OR_BENCH_DIR... --format sft|dpo|tests -o FILE.jsonl` reads every run folder (a folder holding
`trace.jsonl`) at or under the given folders: a `cosplay run` folder, a `cosplay bench --out` folder, a sweep's tree.
Only finished runs with a chosen code count. From each run's last step:

- the chosen code is the code stage 3 picked; its winning cluster, the codes whose outputs agreed with it;
- the trusted UTs are the final pool's UTs with an agreed expected output that the chosen code passes.

Rows (column names as TRL's trainers read them; the other columns are metadata that trainers drop):
- `sft`: `prompt` (the problem and the code request, as CoSPlay's model was asked) and `completion` (the chosen
  code in a ```python block), one per run; with `cluster=True`, also every other code of the winning cluster that
  passes every trusted UT and failed no stage-3 input.
- `dpo`: `prompt`, `chosen` (the chosen code), `rejected` (a code the run saw at any step, outside the winning
  cluster, that failed at least one trusted UT), one row per distinct rejected code.
- `tests`: one row per trusted UT: `problem`, `input`, `expected_output` (strings: stdin text, or JSON text in
  function mode), `support` (the share of the final code pool that passes it), and how its output was agreed.

No ground truth is read unless `require_gt` is set: then a row is kept only if the run's ground truth, where it has
one, agrees (chosen code correct; rejected code wrong; UT correct), and `gt_checked` says whether it could check it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from cosplay_core.compare import Comparison
from cosplay_core.insights import source_for_display
from cosplay_core.problem import Problem
from cosplay_core.state import Snapshot, UnitTest
from cosplay_core.trace import TRACE_NAME, read_trace

FORMATS = ("sft", "dpo", "tests")


class ExportError(ValueError):
    """Nothing to export, or a path that cannot be read or written; the message is one line."""


@dataclass
class Export:
    """The rows of one export and what was left out, each reason in one line."""

    rows: list[dict]
    runs: int  # finished runs that were read
    skipped: list[str] = field(default_factory=list)  # runs left out, and why
    dropped_by_gt: int = 0  # rows that ground truth refused (with require_gt)
    unchecked: int = 0  # rows kept that ground truth could not check (with require_gt)
    duplicates: int = 0  # rows equal to an earlier row (the same problem and code(s) from another run)


    def report(self, fmt: str, output: str | Path, require_gt: bool) -> dict:
        """What the export did, as the JSON object `cosplay export --json` prints."""
        report = {"format": fmt, "output": str(output), "rows": len(self.rows), "runs": self.runs,
                  "runs_left_out": len(self.skipped), "duplicates": self.duplicates, "require_gt": require_gt}
        if require_gt:
            report.update(dropped_by_gt=self.dropped_by_gt, unchecked=self.unchecked)
        return report

    @staticmethod
    def describe(report: dict) -> str:
        """A report in one line of words."""
        text = f"wrote {report['rows']} {report['format']} rows from {report['runs']} runs to {report['output']}"
        notes = []
        if report["runs_left_out"]:
            notes.append(f"{report['runs_left_out']} runs left out")
        if report["duplicates"]:
            notes.append(f"{report['duplicates']} duplicate rows left out")
        if report["require_gt"]:
            notes.append(f"{report['dropped_by_gt']} rows refused by ground truth")
            if report["unchecked"]:
                notes.append(f"{report['unchecked']} rows kept unchecked (their runs have no ground truth)")
        return text + (f" ({'; '.join(notes)})" if notes else "")


@dataclass(frozen=True)
class _Run:
    """What a finished run says, read once from its trace."""

    folder: Path
    problem: Problem
    prompt: str
    meta: dict  # problem, run, model, simulation, seed
    final: Snapshot
    history: tuple[Snapshot, ...]
    chosen: int  # row of the chosen code in `final`
    winners: frozenset[int]  # code ids of the winning cluster
    trusted: tuple[int, ...]  # columns of the trusted UTs in `final`


def find_runs(paths: Iterable[str | Path]) -> list[Path]:
    """Every run folder (holding a trace) at or under `paths`, in path order, each once; ExportError for a path that
    is missing or not a folder."""
    found: dict[Path, None] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise ExportError(f"{path}: no such folder")
        if not path.is_dir():
            raise ExportError(f"{path}: not a folder (give a run folder or a bench --out folder)")
        for root, folders, files in os.walk(path):
            folders.sort()
            if TRACE_NAME in files:
                found.setdefault(Path(root).resolve(), None)
    return list(found)


def export_rows(paths: Iterable[str | Path], fmt: str, require_gt: bool = False, cluster: bool = False) -> Export:
    """The rows of format `fmt` (module docstring) from the runs at or under `paths`; ExportError when they hold no
    run, or no finished run."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    paths = list(paths)
    folders = find_runs(paths)
    if not folders:
        raise ExportError(f"{', '.join(map(str, paths))}: no runs in it (no folder holds a {TRACE_NAME})")
    export = Export(rows=[], runs=0)
    make_rows: Callable[[_Run, bool, Export], list[dict]] = {
        "sft": lambda run, gt, out: _sft_rows(run, gt, out, cluster), "dpo": _dpo_rows, "tests": _test_rows}[fmt]
    seen: set[str] = set()
    for folder in folders:
        run = _read_run(folder)
        if isinstance(run, str):
            export.skipped.append(f"{folder}: {run}")
            continue
        export.runs += 1
        for row in make_rows(run, require_gt, export):
            key = json.dumps([row[k] for k in _IDENTITY[fmt]])
            if key in seen:
                export.duplicates += 1
                continue
            seen.add(key)
            export.rows.append(row)
    if not export.runs:
        raise ExportError(f"no finished run with a chosen code among the {len(folders)} run folder(s); first: "
                          f"{export.skipped[0]}")
    return export


_IDENTITY = {"sft": ("prompt", "completion"), "dpo": ("prompt", "chosen", "rejected"),
             "tests": ("prompt", "input", "expected_output")}


def write_jsonl(rows: list[dict], path: str | Path) -> None:
    """Writes `rows` as JSON lines to `path`, whole or not at all (a partial file never replaces an old one)."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"-o {path} is a folder; give a file name such as {path / 'data.jsonl'}")
    if not path.parent.is_dir():
        raise ExportError(f"-o {path}: no such folder {path.parent}")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- reading a run ------------------------------------------------------------------------------------------------

def _read_run(folder: Path) -> _Run | str:
    """The run in `folder`, or why it cannot be exported."""
    try:
        trace = read_trace(folder / TRACE_NAME)
    except OSError as exc:
        return f"cannot read its trace ({exc.strerror or exc})"
    started = trace.started
    if started is None or not isinstance(started.get("problem"), dict):
        return "its trace has no run_started event"
    if trace.summary is None:
        return "unfinished (no run_finished event)"
    try:
        history = tuple(trace.snapshots())
    except (KeyError, TypeError, ValueError) as exc:
        return f"a step of its trace cannot be read ({exc})"
    final = history[-1] if history else None
    if final is None or final.selection is None:
        return "no code was chosen (the run stopped before stage 3)"
    ids = [code.id for code in final.codes]
    if final.selection.code_id not in ids:
        return "its chosen code is not in its last step's pool"
    chosen = ids.index(final.selection.code_id)
    winners = next((set(c) for c in final.selection.clusters if final.selection.code_id in c), set())
    trusted = tuple(j for j, test in enumerate(final.tests) if test.agreed and final.passes[chosen, j])
    if not trusted:
        return "no UT with an agreed expected output passes its chosen code (nothing verified it)"
    problem = _problem(started["problem"])
    backbone = started.get("backbone") or {}
    meta = {"problem": problem.slug, "run": folder.name, "model": backbone.get("name"),
            "simulation": bool(backbone.get("simulation")), "seed": (started.get("config") or {}).get("seed")}
    return _Run(folder, problem, code_prompt(problem), meta, final, history, chosen,
                frozenset(winners | {final.selection.code_id}), trusted)


def _problem(record: dict) -> Problem:
    """The problem a run_started event describes (statement and I/O contract; no ground truth)."""
    return Problem(slug=str(record.get("slug") or "problem"), title=str(record.get("title") or ""),
                   statement=str(record.get("statement") or ""), io=record.get("io") or "stdin",
                   entry_point=record.get("entry_point"), time_limit_s=float(record.get("time_limit_s") or 2.0),
                   comparison=Comparison.parse(record.get("compare")))


def code_prompt(problem: Problem) -> str:
    """The problem and the request for a solution, in the words CoSPlay's language-model player uses (its system
    prompt and the plan a code was written from left out)."""
    from cosplay_core.players.lm_player import code_request

    return code_request(problem)


def _fenced(source: str, simulation: bool) -> str:
    """A code as a completion: in a ```python block; a sim run's wrong program without its `# bug:` note (the note
    is ground truth: it tells right from wrong)."""
    if simulation:
        source = source_for_display(source, show_gt=False)
    return f"```python\n{source.strip()}\n```"


def _gt_code(snapshot: Snapshot, row: int) -> bool | None:
    codes = (snapshot.gt or {}).get("codes")
    return None if codes is None else bool(codes[row])


def _gt_test(snapshot: Snapshot, column: int) -> bool | None:
    tests = (snapshot.gt or {}).get("tests")
    return None if tests is None else bool(tests[column])


def _gt_filter(verdicts: list[bool | None], require_gt: bool, export: Export) -> bool | None:
    """None when the row is refused by ground truth; else whether ground truth checked it (always False without
    `require_gt`: ground truth is not read then). `verdicts` are each what the row claims, checked."""
    if not require_gt:
        return False
    if any(v is False for v in verdicts):
        export.dropped_by_gt += 1
        return None
    checked = all(v is True for v in verdicts)
    if not checked:
        export.unchecked += 1
    return checked


# -- rows ---------------------------------------------------------------------------------------------------------

def _sft_rows(run: _Run, require_gt: bool, export: Export, cluster: bool) -> list[dict]:
    final, rows = run.final, []
    members = [run.chosen]
    if cluster:
        assert final.selection is not None, "a _Run is only read from a trace whose final step has a selection"
        signatures = final.selection.signatures
        members += [i for i, code in enumerate(final.codes)
                    if i != run.chosen and code.id in run.winners and all(final.passes[i, j] for j in run.trusted)
                    and None not in signatures.get(code.id, (None,))]
    agreed = sum(1 for test in final.tests if test.agreed)
    for i in members:
        checked = _gt_filter([_gt_code(final, i) if require_gt else None], require_gt, export)
        if checked is None:
            continue
        completion = _fenced(final.codes[i].source, run.meta["simulation"])
        rows.append({"prompt": run.prompt, "completion": completion, **run.meta, "code_id": final.codes[i].id,
                     "chosen": i == run.chosen, "tests_passed": len(run.trusted), "tests_agreed": agreed,
                     "cluster_size": len(run.winners), "gt_checked": checked})
    return rows


def _test_key(test: UnitTest) -> str:
    return json.dumps([test.input, test.expected], sort_keys=True, default=str)


def _failures(run: _Run) -> dict[str, dict]:
    """Every code the run saw outside the winning cluster, by source, with the trusted UTs it was run on and the
    ones it failed (its latest result on each), from every recorded step."""
    trusted = {_test_key(run.final.tests[j]) for j in run.trusted}
    winning = {code.source for code in run.final.codes if code.id in run.winners}
    seen: dict[str, dict] = {}
    for snapshot in run.history:
        columns = [(j, key) for j, key in ((j, _test_key(t)) for j, t in enumerate(snapshot.tests)) if key in trusted]
        for i, code in enumerate(snapshot.codes):
            if code.source in winning or not columns:
                continue
            entry = seen.setdefault(code.source, {"code": code, "results": {}, "gt": None})
            entry["gt"] = _gt_code(snapshot, i) if snapshot.gt else entry["gt"]
            for j, key in columns:
                cell = snapshot.cells[i][j]
                entry["results"][key] = (cell.passed, "wrong output" if cell.status == "ok" else cell.status)
    return {source: entry for source, entry in seen.items()
            if any(not passed for passed, _ in entry["results"].values())}


def _dpo_rows(run: _Run, require_gt: bool, export: Export) -> list[dict]:
    final, rows = run.final, []
    chosen_gt = _gt_code(final, run.chosen) if require_gt else None
    for source, entry in _failures(run).items():
        rejected_gt = entry["gt"] if require_gt else None
        checked = _gt_filter([chosen_gt, None if rejected_gt is None else not rejected_gt], require_gt, export)
        if checked is None:
            continue
        failed = [status for passed, status in entry["results"].values() if not passed]
        chosen = _fenced(final.codes[run.chosen].source, run.meta["simulation"])
        rows.append({"prompt": run.prompt, "chosen": chosen, "rejected": _fenced(source, run.meta["simulation"]),
                     **run.meta, "chosen_code_id": final.codes[run.chosen].id,
                     "rejected_code_id": entry["code"].id, "rejected_origin": entry["code"].origin,
                     "rejected_failed": len(failed), "rejected_checked": len(entry["results"]),
                     "rejected_status": max(set(failed), key=failed.count), "gt_checked": checked})
    return rows


def _as_text(value: Any, io: str) -> str:
    return json.dumps(value) if io == "function" else str(value)


def _test_rows(run: _Run, require_gt: bool, export: Export) -> list[dict]:
    final, rows = run.final, []
    io = run.problem.io
    for j in run.trusted:
        test = final.tests[j]
        checked = _gt_filter([_gt_test(final, j) if require_gt else None], require_gt, export)
        if checked is None:
            continue
        passed_by = int(final.passes[:, j].sum())
        rows.append({"prompt": run.prompt, **run.meta, "io": io, "entry_point": run.problem.entry_point,
                     "input": _as_text(test.input, io), "expected_output": _as_text(test.expected, io),
                     "support": round(passed_by / len(final.codes), 4), "passed_by": passed_by,
                     "codes": len(final.codes), "kind": test.kind, "votes_agreeing": test.agreement,
                     "votes": len(test.votes), "gt_checked": checked})
    return rows
