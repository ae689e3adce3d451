"""The `cosplay` command (also `python -m cosplay_core`).

Exit status: 0 on success, 1 when `check` finds a problem unsound, 2 with one line on stderr for bad input.
With `--json`, standard output holds the JSON alone; messages go to standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cosplay_core.sandbox import Executor, Job, Limits, Program


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line instead of usage + message
        raise UsageError(f"{message} (see `cosplay {self.prog.split(' ', 1)[-1]} --help`)"
                         if " " in self.prog else f"{message} (see `cosplay --help`)")


def _read_source(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot read ({exc.strerror})") from None


def _limits(args) -> Limits:
    try:
        return Limits(time_limit_s=args.time_limit, memory_mb=args.memory_mb)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _decode_input(text: str, io: str, where: str):
    if io == "stdin":
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not valid JSON ({exc.msg}); function mode needs the JSON array of arguments") \
            from None
    if not isinstance(value, list):
        raise UsageError(f"{where}: function mode needs the JSON array of arguments")
    return value


def _program(source: str, io: str, entry_point: str | None, where: str) -> Program:
    try:
        return Program(source, io, entry_point)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _jobs_from_file(path: str, default_limits: Limits) -> list[tuple[str, Job]]:
    jobs = []
    text = _read_source(path, "jobs file")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("program"), str) \
                or not isinstance(record.get("inputs"), list):
            raise UsageError(f"{where}: a job needs \"program\" (a string) and \"inputs\" (a list)")
        io = record.get("io") or "stdin"
        program = _program(record["program"], io, record.get("entry_point"), where)
        for position, item in enumerate(record["inputs"]):
            if io == "stdin" and not isinstance(item, str):
                raise UsageError(f"{where}: input {position} must be a string in stdin mode")
            if io == "function" and not isinstance(item, list):
                raise UsageError(f"{where}: input {position} must be the array of arguments in function mode")
        try:
            limits = Limits(time_limit_s=float(record.get("time_limit_s") or default_limits.time_limit_s),
                            memory_mb=int(record.get("memory_mb") or default_limits.memory_mb))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{where}: {exc}") from None
        jobs.append((str(record.get("id", number)), Job(program, tuple(record["inputs"]), limits)))
    return jobs


def _print_human(programs: list[str], rows) -> None:
    for name, row in zip(programs, rows):
        print(name)
        for number, outcome in enumerate(row, 1):
            shown = json.dumps(outcome.value) if outcome.value is not None else outcome.stdout.strip()[:60]
            print(f"  input {number}: {outcome.status:<12} {outcome.time_s * 1000:8.1f} ms  {shown}")


def _warn_isolation(executor: Executor) -> None:
    for warning in executor.isolation.warnings:
        print(f"cosplay: warning: sandbox: {warning}", file=sys.stderr)


def cmd_exec(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    executor = Executor(workers=args.workers)
    _warn_isolation(executor)
    limits = _limits(args)
    if args.jobs:
        if args.programs or args.input_file:
            raise UsageError("--jobs takes its programs and inputs from the file: give no PROGRAM or --input-file")
        jobs = _jobs_from_file(args.jobs, limits)
        for (job_id, _), row in zip(jobs, executor.iter_jobs([job for _, job in jobs])):
            print(json.dumps({"id": job_id, "results": [o.to_dict() for o in row]}), flush=True)
        return 0
    if not args.programs:
        raise UsageError("give at least one PROGRAM file (or --jobs JOBS.jsonl)")
    if not args.input_file:
        raise UsageError("give at least one --input-file")
    sources = [_read_source(p, "program") for p in args.programs]
    inputs = [_decode_input(_read_source(f, "input file"), args.io, f) for f in args.input_file]
    programs = [_program(s, args.io, args.entry_point, p) for s, p in zip(sources, args.programs)]
    rows = executor.run_jobs([Job(p, tuple(inputs), limits) for p in programs])
    if args.json:
        print(json.dumps([[o.to_dict() for o in row] for row in rows]))
    else:
        _print_human(args.programs, rows)
    return 0


def cmd_check(args) -> int:
    from cosplay_core.check import check_problem
    from cosplay_core.problem import ProblemError, load_problem

    executor = Executor()
    _warn_isolation(executor)
    status = 0
    for folder in args.problems:
        try:
            problem = load_problem(folder)
        except ProblemError as exc:
            raise UsageError(str(exc)) from None
        failures = check_problem(problem, executor)
        if failures:
            status = 1
            for line in failures:
                print(line)
        else:
            print(f"{problem.slug}: ok ({len(problem.tests)} tests, {len(problem.wrong)} wrong solutions)",
                  file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cosplay", description="CoSPlay Studio: self-play of programs and unit tests.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    ex = sub.add_parser("exec", help="run programs on inputs in the sandbox")
    ex.add_argument("programs", nargs="*", metavar="PROGRAM")
    ex.add_argument("--input-file", action="append", default=[], metavar="F", help="one input (repeat per input)")
    ex.add_argument("--io", choices=("stdin", "function"), default="stdin")
    ex.add_argument("--entry-point", default=None, help="function name or Class().method (function mode)")
    ex.add_argument("--time-limit", type=float, default=2.0, metavar="S", help="seconds per input (default 2)")
    ex.add_argument("--memory-mb", type=int, default=512, metavar="M", help="memory per program (default 512)")
    ex.add_argument("--jobs", metavar="JOBS.jsonl", help="run many programs, each with its own inputs")
    ex.add_argument("--workers", type=int, default=None, metavar="W", help="programs at a time (default: cores)")
    ex.add_argument("--json", action="store_true", help="print JSON only")
    ex.set_defaults(handler=cmd_exec)

    ch = sub.add_parser("check", help="verify that problem folders are sound")
    ch.add_argument("problems", nargs="+", metavar="PROBLEM")
    ch.set_defaults(handler=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return 2
        return args.handler(args)
    except UsageError as exc:
        print(f"cosplay: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cosplay: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
