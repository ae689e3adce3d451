"""How long the whole default HumanEval x CodeT benchmark takes, cold: wall time, CPU time, and the comparison.

    python benchmarks/humaneval_speed.py [--limit N] [--jobs J] [--workers W] [--seed N] [--against DIR] [--json]
    python benchmarks/humaneval_speed.py --profile [--limit N] [--every K]

Runs `run_codet_benchmark` (benchmarks/humaneval_codet.py's run: ground truth, the pass matrix, every selector and
CoSPlay's self-play, one seed, all 164 problems) with nothing cached, and prints the wall time, the CPU time of this
process and everything it started (its own cpuacct cgroup when one can be made, else the rusage of itself and its
children) and the load average, beside the target (300 s on 2 cores) and the references: the path before this
script (measured cold) and CodeT's own harness. On a loaded machine the CPU time is the figure to compare: the wall
time follows the load.

`--against DIR`: executions are kept in a fresh folder and compared, problem by problem, with a folder of
`execute_pools` results made earlier (`--cache DIR` of humaneval_codet.py; the same content hashes): every ground
truth verdict and every cell's status and value must be equal. Differences are listed; the exit status is 1.

`--profile`: no benchmark, but steps (a) and (b) of every K-th problem one after another, each timed alone: CPU
seconds of the ground truth and of the pass matrix per problem, and how much of it went to programs that hit the
time limit.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosplay_core.benchmarks.check_replay import CheckJudge  # noqa: E402
from cosplay_core.benchmarks.codet_pools import load_codet_pools  # noqa: E402
from cosplay_core.benchmarks.humaneval import load_humaneval  # noqa: E402
from cosplay_core.experiments.codet_bench import (CodetBenchSettings, format_codet_table, matrix_limits,  # noqa: E402
                                                 run_codet_benchmark)
from cosplay_core.players.pool import input_key  # noqa: E402
from cosplay_core.problem import ProblemError  # noqa: E402
from cosplay_core.sandbox import Executor, Job  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "humaneval_codegen16b"
TARGET_S = 300
# What the same run cost before (cold, one seed, all 164 problems), and CodeT's own harness (issue 12).
REFERENCES = (
    ("the path before (850e440), cold, as issue 12's brief measured it", "1,325 s wall (37 s cached)"),
    ("the same path, humaneval_codet.py --no-cache in a cpuacct cgroup at a load of 4-65",
     "2,172 s wall, 1,015 s CPU"),
    ("CodeT's own harness, CodeT alone (pass matrix and its score)", "about 410 s wall"),
)
CPUACCT = Path("/sys/fs/cgroup/cpuacct")


class CpuClock:
    """CPU seconds used by this process and every process it starts from now on: a cpuacct cgroup of its own when
    one can be made (it counts the sandbox's servers while they run), else the rusage of this process and of its
    children (counted once they have ended: read it after closing the executor)."""

    def __init__(self):
        self.group: Path | None = None
        try:
            group = CPUACCT / f"cosplay_speed_{os.getpid()}"
            group.mkdir()
            (group / "cgroup.procs").write_text(str(os.getpid()))
            self.group = group
        except OSError:
            self.group = None
        self.method = "cpuacct cgroup" if self.group is not None else "rusage (self + children)"
        self.start = self.seconds()

    def seconds(self) -> float:
        if self.group is not None:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for field in ("ru_utime", "ru_stime"))

    def used(self) -> float:
        return self.seconds() - self.start

    def __enter__(self) -> "CpuClock":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Leaves the cgroup and removes it (once every process in it has ended)."""
        if self.group is None:
            return
        try:
            (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(50):
                try:
                    self.group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
        except OSError:
            pass
        self.group = None


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare_executed(ours: Path, theirs: Path) -> tuple[int, list[str]]:
    """(files compared, differences) between two folders of `execute_pools` results with the same content hashes:
    each ground-truth verdict, and each cell's status and value."""
    differences, compared = [], 0
    for path in sorted(ours.glob("*.json.gz")):
        other = theirs / path.name
        if not other.exists():
            differences.append(f"{path.name}: not in {theirs}")
            continue
        with gzip.open(path, "rt", encoding="utf-8") as a, gzip.open(other, "rt", encoding="utf-8") as b:
            new, old = json.load(a), json.load(b)
        compared += 1
        if new["verdicts"] != old["verdicts"]:
            changed = [i for i, (x, y) in enumerate(zip(new["verdicts"], old["verdicts"])) if x != y]
            differences.append(f"{path.name}: ground truth of distinct codes {changed} differs")
        for i, (row, old_row) in enumerate(zip(new["outcomes"], old["outcomes"])):
            cells = [j for j, (x, y) in enumerate(zip(row, old_row))
                     if (x["status"], x.get("value")) != (y["status"], y.get("value"))]
            if cells:
                differences.append(f"{path.name}: code {i}, inputs {cells[:10]}: "
                                   f"{[(row[j]['status'], old_row[j]['status']) for j in cells[:3]]}")
    return compared, differences


def profile(limit: int | None, every: int) -> int:
    """Steps (a) and (b) of every `every`-th problem, one after another, each phase timed alone."""
    with CpuClock() as clock:
        return _profile(clock, limit, every)


def _profile(clock: CpuClock, limit: int | None, every: int) -> int:
    settings = CodetBenchSettings()
    problems = load_humaneval(DATA / "problems.jsonl.gz")[::every][:limit]
    pools = load_codet_pools(DATA, limit=settings.test_limit, truncation=settings.truncation)
    totals = dict.fromkeys(("gt", "gt_timeouts", "matrix", "matrix_timeouts"), 0.0)
    print(f"{'problem':<14} {'codes':>5} {'inputs':>6} {'GT cpu s':>9} {'in timeouts':>11} "
          f"{'matrix cpu s':>12} {'in timeouts':>11} {'timed-out cells':>15}")
    with Executor() as executor:
        for problem in problems:
            pool = pools[problem.slug]
            distinct = list(dict.fromkeys(pool.codes))
            seen: list = []

            class Spy:  # the judge's executor, keeping what its candidates' batches answered
                workers = executor.workers

                def run_jobs(self, jobs):
                    rows = executor.run_jobs(jobs)
                    seen.extend(o for job, row in zip(jobs, rows) if job.program.entry_point == "_cosplay_call"
                                for o in row)
                    return rows

            before = clock.seconds()
            CheckJudge(problem, problem.limits(time_limit_s=settings.gt_time_limit_s)).correct(distinct, Spy())
            gt = clock.seconds() - before
            inputs = {input_key(t.input): t.input for t in pool.tests}
            limits = matrix_limits(settings.time_limit_s, len(inputs))
            before = clock.seconds()
            rows = executor.run_jobs([Job(problem.program(c), tuple(inputs.values()), limits)
                                      for c in distinct]) if inputs else []
            matrix = clock.seconds() - before
            gt_out = sum(o.cpu_s for o in seen if o.status == "timeout")
            timed_out = [o for row in rows for o in row if o.status == "timeout"]
            matrix_out = sum(o.cpu_s for o in timed_out)
            for key, value in zip(totals, (gt, gt_out, matrix, matrix_out)):
                totals[key] += value
            print(f"{problem.slug:<14} {len(distinct):>5} {len(inputs):>6} {gt:>9.2f} {gt_out:>11.2f} "
                  f"{matrix:>12.2f} {matrix_out:>11.2f} {len(timed_out):>15}", flush=True)
    print(f"{len(problems)} problems ({clock.method}): ground truth {totals['gt']:.1f} s CPU, of which "
          f"{totals['gt_timeouts']:.1f} s in calls that hit a limit; pass matrix {totals['matrix']:.1f} s CPU, of "
          f"which {totals['matrix_timeouts']:.1f} s in cells that hit the 0.1 s limit; load {_load()}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="the first N problems only")
    parser.add_argument("--jobs", type=int, default=2, metavar="J", help="problems evaluated at a time (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, metavar="W",
                        help="sandbox servers at a time (default: one per core)")
    parser.add_argument("--against", default=None, metavar="DIR",
                        help="compare every execution with this folder of execute_pools results")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--profile", action="store_true", help="time steps (a) and (b) per problem instead")
    parser.add_argument("--every", type=int, default=1, metavar="K", help="with --profile: every K-th problem")
    args = parser.parse_args()
    if min(n for n in (args.jobs, args.every, args.workers, args.limit) if n is not None) < 1:
        print("humaneval_speed: --jobs, --workers, --every and --limit must be at least 1", file=sys.stderr)
        return 2
    if args.against is not None and not Path(args.against).is_dir():
        print(f"humaneval_speed: --against {args.against}: no such folder", file=sys.stderr)
        return 2
    if args.profile:
        return profile(args.limit, args.every)

    kept = tempfile.TemporaryDirectory(prefix="cosplay-speed-") if args.against else None
    load_before = _load()
    with CpuClock() as clock:
        started = time.perf_counter()
        executor = Executor(workers=args.workers)
        try:
            result = run_codet_benchmark(DATA / "problems.jsonl.gz", DATA, limit=args.limit, jobs=args.jobs,
                                         seed=args.seed, executor=executor, cache=kept.name if kept else None)
        except (ProblemError, ValueError) as exc:
            print(f"humaneval_speed: {exc}", file=sys.stderr)
            return 2
        finally:
            executor.close()
        wall = time.perf_counter() - started
        cpu = clock.used()
    problems = result["problems"] if isinstance(result, dict) else result.problems
    figures = {"problems": problems, "executed": executor.executions,
               "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_clock": clock.method,
               "cores": os.cpu_count(), "workers": executor.workers, "load_before": load_before, "load_after": _load(),
               "sandbox": executor.isolation.method, "target_s": TARGET_S}
    status = 0
    if kept is not None:
        compared, differences = compare_executed(Path(kept.name), Path(args.against))
        figures["compared"], figures["differences"] = compared, differences
        status = 1 if differences or not compared else 0
        kept.cleanup()
    if args.json:
        print(json.dumps(figures))
        return status
    print(format_codet_table(result))
    print(f"\nHumanEval x CodeT, cold, seed {args.seed}: {figures['problems']} problems, every selector, "
          f"{figures['executed']:,} executions")
    print(f"wall {figures['wall_s']} s, CPU {figures['cpu_s']} s ({clock.method}) on {figures['cores']} cores, "
          f"{figures['workers']} sandbox servers ({figures['sandbox']}); load average (1, 5, 15 min) before {load_before}, after "
          f"{figures['load_after']}; target for all 164 problems: under {TARGET_S} s wall")
    for what, figure in REFERENCES:
        print(f"  compare: {what}: {figure}")
    if kept is not None:
        print(f"executions compared with {args.against}: {figures['compared']} problems, "
              f"{len(figures['differences'])} differences")
        for line in figures["differences"][:20]:
            print(f"  {line}")
    return status



if __name__ == "__main__":
    sys.exit(main())
