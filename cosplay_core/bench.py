"""`cosplay bench`: CoSPlay and every baseline on many problems, in parallel, resumable, summarised in one table."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cosplay_core import metrics
from cosplay_core import selectors as selector_table
from cosplay_core.config import RunConfig
from cosplay_core.outdir import FolderBusy, MalformedFile, child_names, hold_folder, inside, read_json_file, \
    write_json_atomic
from cosplay_core.problem import ProblemError
from cosplay_core.progress import progress
from cosplay_core.run import RunError, RunInterrupted
from cosplay_core.sandbox import Executor
from cosplay_core.session import SUMMARY_NAME, BackboneSettings, resolve_problem, start_run

# Rows of the table: the selector table's (CoSPlay's two readings, then the baselines on the stage-1 pools).
SELECTORS = tuple(selector_table.SELECTORS)
LABELS = selector_table.LABELS


@dataclass(frozen=True)
class ProblemRef:
    """A problem of a dataset: how to load it (`reference` for resolve_problem) and its folder name in --out."""

    reference: str
    slug: str


def list_problems(dataset: str) -> list[ProblemRef]:
    """The problems of a dataset: a folder of problem folders, one problem folder, or a JSONL benchmark file."""
    path = Path(dataset)
    if path.is_dir():
        if (path / "problem.toml").exists():
            return [ProblemRef(str(path), path.resolve().name)]
        folders = sorted(p for p in path.iterdir() if (p / "problem.toml").exists())
        if not folders:
            raise ProblemError(f"{dataset}: no problem folders in it (folders holding problem.toml)")
        return [ProblemRef(str(p), p.name) for p in folders]
    if path.is_file():
        from cosplay_core.benchmarks import record_ids

        try:
            ids = record_ids(dataset, runnable=True)
        except RecursionError:  # json.loads on a line nested 100,000 deep
            raise ProblemError(f"{dataset}: a JSON value nested too deeply to read") from None
        names = child_names(ids)  # a task id may be "..", hold a "/", or read like another once made safe
        refs = [ProblemRef(f"{dataset}#{rid}", names[rid]) for rid in ids]
        if not refs:
            raise ProblemError(f"{dataset}: none of its records can be run (call-based APPS records are not "
                               "supported)")
        return refs
    raise ProblemError(f"{dataset}: no such dataset (a folder of problem folders or a JSONL file)")


def run_one(ref: ProblemRef, config: RunConfig, backbone: BackboneSettings, executor: Executor,
            out_dir: Path | None) -> dict:
    """Runs (or resumes, or reads back) one problem and returns its summary; failures become a summary too.

    In `out_dir`, the problem's folder is held while it runs (another process running it makes this one fail), and
    its summary is written atomically; a summary that cannot be read back is a failure that says so."""
    folder = inside(out_dir, ref.slug) if out_dir else None
    try:
        with hold_folder(folder, "the problem folder") if folder else nullcontext():
            if folder is not None and (folder / SUMMARY_NAME).exists():
                return read_json_file(folder / SUMMARY_NAME)
            problem, ground_truth = resolve_problem(ref.reference)
            run = start_run(problem, config, executor, backbone, folder, ground_truth)
            try:
                run.run_to_end()
                summary = run.summary()
            finally:
                run.close()
            if folder is not None:
                write_json_atomic(folder / SUMMARY_NAME, summary)
            return summary
    except RunInterrupted as exc:
        return {"problem": ref.slug, "error": str(exc), "interrupted": True}
    except MalformedFile as exc:
        return {"problem": ref.slug, "error": f"{exc}; delete it to run this problem again"}
    except (ProblemError, RunError, FolderBusy) as exc:
        return {"problem": ref.slug, "error": str(exc)}


# runner(refs, config, backbone, out_dir, progress) -> every problem's summary, in the order of refs
Runner = Callable[[list[ProblemRef], RunConfig, BackboneSettings, Path | None,
                   Callable[[int, int, dict], None] | None], list[dict]]


def run_benchmark(refs: list[ProblemRef], config: RunConfig, backbone: BackboneSettings, executor: Executor,
                  out_dir: Path | None, jobs: int = 1,
                  progress: Callable[[int, int, dict], None] | None = None,
                  runner: Runner | None = None) -> list[dict]:
    """Every problem's summary, in the order of `refs`; `jobs` problems run at once. When the model cannot answer,
    the problems not yet started are not run (their summaries say so, with `"interrupted": true`).

    `runner`, when given, runs the problems instead of this process's threads (`distributed.RayRunner.bench` runs
    each as a Ray task) and keeps the same promises: `out_dir` written as here, finished problems read back."""
    if runner is not None:
        return runner(refs, config, backbone, out_dir, progress)
    lock = threading.Lock()
    done = [0]
    model_down = threading.Event()  # once the model cannot answer, the problems not yet started are left for later

    def one(ref: ProblemRef) -> dict:
        if model_down.is_set():
            summary = {"problem": ref.slug, "error": "not run: the model could not answer", "interrupted": True}
        else:
            summary = run_one(ref, config, backbone, executor, out_dir)
            if summary.get("interrupted"):
                model_down.set()
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(refs), summary)
        return summary

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, refs))


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def task_id(ref: ProblemRef) -> str:
    """The id a split is decided by: a benchmark record's id, else the problem folder's name."""
    return ref.reference.rsplit("#", 1)[1] if "#" in ref.reference else ref.slug


def in_split(refs: list[ProblemRef], split: str) -> list[ProblemRef]:
    """The problems of `split` ("dev", "test" or "all", `metrics.split_of`), in their order."""
    return [ref for ref in refs if metrics.in_split(task_id(ref), split)]


def _readings(summary: dict, name: str) -> tuple[bool | None, float | None, float | None]:
    """(chosen code GT-correct, tie-shared pass@1, UT accuracy) of one selector in one run's summary."""
    gt = summary["gt"]
    if name == "cosplay":
        return gt["bon_cluster"], gt.get("pass1_cluster"), gt["ut_accuracy"]
    if name == "cosplay_bon":
        return gt["bon"], gt.get("pass1_bon"), gt["ut_accuracy"]
    entry = summary.get("baselines", {}).get(name)
    if entry is None:
        return None, None, None
    pass1 = entry.get("pass1", entry.get("expected_accuracy"))
    verdict = entry.get("expected_accuracy", entry.get("gt_correct"))  # random: its expectation, not one draw
    return verdict, pass1, gt.get("ut_accuracy_initial")


def aggregate(summaries: list[dict]) -> dict:
    """Per selector: accuracy (share of problems whose chosen code is GT-correct), tie-shared pass@1 (the share of
    correct codes in the selector's top group), UT accuracy and cost."""
    ok = [s for s in summaries if "error" not in s]
    scored = [s for s in ok if s.get("gt", {}).get("codes_total")]
    selectors = {}
    for name in SELECTORS:
        readings = [_readings(s, name) for s in scored]
        self_play = name in ("cosplay", "cosplay_bon")
        selectors[name] = {
            "bon": _mean([float(v) for v, _, _ in readings if v is not None]),
            "pass1": _mean([p for _, p, _ in readings if p is not None]),
            "ut_accuracy": _mean([u for v, _, u in readings if v is not None]),
            "problems": len([v for v, _, _ in readings if v is not None]),
            "executions": sum(s.get("executions", 0) if self_play else
                              s.get("executions_stage1", 0) + s.get("executions_baselines", 0) for s in ok),
        }
    usage = {k: sum(s.get("usage", {}).get(k, 0) for s in ok) for k in ("calls", "input_tokens", "output_tokens")}
    return {"problems": len(summaries), "scored": len(scored), "failed": len(summaries) - len(ok),
            "selectors": selectors, "usage": usage, "wall_s": round(sum(s.get("wall_s", 0) for s in ok), 2),
            "errors": [f"{s['problem']}: {s['error']}" for s in summaries if "error" in s],
            # a replayed pool with fewer distinct UT inputs than N_t: its UT pool could not be filled
            "short_of_test_inputs": sorted(s["problem"] for s in ok if s.get("short_of_test_inputs"))}


def aggregate_seeds(summaries_by_seed: dict[int, list[dict]], split: str = "all") -> dict:
    """`aggregate` of the first seed's summaries, with `claims`: per selector, accuracy and tie-shared pass@1 as
    `metrics.spread` dicts (mean and std over seeds, bootstrap 95% interval over problems), and CoSPlay's UT
    accuracy at the start and the end over the same problems (those where both are defined, in every seed)."""
    seeds = list(summaries_by_seed)
    result = aggregate(summaries_by_seed[seeds[0]])
    result["split"] = split
    by_problem: dict[str, dict[int, dict]] = {}
    for k, summaries in summaries_by_seed.items():
        for s in summaries:
            if "error" not in s and s.get("gt", {}).get("codes_total"):
                by_problem.setdefault(s["problem"], {})[k] = s
    scored = [runs for runs in by_problem.values() if len(runs) == len(seeds)]
    claims = {}
    for name in SELECTORS:
        readings = [[_readings(runs[k], name) for k in seeds] for runs in scored]
        claims[name] = {
            "bon": metrics.spread([[None if v is None else float(v) for v, _, _ in row] for row in readings])
            .to_dict(),
            "pass1": metrics.spread([[p for _, p, _ in row] for row in readings]).to_dict(),
        }
    start, end = metrics.paired_spreads([[(runs[k]["gt"].get("ut_accuracy_initial"), runs[k]["gt"]["ut_accuracy"])
                                          for k in seeds] for runs in scored])
    result["claims"] = {"seeds": seeds, "problems": len(scored), "selectors": claims,
                        "ut_accuracy_start": start.to_dict(),
                        "ut_accuracy_end": end.to_dict()}
    return result


def claims_rows(result: dict) -> list[dict]:
    """The figures over seeds, one row a selector: its label, accuracy and tie-shared pass@1, each as mean ± std over
    seeds [bootstrap 95% interval over problems] (no rows for a bench of one seed)."""
    claims = result.get("claims") or {}
    return [{"selector": LABELS.get(name, name),
             **{label: metrics.format_spread(metrics.Spread(**row[key]))
                for key, label in (("bon", "accuracy"), ("pass1", "pass@1 (ties shared)"))}}
            for name, row in claims.get("selectors", {}).items()]


def format_claims(result: dict) -> list[str]:
    """The figures over seeds: mean ± std over seeds [bootstrap 95% interval over problems], one line a selector."""
    claims = result.get("claims")
    if not claims:
        return []
    seeds = claims["seeds"]
    lines = [f"{'selector':<32} {'accuracy':>26} {'pass@1 (ties shared)':>26}"]
    for row in claims_rows(result):
        lines.append(f"{row['selector']:<32} {row['accuracy']:>26} {row['pass@1 (ties shared)']:>26}")
    start, end = (metrics.Spread(**claims[k]) for k in ("ut_accuracy_start", "ut_accuracy_end"))
    lines.append(f"{claims['problems']} problems of split {result.get('split', 'all')}, seeds "
                 f"{', '.join(str(k) for k in seeds)}: mean{' ± std over seeds' if len(seeds) > 1 else ''} "
                 "[bootstrap 95% interval over problems]; baselines on the stage-1 pools")
    lines.append(f"CoSPlay UT accuracy over the same {start.problems} problems: start "
                 f"{metrics.format_spread(start)} -> end {metrics.format_spread(end)}")
    return lines + [""]


def format_table(result: dict) -> str:
    """The benchmark's table as text (the figures over seeds first, when there are several)."""
    lines = format_claims(result)
    if lines:
        lines.append(f"Seed {result['claims']['seeds'][0]} alone:")
    lines.append(f"{'selector':<32} {'accuracy':>9} {'pass@1':>8} {'UT acc.':>8} {'problems':>9} {'executions':>11}")
    for name, row in result["selectors"].items():
        acc = "-" if row["bon"] is None else f"{100 * row['bon']:.1f}%"
        pass1 = "-" if row.get("pass1") is None else f"{100 * row['pass1']:.1f}%"
        ut = "-" if row["ut_accuracy"] is None else f"{100 * row['ut_accuracy']:.1f}%"
        lines.append(f"{LABELS.get(name, name):<32} {acc:>9} {pass1:>8} {ut:>8} {row['problems']:>9} "
                     f"{row['executions']:>11}")
    usage = result["usage"]
    lines.append(f"{result['problems']} problems ({result['scored']} with ground truth, {result['failed']} failed); "
                 f"model calls {usage['calls']}, tokens in/out {usage['input_tokens']}/{usage['output_tokens']}, "
                 f"run time {result['wall_s']} s")
    short = result.get("short_of_test_inputs") or []
    if short:
        lines.append(f"{len(short)} problems whose replayed pool holds fewer distinct UT inputs than N_t (their UT pools "
                     f"could not be filled): {', '.join(short)}")
    lines += [f"failed: {e}" for e in result["errors"]]
    return "\n".join(lines)


class ProgressBar:
    """The bench's progress bar on standard error (`cosplay_core.progress`): problems done out of all, the last one and
    whether it failed; silent with `quiet` or when standard error is not a terminal. Pass it as `progress` to
    `run_benchmark`, inside `with ProgressBar(total) as bar:` (used without `with`, it opens on its first call and
    closes when the last problem is done)."""

    def __init__(self, total: int | None = None, quiet: bool = False, description: str = "bench", stream=None):
        self.total, self.quiet, self.description, self.stream = total, quiet, description, stream
        self._stack: ExitStack | None = None
        self._bar = None
        self._opened_by_call = False

    def __enter__(self) -> "ProgressBar":
        self._stack = ExitStack()
        self._bar = self._stack.enter_context(progress(self.description, self.total, quiet=self.quiet,
                                                           stream=self.stream))
        return self

    def __exit__(self, *exc) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack, self._bar = None, None

    def __call__(self, done: int, total: int, summary: dict) -> None:
        if self._bar is None:
            self.__enter__()
            self._opened_by_call = True
        status = "failed" if "error" in summary else "ok"
        self._bar.update(completed=done, total=total, note=f"{summary.get('problem', '?')} {status}")
        if self._opened_by_call and done >= total:
            self.__exit__()
