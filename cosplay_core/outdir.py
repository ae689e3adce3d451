"""Output folders that concurrent commands and crashes cannot corrupt: one holder at a time (`hold_folder`), JSON
files replaced whole or not at all (`write_json_atomic`, `read_json_file`), and child folder names that stay inside
their parent and never collide (`child_names`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

LOCK_NAME = ".cosplay.lock"


class FolderBusy(Exception):
    """Another live process holds the folder; the message is one line naming it and the holder's pid."""


@contextmanager
def hold_folder(folder: Path, what: str = "folder") -> Iterator[None]:
    """Holds `folder` (made if missing) for this process until the block ends, or raises FolderBusy at once.

    The lock is an `flock` on `folder/.cosplay.lock`, which names the holder's pid: the kernel releases it when the
    holder dies, however it dies, so a lock left by a dead process is simply taken over. A folder made here and
    left empty (a run that could not start) is removed again.
    """
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    try:
        fd = _lock(path, folder, what)
    except BaseException:
        _remove_if_empty(folder, made)
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            os.unlink(path)  # still ours: whoever opened it meanwhile sees the inode change and retries
        except OSError:
            pass
        os.close(fd)
        _remove_if_empty(folder, made)


def _lock(path: Path, folder: Path, what: str) -> int:
    """A descriptor of `path` holding its exclusive flock, or FolderBusy naming the holder's pid."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderBusy(f"{what} {folder} is in use by another run (pid {holder}); wait for it to finish or "
                             "choose another folder") from None
        except BaseException:
            os.close(fd)
            raise
        try:  # the holder before us may have removed the file between our open and our flock: lock the new one
            if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _remove_if_empty(folder: Path, made: bool) -> None:
    if made:
        try:
            folder.rmdir()
        except OSError:
            pass


def write_json_atomic(path: Path, data: Any) -> None:
    """Writes `data` as indented JSON to `path`: a reader (or a crash) sees the old file or the new one, never part
    of one. The text goes to a temporary file in the same folder, is flushed to disk, then replaces `path`."""
    text = json.dumps(data, indent=2) + "\n"
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


class MalformedFile(ValueError):
    """A JSON file that cannot be read back; the message is one line naming it."""


def read_json_file(path: Path, expect: type = dict) -> Any:
    """The JSON value in `path`, of type `expect`; MalformedFile (one line) if it is truncated, not JSON, nested
    beyond what can be read, not UTF-8, or of another type. FileNotFoundError when it is missing."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except UnicodeDecodeError:
        raise MalformedFile(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # the text ends where a value was expected, or inside a string (json reports where that string began)
        cut = exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string")
        problem = "truncated" if cut else f"not valid JSON ({exc.msg})"
        raise MalformedFile(f"{path}: {problem}") from None
    except RecursionError:
        raise MalformedFile(f"{path}: a JSON value nested too deeply to read") from None
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise
        raise MalformedFile(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(value, expect):
        raise MalformedFile(f"{path}: expected a JSON {'object' if expect is dict else expect.__name__}")
    return value


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_NAME = 100


def child_names(ids: list[str]) -> dict[str, str]:
    """A folder name for each id, safe to join to a parent folder: never `.`, `..`, hidden, empty or holding a path
    separator, and never the same for two ids.

    An id keeps a readable name (characters other than letters, digits, `.`, `_` and `-` become `_`, so
    `HumanEval/0` is `HumanEval_0`) when that name is safe and no other id of `ids` reads the same; otherwise its
    name is the readable part, a `~` (which no readable name holds) and a hash of the id.
    """
    readable = {i: _UNSAFE.sub("_", i) for i in ids}
    shared = Counter(readable.values())  # keys of a dict are distinct ids
    names = {}
    for i in ids:
        name = readable[i]
        if not name or name.startswith(".") or len(name) > _MAX_NAME or shared[name] > 1:
            digest = hashlib.sha256(i.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            name = f"{name.lstrip('.')[:_MAX_NAME // 2]}~{digest}"
        names[i] = name
    return names


def inside(parent: Path, name: str) -> Path:
    """`parent / name`, checked to be a direct child of `parent` (ValueError otherwise)."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"{name!r} is not a folder name inside {parent}")
    return parent / name
