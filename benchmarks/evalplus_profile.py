"""Where `cosplay exec --jobs` spends its time on the evalplus comparison's workload, measured piece by piece.

Pieces, each the fastest of a few runs (the least disturbed by the shared machine's other load), through public
interfaces only (the command line and `cosplay_core.sandbox.Executor`), so that it measures whatever sandbox is
checked out:
- harness: a fresh interpreter importing the command's modules, and the whole command on an empty jobs file;
- server start and program load: one input on a new server, one of a new program on a started server, one more
  of a loaded program;
- per input: a fresh child per input (isolated) and one child for all inputs (batch), on a trivial program, and a
  one-input batch (the start of a program's batch child);
- JSON: reading the jobs file and writing the results, as the command does, on the real workload;
- execution: the real workload on a warm executor in batch form (no start-up, no JSON), and the part of it that is
  the programs' own work (evalplus's reference times, measured in-process).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

TRIVIAL = "def f(x):\n    return x + 1\n"
ROUNDS = 5
MANY = 400


def _best_seconds(action, rounds: int = ROUNDS) -> float:
    """The fastest of `rounds` runs: the one least disturbed by whatever else the shared machine runs."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _program(tag: int):
    from cosplay_core.sandbox import Program

    return Program(TRIVIAL + f"# {tag}\n", "function", "f")


def _limits(batch: bool):
    from cosplay_core.sandbox import Limits

    return Limits(time_limit_s=1.0, isolate_inputs=not batch)


def harness_seconds(command: list[str], empty_jobs: Path) -> tuple[float, float]:
    """(interpreter + imports, the whole command on an empty jobs file)."""
    imports = _best_seconds(lambda: subprocess.run([sys.executable, "-c", "import cosplay_core.cli"], check=True))
    empty = _best_seconds(lambda: subprocess.run(command + ["exec", "--jobs", str(empty_jobs), "--json"],
                                                   check=True, capture_output=True))
    return imports, empty


def server_seconds() -> tuple[float, float, float]:
    """One trivial input, isolated form: (on a new server, of a new program on a started server, of a loaded
    program)."""
    from cosplay_core.sandbox import Executor

    cold, warm, again = [], [], []
    for round_number in range(ROUNDS):
        with Executor(workers=1, cache=False) as executor:
            for times, tag in ((cold, 2 * round_number), (warm, 2 * round_number + 1), (again, 2 * round_number + 1)):
                started = time.perf_counter()
                executor.run(_program(tag), [[1]], _limits(batch=False))
                times.append(time.perf_counter() - started)
    return min(cold), min(warm), min(again)


def per_input_seconds(batch: bool) -> tuple[float, float]:
    """(one input, each extra input) of a loaded trivial program, isolated (a child each) or batch (one child)."""
    from cosplay_core.sandbox import Executor

    with Executor(workers=1, cache=False) as executor:
        program = _program(-1)
        executor.run(program, [[0]], _limits(batch))  # start the server, load the program
        one = _best_seconds(lambda: executor.run(program, [[0]], _limits(batch)))
        many = _best_seconds(lambda: executor.run(program, [[i] for i in range(MANY)], _limits(batch)), 3)
    return one, (many - one) / (MANY - 1)


def json_seconds(jobs_file: Path, rows: list[list[dict]]) -> float:
    """Reading the jobs file and writing every result line, as `cosplay exec --jobs --json` does."""
    def both():
        for line in jobs_file.read_text().splitlines():
            json.loads(line)
        for row in rows:
            json.dumps({"id": "x", "results": row})

    return _best_seconds(both)


def warm_execution_seconds(tasks, workers: int, time_limit_s) -> float:
    """The workload in batch form on an executor whose servers are already started."""
    from cosplay_core.sandbox import Executor, Job, Limits, Program

    rounds = itertools.count()

    def jobs():  # a comment makes each round's programs new to the servers, so each round loads them
        tag = next(rounds)
        return [Job(Program(t.code + f"\n# round {tag}\n", "function", t.entry_point), tuple(t.inputs),
                    Limits(time_limit_s=time_limit_s(t), isolate_inputs=False)) for t in tasks]

    with Executor(workers=workers, cache=False) as executor:
        executor.run_jobs(jobs())
        return _best_seconds(lambda: executor.run_jobs(jobs()), 3)


def report(tasks, workers: int, command: list[str], jobs_file: Path, rows, measured_s: float,
           time_limit_s) -> list[str]:
    """Lines that split the batch command's time (`measured_s`, its fastest round) into its pieces."""
    inputs = sum(len(t.inputs) for t in tasks)
    empty = jobs_file.parent / "empty.jsonl"
    empty.write_text("")
    imports, command_s = harness_seconds(command, empty)
    new_server, new_program, loaded = server_seconds()
    _, isolated = per_input_seconds(False)
    batch_child, batch = per_input_seconds(True)
    json_s = json_seconds(jobs_file, rows)
    warm = warm_execution_seconds(tasks, workers, time_limit_s)
    parallel = min(workers, len(tasks))
    own = sum(sum(t.ref_time) for t in tasks)
    lines = [
        f"profile of the batch command (fastest round {measured_s:.2f} s for {len(tasks)} programs, {inputs:,} inputs, "
        f"{workers} workers):",
        f"  interpreter + imports of the command       {imports * 1000:7.1f} ms",
        f"  the command on an empty jobs file           {command_s * 1000:7.1f} ms (imports, sandbox detection)",
        f"  an input on a new server (start, load)      {new_server * 1000:7.1f} ms (x{parallel} servers, in parallel)",
        f"  an input of a new program (load)            {new_program * 1000:7.1f} ms (x{len(tasks)} programs / "
        f"{parallel})",
        f"  an input of a loaded program, isolated      {loaded * 1000:7.1f} ms",
        f"  one more input, isolated (fork per input)   {isolated * 1000:7.3f} ms "
        f"(x{inputs:,} / {parallel} = {isolated * inputs / parallel:.2f} s)",
        f"  a one-input batch of a loaded program       {batch_child * 1000:7.1f} ms (its child's start; x{len(tasks)} "
        f"/ {parallel} = {batch_child * len(tasks) / parallel:.2f} s)",
        f"  one more input, batch (one child)           {batch * 1000:7.3f} ms "
        f"(x{inputs:,} / {parallel} = {batch * inputs / parallel:.2f} s)",
        f"  JSON: jobs file in, results out             {json_s * 1000:7.1f} ms",
        f"  the workload on warm servers, batch form    {warm * 1000:7.1f} ms (no start-up, no JSON)",
        f"  of which the programs' own calls            {own / parallel * 1000:7.1f} ms "
        f"({own * 1000:.1f} ms of evalplus's reference times, / {parallel})",
        f"  => start-up and JSON are {command_s + new_server - loaded + json_s:.2f} s of the {measured_s:.2f} s; "
        f"execution on warm servers {warm:.2f} s",
    ]
    return lines
