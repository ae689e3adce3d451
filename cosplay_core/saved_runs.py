"""Saved runs and benchmark folders as rows to list, compare and open: plain data, no drawing, no Streamlit.

- `run_record(folder)`: one saved run as a row: problem, model, seed, settings, status (finished, or unfinished and
  where it stopped), GT verdicts, cost, total time (ground truth and baselines included);
- `list_runs(root)`: every run folder under `root`, newest first;
- `settings_text`, `flat_settings`, `settings_diff`: a run's settings in one line, and what differs between runs;
- `compare_table(records)`: the metrics of several runs side by side;
- `bench_result_files(folder)`: a benchmark output's result files (`bench.json`, or the HumanEval benchmark's
  `result.<split>.json`), read with `records.load_bench_result`; `bench_selector_rows(result, split)`: its table;
- `bench_problems(folder)`: one row per problem of either benchmark's output folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

from cosplay_core import metrics
from cosplay_core.records import BenchResult, RecordError, RunSummary
from cosplay_core.selectors import LABELS
from cosplay_core.session import SUMMARY_NAME
from cosplay_core.trace import TRACE_NAME, read_raw_events


def _load_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _trace_facts(folder: Path) -> dict:
    """What an unfinished run's trace says: its start (problem, backbone, settings) and its last finished step."""
    if not (folder / TRACE_NAME).exists():
        return {}
    try:
        events, _ = read_raw_events(folder / TRACE_NAME)
    except OSError:
        return {}
    started = next((e for e in events if e.get("type") == "run_started"), None)
    steps = [e for e in events if e.get("type") == "step"]
    stopped = next((e for e in reversed(events) if e.get("type") == "run_stopped"), None)
    facts: dict[str, Any] = {"steps": len(steps)}
    if started:
        facts.update(problem=started.get("problem", {}).get("slug"), model=started.get("backbone", {}).get("name"),
                     config=started.get("config") or {}, simulation=started.get("backbone", {}).get("simulation"))
    if steps:
        last = steps[-1]
        facts.update(last_step=last.get("step"), last_name=last.get("name"), usage=last.get("usage") or {},
                     executions=last.get("executions"))
    if stopped:
        facts["stopped"] = stopped.get("reason")
    return facts


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def verdict(value: bool | None) -> str:
    """A GT verdict in a table: ✅ correct, ❌ wrong, – unknown (no ground truth or no choice)."""
    return "–" if value is None else "✅ correct" if value else "❌ wrong"


def settings_text(config: dict) -> str:
    """A run's settings in one short line: pool sizes, rounds, inputs, votes, and the policies that differ from the
    defaults."""
    if not config:
        return "?"
    from cosplay_core.config import Policies

    parts = [f"{config.get('codes', '?')} codes × {config.get('tests', '?')} UTs",
             f"{config.get('rounds', '?')} rounds", f"R {config.get('inputs', '?')}", f"k {config.get('votes', '?')}"]
    defaults = Policies().__dict__
    policies = config.get("policies") or {}
    parts += [("+" if value else "no ") + name for name, value in policies.items()
              if name in defaults and value != defaults[name]]
    return ", ".join(parts)


def run_record(folder: str | Path) -> dict:
    """One saved run as a row (see the module docstring); `finished` tells a finished run from an unfinished one."""
    folder = Path(folder)
    summary, unreadable = _load_json(folder / SUMMARY_NAME), None
    if summary is not None:
        try:
            RunSummary.from_dict(summary)
        except RecordError as exc:  # a newer or damaged summary: the run is listed from its trace, and says so
            summary, unreadable = None, str(exc)
    record: dict[str, Any] = {"run": folder.name, "folder": str(folder), "finished": summary is not None}
    if summary is None:
        facts = _trace_facts(folder)
        usage = facts.get("usage", {})
        where = (f"stopped after step {facts['last_step']} ({facts['last_name']})" if "last_step" in facts
                 else "stopped before its first step")
        if facts.get("stopped"):
            where += f": {facts['stopped']}"
        if unreadable:
            where += f"; its summary.json cannot be read: {unreadable}"
        record.update(problem=facts.get("problem") or "?", model=facts.get("model") or "?",
                      seed=(facts.get("config") or {}).get("seed"), config=facts.get("config") or {},
                      status=f"unfinished, {where}", selected_correct=None, bon_correct=None, ut_accuracy=None,
                      calls=usage.get("calls"), cached_calls=usage.get("cached_calls"),
                      executions=facts.get("executions"), seconds=None, summary=None)
        return record
    typed = RunSummary.from_dict(summary)
    stopped = typed.extra.get("stopped")
    status = "finished" if not stopped else f"finished early: {stopped}"
    record.update(problem=typed.problem, model=typed.model, seed=typed.seed, config=typed.config, status=status,
                  selected_correct=typed.gt.cosplay_correct, bon_correct=typed.gt.bon_correct,
                  ut_accuracy=typed.gt.ut_accuracy, calls=typed.usage.get("calls"),
                  cached_calls=typed.usage.get("cached_calls"), executions=typed.executions,
                  seconds=total_seconds(summary), summary=summary)
    return record


def total_seconds(summary: dict) -> float | None:
    """A run's whole time: `total_wall_s` when the summary has it, else the algorithm's time plus the baselines'
    (older summaries did not time the ground-truth scoring)."""
    if summary.get("total_wall_s") is not None:
        return summary["total_wall_s"]
    if summary.get("wall_s") is None:
        return None
    return round(summary["wall_s"] + (summary.get("baselines_wall_s") or 0.0), 3)


def table_row(record: dict) -> dict:
    """A record as the columns of the runs table (percentages as text)."""
    return {"run": record["run"], "problem": record["problem"], "model": record["model"], "seed": record["seed"],
            "settings": settings_text(record["config"]), "status": record["status"],
            "chosen code": verdict(record["selected_correct"]), "BoN": verdict(record["bon_correct"]),
            "UT accuracy": _percent(record["ut_accuracy"]), "model calls": record["calls"],
            "executions": record["executions"], "seconds": record["seconds"]}


def list_runs(root: str | Path, limit: int = 200) -> list[Path]:
    """Run folders (holding a trace) directly under `root`, newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if (p / TRACE_NAME).exists()]
    return sorted(folders, key=lambda p: (p / TRACE_NAME).stat().st_mtime, reverse=True)[:limit]


def backbone_settings(folder: str | Path) -> dict:
    """The backbone's own settings as the trace's first event (run_started) records them (sim's skills, say)."""
    try:
        with open(Path(folder) / TRACE_NAME, encoding="utf-8") as handle:
            first = json.loads(handle.readline() or "{}")
    except (OSError, ValueError):
        return {}
    return (first.get("backbone") or {}).get("settings") or {} if first.get("type") == "run_started" else {}


def flat_settings(record: dict) -> dict[str, Any]:
    """Everything that sets a run up, flat: model, problem, seed, the config's fields, each policy, and the
    backbone's own settings (sim's skills)."""
    config = dict(record.get("config") or {})
    policies = config.pop("policies", {}) or {}
    flat = {"problem": record.get("problem"), "model": record.get("model")}
    flat.update(config)
    flat.update({f"policy {name}": value for name, value in policies.items()})
    flat.update({f"backbone {name}": value for name, value in backbone_settings(record["folder"]).items()
                 if name != "seed"})
    return flat


def settings_diff(records: Sequence[dict]) -> list[dict]:
    """The settings that differ between runs: one row per setting, {"setting": name, <run>: value, ...}."""
    flats = [flat_settings(r) for r in records]
    names = list(dict.fromkeys(name for flat in flats for name in flat))
    rows = []
    for name in names:
        values = [flat.get(name) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append({"setting": name, **{r["run"]: _text(v) for r, v in zip(records, values)}})
    return rows


def _text(value: Any) -> str:
    return "–" if value is None else str(value)


COMPARED: tuple[tuple[str, Callable[[RunSummary], str]], ...] = (
    ("chosen code (CoSPlay)", lambda s: verdict(s.gt.cosplay_correct)),
    ("BoN after self-play", lambda s: verdict(s.gt.bon_correct)),
    ("UT accuracy", lambda s: _percent(s.gt.ut_accuracy)),
    ("UT accuracy, stage-1 pools", lambda s: _percent(s.gt.ut_accuracy_initial)),
    ("GT-correct codes at the end", lambda s: "–" if s.gt.codes_total is None
     else f"{s.gt.codes_correct} / {s.gt.codes_total}"),
    ("self-play rounds", lambda s: str(len(s.rounds))),
    ("model calls", lambda s: str(s.usage.get("calls", "–"))),
    ("cached calls", lambda s: str(s.usage.get("cached_calls", "–"))),
    ("tokens in / out", lambda s: f"{s.usage.get('input_tokens', 0):,} / {s.usage.get('output_tokens', 0):,}"),
    ("executions", lambda s: f"{s.executions:,}"),
    ("executions answered from the cache", lambda s: _text(s.extra.get("executions_cached"))),
    ("ground-truth executions", lambda s: _text(s.extra.get("gt_executions"))),
    ("seconds, in all", lambda s: "–" if total_seconds(s.to_dict()) is None else f"{total_seconds(s.to_dict()):.1f}"),
    ("stopped early", lambda s: s.extra.get("stopped") or "no"))


def compare_table(records: Sequence[dict]) -> list[dict]:
    """The metrics of finished runs side by side: one row per metric, {"metric": name, <run>: text, ...}
    (an unfinished run shows "unfinished")."""
    rows = []
    for name, read in COMPARED:
        row = {"metric": name}
        for record in records:
            summary = record.get("summary")
            row[record["run"]] = "unfinished" if summary is None else read(RunSummary.from_dict(summary))
        rows.append(row)
    baselines = list(dict.fromkeys(b for r in records if r.get("summary")
                                   for b in (r["summary"].get("baselines") or {})))
    for name in baselines:
        row = {"metric": f"baseline: {LABELS.get(name, name)}"}
        for record in records:
            entry = ((record.get("summary") or {}).get("baselines") or {}).get(name)
            row[record["run"]] = "–" if entry is None else verdict(entry.get("gt_correct"))
        rows.append(row)
    return rows


BENCH_NAME = "bench.json"  # `cosplay bench --out`'s result
CODET_RESULT_GLOB = "result.*.json"  # the HumanEval benchmark's, one a split: result.all.json, result.test.json, ...


def bench_result_files(folder: str | Path) -> list[Path]:
    """The benchmark results a folder holds: `cosplay bench`'s `bench.json`, or the HumanEval benchmark's
    `result.<split>.json` (all, dev, test first); empty for any other folder."""
    folder = Path(folder)
    if (folder / BENCH_NAME).is_file():
        return [folder / BENCH_NAME]
    order = {f"result.{split}.json": i for i, split in enumerate(metrics.SPLITS[::-1])}
    return sorted((p for p in folder.glob(CODET_RESULT_GLOB) if p.is_file()), key=lambda p: (order.get(p.name, 9),
                                                                                          p.name))


def bench_selector_rows(result: BenchResult, split: str | None = None) -> list[dict]:
    """One row a selector of a bench result's `split` (default: its own): accuracy, tie-shared pass@1 and
    equal-budget pass@1 as mean ± std over seeds [bootstrap 95% interval over problems], UT accuracy, the
    problems it was scored on and its executions."""
    scores = result.splits[split or result.split]
    return [{"selector": LABELS.get(name, name), "accuracy": metrics.format_spread(row.accuracy),
             "pass@1 (ties shared)": metrics.format_spread(row.pass1),
             "equal-budget pass@1": metrics.format_spread(row.equal_budget_pass1),
             "UT accuracy": _percent(row.ut_accuracy), "problems": row.problems, "executions": row.executions}
            for name, row in scores.selectors.items()]


def _bench_run_folders(folder: Path) -> list[tuple[int | None, Path]]:
    """The run folders of a bench output with their seed: the problems' folders directly in it, or, for
    `cosplay bench --seeds N`, in its `seed-<k>` subfolders."""
    def runs_in(parent: Path) -> list[Path]:
        return sorted(p for p in parent.iterdir() if p.is_dir() and (p / TRACE_NAME).exists())

    found: list[tuple[int | None, Path]] = [(None, child) for child in runs_in(folder)]
    seeded = [(int(p.name[5:]), p) for p in folder.iterdir() if p.is_dir() and p.name.startswith("seed-")
              and p.name[5:].isdigit()]
    for seed, sub in sorted(seeded):
        found += [(seed, child) for child in runs_in(sub)]
    return found


def bench_problems(folder: str | Path) -> list[dict]:
    """One row per problem run of a bench output (per problem and seed with `--seeds N`): the problem, CoSPlay's
    and every baseline's GT verdict, UT accuracy, cost, and its folder (to open it). A HumanEval benchmark output
    has no run folders: its rows come from its per-problem records (`problems/<task>.seed<k>.json`), `folder`
    None."""
    folder = Path(folder)
    if not (folder / BENCH_NAME).exists() and (folder / "problems").is_dir():
        return _codet_problems(folder)
    rows = []
    for seed, child in _bench_run_folders(folder):
        record = run_record(child)
        summary = record["summary"] or {}
        row = {"problem": record["problem"]} | ({} if seed is None else {"seed": seed})
        row.update({"status": record["status"], "CoSPlay": verdict(record["selected_correct"]),
                    "BoN after self-play": verdict(record["bon_correct"])})
        for name, entry in (summary.get("baselines") or {}).items():
            row[LABELS.get(name, name)] = verdict(entry.get("gt_correct"))
        row.update({"UT accuracy": _percent(record["ut_accuracy"]), "model calls": record["calls"],
                    "executions": record["executions"], "seconds": record["seconds"], "folder": str(child)})
        rows.append(row)
    return rows


def _codet_problems(folder: Path) -> list[dict]:
    """The HumanEval benchmark's per-problem records as rows: problem, seed, every selector's GT verdict (CoSPlay's
    first), CoSPlay's UT accuracy, executions, seconds; a record that cannot be read is a row that says so."""
    rows = []
    for path in sorted((folder / "problems").glob("*.seed*.json")):
        stem, _, seed = path.name[:-len(".json")].rpartition(".seed")
        record = _load_json(path)
        row: dict[str, Any] = {"problem": (record or {}).get("problem", stem),
                               "seed": int(seed) if seed.isdigit() else None}
        if record is None or "error" in record or not isinstance(record.get("selectors"), dict):
            reason = (record or {}).get("error") or "cannot be read"
            rows.append(row | {"status": f"failed: {reason}", "folder": None})
            continue
        selectors = record["selectors"]
        row["status"] = "scored"
        row["CoSPlay"] = verdict((selectors.get("cosplay") or {}).get("correct"))
        row["BoN after self-play"] = verdict((selectors.get("cosplay_bon") or {}).get("correct"))
        for name, entry in selectors.items():
            if name not in ("cosplay", "cosplay_bon"):
                row[LABELS.get(name, name)] = verdict(entry.get("correct"))
        cosplay = record.get("cosplay") or {}
        row.update({"UT accuracy": _percent(cosplay.get("ut_accuracy")), "executions": cosplay.get("executions"),
                    "seconds": record.get("wall_s"), "folder": None})
        rows.append(row)
    return sorted(rows, key=lambda r: (_task_number(r["problem"]), r["seed"] or 0))


def _task_number(task: str) -> tuple[int, str]:
    """HumanEval/2 before HumanEval/10: a task id's trailing number, then the id."""
    digits = task[len(task.rstrip("0123456789")):]
    return (int(digits) if digits else -1, task)
