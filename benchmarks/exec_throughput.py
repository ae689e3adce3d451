"""Pair-executions per second for a 16 x 16 matrix (16 programs x 16 inputs), against the naive way.

    python benchmarks/exec_throughput.py [--problem SLUG] [--repeat N]

Measures, in one run: (a) 16 trivial stdin programs on 16 inputs, (b) a sample problem's real pool (its reference
and wrong solutions, as 16 distinct programs) on 16 inputs from its generator; each through the sandboxed executor
(fork server per program, bubblewrap and cgroups where available, server start-up included) and through the naive
way: a fresh `subprocess.run([sys.executable, file])` per pair, one after another. Targets on a 2-core machine:
at least 1,000 pairs/s on trivial programs, and at least 15 times the naive way. Also prints (c) what the per-input
isolation costs: the same trivial pool with fresh tmpfs folders and IPC namespace per input in a PID namespace per
program (the default) and without them (one set of namespaces per server, folders emptied between inputs), in ms
of a worker per pair, and (d) the CPU time per pair of the whole process tree on (a) (harness, runner, zygotes and
program processes, server start-up included), in a cpuacct cgroup where one is writable: unlike the rates, it
does not move with the machine's load, then (e) what that CPU is made of: server start and stop, each program's
load, each input; and each input's CPU split by process (harness, runner, program zygote, program process); (f) the
same 16 programs on 64 inputs each: the same start-up over four times the pairs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cosplay_core.problem import decode_generated_input, generator_program, load_problem  # noqa: E402
from cosplay_core.sandbox import Executor, Job, Limits, Program  # noqa: E402

SIZE = 16


def trivial_pool() -> tuple[list[Program], list[str]]:
    programs = [Program(f"import sys\nprint(sum(map(int, sys.stdin.read().split())) + {k})\n") for k in range(SIZE)]
    inputs = [f"{i} {i * 7}\n" for i in range(SIZE)]
    return programs, inputs


def problem_pool(slug: str) -> tuple[list[Program], list, Limits]:
    problem = load_problem(ROOT / "sample_problems" / slug)
    sources = [problem.reference] + [w.source for w in problem.wrong]
    programs = [problem.program(sources[k % len(sources)] + f"\n# variant {k}\n") for k in range(SIZE)]
    generated = Executor(cache=False).run(generator_program(problem), [[seed, "random"] for seed in range(SIZE)],
                                          Limits(time_limit_s=10, output_limit_bytes=64 << 20))
    inputs = [decode_generated_input(problem, outcome.value) for outcome in generated]
    return programs, inputs, problem.limits()


def sandboxed(programs, inputs, limits, isolation=None) -> float:
    executor = Executor(cache=False, isolation=isolation)
    started = time.perf_counter()
    rows = executor.run_jobs([Job(p, tuple(inputs), limits) for p in programs])
    elapsed = time.perf_counter() - started
    assert sum(len(r) for r in rows) == len(programs) * len(inputs)
    return elapsed


def naive(programs, inputs, limits) -> float:
    """Seconds for a fresh interpreter per pair, as many harnesses do (function mode: a small driver appended);
    the CPU its children used is added to NAIVE_CPU_S."""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, program in enumerate(programs):
            path = Path(folder) / f"p{index}.py"
            source = program.source
            if program.io == "function":
                call = (f"Solution().{program.entry_point.split('().', 1)[1]}" if "()." in program.entry_point
                        else program.entry_point)
                source += f"\nimport json, sys\nprint(json.dumps({call}(*json.loads(sys.stdin.read()))))\n"
            path.write_text(source)
            files.append(path)
        started, before = time.perf_counter(), os.times()
        for path, program in zip(files, programs):
            for item in inputs:
                text = item if program.io == "stdin" else __import__("json").dumps(item)
                try:
                    subprocess.run([sys.executable, str(path)], input=text, capture_output=True, text=True,
                                   timeout=limits.time_limit_s, cwd=folder)
                except subprocess.TimeoutExpired:
                    pass
        after = os.times()
        NAIVE_CPU_S.append(after.children_user + after.children_system - before.children_user - before.children_system)
        return time.perf_counter() - started


NAIVE_CPU_S: list[float] = []  # the children's CPU seconds of each naive run (a subprocess.run child is waited for)


def cpu_per_pair(programs, inputs, limits, repeat) -> tuple[float, bool]:
    """Milliseconds of CPU per pair over `repeat` sandboxed runs, and whether a cpuacct cgroup measured them."""
    from evalplus_compare import Stopwatch

    with Stopwatch() as watch:
        for _ in range(repeat):
            sandboxed(programs, inputs, limits)
    return watch.cpu / (repeat * len(programs) * len(inputs)) * 1000, watch._group is not None


def cpu_parts(repeat: int) -> dict[str, float]:
    """Milliseconds of CPU (whole process tree) of (a)'s pieces, medians of `repeat` rounds: two servers' start and
    stop (each running one one-input program), a program's load on a started server (its zygote, its compile) and
    an input of a loaded program; all in one cpuacct group where one is writable."""
    from evalplus_compare import Stopwatch

    programs, inputs = trivial_pool()
    limits = Limits(time_limit_s=2.0)
    parts: dict[str, list[float]] = {"servers": [], "program": [], "input": []}
    with Stopwatch() as watch:
        for round_number in range(repeat):
            tagged = [Program(p.source + f"# {round_number}\n") for p in programs]
            before = watch.cpu_so_far()
            with Executor(workers=2, cache=False) as executor:
                executor.run_jobs([Job(p, tuple(inputs[:1]), limits) for p in tagged[:2]])
            parts["servers"].append(watch.cpu_so_far() - before)
            with Executor(workers=2, cache=False) as executor:
                executor.run_jobs([Job(p, tuple(inputs[:1]), limits) for p in tagged[:2]])
                before = watch.cpu_so_far()
                executor.run_jobs([Job(p, tuple(inputs[:1]), limits) for p in tagged[2:]])
                loads = watch.cpu_so_far() - before
                before = watch.cpu_so_far()
                many = tuple(f"{i} {i * 3}\n" for i in range(SIZE * 8))
                executor.run_jobs([Job(p, many, limits) for p in tagged[:2]])
                parts["input"].append((watch.cpu_so_far() - before) / (2 * len(many)))
            parts["program"].append(loads / (len(tagged) - 2) - parts["input"][-1])
    medians = {name: statistics.median(values) * 1000 for name, values in parts.items()}
    medians["servers"] -= 2 * (medians["program"] + medians["input"])
    return medians


def cpu_by_process(count: int = 400) -> dict[str, float]:
    """Milliseconds of CPU per input of one loaded trivial program on one server, by process: the harness (this
    process), the runner, the program zygote and the program processes (reaped by the zygote: its children's time),
    from /proc/<pid>/stat (clock ticks: hence `count` inputs)."""
    from cosplay_core.sandbox import SandboxServer, detect

    def descendants(root: int) -> list[int]:
        parents = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    parents[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        line, todo = [], [root]
        while todo:
            children = [pid for pid, parent in parents.items() if parent == todo[-1]]
            todo = children[-1:]
            line += children[-1:]
        return line  # bubblewrap's child the runner, its child the root zygote, its child the program zygote

    def ticks(pid: int) -> list[int]:
        return [int(f) for f in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:15]]

    programs, inputs = trivial_pool()
    with SandboxServer(detect()) as server:
        server.load(programs[0], Limits(time_limit_s=2.0))
        server.run_batch(inputs[:2], batch=False)
        assert server.proc is not None
        chain = descendants(server.proc.pid)[-3:]
        if len(chain) != 3:
            return {}
        before, harness = {pid: ticks(pid) for pid in chain}, os.times()
        server.run_batch([f"{i} {i}\n" for i in range(count)], batch=False)
        after, done = {pid: ticks(pid) for pid in chain}, os.times()
    scale = 1000 / os.sysconf("SC_CLK_TCK") / count
    runner, _, zygote = chain
    return {"harness": (done.user + done.system - harness.user - harness.system) * 1000 / count,
            "runner": sum(after[runner][:2]) * scale - sum(before[runner][:2]) * scale,
            "program zygote": sum(after[zygote][:2]) * scale - sum(before[zygote][:2]) * scale,
            "program processes": sum(after[zygote][2:]) * scale - sum(before[zygote][2:]) * scale}


def measure(name, programs, inputs, limits, repeat) -> tuple[float, float]:
    pairs = len(programs) * len(inputs)
    ours = statistics.median(sandboxed(programs, inputs, limits) for _ in range(repeat))
    theirs = naive(programs, inputs, limits)
    print(f"{name:<34} {pairs:>5} pairs   sandboxed {pairs / ours:8.0f} pairs/s ({ours:6.2f} s)   "
          f"naive {pairs / theirs:6.0f} pairs/s ({theirs:6.2f} s)   speed-up x{theirs / ours:5.1f}")
    return pairs / ours, theirs / ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="max_subarray", help="sample problem for the real pool")
    parser.add_argument("--repeat", type=int, default=3, help="sandboxed runs to take the median of")
    args = parser.parse_args()
    from cosplay_core.sandbox import detect

    isolation = detect()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, sandbox {isolation.method}, "
          f"memory cap {isolation.memory_cap}, process cap {'cgroup' if isolation.process_cap else 'none'}")
    rate, trivial_speedup = measure("(a) trivial stdin programs", *trivial_pool(), Limits(time_limit_s=2.0),
                                    args.repeat)
    _, real_speedup = measure(f"(b) {args.problem} real pool", *problem_pool(args.problem), args.repeat)
    if isolation.per_input:
        programs, inputs = trivial_pool()
        pairs = len(programs) * len(inputs)
        costs = {}
        for name, variant in (("fresh folders and IPC namespace per input", isolation),
                              ("namespaces per server", replace(isolation, per_input=False))):
            costs[name] = statistics.median(sandboxed(programs, inputs, Limits(time_limit_s=2.0), variant)
                                            for _ in range(args.repeat)) / pairs * 1000 * min(os.cpu_count(), 16)
        print("(c) per-input cost on (a), ms of a worker per pair: " +
              ", ".join(f"{name} {cost:.2f} ms" for name, cost in costs.items()))
    cpu_ms, exact = cpu_per_pair(*trivial_pool(), Limits(time_limit_s=2.0), args.repeat)
    naive_ms = NAIVE_CPU_S[0] / (SIZE * SIZE) * 1000
    print(f"(d) CPU per pair on (a), whole process tree: {cpu_ms:.2f} ms "
          f"({'cpuacct cgroup' if exact else 'os.times(), which misses processes reaped by ignoring SIGCHLD'}); "
          f"1,000 pairs/s on {os.cpu_count()} cores needs under {os.cpu_count():.0f} ms; naive {naive_ms:.2f} ms "
          f"(its interpreters alone): x{naive_ms / cpu_ms:.1f} less CPU per pair, a figure the machine's load "
          f"moves less than the rates")
    parts = cpu_parts(args.repeat)
    pairs = SIZE * SIZE
    print(f"(e) (d) in pieces: two servers' start and stop {parts['servers']:.1f} ms ({parts['servers'] / pairs:.2f} "
          f"ms a pair), a program's load {parts['program']:.2f} ms ({parts['program'] * SIZE / pairs:.2f} ms a pair), "
          f"an input {parts['input']:.2f} ms: with no start-up at all, a pair costs {parts['input']:.2f} ms "
          f"against the {os.cpu_count():.0f} ms that 1,000 pairs/s allows")
    by_process = cpu_by_process()
    if by_process:
        print("    an input's CPU by process: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in by_process.items())
              + " (a program process is a forked Python: its own work plus the copy-on-write faults of the "
              "zygote's pages it touches)")
    programs, _ = trivial_pool()
    longer = [f"{i} {i * 7}\n" for i in range(SIZE * 4)]
    steady = statistics.median(sandboxed(programs, longer, Limits(time_limit_s=2.0)) for _ in range(args.repeat))
    print(f"(f) (a)'s programs on {len(longer)} inputs each, the same start-up spread over {SIZE * len(longer):,} "
          f"pairs: {SIZE * len(longer) / steady:.0f} pairs/s (how far (a) is held back by its servers' start)")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} (the rates above are wall-clock)")
    print(f"targets: >= 1000 pairs/s on (a): {'met' if rate >= 1000 else 'NOT met'} ({rate:.0f}); "
          f">= 15x naive: {'met' if min(trivial_speedup, real_speedup) >= 15 else 'NOT met'} "
          f"(a x{trivial_speedup:.1f}, b x{real_speedup:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
