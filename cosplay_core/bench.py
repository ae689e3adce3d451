"""`cosplay bench`: CoSPlay and every baseline on many problems, in parallel, resumable, summarised in one table."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cosplay_core.config import RunConfig
from cosplay_core.outdir import FolderBusy, MalformedFile, child_names, hold_folder, inside, read_json_file, \
    write_json_atomic
from cosplay_core.problem import ProblemError
from cosplay_core.progress import progress
from cosplay_core.run import RunError, RunInterrupted
from cosplay_core.sandbox import Executor
from cosplay_core.session import SUMMARY_NAME, BackboneSettings, resolve_problem, start_run

# Rows of the table: CoSPlay's two readings, then the baselines on the stage-1 pools.
SELECTORS = ("cosplay", "cosplay_bon", "random", "bon", "codet", "codet_released", "mbr_exec", "largest_cluster",
             "stage3_only")
LABELS = {"cosplay": "CoSPlay (self-play + cluster)", "cosplay_bon": "CoSPlay self-play + BoN",
          "random": "random pick (pool pass@1)", "bon": "BoN by pass count", "codet": "CodeT (paper score)",
          "codet_released": "CodeT (released score)", "mbr_exec": "MBR-exec", "largest_cluster":
          "largest output cluster", "stage3_only": "CoSPlay stage 3 only"}


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


def aggregate(summaries: list[dict]) -> dict:
    """Accuracy (share of problems whose chosen code is GT-correct), UT accuracy and cost per selector."""
    ok = [s for s in summaries if "error" not in s]
    scored = [s for s in ok if s.get("gt", {}).get("codes_total")]
    selectors = {}
    for name in SELECTORS:
        verdicts, uts = [], []
        for s in scored:
            gt = s["gt"]
            if name == "cosplay":
                verdicts.append(gt["bon_cluster"])
                uts.append(gt["ut_accuracy"])
            elif name == "cosplay_bon":
                verdicts.append(gt["bon"])
                uts.append(gt["ut_accuracy"])
            elif name in s.get("baselines", {}):
                entry = s["baselines"][name]
                verdicts.append(entry.get("expected_accuracy", entry.get("gt_correct")))
                uts.append(gt.get("ut_accuracy_initial"))
        self_play = name in ("cosplay", "cosplay_bon")
        selectors[name] = {
            "bon": _mean([float(v) for v in verdicts if v is not None]),
            "ut_accuracy": _mean(uts),
            "problems": len([v for v in verdicts if v is not None]),
            "executions": sum(s.get("executions", 0) if self_play else
                              s.get("executions_stage1", 0) + s.get("executions_baselines", 0) for s in ok),
        }
    usage = {k: sum(s.get("usage", {}).get(k, 0) for s in ok) for k in ("calls", "input_tokens", "output_tokens")}
    return {"problems": len(summaries), "scored": len(scored), "failed": len(summaries) - len(ok),
            "selectors": selectors, "usage": usage, "wall_s": round(sum(s.get("wall_s", 0) for s in ok), 2),
            "errors": [f"{s['problem']}: {s['error']}" for s in summaries if "error" in s]}


def format_table(result: dict) -> str:
    """The benchmark's table as text."""
    lines = [f"{'selector':<32} {'accuracy':>9} {'UT acc.':>8} {'problems':>9} {'executions':>11}"]
    for name, row in result["selectors"].items():
        acc = "-" if row["bon"] is None else f"{100 * row['bon']:.1f}%"
        ut = "-" if row["ut_accuracy"] is None else f"{100 * row['ut_accuracy']:.1f}%"
        lines.append(f"{LABELS.get(name, name):<32} {acc:>9} {ut:>8} {row['problems']:>9} {row['executions']:>11}")
    usage = result["usage"]
    lines.append(f"{result['problems']} problems ({result['scored']} with ground truth, {result['failed']} failed); "
                 f"model calls {usage['calls']}, tokens in/out {usage['input_tokens']}/{usage['output_tokens']}, "
                 f"run time {result['wall_s']} s")
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
