"""The measurement behind `RunConfig.trusted_min_support`'s default: CoSPlay runs at several minimum supports.

    python benchmarks/trusted_support.py sim [--seeds 0 1 2 3] [--supports 0 0.125 0.25 0.375 0.5] [--jobs 2]
                                         [--code-skill P] [--test-skill P] [--no POLICY ...]
    python benchmarks/trusted_support.py humaneval [--seeds 0 1 2] [--supports ...] [--limit N] [--jobs 2]
                                               [--no POLICY ...]

`sim`: every sample problem with the sim backbone (default skills). `humaneval`: CodeT's recorded CodeGen-16B
samples replayed (`pool:`), on the dev split only: the problems whose task id number is even (HumanEval/0, /2, ...);
the odd ones are kept for reporting. Every run uses the default settings except the minimum support (and the
policies `--no` switches off, e.g. `--no self_consistency`: every UT used, the regime where the trusted UT was
often wrong).

For each minimum support it prints, over all runs: BoN + cluster (stage 3's choice GT-correct), BoN (top pCode),
final UT accuracy; the fix steps that had a trusted UT, the share of those UTs wrong by ground truth, and the codes
the fix step turned from correct to wrong (harmed) and from wrong to correct (healed). From the runs at support 0
(any non-trivial UT trusted), a calibration: how often the trusted UT is wrong by its support (share of the pool
passing it). `--json FILE` keeps every run's record.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosplay_core.benchmarks import ground_truth_for, load_codet_pools, load_humaneval  # noqa: E402
from cosplay_core.config import Policies, RunConfig  # noqa: E402
from cosplay_core.ground_truth import GroundTruth  # noqa: E402
from cosplay_core.matrix import MatrixSnapshot  # noqa: E402
from cosplay_core.metrics import in_split  # noqa: E402
from cosplay_core.players.pool import PoolPlayer  # noqa: E402
from cosplay_core.players.sim import SimPlayer, SimSkills  # noqa: E402
from cosplay_core.problem import load_problem  # noqa: E402
from cosplay_core.run import Run  # noqa: E402
from cosplay_core.sandbox import Executor  # noqa: E402
from cosplay_core.stages.selfplay import trusted_test  # noqa: E402

POOLS = ROOT.parent / "shared" / "data" / "humaneval_codegen16b"
SUPPORTS = (0.0, 0.125, 0.25, 0.375, 0.5)
BUCKETS = ((0.0, 0.125), (0.125, 0.25), (0.25, 0.375), (0.375, 0.5), (0.5, 1.0))


def fix_steps(run: Run, config: RunConfig) -> list[dict]:
    """Each fix step of `run`: its trusted UT's support (share of the pool), whether ground truth says the UT is
    right, and the codes the step turned from correct to wrong and back."""
    found = []
    for before, after in zip(run.history, run.history[1:]):
        if after.name != "fix" or before.gt is None or not before.tests:
            continue
        snap = MatrixSnapshot(tuple(c.id for c in before.codes), tuple(t.id for t in before.tests), (),
                              before.passes)
        column = trusted_test(snap, config.trusted_min_passes(len(snap.code_ids)))
        if column is None:
            continue
        marks = before.gt.get("tests")
        right = None if marks is None else marks[column]
        was, now = before.gt["codes"], after.gt["codes"]
        found.append({"support": float(snap.test_pass_counts[column]) / len(snap.code_ids), "right": right,
                      "harmed": sum(1 for a, b in zip(was, now) if a and not b),
                      "healed": sum(1 for a, b in zip(was, now) if b and not a)})
    return found


def one_run(problem, player, config: RunConfig, executor: Executor, truth: GroundTruth) -> dict:
    run = Run(problem, player, config, executor, ground_truth=truth)
    try:
        run.run_to_end()
        summary = run.summary()
    finally:
        run.close()
    return {"problem": problem.slug, "seed": config.seed, "support": config.trusted_min_support,
            "bon_cluster": summary["gt"]["cosplay_correct"], "bon": summary["gt"]["bon_correct"],
            "ut_accuracy": summary["gt"]["ut_accuracy"], "ut_accuracy_initial": summary["gt"]["ut_accuracy_initial"],
            "tests_unused": summary["tests_unused"], "rounds": len(summary["rounds"]),
            "fixes": fix_steps(run, config)}


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return statistics.mean(values) if values else None


def _pct(value) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def report(records: list[dict], supports) -> str:
    lines = [f"{'min support':>11} {'runs':>5} {'BoN+cl':>7} {'BoN':>7} {'UT acc':>7} {'fixes':>6} "
             f"{'UT wrong':>8} {'harmed':>7} {'healed':>7}"]
    for support in supports:
        rows = [r for r in records if r["support"] == support]
        fixes = [f for r in rows for f in r["fixes"]]
        judged = [f for f in fixes if f["right"] is not None]
        lines.append(f"{support:>11} {len(rows):>5} {_pct(_mean(r['bon_cluster'] for r in rows)):>7} "
                     f"{_pct(_mean(r['bon'] for r in rows)):>7} {_pct(_mean(r['ut_accuracy'] for r in rows)):>7} "
                     f"{len(fixes):>6} {_pct(_mean(not f['right'] for f in judged)):>8} "
                     f"{sum(f['harmed'] for f in fixes):>7} {sum(f['healed'] for f in fixes):>7}")
    lowest = [f for r in records if r["support"] == min(supports) for f in r["fixes"] if f["right"] is not None]
    if lowest:
        lines.append(f"trusted UT wrong by its support (runs at min support {min(supports)}):")
        for low, high in BUCKETS:
            bucket = [f for f in lowest if low <= f["support"] < high]
            lines.append(f"  support in [{low:.3f}, {high:.3f}): {len(bucket):>4} fix steps, "
                         f"{_pct(_mean(not f['right'] for f in bucket))} wrong, "
                         f"harmed {sum(f['harmed'] for f in bucket)}, healed {sum(f['healed'] for f in bucket)}")
    return "\n".join(lines)


def sim_tasks(seeds, supports, executor, policies: Policies, skills: SimSkills):
    problems = [load_problem(p) for p in sorted((ROOT / "sample_problems").iterdir()) if (p / "problem.toml").exists()]
    tasks = []
    for problem in problems:
        truth = GroundTruth(problem, executor)  # one per problem: each code judged once over every run
        for seed in seeds:
            for support in supports:
                config = RunConfig(seed=seed, trusted_min_support=support, policies=policies)
                tasks.append(lambda p=problem, c=config, t=truth: one_run(
                    p, SimPlayer(p, executor, seed=c.seed, skills=skills), c, executor, t))
    return tasks


def humaneval_tasks(seeds, supports, executor, limit, policies: Policies):
    problems = [p for p in load_humaneval(POOLS / "problems.jsonl.gz") if in_split(p.slug, "dev")]
    problems = problems[:limit] if limit else problems
    pools = load_codet_pools(POOLS, truncation="codet")
    tasks = []
    for problem in problems:
        truth = ground_truth_for(problem, executor)
        for seed in seeds:
            for support in supports:
                config = RunConfig(seed=seed, trusted_min_support=support, policies=policies)
                tasks.append(lambda p=problem, c=config, t=truth: one_run(
                    p, PoolPlayer(p, pools[p.slug], seed=c.seed), c, executor, t))
    return tasks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("backbone", choices=("sim", "humaneval"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--supports", type=float, nargs="+", default=list(SUPPORTS))
    parser.add_argument("--limit", type=int, default=None, help="humaneval: the first N dev problems")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no", action="append", default=[], metavar="POLICY", help="switch a policy off")
    parser.add_argument("--code-skill", type=float, default=SimSkills().code, help="sim only")
    parser.add_argument("--test-skill", type=float, default=SimSkills().test, help="sim only")
    parser.add_argument("--json", default=None, metavar="FILE", help="write every run's record here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lock, done = threading.Lock(), [0]
    with Executor(workers=2) as executor:
        policies = Policies().without(*args.no)
        tasks = (sim_tasks(args.seeds, args.supports, executor, policies,
                           SimSkills(code=args.code_skill, test=args.test_skill)) if args.backbone == "sim"
                 else humaneval_tasks(args.seeds, args.supports, executor, args.limit, policies))

        def run_one(task):
            record = task()
            with lock:
                done[0] += 1
                print(f"\r{done[0]}/{len(tasks)} runs", end="", file=sys.stderr, flush=True)
            return record

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            records = list(pool.map(run_one, tasks))
    print(file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(records) + "\n")
    print(report(records, args.supports))
    print(f"{len(records)} runs in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
