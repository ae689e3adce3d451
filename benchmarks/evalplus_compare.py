"""`cosplay exec` against evalplus 0.3.1's own `untrusted_check`: same programs, same inputs, one run.

    make bench-evalplus        (installs benchmarks/requirements-evalplus.txt, then runs this)
    python benchmarks/evalplus_compare.py [--per-problem N] [--repeat N] [--workers N] [--seed N] [--isolated]

The workload (benchmarks/evalplus_workload.py): 40 HumanEval problems (every 4th task, less `find_zero`), each with
its canonical solution and about N inputs: the calls of its own check() grown by evalplus's type-aware mutator.
Each repetition runs, one after the other:
- evalplus: `untrusted_check` on each problem's canonical program and inputs, called as evalplus's evaluator calls
  it (`evaluate --test-details`: `check_correctness` in a ProcessPoolExecutor of `--workers` processes, each
  starting one process per program; its time limits from the reference times: max(1 s, 4 x reference) per input);
- cosplay, isolated (with `--isolated`, or where the command has no batch form): `cosplay exec --jobs JOBS.jsonl
  --workers W --json` as a subprocess, `"batch": false`: a fresh child per input;
- cosplay, batch: the same command with `"batch": true` per job (a program's inputs in one child), where the command
  has `--batch`;
- cosplay, batch, library: `Executor.run_jobs` with `Limits(isolate_inputs=False)` in this process, as evalplus's
  `untrusted_check` is called in this process (no interpreter start, no JSON).
Every input gets a verdict from each harness (cosplay's: status ok and a value evalplus would accept); the report
lists every input where they differ. Target: the batch command (the library where the command has no batch form yet)
at least 1.5x evalplus's inputs/s, with full isolation and no mismatch; when it is missed, the time is profiled.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "HumanEval.jsonl.gz"
TARGET_RATIO = 1.5
INSTALL = "pip install --no-deps -r benchmarks/requirements-evalplus.txt"

EVALPLUS_ISOLATION = ("a forked process per program running all its inputs; in-process limits only: RLIMIT_AS/DATA/"
                      "STACK of min(4 GiB, RAM), a SIGALRM timer per input, os/shutil/subprocess functions set to "
                      "None; same filesystem, network, user and PID space as the harness (its own words: \"NOT a "
                      "security sandbox\")")


CPUACCT = Path("/sys/fs/cgroup/cpuacct")


class Stopwatch:
    """Wall-clock seconds of a block, and the CPU seconds its whole process tree used: where a cgroup v1 cpuacct
    hierarchy is writable, this process moves into a fresh group for the block (every process started in it counts,
    including those reaped by a parent that ignores SIGCHLD, as the sandbox's zygotes are); elsewhere, this
    process's and its waited-for children's times (which miss such processes)."""

    wall = cpu = 0.0

    @staticmethod
    def _cpu() -> float:
        now = os.times()
        return now.user + now.system + now.children_user + now.children_system

    def cpu_so_far(self) -> float:
        """CPU seconds used so far inside the block, as `cpu` counts them (for splitting a block into pieces)."""
        if self._group is not None:
            return int((self._group / "cpuacct.usage").read_text()) / 1e9
        return self._cpu() - self._cpu_start

    def __enter__(self) -> "Stopwatch":
        self._group = None
        try:
            own = [line.split(":", 2)[2] for line in Path("/proc/self/cgroup").read_text().splitlines()
                   if "cpuacct" in line.split(":", 2)[1].split(",")][0]
            self._home = CPUACCT / own.lstrip("/")
            self._group = Path(tempfile.mkdtemp(prefix="evalplus-compare-", dir=self._home))
            (self._group / "cgroup.procs").write_text(str(os.getpid()))
        except (OSError, IndexError):
            if self._group is not None:
                os.rmdir(self._group)
            self._group = None
        self._wall, self._cpu_start = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, self._cpu() - self._cpu_start
        if self._group is not None:
            self.cpu = int((self._group / "cpuacct.usage").read_text()) / 1e9
            (self._home / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(100):  # the group's last processes may take a moment to go
                try:
                    os.rmdir(self._group)
                    break
                except OSError:
                    time.sleep(0.01)


# ---- evalplus -----------------------------------------------------------------------------------------------------


def evalplus_time_limits(ref_time: list[float]) -> list[float]:
    """evalplus's per-input limits, as `untrusted_check` derives them from the reference times."""
    from evalplus.config import DEFAULT_GT_TIME_LIMIT_FACTOR, DEFAULT_MIN_TIME_LIMIT

    return [max(DEFAULT_MIN_TIME_LIMIT, DEFAULT_GT_TIME_LIMIT_FACTOR * t) for t in ref_time]


def job_time_limit(task) -> float:
    """cosplay's per-input limit for a program: the largest of evalplus's per-input limits for its inputs."""
    return max(evalplus_time_limits(task.ref_time))


def _evalplus_check(task) -> tuple[str, list[bool]]:
    """What evalplus's `check_correctness` does for one sample's base inputs (`--test-details`: no fast check)."""
    from evalplus.config import DEFAULT_GT_TIME_LIMIT_FACTOR, DEFAULT_MIN_TIME_LIMIT
    from evalplus.eval import untrusted_check

    status, details = untrusted_check("humaneval", task.code, task.inputs, task.entry_point, expected=task.expected,
                                      atol=0, ref_time=task.ref_time, fast_check=False,
                                      min_time_limit=DEFAULT_MIN_TIME_LIMIT,
                                      gt_time_limit_factor=DEFAULT_GT_TIME_LIMIT_FACTOR)
    return status, [bool(x) for x in details]


def run_evalplus(tasks, workers: int) -> tuple[Stopwatch, list[list[bool | None]]]:
    """Its time, and per task per input whether evalplus passed it (None: not reached)."""
    with Stopwatch() as watch, ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_evalplus_check, tasks))
    return watch, [details + [None] * (len(task.inputs) - len(details))
                   for task, (_, details) in zip(tasks, results)]


def evalplus_pieces(tasks, workers: int, full_s: float) -> list[str]:
    """evalplus's own split, for reference: what a program costs it (one input each) and what one more input costs,
    from the fastest of three runs on one input each and `full_s`, its fastest round on every input."""
    firsts = [dataclasses.replace(t, inputs=t.inputs[:1], expected=t.expected[:1], ref_time=t.ref_time[:1])
              for t in tasks]
    one_each = min(run_evalplus(firsts, workers)[0].wall for _ in range(3))
    inputs = sum(len(t.inputs) for t in tasks)
    parallel = min(workers, len(tasks))
    return [f"evalplus, for reference (fastest round {full_s:.2f} s):",
            f"  one program (pool task, process start, guard, exec)  {one_each * parallel / len(tasks) * 1000:7.1f} ms "
            f"(x{len(tasks)} / {parallel} = {one_each:.2f} s)",
            f"  one more input (its call, timer, comparison)        "
            f"{(full_s - one_each) * parallel / (inputs - len(tasks)) * 1000:7.3f} ms"]


# ---- cosplay ------------------------------------------------------------------------------------------------------


def cosplay_command() -> list[str]:
    """The installed `cosplay` command next to this interpreter, or `python -m cosplay_core`."""
    script = Path(sys.executable).parent / "cosplay"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cosplay_core"]


def command_has_batch() -> bool:
    """Whether `cosplay exec` takes `--batch` (and so honours `"batch": true` in a jobs file)."""
    done = subprocess.run(cosplay_command() + ["exec", "--help"], capture_output=True, text=True)
    return "--batch" in done.stdout


def write_jobs(tasks, path: Path, batch: bool) -> None:
    """JOBS.jsonl: one function-mode job per program with all its inputs, under evalplus's largest per-input limit."""
    with path.open("w") as out:
        for task in tasks:
            out.write(json.dumps({"id": task.task_id, "program": task.code, "inputs": task.inputs, "io": "function",
                                  "entry_point": task.entry_point,
                                  "time_limit_s": job_time_limit(task), "batch": batch}) + "\n")


def run_cosplay_command(jobs_file: Path, workers: int) -> tuple[Stopwatch, list[list[dict]]]:
    """The time of the whole `cosplay exec --jobs` subprocess, and its results per job."""
    command = cosplay_command() + ["exec", "--jobs", str(jobs_file), "--workers", str(workers), "--json"]
    with Stopwatch() as watch:
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cosplay exec exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return watch, [json.loads(line)["results"] for line in done.stdout.splitlines() if line.strip()]


def run_cosplay_library_batch(tasks, workers: int) -> tuple[Stopwatch, list[list[dict]]]:
    """The time of a fresh Executor running every job with `Limits(isolate_inputs=False)`, and its results."""
    from cosplay_core.sandbox import Executor, Job, Limits, Program

    with Stopwatch() as watch, Executor(workers=workers, cache=False) as executor:
        rows = executor.run_jobs([
            Job(Program(task.code, "function", task.entry_point), tuple(task.inputs),
                Limits(time_limit_s=job_time_limit(task), isolate_inputs=False))
            for task in tasks])
    return watch, [[outcome.to_dict() for outcome in row] for row in rows]


def evalplus_accepts(value, expected) -> bool:
    """Whether evalplus's `unsafe_execute` would accept `value` (a JSON value) for `expected` (HumanEval, atol 0):
    equal, or for float outputs equal types and lengths and `np.allclose(rtol=1e-7, atol=1e-6)`."""
    import numpy as np
    from evalplus.eval import is_floats

    from evalplus_workload import as_json

    expected = as_json(expected)
    if value == expected:
        return True
    if not is_floats(expected):
        return False
    try:
        return type(value) is type(expected) and (not isinstance(expected, list) or len(value) == len(expected)) \
            and bool(np.allclose(value, expected, rtol=1e-07, atol=1e-6))
    except (TypeError, ValueError):
        return False


def cosplay_verdicts(tasks, rows: list[list[dict]]) -> list[list[bool]]:
    return [[result["status"] == "ok" and evalplus_accepts(result["value"], expected)
             for result, expected in zip(row, task.expected)] for task, row in zip(tasks, rows)]


def mismatches(tasks, ours: list[list[bool]], theirs: list[list[bool | None]], rows) -> list[str]:
    """One line per input where the two harnesses' verdicts differ."""
    lines = []
    for task, mine, other, row in zip(tasks, ours, theirs, rows):
        for index, (a, b, result) in enumerate(zip(mine, other, row)):
            if a != b:
                lines.append(f"{task.task_id} input {index} {json.dumps(task.inputs[index])[:80]}: cosplay "
                             f"{'pass' if a else result['status']} ({(result.get('stderr') or '').strip()[-80:]!r}),"
                             f" evalplus {'pass' if b else 'not reached' if b is None else 'fail'}")
    return lines


# ---- report -------------------------------------------------------------------------------------------------------


def _spread(values: list[float], unit: str = "s") -> str:
    return f"{statistics.median(values):.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def measure(tasks, runs: dict, workers: int, repeat: int, judged: str):
    """Runs evalplus and each of `runs` `repeat` times, interleaved; returns (the Stopwatch of every run, per
    harness; verdict mismatches per cosplay form; the judged form's last results)."""
    watches: dict[str, list[Stopwatch]] = {"evalplus": [], **{name: [] for name in runs}}
    found: dict[str, set[str]] = {name: set() for name in runs}
    batch_rows: list = []
    for round_number in range(1, repeat + 1):
        watch, theirs = run_evalplus(tasks, workers)
        watches["evalplus"].append(watch)
        for name, run in runs.items():
            watch, rows = run()
            watches[name].append(watch)
            found[name].update(mismatches(tasks, cosplay_verdicts(tasks, rows), theirs, rows))
            batch_rows = rows if name == judged else batch_rows
        print(f"round {round_number}: " + ", ".join(f"{name} {w[-1].wall:.2f} s (CPU {w[-1].cpu:.2f} s)"
                                                     for name, w in watches.items()), flush=True)
    return watches, found, batch_rows


def summarise(tasks, watches: dict[str, list[Stopwatch]], found: dict[str, set[str]], judged: str,
              fully_isolated: bool) -> bool:
    """Prints the comparison (median and range over the rounds); whether the `judged` form meets the target."""
    inputs = sum(len(t.inputs) for t in tasks)
    print(f"\n{len(tasks)} programs, {inputs:,} inputs, {len(watches['evalplus'])} rounds: median (min-max)")
    print(f"  {'':<22} {'wall':<20} {'inputs/s':<24} {'CPU (all processes)':<20}")
    for name, runs in watches.items():
        rates = [inputs / w.wall for w in runs]
        print(f"  {name:<22} {_spread([w.wall for w in runs]):<20} "
              f"{statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}){'':<6} "
              f"{_spread([w.cpu for w in runs])}")
    for name in found:
        ratios = [e.wall / c.wall for e, c in zip(watches["evalplus"], watches[name])]
        cpu = [e.cpu / c.cpu for e, c in zip(watches["evalplus"], watches[name])]
        print(f"  {name} / evalplus: throughput x{_spread(ratios, '')}, CPU per input x{_spread(cpu, '')} "
              f"(above 1: cosplay uses less); verdict mismatches: {len(found[name])}")
        for line in sorted(found[name])[:20]:
            print(f"    {line}")
    ratio = statistics.median(e.wall / c.wall for e, c in zip(watches["evalplus"], watches[judged]))
    met = ratio >= TARGET_RATIO and not found[judged] and fully_isolated
    print(f"target ({judged} >= x{TARGET_RATIO} evalplus, full isolation, no mismatch): "
          f"{'met' if met else 'NOT met'} (x{ratio:.2f}"
          + (f", {TARGET_RATIO / ratio:.2f}x short" if ratio < TARGET_RATIO else "") + ")")
    return met


def precompile(folder: str) -> str:
    """Makes the command start as an installed one does, with the bytecode of every module it imports already
    compiled (`pip install` compiles it; evalplus's is, in site-packages): where this environment stops Python from
    writing bytecode (PYTHONDONTWRITEBYTECODE), every `cosplay exec` would compile cosplay's modules again. One run of
    the command on an empty jobs file, allowed to write, puts the bytecode of all it imports (cosplay's modules and
    the standard library's alike: with a prefix, Python looks for every module's bytecode there) in `folder`, the
    PYTHONPYCACHEPREFIX of the commands this script starts. Returns what it did."""
    if not (sys.flags.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE")):
        return "compiled and kept by Python as usual"
    empty = Path(folder) / "empty.jsonl"
    Path(folder).mkdir(parents=True, exist_ok=True)
    empty.write_text("")
    writing = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cosplay_command() + ["exec", "--jobs", str(empty), "--json"], capture_output=True,
                   env=dict(writing, PYTHONPYCACHEPREFIX=folder), check=True)
    os.environ["PYTHONPYCACHEPREFIX"] = folder
    return (f"precompiled into {folder}, as an installed package has it (PYTHONDONTWRITEBYTECODE is set here, so "
            "Python would compile cosplay's modules at every start)")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def _ensure_hash_seed() -> None:
    """Re-runs this script under PYTHONHASHSEED=0, the seed cosplay's sandbox gives programs: the mutator and some
    canonical solutions depend on set order, and the expected outputs must be what the sandbox would compute."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="HumanEval.jsonl.gz")
    parser.add_argument("--per-problem", type=int, default=100, help="inputs per problem (check() calls + mutants)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="parallel programs, for both harnesses")
    parser.add_argument("--isolated", action="store_true", help="also run the command with a fresh child per input "
                        "(always, where the command has no batch form); the profile times one such input anyway")
    parser.add_argument("--profile", action="store_true", help="split cosplay's time into its pieces even when "
                        "the target is met (it is split whenever it is not)")
    args = parser.parse_args()
    if args.per_problem < 1 or args.repeat < 1 or args.workers < 1:
        print("evalplus_compare: --per-problem, --repeat and --workers must be at least 1", file=sys.stderr)
        return 2
    if not Path(args.data).is_file():
        print(f"evalplus_compare: {args.data}: no such file", file=sys.stderr)
        return 2
    try:
        import evalplus.eval  # noqa: F401
        import evalplus.gen.type_mut  # noqa: F401
    except ImportError as exc:
        print(f"evalplus_compare: evalplus is not installed ({exc}); run `make bench-evalplus` or `{INSTALL}`",
              file=sys.stderr)
        return 2
    _ensure_hash_seed()
    import evalplus

    from cosplay_core.sandbox import detect
    from evalplus_workload import build_workload

    started = time.perf_counter()
    tasks = build_workload(args.data, args.per_problem, args.seed)
    inputs = sum(len(t.inputs) for t in tasks)
    print(f"workload: {len(tasks)} programs (HumanEval canonical solutions), {inputs:,} inputs "
          f"({sum(t.base_inputs for t in tasks)} from check(), the rest from evalplus's TypedMutGen, seed "
          f"{args.seed}), built in {time.perf_counter() - started:.1f} s")
    isolation = detect()
    batch_by_command = command_has_batch()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, evalplus {evalplus.__version__}, "
          f"{args.workers} workers each")
    print(f"isolation, evalplus: {EVALPLUS_ISOLATION}")
    print(f"isolation, cosplay: detect() = method {isolation.method}, filesystem {isolation.filesystem}, network "
          f"{isolation.network}, pid namespace {isolation.pid_namespace}, process cap {isolation.process_cap}, "
          f"memory cap {isolation.memory_cap}, warnings {list(isolation.warnings) or 'none'}")

    with tempfile.TemporaryDirectory() as folder:
        print(f"cosplay bytecode: {precompile(str(Path(folder) / 'pycache'))}")
        print(f"before: {_load()}", flush=True)
        isolated_jobs, batch_jobs = Path(folder) / "isolated.jsonl", Path(folder) / "batch.jsonl"
        write_jobs(tasks, isolated_jobs, batch=False)
        write_jobs(tasks, batch_jobs, batch=True)
        command = cosplay_command() + ["exec", "--jobs", "JOBS.jsonl", "--workers", str(args.workers), "--json"]
        print(f"cosplay command: {' '.join(command)}" + ("" if batch_by_command else
              "; it has no --batch yet, so the batch form runs through the library only"))
        runs = {}
        if args.isolated or not batch_by_command:
            runs["cosplay isolated"] = lambda: run_cosplay_command(isolated_jobs, args.workers)
        if batch_by_command:
            runs["cosplay batch"] = lambda: run_cosplay_command(batch_jobs, args.workers)
        runs["cosplay batch, library"] = lambda: run_cosplay_library_batch(tasks, args.workers)
        judged = "cosplay batch" if batch_by_command else "cosplay batch, library"
        watches, found, batch_rows = measure(tasks, runs, args.workers, args.repeat, judged)
        met = summarise(tasks, watches, found, judged, isolation.complete)
        print(f"after: {_load()} (the wall-clock rates move with it; the CPU column less)", flush=True)
        if args.profile or not met:
            from evalplus_profile import report

            print()
            for line in report(tasks, args.workers, cosplay_command(), batch_jobs, batch_rows,
                               min(w.wall for w in watches[judged]), job_time_limit):
                print(line, flush=True)
            for line in evalplus_pieces(tasks, args.workers, min(w.wall for w in watches["evalplus"])):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
