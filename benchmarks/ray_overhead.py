"""Ray's overhead on one machine: the sample problems x 3 seeds with `sim`, through a local Ray (`cosplay sweep
--ray`, one task per problem run) and through `cosplay bench --jobs 2` (threads, once per seed), in one run.

    python benchmarks/ray_overhead.py [--seeds 3] [--cpus-per-problem 1] [--repeat 1] [RUN SETTINGS, e.g. --codes 8]

Prints both wall times (Ray's includes starting the local Ray, also printed apart) and their ratio; target: Ray at
most 1.2x the threads. Both paths run in this process, on their own temporary output folders (--keep DIR keeps
them), and should choose the same codes with the same verdicts: runs that differ are listed. With --repeat N, the two alternate N times
(local first, then Ray first, ...) and the medians are compared: the machine is shared, so load drifts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosplay_core.cli import main as cosplay_main  # noqa: E402

TARGET = 1.2
SETTINGS = ("codes", "tests", "rounds", "inputs", "votes", "hints")


def cosplay(argv: list[str]) -> int:
    """The `cosplay` command in this process, its JSON kept off this script's output (it is read from --out)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        return cosplay_main(argv)


def run_local(problems: str, seeds: list[int], flags: list[str], out: Path) -> tuple[float, list[Path]]:
    """The wall time of `cosplay bench --jobs 2` once per seed, and each seed's bench folder."""
    started = time.perf_counter()
    for seed in seeds:
        code = cosplay(["bench", problems, "--model", "sim", "--seed", str(seed), "--jobs", "2", *flags,
                        "--out", str(out / f"seed{seed}"), "--json"])
        assert code == 0, f"cosplay bench --seed {seed} failed ({code})"
    return time.perf_counter() - started, [out / f"seed{seed}" for seed in seeds]


def run_ray(problems: str, seeds: list[int], settings: dict, cpus: int, out: Path) -> tuple[float, float, list[Path]]:
    """The wall time of `cosplay sweep --ray` over the seeds (a local Ray started for it), the part of it spent
    starting Ray, and each seed's bench folder."""
    from cosplay_core.distributed import ray_session

    out.mkdir(parents=True)
    sweep = out / "sweep.toml"
    lines = [f'out = "{out / "results"}"', f'datasets = ["{problems}"]', 'backbones = ["sim"]',
             f"seeds = {json.dumps(seeds)}", "[settings.default]"] + [f"{k} = {v}" for k, v in settings.items()]
    sweep.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    with ray_session():
        ready = time.perf_counter() - started
        code = cosplay(["sweep", str(sweep), "--ray", "--cpus-per-problem", str(cpus), "--json"])
        assert code == 0, f"cosplay sweep --ray failed ({code})"
    wall = time.perf_counter() - started
    result = json.loads((out / "results" / "sweep.json").read_text())
    return wall, ready, [Path(cell["folder"]) for cell in sorted(result["cells"], key=lambda c: c["seed"])]


def choices(summary: dict) -> dict:
    """What must not depend on the path: the codes chosen (by CoSPlay and every baseline), verdicts, model calls."""
    return {"selected": (summary.get("selected") or {}).get("code_id"), "gt": summary.get("gt"),
            "calls": summary.get("usage", {}).get("calls"), "error": summary.get("error"),
            "baselines": {n: b.get("code_id") for n, b in summary.get("baselines", {}).items()}}


def differences(local: list[Path], ray: list[Path]) -> list[str]:
    """Where the two paths chose differently: one line per (seed folder, problem)."""
    lines = []
    for seed, (mine, theirs) in enumerate(zip(local, ray)):
        for summary in sorted(mine.glob("*/summary.json")):
            a = choices(json.loads(summary.read_text()))
            b = choices(json.loads((theirs / summary.parent.name / "summary.json").read_text()))
            if a != b:
                lines.append(f"seed {seed} {summary.parent.name}: " + ", ".join(
                    f"{k} {a[k]} / {b[k]}" for k in a if a[k] != b[k]))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=str(ROOT / "sample_problems"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cpus-per-problem", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", default=None, metavar="DIR", help="keep both paths' folders here")
    for name in SETTINGS:
        parser.add_argument(f"--{name}", type=int, default=None)
    args = parser.parse_args()
    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    flags = [part for k, v in settings.items() for part in (f"--{k}", str(v))]
    seeds = list(range(args.seeds))
    count = sum(1 for p in Path(args.problems).iterdir() if (p / "problem.toml").exists())
    print(f"{count} problems x {len(seeds)} seeds with sim, settings {settings or 'default'}; Ray: "
          f"{args.cpus_per_problem} CPU(s) per problem")
    local_walls, ray_walls, starts = [], [], []
    for round_ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="ray-overhead-") as scratch:
            scratch = Path(args.keep) / f"round{round_ + 1}" if args.keep else Path(scratch)
            order = ("local", "ray") if round_ % 2 == 0 else ("ray", "local")
            for path in order:
                if path == "local":
                    wall, local_folders = run_local(args.problems, seeds, flags, scratch / "local")
                    local_walls.append(wall)
                    print(f"  round {round_ + 1}: cosplay bench --jobs 2, once per seed: {wall:.1f} s")
                else:
                    wall, ready, ray_folders = run_ray(args.problems, seeds, settings, args.cpus_per_problem,
                                                       scratch / "ray")
                    ray_walls.append(wall)
                    starts.append(ready)
                    print(f"  round {round_ + 1}: cosplay sweep --ray (local Ray): {wall:.1f} s, of which starting "
                          f"Ray {ready:.1f} s")
            differ = differences(local_folders, ray_folders)
            print(f"  round {round_ + 1}: the same codes chosen and verdicts on both paths: "
                  + ("yes" if not differ else f"NO, on {len(differ)} runs:"))
            for line in differ:
                print(f"    {line}")
    local, ray = statistics.median(local_walls), statistics.median(ray_walls)
    ratio = ray / local
    print(f"threads {local:.1f} s, Ray {ray:.1f} s (starting Ray {statistics.median(starts):.1f} s): Ray/threads "
          f"x{ratio:.2f}; target at most x{TARGET}: {'met' if ratio <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
