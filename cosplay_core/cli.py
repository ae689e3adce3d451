"""The `cosplay` command (also `python -m cosplay_core`).

Exit status: 0 on success, 1 when `check` finds a problem unsound, 2 with one line on stderr for bad input.
With `--json`, standard output holds the JSON alone; messages go to standard error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Sequence

from cosplay_core.sandbox import Executor, Job, Limits, Outcome, Program, SandboxUnavailable
from cosplay_core.terminal_text import one_line

if TYPE_CHECKING:  # imported where they are used: `cosplay exec` loads the sandbox and nothing of the run's
    from cosplay_core.bench import ProblemRef
    from cosplay_core.config import RunConfig
    from cosplay_core.distributed import RayRunner
    from cosplay_core.session import BackboneSettings


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one clear line instead of usage + message
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


_FLAGS = {"time_limit_s": "--time-limit", "memory_mb": "--memory-mb"}


def _limits(args: argparse.Namespace) -> Limits:
    try:
        return Limits(time_limit_s=args.time_limit, memory_mb=args.memory_mb)
    except ValueError as exc:
        message = str(exc)
        for name, flag in _FLAGS.items():
            message = message.replace(name, flag, 1) if message.startswith(name) else message
        raise UsageError(message) from None


def _decode_input(text: str, io: str, where: str) -> Any:
    from cosplay_core.jsonvalue import load_json_value

    if io == "stdin":
        return text
    try:
        value = load_json_value(text)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}; function mode needs the JSON array of arguments") from None
    if not isinstance(value, list):
        raise UsageError(f"{where}: function mode needs the JSON array of arguments")
    return value


def _program(source: str, io: str, entry_point: object, where: str) -> Program:
    if entry_point is not None and not isinstance(entry_point, str):
        raise UsageError(f"{where}: entry_point must be a string (a function name or Class().method)")
    if not _is_unicode(source):
        raise UsageError(f"{where}: the program is not valid Unicode text (it holds a lone surrogate)")
    try:
        return Program(source, io, entry_point)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _is_unicode(text: str) -> bool:
    """Whether `text` can be written as UTF-8 (JSON's \\ud800 escapes decode to lone surrogates, which cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Batch mode (a function-mode program's inputs in one child) is the default for "many small inputs", where a fresh
# isolated child per input costs far more than the call itself (300 small inputs of one program: 5.8 s isolated,
# 0.9 s batch, on this 2-core machine under load). Stdin programs always get a fresh child.
BATCH_MIN_INPUTS = 8
BATCH_MAX_INPUT_BYTES = 64 << 10


def _use_batch(io: str, inputs: Sequence[Any], asked: bool | None, where: str) -> bool:
    """Whether to run one program's inputs in one child: as `asked` (True/False), or by default when the program is
    function-mode with at least BATCH_MIN_INPUTS inputs, each at most BATCH_MAX_INPUT_BYTES of JSON."""
    if asked is None:
        return io == "function" and len(inputs) >= BATCH_MIN_INPUTS and all(
            len(json.dumps(x)) <= BATCH_MAX_INPUT_BYTES for x in inputs)
    if asked and io != "function":
        raise UsageError(f"{where}: batch mode runs function-mode programs only; a stdin program gets a fresh "
                         "process per input")
    return asked


def _with_batch(limits: Limits, batch: bool) -> Limits:
    return dataclasses.replace(limits, isolate_inputs=not batch)


_JOB_KEYS = ("id", "program", "inputs", "io", "entry_point", "time_limit_s", "memory_mb", "batch")


def _job_limits(record: dict, default: Limits, where: str) -> Limits:
    try:
        return dataclasses.replace(default, **{key: record[key] for key in ("time_limit_s", "memory_mb")
                                               if record.get(key) is not None})
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _jobs_from_file(path: str, default_limits: Limits, batch: bool | None) -> list[tuple[str, Job]]:
    from cosplay_core.jsonvalue import load_json_value

    jobs = []
    text = _read_source(path, "jobs file")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = load_json_value(line)
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
        if not isinstance(record, dict) or not isinstance(record.get("program"), str) \
                or not isinstance(record.get("inputs"), list):
            raise UsageError(f"{where}: a job needs \"program\" (a string) and \"inputs\" (a list)")
        unknown = sorted(set(record) - set(_JOB_KEYS))
        if unknown:
            raise UsageError(f"{where}: unknown key {unknown[0]!r} (a job has {', '.join(_JOB_KEYS)})")
        io = record.get("io") or "stdin"
        program = _program(record["program"], io, record.get("entry_point"), where)
        for position, item in enumerate(record["inputs"]):
            if io == "stdin" and not isinstance(item, str):
                raise UsageError(f"{where}: input {position} must be a string in stdin mode")
            if io == "stdin" and not _is_unicode(item):
                raise UsageError(f"{where}: input {position} is not valid Unicode text (it holds a lone surrogate)")
            if io == "function" and not isinstance(item, list):
                raise UsageError(f"{where}: input {position} must be the array of arguments in function mode")
        asked = record.get("batch", batch)
        if asked is not None and not isinstance(asked, bool):
            raise UsageError(f"{where}: batch must be true or false, not {json.dumps(asked)}")
        use_batch = _use_batch(io, record["inputs"], asked, where)
        limits = _with_batch(_job_limits(record, default_limits, where), use_batch)
        jobs.append((str(record.get("id", number)), Job(program, tuple(record["inputs"]), limits)))
    return jobs


# A value that JSON cannot hold is written as the string JavaScript and Protocol Buffers' JSON mapping use for it.
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by "NaN", "Infinity" or "-Infinity" (strict JSON has no
    such numbers). Works without recursion: a program's value may be nested as deeply as the sandbox allows."""
    root = [value]
    todo: list[tuple[Any, Any]] = [(root, 0)]  # (a list, an index) or (a dict, a key)
    while todo:
        container, key = todo.pop()
        item = container[key]
        if isinstance(item, float) and not math.isfinite(item):
            container[key] = _NON_FINITE[repr(item)]
        elif isinstance(item, list):
            container[key] = item = list(item)
            todo.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            container[key] = item = dict(item)
            todo.extend((item, name) for name in item)
    return root[0]


def _outcome_json(outcome: Outcome) -> dict:
    """An outcome as the strict JSON object of `cosplay exec`'s output (README, Command line) (`json.dumps` of it never fails and never writes NaN)."""
    data = outcome.to_dict()
    try:
        json.dumps(data["value"], allow_nan=False)
    except ValueError:
        data["value"] = _finite(data["value"])
    except RecursionError:  # deeper than this interpreter can encode: the value cannot be reported
        data.update(status="error", value=None, stderr=(data["stderr"] + "\ncosplay: the return value is nested too "
                                                        "deeply to write as JSON").lstrip("\n"))
    return data


def _job_line(job_id: str, row: list[Outcome]) -> str:
    """A job's output line; its values encoded once, unless one needs `_outcome_json`'s care (NaN, too deep)."""
    try:
        return json.dumps({"id": job_id, "results": [o.to_dict() for o in row]}, allow_nan=False)
    except (ValueError, RecursionError):
        return json.dumps({"id": job_id, "results": [_outcome_json(o) for o in row]})


def _print_human(programs: list[str], rows: list[list[Outcome]]) -> None:
    for name, row in zip(programs, rows):
        print(name)
        for number, outcome in enumerate(row, 1):
            data = _outcome_json(outcome)
            shown = json.dumps(data["value"])[:60] if data["value"] is not None else one_line(data["stdout"].strip(), 60)
            print(f"  input {number}: {data['status']:<12} {outcome.time_s * 1000:8.1f} ms  {shown}")


def _warn_isolation(executor: Executor) -> None:
    for warning in executor.isolation.warnings:
        print(f"cosplay: warning: sandbox: {warning}", file=sys.stderr)


def cmd_exec(args: argparse.Namespace) -> int:
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_WORKERS}")
    limits = _limits(args)
    if args.jobs:
        if args.programs or args.input_file:
            raise UsageError("--jobs takes its programs and inputs from the file: give no PROGRAM or --input-file")
        with _executor(args.workers) as executor:
            executor.start_servers(limits=limits)  # their start-up overlaps reading the jobs file
            jobs = _jobs_from_file(args.jobs, limits, args.batch)
            for (job_id, _), row in zip(jobs, executor.iter_jobs([job for _, job in jobs])):
                print(_job_line(job_id, row), flush=True)
        return 0
    if not args.programs:
        raise UsageError("give at least one PROGRAM file (or --jobs JOBS.jsonl)")
    if not args.input_file:
        raise UsageError("give at least one --input-file")
    sources = [_read_source(p, "program") for p in args.programs]
    inputs = [_decode_input(_read_source(f, "input file"), args.io, f) for f in args.input_file]
    programs = [_program(s, args.io, args.entry_point, p) for s, p in zip(sources, args.programs)]
    limits = _with_batch(limits, _use_batch(args.io, inputs, args.batch, "--batch"))
    with _executor(args.workers) as executor:
        rows = executor.run_jobs([Job(p, tuple(inputs), limits) for p in programs])
    if args.json:
        print(json.dumps([[_outcome_json(o) for o in row] for row in rows]))
    else:
        _print_human(args.programs, rows)
    return 0


MAX_WORKERS = 256
MAX_SEEDS = 1000  # seeds of one bench


def _executor(workers: int | None = None) -> Executor:
    """A sandbox executor, after the sandbox's warnings (if any) are printed."""
    executor = Executor(workers=workers)
    _warn_isolation(executor)
    return executor


def cmd_check(args: argparse.Namespace) -> int:
    from cosplay_core.check import check_problem
    from cosplay_core.problem import ProblemError, load_problem

    try:
        problems = [load_problem(folder) for folder in args.problems]  # every folder is read before any runs
    except ProblemError as exc:
        raise UsageError(str(exc)) from None
    status = 0
    with _executor() as executor:
        for problem in problems:
            failures = check_problem(problem, executor)
            if failures:
                status = 1
                for line in failures:
                    print(line)
            else:
                print(f"{problem.slug}: ok ({len(problem.tests)} tests, {len(problem.wrong)} wrong solutions)",
                      file=sys.stderr)
    return status


def _run_config(args: argparse.Namespace) -> RunConfig:
    from cosplay_core.config import Policies, RunConfig

    try:
        policies = Policies().including(*args.with_policy).without(*args.no)
        return RunConfig(codes=args.codes, tests=args.tests, rounds=args.rounds, inputs=args.inputs, votes=args.votes,
                         hints=args.hints, seed=args.seed, policies=policies,
                         relative_time_limit=args.relative_time_limit or None,
                         trusted_min_support=args.trusted_min_support)
    except ValueError as exc:
        name = str(exc).split(" ", 1)[0]
        flag = f"--{name.replace('_', '-')}" if name in _RUN_FLAGS else name
        raise UsageError(flag + str(exc)[len(name):]) from None


_RUN_FLAGS = ("codes", "tests", "rounds", "inputs", "votes", "hints", "seed", "relative_time_limit",
              "trusted_min_support")


def _backbone(args: argparse.Namespace) -> BackboneSettings:
    from cosplay_core.players.sim import SimSkills
    from cosplay_core.session import BackboneSettings

    for name in ("concurrency", "max_calls", "max_tokens"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    try:
        skills = SimSkills(code=args.code_skill, test=args.test_skill, repair=args.repair_skill)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return BackboneSettings(model=args.model, base_url=args.base_url, cache_dir=args.cache_dir,
                            concurrency=args.concurrency, max_calls=args.max_calls, max_tokens=args.max_tokens,
                            sim_skills=skills)


def default_run_folder(slug: str, model: str, seed: int) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{slug}-{model}-seed{seed}")
    return Path("runs") / safe


def _output_folder(path: Path, make: bool = True) -> Path:
    """`path`, made if missing (with `make`); UsageError with one line when it cannot be a folder to write in."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} is a file, not a folder")
    if not make:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the output folder {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise UsageError(f"cannot write in the output folder {path}")
    return path


MESSAGE_CHARS = 4000  # a one-line message on stderr, at most (it may quote what a program or a model wrote)


def _say(message: str) -> None:
    """One line on stderr: what a program or a model wrote in `message` cannot break it or drive the terminal."""
    print(f"cosplay: {one_line(message, MESSAGE_CHARS)}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from cosplay_core.models.base import ModelConfigError
    from cosplay_core.outdir import write_json_atomic
    from cosplay_core.problem import ProblemError
    from cosplay_core.run import RunError, RunInterrupted
    from cosplay_core.datasets import resolve_problem as data_problem
    from cosplay_core.session import SUMMARY_NAME, resolve_problem, start_run

    config = _run_config(args)
    backbone = _backbone(args)
    try:
        problem, ground_truth = resolve_problem(_problem_reference(data_problem(args.problem)))
    except ProblemError as exc:
        raise UsageError(str(exc)) from None
    except RecursionError:  # a benchmark file's line nested 100,000 deep
        raise UsageError(f"{args.problem.rpartition('#')[0]}: a JSON value nested too deeply to read") from None
    out = _output_folder(Path(args.out) if args.out else default_run_folder(problem.slug, args.model, args.seed),
                         make=False)
    with _holding(out), _executor() as executor:
        try:
            run = start_run(problem, config, executor, backbone, out, ground_truth, resume=not args.fresh)
        except (ModelConfigError, RunError) as exc:
            raise UsageError(str(exc)) from None
        if run.player.info.simulation:
            _say(f"backbone: {run.player.info.description}")
        try:
            while not run.done:
                snapshot = run.step()
                if not args.quiet:
                    moved = sum(1 for c in snapshot.changes if c.counts)
                    where = f"round {snapshot.round} " if snapshot.stage == 2 else ""
                    _say(f"step {snapshot.step}: stage {snapshot.stage} {where}{snapshot.name}"
                         + (f" ({moved} changes)" if moved else ""))
        except KeyboardInterrupt:
            _say(f"interrupted; finished steps are kept in {out}: run the same command again to resume")
            return 130
        except RunInterrupted as exc:
            _say(f"{exc}; finished steps are kept in {out}: run the same command again to resume")
            return 2
        finally:
            run.close()
        summary = run.summary()
        write_json_atomic(out / SUMMARY_NAME, summary)
    if run.stopped:
        _say(f"stopped early: {run.stopped}")
    if args.json:
        print(json.dumps(summary))
    else:
        _print_run_summary(summary, out)
    return 0


def _problem_reference(reference: str) -> str:
    """`reference` as given, or the folder of the sample problem it names (`cosplay run weighted_jobs`) when no such
    path exists here."""
    if "#" in reference or Path(reference).exists():
        return reference
    from cosplay_core.app_launcher import sample_names, sample_problem

    sample = sample_problem(reference)
    if sample is None and reference == Path(reference).name and sample_names():
        raise UsageError(f"{reference}: no such problem folder, nor a sample problem (samples: "
                         f"{', '.join(sample_names())})")
    return str(sample) if sample else reference


def cmd_export(args: argparse.Namespace) -> int:
    from cosplay_core.export import ExportError, export_rows, write_jsonl

    try:
        export = export_rows(args.folders, args.format, require_gt=args.require_gt, cluster=args.cluster)
        write_jsonl(export.rows, args.output)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    for line in export.skipped:
        _say(f"left out {line}")
    report = export.report(args.format, args.output, args.require_gt)
    print(json.dumps(report) if args.json else export.describe(report))
    return 0


APP_HELP = """usage: cosplay app [STREAMLIT OPTIONS]

Starts CoSPlay Studio in the browser with Streamlit (the app installed with this package, or this checkout's).
Every option is Streamlit's own (`streamlit run --help` lists them), for example --server.port 8502,
--server.headless true, --server.address 0.0.0.0 (the default, 127.0.0.1, answers this machine only).
An installed app saves runs in ./runs unless COSPLAY_RUNS_DIR says where."""


def cmd_app(streamlit_args: list[str]) -> int:
    """Replaces this process with Streamlit serving the app; returns only for help or a missing app."""
    import importlib.util

    from cosplay_core.app_launcher import app_command, app_environment, app_root

    if streamlit_args[:1] in (["-h"], ["--help"]):
        print(APP_HELP)
        return 0
    root = app_root()
    if root is None:
        raise UsageError("the app (app.py and pages/) is not installed with this copy of cosplay_core: install the "
                         "cosplay-studio wheel, or run from a checkout")
    if importlib.util.find_spec("streamlit") is None:
        raise UsageError("Streamlit is not installed: pip install streamlit")
    command = app_command(streamlit_args, root)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, app_environment(root))
    return 0  # not reached: Streamlit has taken over the process


@contextmanager
def _holding(out: Path, flag: str = "--out") -> Iterator[None]:
    """Holds the output folder `out` (made if missing, removed again if left empty) while the block runs; exit 2
    with one line when another live run holds it."""
    from cosplay_core.outdir import LOCK_NAME, FolderBusy, hold_folder

    if out.exists():
        _output_folder(out)  # a file, or a folder we cannot write in: one line
    try:
        with hold_folder(out, what=flag):
            yield
    except FolderBusy as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        if exc.filename is None or Path(exc.filename) not in (out, out / LOCK_NAME):
            raise
        raise UsageError(f"cannot use the output folder {out}: {exc.strerror or exc}") from None


def _print_run_summary(summary: dict, out: Path) -> None:
    selected = summary.get("selected") or {}
    print(f"problem {summary['problem']}  model {summary['model']}  seed {summary['seed']}")
    print(f"selected code {selected.get('code_id')}")
    for reason in summary.get("selection_reasons", []):
        print(f"  {reason}")
    gt = summary["gt"]
    if gt["codes_total"]:
        verdict = {True: "correct", False: "WRONG", None: "-"}
        ut = "-" if gt["ut_accuracy"] is None else f"{100 * gt['ut_accuracy']:.0f}%"
        print(f"ground truth: selected code {verdict[gt['cosplay_correct']]}; BoN {verdict[gt['bon_correct']]}; "
              f"{gt['codes_correct']}/{gt['codes_total']} codes correct; UT accuracy {ut}")
        for name, entry in summary["baselines"].items():
            print(f"  baseline {name:<16} code {entry['code_id']:>3}  {verdict[entry.get('gt_correct')]}")
    usage = summary["usage"]
    print(f"cost: {usage['calls']} calls, {usage['input_tokens']}+{usage['output_tokens']} tokens, "
          f"{summary['executions']} executions, {summary['wall_s']} s")
    print(f"trace and summary: {out}")


def _bench_pool(args: argparse.Namespace, config: RunConfig) -> int:
    """`cosplay bench FILE --model pool:<folder>`: the HumanEval x CodeT benchmark over recorded pools."""
    from cosplay_core.bench import ProgressBar
    from cosplay_core.experiments.codet_bench import format_codet_table, run_codet_benchmark
    from cosplay_core.models.cache import default_cache_dir
    from cosplay_core.problem import ProblemError

    from cosplay_core.datasets import resolve_pool

    folder = resolve_pool(args.model.split(":", 1)[1].strip())
    if not folder:
        raise UsageError("pool replay needs the folder of recorded samples: use --model pool:<folder>")
    if not Path(folder).is_dir():
        raise UsageError(f"pool replay needs a folder of recorded samples: {folder} is not a folder")
    if not Path(args.dataset).is_file():
        raise UsageError(f"{args.dataset}: no such benchmark file (pool replay runs over a HumanEval JSONL file)")
    with _executor() as executor, ProgressBar(quiet=args.json) as bar:
        try:
            result = run_codet_benchmark(args.dataset, folder, limit=args.limit, jobs=args.jobs, out=args.out,
                                         seed=args.seed, config=config, executor=executor, progress=bar,
                                         seeds=_bench_seeds(args), split=args.split,
                                         cache=default_cache_dir() / "codet_executed")
        except (ProblemError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    print(json.dumps(result.to_dict()) if args.json else format_codet_table(result))
    if result.failed == result.problems and result.problems:
        raise UsageError(f"every problem failed; first: {result.errors[0]}")
    return 0


def _bench_seeds(args: argparse.Namespace) -> list[int]:
    """`--seed S --seeds N`: the seeds S, S+1, ..., S+N-1."""
    from cosplay_core.config import MAX_SEED

    if not 1 <= args.seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds must be a whole number from 1 to {MAX_SEEDS:,}, not {args.seeds}")
    if args.seed + args.seeds - 1 > MAX_SEED:
        raise UsageError(f"--seed {args.seed} with --seeds {args.seeds} goes past the largest seed, {MAX_SEED}")
    return list(range(args.seed, args.seed + args.seeds))


def cmd_bench(args: argparse.Namespace) -> int:
    from cosplay_core.datasets import resolve_dataset

    args.dataset = resolve_dataset(args.dataset)  # a dataset name (humaneval) is its converted data in the cache
    config = _run_config(args)
    backbone = _backbone(args)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    out = _output_folder(Path(args.out), make=False) if args.out else None
    with _holding(out) if out else nullcontext():
        if args.model.strip().startswith("pool:"):
            if args.ray is not None:
                raise UsageError("--ray runs problem folders and benchmark files with sim or a language model; pool "
                                 "replay runs on this machine (leave --ray out)")
            return _bench_pool(args, config)
        return _bench_problems(args, config, backbone, out)


def _bench_problems(args: argparse.Namespace, config: RunConfig, backbone: BackboneSettings,
                    out: Path | None) -> int:
    """`cosplay bench` over problem folders or a benchmark file, with `out` held by this process."""
    from cosplay_core.bench import ProgressBar, aggregate_seeds, format_table, in_split, list_problems, run_benchmark
    from cosplay_core.outdir import write_json_atomic
    from cosplay_core.problem import ProblemError

    try:
        refs = list_problems(args.dataset)
    except ProblemError as exc:
        raise UsageError(str(exc)) from None
    if Path(args.dataset).is_file():
        from cosplay_core.benchmarks import record_ids

        left_out = len(record_ids(args.dataset)) - len(refs)
        if left_out:
            _say(f"{left_out} records left out: call-based APPS records are not supported")
    refs = in_split(refs, args.split)
    if not refs:
        raise UsageError(f"{args.dataset}: no problem in the {args.split} split")
    refs = refs[: args.limit] if args.limit else refs
    seeds = _bench_seeds(args)
    by_seed: dict[int, list[dict]] = {}
    with _executor() as executor:
        _check_backbone_on(refs[0], backbone, executor)
        rates = {} if args.calls_per_minute is None else {args.model.strip().partition(":")[0]: args.calls_per_minute}
        for seed in seeds:  # one seed: the run folders in --out as before; several: one subfolder a seed
            folder = out / f"seed-{seed}" if out is not None and len(seeds) > 1 else out
            with _ray_runner(args, rates) as ray_runner, ProgressBar(len(refs), quiet=args.json) as bar:
                by_seed[seed] = run_benchmark(refs, dataclasses.replace(config, seed=seed), backbone, executor,
                                              folder, args.jobs, bar, runner=ray_runner.bench if ray_runner else None)
    summaries = [s for k in seeds for s in by_seed[k]]
    result = aggregate_seeds(by_seed, args.split)
    if out is not None:
        write_json_atomic(out / "bench.json", result.to_dict())
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(format_table(result))
    interrupted = sorted((s for s in summaries if s.get("interrupted")), key=lambda s: s["error"].startswith("not run"))
    if interrupted:
        kept = f"finished problems are kept in {out}: run the same command again to go on" if out else \
            "give --out to keep finished problems across attempts"
        _say(f"{interrupted[0]['problem']}: {interrupted[0]['error']}; {kept}")
        return 2
    if result.failed == result.problems and result.problems:
        raise UsageError(f"every problem failed; first: {result.errors[0]}")
    return 0


@contextmanager
def _ray_runner(args: argparse.Namespace, calls_per_minute: dict) -> Iterator[RayRunner | None]:
    """A `distributed.RayRunner` on the Ray that `--ray [ADDRESS]` names, connected for the block (None without
    --ray); exit 2 with one line when Ray is missing or cannot be reached."""
    if args.ray is None:
        if calls_per_minute:
            raise UsageError("--calls-per-minute paces model calls across a Ray cluster: give --ray too")
        yield None
        return
    from cosplay_core.distributed import RayRunner, RayUnavailable, check_cpus, check_rates, ray_session

    checks: tuple[tuple[str, Callable[[Any], None], Any], ...] = (
        ("--cpus-per-problem", check_cpus, args.cpus_per_problem), ("--calls-per-minute", check_rates, calls_per_minute))
    for flag, check, value in checks:
        try:
            check(value)
        except ValueError as exc:
            raise UsageError(f"{flag}: {exc}") from None
    try:
        with ray_session(args.ray or None):
            yield RayRunner(args.cpus_per_problem, calls_per_minute)
    except RayUnavailable as exc:
        raise UsageError(str(exc)) from None


def cmd_sweep(args: argparse.Namespace) -> int:
    from cosplay_core.bench import ProgressBar
    from cosplay_core.problem import ProblemError
    from cosplay_core.sweep import (SweepError, format_sweep_table, load_sweep, run_cells_locally, run_cells_on_ray,
                                    run_sweep, sweep_problems)

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    try:
        sweep = load_sweep(args.sweep, args.out)
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    if sweep.calls_per_minute and args.ray is None:
        _say("calls_per_minute paces model calls on Ray only (--ray); here each run keeps its own --concurrency")
    out = _output_folder(sweep.out, make=False)
    with _holding(out):
        try:
            cells = sweep_problems(sweep)
        except ProblemError as exc:
            raise UsageError(str(exc)) from None
        with _executor() as executor:
            for backbone, refs in {(c.backbone.model, c.backbone.base_url): (c.backbone, r) for c, r in cells}.values():
                _check_backbone_on(refs[0], backbone, executor)
            rates = sweep.calls_per_minute if args.ray is not None else {}
            with _ray_runner(args, rates) as ray_runner, \
                    ProgressBar(sum(len(refs) for _, refs in cells), quiet=args.json, description="sweep") as bar:
                run_cells = run_cells_on_ray(ray_runner, bar) if ray_runner else run_cells_locally(args.jobs, bar)
                result = run_sweep(sweep, cells, run_cells)
    print(json.dumps(result) if args.json else format_sweep_table(result))
    if result["interrupted"]:
        _say(f"{result['interrupted']}; finished problems are kept in {out}: run the same command again to go on")
        return 2
    if all(c["result"]["failed"] == c["result"]["problems"] for c in result["cells"]):
        raise UsageError(f"every problem failed; first: {result['cells'][0]['result']['errors'][0]}")
    return 0


def _check_backbone_on(ref: ProblemRef, backbone: BackboneSettings, executor: Executor) -> None:
    """Fails fast (exit 2) on an unknown model or a missing key, before any problem runs."""
    from cosplay_core.players.registry import make_player
    from cosplay_core.models.base import ModelConfigError
    from cosplay_core.problem import ProblemError
    from cosplay_core.session import resolve_problem

    try:
        problem, _ = resolve_problem(ref.reference)
        make_player(backbone.model, problem, executor, base_url=backbone.base_url, cache_dir=backbone.cache_dir,
                    sim_skills=backbone.sim_skills)
    except (ModelConfigError, ProblemError) as exc:
        raise UsageError(str(exc)) from None


def _add_run_settings(parser: argparse.ArgumentParser) -> None:
    from cosplay_core.config import DEFAULT_TRUSTED_MIN_SUPPORT

    parser.add_argument("--model", default="sim", help="sim (offline simulation), pool:<folder>, anthropic:<model>, "
                                                       "openai:<model> (default: sim)")
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible server (vLLM, Ollama, llama.cpp)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--codes", type=int, default=16, metavar="N_c", help="code pool size (default 16)")
    parser.add_argument("--tests", type=int, default=16, metavar="N_t", help="UT pool size (default 16)")
    parser.add_argument("--rounds", type=int, default=5, metavar="T_max", help="self-play rounds (default 5)")
    parser.add_argument("--inputs", type=int, default=16, metavar="R", help="random inputs for stage 3 (default 16)")
    parser.add_argument("--votes", type=int, default=4, metavar="k", help="predictions per expected output (4)")
    parser.add_argument("--hints", type=int, default=6, metavar="K_h", help="hints in stage 1 (default 6)")
    parser.add_argument("--no", action="append", default=[], metavar="POLICY",
                        help="switch a policy off (ablation): attack_tests, self_consistency, clean_codes, "
                             "break_coupling, fix_codes, replace_trivial_tests, cluster_ties, cluster_all_codes, "
                             "stop_when_quiet, verify_repairs, votes_cast (docs/deviations.md)")
    parser.add_argument("--with", dest="with_policy", action="append", default=[], metavar="POLICY",
                        help="switch a policy on (all are on by default)")
    parser.add_argument("--trusted-min-support", type=float, default=DEFAULT_TRUSTED_MIN_SUPPORT, metavar="S",
                        help="share of the code pool that must pass the UT that drives repairs (default "
                             f"{DEFAULT_TRUSTED_MIN_SUPPORT}; 0: any non-trivial UT)")
    parser.add_argument("--relative-time-limit", type=float, default=20.0, metavar="F",
                        help="a candidate F times slower than the pool's median on an input times out early "
                             "(default 20; 0: the problem's full limit on every input)")
    parser.add_argument("--concurrency", type=int, default=8, help="model calls in flight (default 8)")
    parser.add_argument("--max-calls", type=int, default=None, help="budget: model calls per run")
    parser.add_argument("--max-tokens", type=int, default=None, help="budget: tokens per run")
    parser.add_argument("--cache-dir", default=None, help="model response cache (default .cosplay_cache)")
    parser.add_argument("--code-skill", type=float, default=0.3, help="sim only: chance a new program is correct")
    parser.add_argument("--test-skill", type=float, default=0.6, help="sim only: chance a predicted output is right")
    parser.add_argument("--repair-skill", type=float, default=0.5, help="sim only: chance a repair succeeds")
    parser.add_argument("--json", action="store_true", help="print JSON only")


def _add_ray_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                        help="run each problem as a Ray task (pip install .[ray]): a local Ray without ADDRESS, a "
                             "cluster with auto or HOST:PORT")
    parser.add_argument("--cpus-per-problem", type=float, default=1, metavar="C",
                        help="with --ray: the CPUs a problem's sandbox uses, declared to Ray (default 1; a fraction "
                             "such as 0.25 runs several language-model runs a core, as they mostly wait)")


def build_parser(only_exec: bool = False) -> argparse.ArgumentParser:
    """The command's parser; with `only_exec`, the `exec` command's alone (it starts without the other commands'
    imports)."""
    parser = _Parser(prog="cosplay", description="CoSPlay Studio: self-play of programs and unit tests.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    ex = sub.add_parser("exec", help="run programs on inputs in the sandbox")
    ex.add_argument("programs", nargs="*", metavar="PROGRAM")
    ex.add_argument("--input-file", action="append", default=[], metavar="F", help="one input (repeat per input)")
    ex.add_argument("--io", choices=("stdin", "function"), default="stdin")
    ex.add_argument("--entry-point", default=None, help="function name or Class().method (function mode)")
    ex.add_argument("--time-limit", type=float, default=2.0, metavar="CPU_S",
                    help="CPU seconds per input (default 2); a wall-clock backstop of 5 x CPU_S + 1 s ends "
                         "programs that sleep or wait")
    ex.add_argument("--memory-mb", type=int, default=512, metavar="M", help="memory per program (default 512)")
    batch = ex.add_mutually_exclusive_group()
    batch.add_argument("--batch", dest="batch", action="store_const", const=True, default=None,
                       help="run each function-mode program's inputs one after another in one process (a crash or "
                            f"timeout still loses only its input); the default with {BATCH_MIN_INPUTS} or more "
                            f"inputs of at most {BATCH_MAX_INPUT_BYTES >> 10} KiB each. Not for stdin programs")
    batch.add_argument("--no-batch", dest="batch", action="store_const", const=False,
                       help="a fresh process per input, always (no state shared between inputs)")
    ex.add_argument("--jobs", metavar="JOBS.jsonl", help="run many programs, each with its own inputs (a job's "
                                                          "\"batch\": true or false overrides --batch)")
    ex.add_argument("--workers", type=int, default=None, metavar="W", help="programs at a time (default: cores)")
    ex.add_argument("--json", action="store_true", help="print JSON only")
    ex.set_defaults(handler=cmd_exec)
    if only_exec:
        return parser

    run = sub.add_parser("run", help="run CoSPlay on one problem")
    run.add_argument("problem", metavar="PROBLEM",
                     help="a problem folder, FILE.jsonl#ID, or the name of a sample problem (weighted_jobs)")
    _add_run_settings(run)
    run.add_argument("--out", default=None, metavar="DIR", help="run folder (default runs/<problem>-<model>-seed<N>)")
    run.add_argument("--fresh", action="store_true", help="start over even if DIR holds an unfinished run")
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    run.set_defaults(handler=cmd_run)

    bench = sub.add_parser("bench", help="run CoSPlay and the baselines on many problems")
    bench.add_argument("dataset", metavar="DATASET", help="a folder of problem folders, or a JSONL benchmark file")
    _add_run_settings(bench)
    bench.add_argument("--limit", type=int, default=None, metavar="N", help="the first N problems only")
    bench.add_argument("--jobs", type=int, default=2, metavar="J", help="problems at a time (default 2)")
    bench.add_argument("--seeds", type=int, default=1, metavar="N",
                       help="run every problem with N seeds (--seed, --seed+1, ...): mean and spread per selector")
    bench.add_argument("--split", choices=("dev", "test", "all"), default="all",
                       help="the problems of the fixed split: dev (even task ids), test (odd) or all (default)")
    bench.add_argument("--out", default=None, metavar="DIR", help="keep runs here; finished ones are skipped")
    _add_ray_options(bench)
    bench.add_argument("--calls-per-minute", type=float, default=None, metavar="N",
                       help="with --ray: at most N model calls a minute to --model's provider, across the cluster")
    bench.set_defaults(handler=cmd_bench)

    sw = sub.add_parser("sweep", help="a grid of datasets x backbones x seeds x settings, each cell a bench")
    sw.add_argument("sweep", metavar="SWEEP.toml", help="the grid (see examples/sweep.toml)")
    sw.add_argument("--jobs", type=int, default=2, metavar="J", help="without --ray: problems at a time (default 2)")
    sw.add_argument("--out", default=None, metavar="DIR", help="instead of the file's out")
    _add_ray_options(sw)
    sw.add_argument("--json", action="store_true", help="print JSON only")
    sw.set_defaults(handler=cmd_sweep)

    ch = sub.add_parser("check", help="verify that problem folders are sound")
    ch.add_argument("problems", nargs="+", metavar="PROBLEM")
    ch.set_defaults(handler=cmd_check)

    from cosplay_core.datasets.command import add_data_parser

    add_data_parser(sub)  # cosplay data get NAME / cosplay data list

    exp = sub.add_parser("export", help="training data (SFT, DPO, tests) from finished runs, Sol-Ver style")
    exp.add_argument("folders", nargs="+", metavar="RUN_OR_BENCH_DIR", help="run folders, or folders holding them")
    exp.add_argument("--format", required=True, choices=("sft", "dpo", "tests"),
                     help="sft: prompt/completion of chosen codes; dpo: prompt/chosen/rejected; tests: surviving UTs")
    exp.add_argument("-o", "--output", required=True, metavar="FILE.jsonl", help="the JSON-lines file to write")
    exp.add_argument("--require-gt", action="store_true",
                     help="keep only rows that ground truth confirms where a run has it (column gt_checked)")
    exp.add_argument("--cluster", action="store_true",
                     help="sft: also the other codes of the winning cluster that pass every trusted UT")
    exp.add_argument("--json", action="store_true", help="print the report as JSON")
    exp.set_defaults(handler=cmd_export)

    sub.add_parser("app", help="start the app in the browser (Streamlit options may follow: cosplay app --help)")
    return parser


def _data_errors() -> tuple[type[Exception], ...]:
    """DataError, where its module was imported (only then can one have been raised): `exec` never imports it."""
    cache = sys.modules.get("cosplay_core.datasets.cache")
    return (cache.DataError,) if cache is not None else ()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only_exec=argv[:1] == ["exec"])
    try:
        if argv[:1] == ["app"]:  # everything after `app` is Streamlit's
            return cmd_app(argv[1:])
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return 2
        return args.handler(args)
    except (UsageError, SandboxUnavailable) + _data_errors() as exc:
        _say(str(exc))
        return 2
    except KeyboardInterrupt:
        print("cosplay: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a disk that fills up, a folder that vanishes: one line, and what is written stays
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{exc.strerror or exc}")
        return 1
