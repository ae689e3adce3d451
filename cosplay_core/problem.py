"""Problems: the statement a model sees, how programs are called, and (never shown to a model) ground truth.

`load_problem(folder)` reads a problem folder (README, Problems). Anything malformed raises `ProblemError` with one line
that names the file and what is wrong with it.
"""

from __future__ import annotations

import functools
import json
import math
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from cosplay_core.compare import Comparison
from cosplay_core.jsonvalue import MAX_JSON_DEPTH, load_json_value  # noqa: F401  (MAX_JSON_DEPTH: re-exported)
from cosplay_core.sandbox.outcome import Limits, Program

INPUT_KINDS = ("random", "edge", "large")


class ProblemError(ValueError):
    """A problem that cannot be used as given; the message is one line naming the file."""


@dataclass(frozen=True)
class TestCase:
    """One unit test: `input` is stdin text, or the list of arguments in function mode; `output` likewise."""

    input: Any
    output: Any


@dataclass(frozen=True)
class WrongSolution:
    """A plausible wrong program and the bug its first comment names."""

    name: str
    source: str
    bug: str


@dataclass(frozen=True)
class Problem:
    """A programming problem. Only `statement` (and the I/O contract) may ever reach a model."""

    slug: str
    title: str
    statement: str
    io: str = "stdin"
    entry_point: str | None = None
    time_limit_s: float = 2.0
    comparison: Comparison = field(default_factory=Comparison)
    tags: tuple[str, ...] = ()
    source: str = ""
    reference: str | None = None
    wrong: tuple[WrongSolution, ...] = ()
    tests: tuple[TestCase, ...] = ()
    generator: str | None = None
    hints: tuple[str, ...] = ()
    attacks: tuple[str, ...] = ()
    path: Path | None = None

    def program(self, source: str) -> Program:
        """`source` as a program called the way this problem calls programs."""
        return Program(source, self.io, self.entry_point)

    def limits(self, **overrides: Any) -> Limits:
        """Execution limits for this problem: its time limit, and what a program may print or return per input
        (`output_cap_bytes`); the sandbox's defaults otherwise."""
        cap = self.output_cap_bytes
        return Limits(**{"time_limit_s": self.time_limit_s, "output_limit_bytes": cap, "value_limit_bytes": cap,
                         **overrides})

    @functools.cached_property
    def output_cap_bytes(self) -> int:
        """What a program may print or return on one input: OUTPUT_CAP_BYTES, or twice the largest expected output
        of the problem's ground-truth tests when that is more (at most MAX_OUTPUT_CAP_BYTES). A run keeps every
        outcome in memory and in its trace, so a program returning tens of MiB on each input (the sandbox allows
        64 MiB) would fill both; no unit test a model writes expects that much."""
        largest = max((len(t.output) if isinstance(t.output, str) else len(json.dumps(t.output))
                       for t in self.tests), default=0)
        return min(max(OUTPUT_CAP_BYTES, 2 * largest), MAX_OUTPUT_CAP_BYTES)


OUTPUT_CAP_BYTES = 1 << 20  # what a problem's program may print or return on one input (the stdout default)
MAX_OUTPUT_CAP_BYTES = 64 << 20  # ... however large the problem's own expected outputs
MAX_FILE_BYTES = 256 << 20  # a problem file larger than this is refused, not read into memory


def _read_text(path: Path, root: Path) -> str:
    """The UTF-8 text of `path`, a regular file inside the problem folder `root`; errors name `path`'s folder.

    Refused with one line, before anything is opened for reading: a FIFO (opening it would wait forever for a
    writer), a device, a socket, a folder, or a symlink that leads out of the folder.
    """
    where = str(path.parent)
    try:
        kind = _file_kind(path, root)
        if kind:
            raise ProblemError(f"{where}: {path.name} is {kind}, not a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check above
                raise ProblemError(f"{where}: {path.name} is not a regular file")
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ProblemError(f"{where}: {path.name} is larger than {MAX_FILE_BYTES >> 20} MiB")
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ProblemError(f"{where}: missing file {path.name}") from None
    except UnicodeDecodeError as exc:
        raise ProblemError(f"{where}: cannot read {path.name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ProblemError(f"{where}: cannot read {path.name}: {exc.strerror or exc}") from None


def _file_kind(path: Path, folder: Path) -> str:
    """What `path` is when it is not a regular file inside `folder` ("a FIFO", "a device", "a symlink out of the
    folder", ...); "" when it is one. FileNotFoundError when it does not exist (a dangling symlink included)."""
    try:
        target = path.resolve()  # through every symlink on the way, a symlinked wrong/ folder included
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError for a loop, later versions OSError
        if isinstance(exc, FileNotFoundError):
            raise
        return "a symlink loop"
    if not target.is_relative_to(folder.resolve()):
        return f"a symlink out of the problem folder (to {target})"
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return ""
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return kind
    return "a special file"


def _optional_text(path: Path, root: Path) -> str | None:
    """Like `_read_text`, None when the file does not exist (a symlink to nowhere is not "absent": it is refused)."""
    return _read_text(path, root) if os.path.lexists(path) else None


def _parse_toml(path: Path, root: Path) -> dict:
    try:
        return tomllib.loads(_read_text(path, root))
    except tomllib.TOMLDecodeError as exc:
        raise ProblemError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ProblemError(f"{path}: not valid TOML: a value nested too deeply to read") from None


def _config(meta: dict, path: Path) -> dict:
    """Validates problem.toml and returns its settings with defaults filled in."""
    io = meta.get("io", "stdin")
    if io not in ("stdin", "function"):
        raise ProblemError(f"{path}: io must be \"stdin\" or \"function\", not {io!r}")
    entry_point = meta.get("entry_point")
    if io == "function" and not (isinstance(entry_point, str) and entry_point.strip()):
        raise ProblemError(f"{path}: io = \"function\" needs entry_point (a function name or Class().method)")
    time_limit = meta.get("time_limit_s", 2.0)
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not (
            0 < time_limit <= 600 and math.isfinite(time_limit)):
        raise ProblemError(f"{path}: time_limit_s must be a number of seconds in (0, 600], not {time_limit!r}")
    try:
        comparison = Comparison.parse(meta.get("compare"))
    except ValueError as exc:
        raise ProblemError(f"{path}: {exc}") from None
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ProblemError(f"{path}: missing title")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ProblemError(f"{path}: tags must be a list of strings")
    return {"io": io, "entry_point": entry_point if io == "function" else None, "time_limit_s": float(time_limit),
            "comparison": comparison, "title": title.strip(), "tags": tuple(tags),
            "source": str(meta.get("source", ""))}


def parse_test_line(line: str, io: str, where: str) -> TestCase:
    """One line of tests.jsonl as a TestCase, checked against the I/O mode."""
    try:
        record = load_json_value(line)
    except ValueError as exc:
        raise ProblemError(f"{where}: {exc}") from None
    if not isinstance(record, dict) or "input" not in record or "output" not in record:
        raise ProblemError(f"{where}: expected an object with \"input\" and \"output\"")
    if io == "stdin":
        if not isinstance(record["input"], str) or not isinstance(record["output"], str):
            raise ProblemError(f"{where}: in stdin mode, input and output must be strings")
    elif not isinstance(record["input"], list):
        raise ProblemError(f"{where}: in function mode, input must be the JSON array of arguments")
    return TestCase(record["input"], record["output"])


def _load_tests(path: Path, io: str, root: Path) -> tuple[TestCase, ...]:
    text = _optional_text(path, root)
    tests = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if line.strip():
            tests.append(parse_test_line(line, io, f"{path}:{number}"))
    return tuple(tests)


def _bug_of(source: str) -> str:
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    return first.lstrip("#").strip() if first.startswith("#") else ""


def _load_wrong(folder: Path, root: Path) -> tuple[WrongSolution, ...]:
    if not folder.is_dir():
        return ()
    wrong = []
    for path in sorted(folder.glob("*.py")):
        source = _read_text(path, root)
        wrong.append(WrongSolution(path.stem, source, _bug_of(source)))
    return tuple(wrong)


def _load_ideas(path: Path, root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not os.path.lexists(path):
        return (), ()
    ideas = _parse_toml(path, root)
    lists = []
    for key in ("hints", "attacks"):
        values = ideas.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ProblemError(f"{path}: {key} must be a list of strings")
        lists.append(tuple(values))
    return lists[0], lists[1]


def load_problem(folder: str | Path) -> Problem:
    """Reads a problem folder: problem.md and problem.toml are required; the rest (ground truth) is optional."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ProblemError(f"{folder}: no such problem folder")
    statement = _read_text(folder / "problem.md", folder)
    if not statement.strip():
        raise ProblemError(f"{folder / 'problem.md'}: the statement is empty")
    settings = _config(_parse_toml(folder / "problem.toml", folder), folder / "problem.toml")
    hints, attacks = _load_ideas(folder / "ideas.toml", folder)
    return Problem(
        slug=folder.resolve().name,
        statement=statement,
        reference=_optional_text(folder / "reference.py", folder),
        wrong=_load_wrong(folder / "wrong", folder),
        tests=_load_tests(folder / "tests.jsonl", settings["io"], folder),
        generator=_optional_text(folder / "gen.py", folder),
        hints=hints,
        attacks=attacks,
        path=folder,
        **settings,
    )


def generator_program(problem: Problem) -> Program:
    """The problem's gen.py as a sandboxed function-mode program: `__cosplay_generate(seed, kind) -> str`."""
    if problem.generator is None:
        raise ProblemError(f"{problem.path or problem.slug}: missing file gen.py")
    source = problem.generator + (
        "\n\ndef __cosplay_generate(seed, kind):\n"
        "    import random as _random\n"
        "    return generate(_random.Random(seed), kind)\n"
    )
    return Program(source, "function", "__cosplay_generate")


def decode_generated_input(problem: Problem, text: Any) -> Any:
    """A generator's output as a program input: stdin text, or the decoded argument list in function mode."""
    if not isinstance(text, str):
        raise ValueError(f"the generator returned {type(text).__name__}, not a string")
    if problem.io == "stdin":
        return text
    args = load_json_value(text)
    if not isinstance(args, list):
        raise ValueError("in function mode the generator must return the JSON text of an array of arguments")
    return args


def problem_from_text(statement: str, io: str = "stdin", entry_point: str | None = None, time_limit_s: float = 2.0,
                      compare: str | None = None, examples: list[tuple[Any, Any]] | None = None,
                      title: str | None = None) -> Problem:
    """A problem pasted by a user. `examples` (input, output) pairs, if given, become its ground truth: they score
    runs and are never shown to a model or used by the algorithm (the statement may show them, as usual).

    Raises ProblemError with one line when something is missing or malformed.
    """
    if not statement or not statement.strip():
        raise ProblemError("the statement is empty")
    settings = _config({"title": title or statement.strip().splitlines()[0].lstrip("# ").strip()[:80] or "Pasted",
                        "io": io, "entry_point": entry_point, "time_limit_s": time_limit_s, "compare": compare},
                       Path("pasted problem"))
    tests = []
    for number, (given, expected) in enumerate(examples or [], 1):
        if io == "function":
            try:
                args = load_json_value(given) if isinstance(given, str) else given
                value = load_json_value(expected) if isinstance(expected, str) else expected
            except ValueError as exc:
                raise ProblemError(f"example {number}: {exc}") from None
            if not isinstance(args, list):
                raise ProblemError(f"example {number}: the input must be the JSON array of arguments")
            tests.append(TestCase(args, value))
        else:
            tests.append(TestCase(str(given), str(expected)))
    slug = "".join(ch if ch.isalnum() else "_" for ch in settings["title"].lower()).strip("_")[:40] or "pasted"
    return Problem(slug=slug, statement=statement, tests=tuple(tests), **settings)
