"""`cosplay bench`: CoSPlay and every baseline on many problems, in parallel, resumable, summarised in one table."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

from cosplay_core import metrics
from cosplay_core import selectors as selector_table
from cosplay_core.config import RunConfig
from cosplay_core.outdir import FolderBusy, MalformedFile, child_names, hold_folder, inside, read_json_file, \
    write_json_atomic
from cosplay_core.problem import ProblemError
from cosplay_core.progress import Bar, progress
from cosplay_core.records import BenchResult, Reading, RecordError, RunSummary, score_splits
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
                stored = read_json_file(folder / SUMMARY_NAME)
                try:
                    RunSummary.from_dict(stored)
                except RecordError as exc:
                    raise MalformedFile(f"{folder / SUMMARY_NAME}: {exc}") from None
                return stored
            problem, ground_truth = resolve_problem(ref.reference)
            run = start_run(problem, config, executor, backbone, folder, ground_truth)
            try:
                run.run_to_end()
                summary = run.summary(equal_budget=True)
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


def task_id(ref: ProblemRef) -> str:
    """The id a split is decided by: a benchmark record's id, else the problem folder's name."""
    return ref.reference.rsplit("#", 1)[1] if "#" in ref.reference else ref.slug


def in_split(refs: list[ProblemRef], split: str) -> list[ProblemRef]:
    """The problems of `split` ("dev", "test" or "all", `metrics.split_of`), in their order."""
    return [ref for ref in refs if metrics.in_split(task_id(ref), split)]


def _verdict(value: bool | float | None) -> float | None:
    return None if value is None else float(value)


def _readings(summary: RunSummary) -> dict[str, Reading]:
    """Every selector's reading of one run: CoSPlay's two on the final pools, the baselines on the stage-1 pools
    (random: its expectation, not one draw), each baseline's equal-budget pass@1 when the run measured it (CoSPlay's
    own equal budget is itself)."""
    gt, extra = summary.gt, summary.extra
    measured = summary.equal_budget is not None
    budget = (summary.equal_budget or {}).get("selectors") or {}
    readings = {"cosplay": Reading(_verdict(gt.cosplay_correct), gt.cosplay_pass1,
                                   gt.cosplay_pass1 if measured else None, gt.ut_accuracy, summary.executions),
                "cosplay_bon": Reading(_verdict(gt.bon_correct), gt.bon_pass1, gt.bon_pass1 if measured else None,
                                       gt.ut_accuracy, summary.executions)}
    stage1 = int(extra.get("executions_stage1", 0)) + int(extra.get("executions_baselines", 0))
    for name, entry in summary.baselines.items():
        readings[name] = Reading(_verdict(entry.get("expected_accuracy", entry.get("gt_correct"))),
                                 entry.get("pass1", entry.get("expected_accuracy")),
                                 (budget.get(name) or {}).get("pass1"), gt.ut_accuracy_initial, stage1)
    return readings


def _parsed(summaries: list[dict]) -> tuple[list[RunSummary], list[str]]:
    """The finished runs as RunSummary, and one line per failed (or unreadable) problem."""
    runs, errors = [], []
    for s in summaries:
        if "error" in s:
            errors.append(f"{s.get('problem', '?')}: {s['error']}")
            continue
        try:
            runs.append(RunSummary.from_dict(s))
        except RecordError as exc:
            errors.append(f"{s.get('problem', '?')}: {exc}")
    return runs, errors


def aggregate(summaries: list[dict], split: str = "all") -> BenchResult:
    """`aggregate_seeds` of one seed's summaries (the seed their runs had)."""
    seeds = [s["seed"] for s in summaries if isinstance(s.get("seed"), int)]
    return aggregate_seeds({seeds[0] if seeds else 0: summaries}, split)


def aggregate_seeds(summaries_by_seed: dict[int, list[dict]], split: str = "all") -> BenchResult:
    """The benchmark's result (`records.BenchResult`): per split and selector, accuracy (chosen code GT-correct),
    tie-shared pass@1 (the share of correct codes in the selector's top group) and equal-budget pass@1 (every
    baseline on the codes and UTs CoSPlay saw) as mean and std over seeds with a bootstrap 95% interval over
    problems; UT accuracy; CoSPlay's UT accuracy at the start and the end over the same problems. A problem counts
    where it has ground truth and no failure in every seed; cost and failures are the first seed's."""
    seeds = list(summaries_by_seed)
    parsed = {k: _parsed(summaries) for k, summaries in summaries_by_seed.items()}
    first, errors = parsed[seeds[0]]
    by_problem: dict[str, dict[int, RunSummary]] = {}
    for k, (runs, _) in parsed.items():
        for run in runs:
            if run.gt.codes_total:
                by_problem.setdefault(run.problem, {})[k] = run
    scored = {p: runs for p, runs in by_problem.items() if len(runs) == len(seeds)}
    readings = {p: {k: _readings(run) for k, run in runs.items()} for p, runs in scored.items()}
    ut_start_end = {p: {k: (run.gt.ut_accuracy_initial, run.gt.ut_accuracy) for k, run in runs.items()}
                    for p, runs in scored.items()}
    usage = {k: sum(int(r.usage.get(k, 0)) for r in first) for k in ("calls", "input_tokens", "output_tokens")}
    return BenchResult(
        pipeline="bench", split=split, seeds=seeds, problems=len(summaries_by_seed[seeds[0]]),
        scored=sum(1 for r in first if r.gt.codes_total), failed=len(errors),
        splits=score_splits(readings, seeds, split, SELECTORS, ut_start_end), usage=usage,
        wall_s=round(sum(r.wall_s or 0 for r in first), 2), errors=errors,
        # a replayed pool with fewer distinct UT inputs than N_t: its UT pool could not be filled
        details={"short_of_test_inputs": sorted(r.problem for r in first if r.extra.get("short_of_test_inputs")),
                 "equal_budget_problems": sum(1 for r in first if r.equal_budget is not None)})


def format_claims(result: BenchResult) -> list[str]:
    """Every split's figures: per selector mean ± std over seeds [bootstrap 95% interval over problems], UT
    accuracy, executions; and CoSPlay's UT accuracy at the start and the end over the same problems."""
    seeds = result.seeds
    lines = []
    for split, scores in result.splits.items():
        lines.append(f"Split {split}: {scores.problems} problems, seeds {', '.join(str(k) for k in seeds)}: "
                     f"mean{' ± std over seeds' if len(seeds) > 1 else ''} [bootstrap 95% interval over problems]")
        lines.append(f"{'selector':<32} {'accuracy':>26} {'pass@1 (ties shared)':>26} {'equal-budget pass@1':>26} "
                     f"{'UT acc.':>8} {'problems':>9} {'executions':>11}")
        for name, row in scores.selectors.items():
            ut = "-" if row.ut_accuracy is None else f"{100 * row.ut_accuracy:.1f}%"
            lines.append(f"{LABELS.get(name, name):<32} {metrics.format_spread(row.accuracy):>26} "
                         f"{metrics.format_spread(row.pass1):>26} {metrics.format_spread(row.equal_budget_pass1):>26} {ut:>8} "
                         f"{row.problems:>9} {row.executions:>11}")
        start, end = scores.ut_accuracy_start, scores.ut_accuracy_end
        lines.append(f"CoSPlay UT accuracy over the same {start.problems} problems: start "
                     f"{metrics.format_spread(start)} -> end {metrics.format_spread(end)}")
        lines.append("")
    return lines


def claims_markdown(result: BenchResult, split: str | None = None) -> str:
    """`split`'s figures (default: the result's own) as a Markdown table (README's measured section is pasted from
    it)."""
    scores = result.splits[split or result.split]
    lines = ["| selector | accuracy (ties to lowest index) | pass@1 (ties shared) | equal-budget pass@1 | UT accuracy "
             "| executions |", "| --- | --- | --- | --- | --- | --- |"]
    for name, row in scores.selectors.items():
        cells = [metrics.format_spread(s) for s in (row.accuracy, row.pass1, row.equal_budget_pass1)]
        ut = "-" if row.ut_accuracy is None else f"{100 * row.ut_accuracy:.1f}%"
        lines.append(f"| {LABELS.get(name, name)} | {cells[0]} | {cells[1]} | {cells[2]} | {ut} | {row.executions:,} |")
    return "\n".join(lines)


def format_table(result: BenchResult) -> str:
    """The benchmark's table as text: every split's figures, then cost and failures."""
    lines = format_claims(result)
    lines.append("accuracy: the chosen code (ties to the lowest index) passes the ground truth; pass@1 shares ties "
                 "evenly (CodeT's reading); equal budget: every baseline on the codes and UTs CoSPlay's run "
                 "saw; baselines otherwise on the stage-1 pools")
    usage = result.usage
    lines.append(f"{result.problems} problems ({result.scored} with ground truth, {result.failed} failed); "
                 f"model calls {usage.get('calls', 0)}, tokens in/out {usage.get('input_tokens', 0)}/"
                 f"{usage.get('output_tokens', 0)}, run time {result.wall_s} s")
    short = result.details.get("short_of_test_inputs") or []
    if short:
        lines.append(f"{len(short)} problems whose replayed pool holds fewer distinct UT inputs than N_t (their UT pools "
                     f"could not be filled): {', '.join(short)}")
    lines += [f"failed: {e}" for e in result.errors]
    return "\n".join(lines)


class ProgressBar:
    """The bench's progress bar on standard error (`cosplay_core.progress`): problems done out of all, the last one and
    whether it failed; silent with `quiet` or when standard error is not a terminal. Pass it as `progress` to
    `run_benchmark`, inside `with ProgressBar(total) as bar:` (used without `with`, it opens on its first call and
    closes when the last problem is done)."""

    def __init__(self, total: int | None = None, quiet: bool = False, description: str = "bench",
                 stream: IO | None = None):
        self.total, self.quiet, self.description, self.stream = total, quiet, description, stream
        self._stack: ExitStack | None = None
        self._bar: Bar | None = None
        self._opened_by_call = False

    def __enter__(self) -> "ProgressBar":
        self._stack = ExitStack()
        self._bar = self._stack.enter_context(progress(self.description, self.total, quiet=self.quiet,
                                                           stream=self.stream))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack, self._bar = None, None

    def __call__(self, done: int, total: int, summary: dict) -> None:
        if self._bar is None:
            self.__enter__()
            self._opened_by_call = True
        assert self._bar is not None  # __enter__ opened it
        status = "failed" if "error" in summary else "ok"
        self._bar.update(completed=done, total=total, note=f"{summary.get('problem', '?')} {status}")
        if self._opened_by_call and done >= total:
            self.__exit__()
