"""What a sweep costs, from rates measured here: model calls, executions and CPU per problem run, measured with `sim`
on the sample problems, projected to LiveCodeBench (about 1,000 problems) x 3 seeds x 2 models on N machines.

    python benchmarks/sweep_cost.py [--problems 1000] [--seeds 3] [--models 2] [--cores 16] [--rpm 4000]
                                    [--call-latency-s 8] [--cpus-per-problem 0.25] [--skip-engine]

Measured, in this run (each command in a cgroup of its own under the v1 `cpuacct` controller, so that the CPU of
every process it starts, sandboxed programs included, is counted):
- `python benchmarks/engine_runs.py`: the algorithm alone on every sample problem (its executions, its wall time,
  ground-truth scoring apart), default settings;
- `cosplay bench sample_problems --model sim --jobs 1`: what a sweep runs per problem: the algorithm, the
  baselines on the stage-1 pools and ground-truth scoring; its summaries give model calls and executions.
Taken from an earlier measurement (its command is named where it is printed): a run through a language model makes
more calls than sim asks for (`benchmarks/model_latency.py`: 563 calls on max_subarray, seed 0, through the real
OpenAI SDK against a scripted model that answers about 1 in 12 requests with unusable prose and makes votes disagree
on about 1 input in 5; the same run with sim makes the calls this run counts for max_subarray), and its longest
chain of dependent calls is 45 calls.
Assumed (flags): that a LiveCodeBench problem costs what a sample problem costs; the provider's rate limit per model
(--rpm); a call's latency (--call-latency-s); how many runs share a core while they wait for the model
(--cpus-per-problem, what `--ray` declares per task).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPUACCT = Path("/sys/fs/cgroup/cpuacct")
LM_CALLS_MAX_SUBARRAY = 563  # benchmarks/model_latency.py, default run (README, "Model latency")
LM_CRITICAL_PATH_CALLS = 45  # the same run's longest chain of dependent calls


def measured(command: list[str], name: str) -> tuple[float, float | None, str]:
    """Runs `command` (in ROOT) in a cpuacct cgroup of its own: (wall seconds, CPU seconds of every process it
    started or None where cgroups cannot be used, its standard output)."""
    group = CPUACCT / f"cosplay-{name}-{os.getpid()}"
    try:
        group.mkdir()
    except OSError:
        group = None

    def join():
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=join)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    cpu = None
    if group is not None:
        cpu = int((group / "cpuacct.usage").read_text()) / 1e9
        for _ in range(50):  # the command's processes are gone; the kernel may take a moment to empty the group
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    return wall, cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000, help="problems in the sweep (LiveCodeBench: ~1,000)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", type=int, default=2)
    parser.add_argument("--cores", type=int, default=16, help="cores per machine (assumed)")
    parser.add_argument("--rpm", type=float, default=4000, help="model calls a minute each model's provider allows "
                                                                "(assumed)")
    parser.add_argument("--call-latency-s", type=float, default=8.0, help="seconds a model call takes (assumed)")
    parser.add_argument("--cpus-per-problem", type=float, default=0.25, help="CPUs each run declares to Ray")
    parser.add_argument("--skip-engine", action="store_true", help="measure only the bench (half the time)")
    args = parser.parse_args()
    python = sys.executable
    print(f"measuring on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f})")
    if not args.skip_engine:
        wall, cpu, out = measured([python, "benchmarks/engine_runs.py"], "engine")
        print("python benchmarks/engine_runs.py:")
        print("\n".join("  " + line for line in out.strip().splitlines()))
        print(f"  whole command: {wall:.0f} s wall, " + (f"{cpu:.0f} CPU-s" if cpu is not None else "CPU not measured"))
    with tempfile.TemporaryDirectory(prefix="sweep-cost-") as scratch:
        out_dir = Path(scratch) / "bench"
        wall, cpu, _ = measured([python, "-m", "cosplay_core", "bench", "sample_problems", "--model", "sim",
                                 "--jobs", "1", "--out", str(out_dir), "--json"], "bench")
        runs = [json.loads(p.read_text()) for p in sorted(out_dir.glob("*/summary.json"))]
    n = len(runs)
    calls = [r["usage"]["calls"] for r in runs]
    algorithm = [r["executions"] for r in runs]
    extra = [r.get("executions_baselines", 0) + r.get("gt_executions", 0) for r in runs]
    sim_max_subarray = next(r["usage"]["calls"] for r in runs if r["problem"] == "max_subarray")
    lm_factor = LM_CALLS_MAX_SUBARRAY / sim_max_subarray
    print(f"cosplay bench sample_problems --model sim --jobs 1: {n} runs, {wall:.0f} s wall, "
          + (f"{cpu:.0f} CPU-s ({cpu / n:.1f} CPU-s a run)" if cpu is not None else "CPU not measured"))
    print(f"  per run: model calls {statistics.mean(calls):.0f} (sim; {min(calls)}-{max(calls)}), executions "
          f"{statistics.mean(algorithm):.0f} by the algorithm + {statistics.mean(extra):.0f} by baselines and "
          f"ground truth")
    print(f"  a language model: x{lm_factor:.2f} the calls sim asks for (model_latency.py: {LM_CALLS_MAX_SUBARRAY} "
          f"calls on max_subarray, sim {sim_max_subarray})")

    total_runs = args.problems * args.seeds * args.models
    calls_per_run = statistics.mean(calls) * lm_factor
    executions_per_run = statistics.mean(algorithm) + statistics.mean(extra)
    cpu_per_run = cpu / n if cpu is not None else wall / n * (os.cpu_count() or 1)
    core_hours = total_runs * cpu_per_run / 3600
    run_latency_s = LM_CRITICAL_PATH_CALLS * args.call_latency_s + cpu_per_run  # its dependent calls, then its work
    calls_per_model = total_runs / args.models * calls_per_run
    rate_floor_h = calls_per_model / args.rpm / 60  # models on different providers are paced in parallel
    print(f"\nsweep: {args.problems} problems x {args.seeds} seeds x {args.models} models = {total_runs:,} runs")
    print(f"  model calls {total_runs * calls_per_run:,.0f} ({calls_per_model:,.0f} a model), executions "
          f"{total_runs * executions_per_run:,.0f}, CPU {core_hours:,.0f} core-hours")
    print(f"  floors: the rate limit ({args.rpm:.0f} calls/min a model) {rate_floor_h:.1f} h; a run's chain of "
          f"{LM_CRITICAL_PATH_CALLS} dependent calls at {args.call_latency_s:g} s {run_latency_s / 60:.1f} min")
    print(f"\n{'machines':>8} {'cores':>6} {'runs at once':>13} {'CPU-bound h':>12} {'latency-bound h':>16} "
          f"{'rate floor h':>13} {'estimate h':>11}")
    for machines in (1, 2, 4, 8, 16, 32):
        cores = machines * args.cores
        slots = int(cores / args.cpus_per_problem)
        cpu_h = core_hours / cores
        latency_h = total_runs / slots * run_latency_s / 3600
        estimate = max(cpu_h, latency_h, rate_floor_h)
        print(f"{machines:>8} {cores:>6} {slots:>13} {cpu_h:>12.1f} {latency_h:>16.1f} {rate_floor_h:>13.1f} "
              f"{estimate:>11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
