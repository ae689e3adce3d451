"""CoSPlay against CodeT on CodeT's recorded CodeGen-Mono-16B samples for HumanEval, in one run.

    python benchmarks/humaneval_codet.py [--limit N] [--jobs J] [--out DIR] [--truncation codet|toplevel]
                                         [--seed N] [--seeds N] [--split dev|test|all] [--cache DIR | --no-cache]
                                         [--json]

Prints one table (BoN accuracy, pass@1 with ties shared as CodeT reports it, UT accuracy and executions for every
selector), the comparison of our CodeT with CodeT's published pass@1 for CodeGen-Mono-16B (36.7) and with CodeT's
released code re-run on the same files (36.76; random pick 22.12), the analyses (pool sizes, why CoSPlay's choice
goes wrong), the wall time and the machine's load. With --out, each problem's result is kept and a re-run reads it
back instead of executing again. With --seeds N, the seeds --seed .. --seed+N-1: every selector's mean ± std over
seeds and a bootstrap 95% interval over problems; --split picks the fixed dev (even task ids) or test (odd) half.
The ground truth and the pass matrix do not depend on the seed: they run once per problem and are kept by content hash
in the cache folder (default COSPLAY_CACHE_DIR or .cosplay_cache, subfolder codet_executed), so a second call reads
them back. The last line gives the wall time against the target (300 s for all 164 problems and one seed).
Progress goes to standard error; with --json, standard output holds the JSON alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosplay_core.bench import ProgressBar  # noqa: E402
from cosplay_core.experiments.codet_bench import (claims_markdown, format_codet_table,  # noqa: E402
                                                 run_codet_benchmark)
from cosplay_core.models.cache import default_cache_dir  # noqa: E402
from cosplay_core.problem import ProblemError  # noqa: E402
from cosplay_core.sandbox import Executor  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "humaneval_codegen16b"
TARGET_S = 300


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=str(DATA / "problems.jsonl.gz"),
                        help="HumanEval-format JSONL (default: CodeT's copy next to the pools)")
    parser.add_argument("--pools", default=str(DATA), help="folder of CodeT-format pools")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="the first N problems only")
    parser.add_argument("--jobs", type=int, default=2, metavar="J", help="problems at a time (default 2)")
    parser.add_argument("--out", default=None, metavar="DIR", help="keep per-problem results; re-runs reuse them")
    parser.add_argument("--truncation", choices=("codet", "toplevel"), default="codet",
                        help="how code samples are cut where the function ends (default: CodeT's rule)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1, metavar="N", help="N seeds from --seed (default 1)")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all",
                        help="dev (even task ids), test (odd) or all (default)")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="where ground truth and pass matrices are kept by content hash")
    parser.add_argument("--no-cache", action="store_true", help="execute everything, keep nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--markdown", action="store_true", help="also print the figures over seeds as Markdown")
    args = parser.parse_args()
    if args.jobs < 1 or args.seeds < 1 or (args.limit is not None and args.limit < 1):
        print("humaneval_codet: --jobs, --seeds and --limit must be at least 1", file=sys.stderr)
        return 2
    cache = None if args.no_cache else Path(args.cache) if args.cache else default_cache_dir() / "codet_executed"

    load_before = _load()
    started = time.perf_counter()
    executor = Executor()
    try:
        result = run_codet_benchmark(args.problems, args.pools, limit=args.limit, jobs=args.jobs, out=args.out,
                                     truncation=args.truncation, seed=args.seed, progress=ProgressBar(),
                                     executor=executor, seeds=list(range(args.seed, args.seed + args.seeds)),
                                     split=args.split, cache=cache)
    except (ProblemError, ValueError) as exc:
        print(f"humaneval_codet: {exc}", file=sys.stderr)
        return 2
    finally:
        executor.close()
    wall = time.perf_counter() - started
    machine = {"cores": os.cpu_count(), "load_before": load_before, "load_after": _load(),
               "sandbox": executor.isolation.method, "python": sys.version.split()[0],
               "wall_s": round(wall, 1), "cache": None if cache is None else str(cache)}
    result = dataclasses.replace(result, details=dict(result.details, machine=machine))
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(format_codet_table(result))
    if args.markdown:
        print("\n" + claims_markdown(result) + "\n")
    print(f"machine: {machine['cores']} cores, sandbox {machine['sandbox']}, python {machine['python']}; "
          f"load average (1, 5, 15 min) before {machine['load_before']}, after {machine['load_after']}; "
          f"cache {machine['cache'] or 'off'}")
    print(f"total wall time {machine['wall_s']} s for {result.problems} problems x {args.seeds} seed(s); target "
          f"for all 164 problems and one seed: under {TARGET_S} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
