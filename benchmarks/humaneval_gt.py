"""Ground truth of CodeT's 16,400 recorded CodeGen-Mono-16B samples for HumanEval: pool pass@1 and wall time.

    python benchmarks/humaneval_gt.py [--truncation codet|toplevel] [--limit N] [--jobs J]
                                      [--verdicts FILE] [--compare FILE] [--json]

Scores every distinct truncated sample of every problem with `gt_pass_vector` (HumanEval's own `check`), as step (a)
of benchmarks/humaneval_codet.py does, under the same 3 s limit, and prints: samples, GT-correct samples, the pool
pass@1 (the mean over problems of the share of correct samples: a random pick, CodeT's 22.12 with its truncation),
the problems with a correct sample, the wall time and the machine's load (on a shared machine, wall time follows
the load). `--verdicts FILE` writes every sample's verdict (`{task_id: "0110..."}`, one character per sample);
`--compare FILE` lists the samples whose verdict differs from such a file, with the sample's text, to see what a
change of the harness changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosplay_core.benchmarks.codet_pools import load_codet_pools  # noqa: E402
from cosplay_core.benchmarks.humaneval import gt_pass_vector, load_humaneval  # noqa: E402
from cosplay_core.problem import ProblemError  # noqa: E402
from cosplay_core.sandbox import Executor  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "humaneval_codegen16b"
GT_TIME_LIMIT_S = 3.0  # CodetBenchSettings.gt_time_limit_s


def score(pools_folder: Path, truncation: str, limit: int | None, jobs: int, executor: Executor,
          progress=None) -> dict[str, str]:
    """{task_id: one "1"/"0" per sample, in sample order}."""
    problems = load_humaneval(pools_folder / "problems.jsonl.gz")[:limit]
    pools = load_codet_pools(pools_folder, truncation=truncation)
    lock, done = threading.Lock(), [0]

    def one(problem) -> tuple[str, str]:
        codes = pools[problem.slug].codes
        distinct = list(dict.fromkeys(codes))
        verdicts = dict(zip(distinct, gt_pass_vector(problem, distinct, executor,
                                                     problem.limits(time_limit_s=GT_TIME_LIMIT_S))))
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(problems), problem.slug)
        return problem.slug, "".join("1" if verdicts[c] else "0" for c in codes)

    with ThreadPoolExecutor(max_workers=jobs) as workers:
        return dict(workers.map(one, problems))


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default=str(DATA), help="folder of CodeT-format pools")
    parser.add_argument("--truncation", choices=("codet", "toplevel"), default="codet")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="the first N problems only")
    parser.add_argument("--jobs", type=int, default=2, metavar="J", help="problems at a time (default 2)")
    parser.add_argument("--verdicts", metavar="FILE", help="write every sample's verdict to FILE (JSON)")
    parser.add_argument("--compare", metavar="FILE", help="list the samples whose verdict differs from FILE's")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    args = parser.parse_args()
    if args.jobs < 1 or (args.limit is not None and args.limit < 1):
        print("humaneval_gt: --jobs and --limit must be at least 1", file=sys.stderr)
        return 2

    def progress(done, total, slug):
        print(f"\r{done}/{total} {slug:<14}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    load_before = _load()
    started = time.perf_counter()
    try:
        with Executor() as executor:
            verdicts = score(Path(args.pools), args.truncation, args.limit, args.jobs, executor, progress)
            executions = executor.executions
    except ProblemError as exc:
        print(f"humaneval_gt: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - started
    samples = sum(len(bits) for bits in verdicts.values())
    correct = sum(bits.count("1") for bits in verdicts.values())
    summary = {
        "problems": len(verdicts), "samples": samples, "correct_samples": correct,
        "pool_pass1": sum(bits.count("1") / len(bits) for bits in verdicts.values() if bits) / max(len(verdicts), 1),
        "problems_with_a_correct_sample": sum("1" in bits for bits in verdicts.values()),
        "truncation": args.truncation, "executions": executions, "wall_s": round(wall, 1),
        "cores": os.cpu_count(), "load_before": load_before, "load_after": _load(),
    }
    if args.verdicts:
        Path(args.verdicts).write_text(json.dumps(verdicts, indent=0) + "\n")
    changed = []
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        pools = load_codet_pools(Path(args.pools), truncation=args.truncation)
        for slug, bits in verdicts.items():
            for index, (old, new) in enumerate(zip(before.get(slug, ""), bits)):
                if old != new:
                    changed.append({"task_id": slug, "sample": index, "before": old == "1", "after": new == "1",
                                    "code": pools[slug].codes[index]})
        summary["changed"] = [{k: v for k, v in c.items() if k != "code"} for c in changed]
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{summary['problems']} problems, {samples} samples: {correct} GT-correct; pool pass@1 "
          f"{100 * summary['pool_pass1']:.2f}% ({args.truncation} truncation); "
          f"{summary['problems_with_a_correct_sample']} problems with a correct sample")
    print(f"{executions} sandbox executions; wall time {summary['wall_s']} s on {summary['cores']} cores; load "
          f"average (1, 5, 15 min) before {load_before}, after {summary['load_after']}")
    if args.compare:
        print(f"{len(changed)} verdicts differ from {args.compare}")
        for c in changed:
            print(f"--- {c['task_id']} sample {c['sample']}: {'correct' if c['before'] else 'wrong'} -> "
                  f"{'correct' if c['after'] else 'wrong'}\n{c['code']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
