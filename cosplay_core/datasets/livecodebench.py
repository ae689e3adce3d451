"""`livecodebench`: LiveCodeBench's code-generation problems (the `code_generation_lite` set), from the hub.

Upstream: the dataset repository `livecodebench/code_generation_lite` on the Hugging Face hub, at a pinned revision;
`test.jsonl` ... `test6.jsonl`, one problem a line with `question_title`, `question_content`, `platform`,
`question_id`, `contest_id`, `contest_date` (ISO), `starter_code`, `difficulty`, `public_test_cases` (JSON text of
`[{"input", "output", "testtype"}]`), `private_test_cases` (the same JSON text, or, to save room, base64 of zlib of a
pickled JSON string) and `metadata` (JSON text; `func_name` for a function problem). Releases are cumulative, as in
the repository's loading script: `release_vN` is test.jsonl to testN.jsonl, `vN` is testN.jsonl alone, `vN_vM`
testN to testM.

Read as LiveCodeBench's own code reads it (LiveCodeBench/LiveCodeBench, `lcb_runner/benchmarks/code_generation.py`:
`CodeGenerationProblem.__post_init__`, `load_code_generation_dataset`; `lcb_runner/evaluation/testing_util.py`:
`grade_call_based`, `grade_stdio`), with these choices:
- private tests are decompressed with a size cap and unpickled by an unpickler that refuses every global, so only
  plain data (strings, numbers, containers) can come out; LiveCodeBench calls `pickle.loads` on them as they are.
  A record whose tests cannot be read that way is left out and named;
- `--since` / `--until` keep the problems with `since <= contest_date <= until`, dates read as midnight, exactly as
  `load_code_generation_dataset(start_date, end_date)` filters;
- a problem with `func_name` is a function problem: LeetCode's `Solution().<func_name>` (a bare function when the
  starter code has no `class Solution`); each test's input is one JSON value a line (the arguments), its output one
  JSON value, compared as values (LiveCodeBench: `==` after a tuple becomes a list; here floats also match within
  1e-6). Other problems read stdin and write stdout; outputs are compared by whitespace tokens (LiveCodeBench
  compares stripped lines, and numbers as decimals, so it also accepts `1.0` for `1`; tokens do not);
- the time limit is LiveCodeBench's default of 6 s per test (CPU seconds here).

The converted data are problem folders (the project's own format: `problem.md`, `problem.toml`, `tests.jsonl` with
the public tests first, then the private ones, as ground truth), one per problem, in `problems/`; `cosplay bench
livecodebench` runs the folder and `cosplay run livecodebench#<question_id>` one problem.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import shutil
import zlib
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from cosplay_core.datasets.cache import DataError, HubFile, Say, Source, read_jsonl

REPO = "livecodebench/code_generation_lite"
REVISION = "0fe84c3912ea0c4d4a78037083943e8f0c4dd505"
# Sizes and SHA-256 of the files at REVISION, as the hub lists them (LFS objects).
_FILES = (
    ("test.jsonl", 1_252_609_773, "2bd02b38beb48e8c46b5b9987095d999ff38cd8efc255ea5d58974317c48f63f"),
    ("test2.jsonl", 713_377_060, "095df7c5daf15f882c51a9deb84085cff1e073495a5dbcf95015a564d485f3a3"),
    ("test3.jsonl", 623_360_766, "28ed26cc83363ce3f1fe2d5fad9f8393077beb1907b167a31bd3b32f80801b79"),
    ("test4.jsonl", 1_204_644_685, "d711138ddaebfcf5f8ec6a4283ee677298c0f5c5d374a235af92aaf0584510da"),
    ("test5.jsonl", 557_699_297, "7f77571c2a6df0c2a72a3277650309f67e01e0008e18117e624633df53f81214"),
    ("test6.jsonl", 134_303_240, "bb4c364f71921c4495a6ad15abe1a927350b720009f4933e2e71f8af0f6fd1f5"),
)
DEFAULT_RELEASE = "release_v6"
TIME_LIMIT_S = 6.0
PROBLEMS_FOLDER = "problems"
MAX_PRIVATE_BYTES = 1 << 30  # decompressed private tests of one problem, at most
_REQUIRED = ("question_title", "question_content", "platform", "question_id", "contest_date", "starter_code",
             "difficulty", "public_test_cases", "private_test_cases", "metadata")


def release_files(release: str) -> tuple[str, ...]:
    """The upstream files of a release: `release_vN` (cumulative), `release_latest`, `vN` or `vN_vM`;
    `DataError` (one line) for any other name."""
    names = [name for name, _, _ in _FILES]
    count = len(names)
    try:
        if release == "release_latest":
            return tuple(names)
        if release.startswith("release_v"):
            last = int(release[len("release_v"):])
            if 1 <= last <= count:
                return tuple(names[:last])
        elif release.startswith("v"):
            first, _, final = release[1:].partition("_v")
            first_n, last_n = int(first), int(final or first)
            if 1 <= first_n <= last_n <= count:
                return tuple(names[first_n - 1:last_n])
    except ValueError:
        pass
    raise DataError(f"unknown LiveCodeBench release {release!r} (release_v1 to release_v{count}, release_latest, "
                    f"v1 to v{count}, or a range such as v4_v6)")


def sources(options: dict) -> tuple[Source, ...]:
    """The files the chosen release needs, pinned."""
    wanted = set(release_files(options.get("release") or DEFAULT_RELEASE))
    return tuple(Source(name, HubFile(REPO, name, REVISION).url(), sha256=digest, size=size,
                        hub=HubFile(REPO, name, REVISION))
                 for name, size, digest in _FILES if name in wanted)


def parse_date(text: str | None, flag: str) -> datetime | None:
    """A `--since`/`--until` date (YYYY-MM-DD) as midnight, as LiveCodeBench reads it; `DataError` if malformed."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise DataError(f"{flag} must be a date as YYYY-MM-DD, not {text!r}") from None


# ---- private tests: base64 of zlib of a pickled JSON string ----------------------------------------------------


class _PlainData(pickle.Unpickler):
    """Unpickles plain data only: any global (a class, a function) is refused, so nothing is ever called."""

    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"the pickle names {module}.{name}, not plain data")

    def persistent_load(self, pid: object) -> NoReturn:
        raise pickle.UnpicklingError("the pickle holds a persistent reference, not plain data")


def decode_tests(text: str, limit: int = MAX_PRIVATE_BYTES) -> list:
    """A `public_test_cases` / `private_test_cases` field as its list of tests: JSON text, or base64 of zlib of a
    pickled JSON string (LiveCodeBench's compressed form). Raises ValueError (one line) for anything else: text that
    is neither, a pickle that is not plain data, more than `limit` bytes once decompressed."""
    try:
        tests = json.loads(text)
    except json.JSONDecodeError:
        try:
            packed = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("neither JSON nor base64") from None
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(packed, limit + 1)
        except zlib.error as exc:
            raise ValueError(f"not zlib data ({exc})") from None
        if len(raw) > limit or inflater.unconsumed_tail:
            raise ValueError(f"more than {limit:,} bytes once decompressed")
        try:
            inner = _PlainData(io.BytesIO(raw)).load()
        except Exception as exc:  # a malformed pickle can raise almost anything; it is refused either way
            raise ValueError(f"refused: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        if isinstance(inner, bytes):
            inner = inner.decode("utf-8", "strict")
        if not isinstance(inner, str):
            raise ValueError(f"the pickle holds a {type(inner).__name__}, not the JSON text of the tests") from None
        try:
            tests = json.loads(inner)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the unpickled text is not JSON ({exc.msg})") from None
    if not isinstance(tests, list) or not all(isinstance(t, dict) and isinstance(t.get("input"), str)
                                               and isinstance(t.get("output"), str) for t in tests):
        raise ValueError("expected a list of {\"input\": text, \"output\": text}")
    return tests


# ---- records to problem folders ----------------------------------------------------------------------------------


def folder_name(question_id: str) -> str:
    """The problem folder of a question id (letters, digits, `-`, `_`, `.`; anything else becomes `_`)."""
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in question_id).strip(".")
    return name or "_"


def problem_files(record: dict) -> dict[str, str]:
    """One upstream record as the text of its problem folder's files; ValueError (one line) when malformed."""
    for key in _REQUIRED:
        if key not in record:
            raise ValueError(f"missing key {key!r}")
    metadata = json.loads(record["metadata"]) if isinstance(record["metadata"], str) else record["metadata"]
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not an object")
    function = metadata.get("func_name")
    starter = record["starter_code"] or ""
    tests = decode_tests(record["public_test_cases"]) + decode_tests(record["private_test_cases"])
    if not tests:
        raise ValueError("no tests")
    lines = [json.dumps(_test(test, bool(function)), ensure_ascii=False) for test in tests]
    statement = f"# {record['question_title']}\n\n{record['question_content'].strip()}\n"
    if function:
        statement += f"\nStarter code:\n\n```python\n{starter.rstrip()}\n```\n"
    entry = (f"Solution().{function}" if "class Solution" in starter else function) if function else None
    date = datetime.fromisoformat(record["contest_date"]).date().isoformat()
    source = f"LiveCodeBench {record['question_id']} ({record['platform']}, {date})"
    toml = [f"title = {_toml(record['question_title'])}",
            f"io = \"{'function' if function else 'stdin'}\""]
    if entry:
        toml.append(f"entry_point = {_toml(entry)}")
    toml += [f"time_limit_s = {TIME_LIMIT_S}", "compare = \"tokens\"",
             f"tags = [{_toml(record['platform'])}, {_toml(record['difficulty'])}]",
             f"source = {_toml(source)}",
             f"contest_date = {_toml(record['contest_date'])}"]
    return {"problem.md": statement, "problem.toml": "\n".join(toml) + "\n", "tests.jsonl": "\n".join(lines) + "\n"}


def _test(test: dict, function: bool) -> dict:
    if not function:
        return {"input": test["input"], "output": test["output"]}
    try:
        args = [json.loads(line) for line in test["input"].split("\n")]
        expected = json.loads(test["output"])
    except json.JSONDecodeError as exc:
        raise ValueError(f"a function test that is not JSON ({exc.msg})") from None
    return {"input": args, "output": expected}


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def contest_date(record: dict) -> datetime:
    """A record's release date; ValueError when it is missing or not ISO."""
    value = record.get("contest_date")
    if not isinstance(value, str):
        raise ValueError("no contest_date")
    return datetime.fromisoformat(value)


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """Every problem of the chosen release in the date window as a problem folder under `out/problems`, each read
    back with `load_problem`; the manifest's fields (problems kept, the window, problems left out and why)."""
    from cosplay_core.problem import ProblemError, load_problem

    since = parse_date(options.get("since"), "--since")
    until = parse_date(options.get("until"), "--until")
    folder = out / PROBLEMS_FOLDER
    folder.mkdir()
    kept, outside, left_out, seen = 0, 0, [], set()
    for name in release_files(options.get("release") or DEFAULT_RELEASE):
        path = files[name]
        for number, record in read_jsonl(path):
            question = str(record.get("question_id", f"{name}:{number}"))
            try:
                date = contest_date(record)
                if (since and date < since) or (until and date > until):
                    outside += 1
                    continue
                texts = problem_files(record)
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                left_out.append(f"{question}: {_one_line(exc)}")
                continue
            target = folder / folder_name(question)
            if target.name in seen:
                left_out.append(f"{question}: a second problem with this id ({path.name}:{number})")
                continue
            seen.add(target.name)
            target.mkdir()
            for file_name, text in texts.items():
                (target / file_name).write_text(text, encoding="utf-8")
            try:
                load_problem(target)
            except ProblemError as exc:
                left_out.append(f"{question}: {exc}")
                _remove_tree(target)
                continue
            kept += 1
        if say:
            say(f"livecodebench: {path.name} read, {kept} problems so far")
    if not kept:
        raise DataError(f"livecodebench: no problem in the release and date window asked for "
                        f"({outside} outside the window, {len(left_out)} left out)")
    notes = [f"{outside} problems outside the date window"] if outside else []
    notes += [f"left out: {line}" for line in left_out]
    return {"entry": PROBLEMS_FOLDER, "problems": kept, "notes": notes}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
