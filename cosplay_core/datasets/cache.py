"""The data cache: where downloaded and converted benchmark data live, how a file is fetched and verified.

    <root>/downloads/<dataset>/<file>   upstream files, exactly as published, each checked against its pinned SHA-256
    <root>/<dataset>/                    the converted data `cosplay bench` and `cosplay run` read, with `dataset.json`

`<root>` is `$COSPLAY_DATA`, else `~/.cache/cosplay`. A file is fetched by plain HTTPS (GitHub) or through
`huggingface_hub` (the Hugging Face hub, at a pinned revision). A file put in its downloads folder by hand is used as
if downloaded, after the same check. A file whose checksum differs from the pinned one is removed and reported in one
line (`DataError`); without network, the error says in one line which files to download and where to put them.

`COSPLAY_DATA_MIRROR=<url>` fetches every plain-HTTPS file from `<url>/<host>/<path>` instead (a local mirror);
`HF_ENDPOINT` (huggingface_hub's own setting) points hub downloads at another endpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cosplay_core.progress import progress

CACHE_ENV = "COSPLAY_DATA"
MIRROR_ENV = "COSPLAY_DATA_MIRROR"
HUB_ENDPOINT_ENV = "HF_ENDPOINT"
HUB_ENDPOINT = "https://huggingface.co"
MANIFEST_NAME = "dataset.json"
TIMEOUT_S = 30.0
_CHUNK = 1 << 20


class DataError(Exception):
    """Data that cannot be had or used as asked: one line for the user (exit status 2)."""


@dataclass(frozen=True)
class HubFile:
    """A file of a dataset repository on the Hugging Face hub, at a pinned revision (a commit)."""

    repo_id: str
    path: str
    revision: str

    def url(self, endpoint: str = HUB_ENDPOINT) -> str:
        return f"{endpoint.rstrip('/')}/datasets/{self.repo_id}/resolve/{self.revision}/{self.path}"


@dataclass(frozen=True)
class Source:
    """One upstream file: its name in the downloads folder, where it is published, and what it must hash to.

    `hub` set: downloaded with huggingface_hub; else by plain HTTPS from `url`. `sha256` None means no trusted
    checksum was available when this version was written (the file is then checked by `size`, and its SHA-256 is
    recorded in the dataset's manifest); every other file is refused unless it hashes to `sha256`.
    """

    name: str
    url: str
    sha256: str | None
    size: int | None = None
    hub: HubFile | None = None


def cache_root() -> Path:
    """The cache folder: `$COSPLAY_DATA`, else `~/.cache/cosplay`."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "cosplay"


def downloads_folder(dataset: str) -> Path:
    """Where the upstream files of `dataset` are kept (and where a user puts them by hand)."""
    return cache_root() / "downloads" / dataset


def dataset_folder(dataset: str) -> Path:
    """Where the converted data of `dataset` are kept."""
    return cache_root() / dataset


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, source: Source) -> str:
    """`path`'s SHA-256 when it is the file `source` pins. Otherwise the file is removed and `DataError` says so in
    one line (a wrong size is reported without reading the file)."""
    size = path.stat().st_size
    if source.size is not None and size != source.size:
        _remove(path)
        raise DataError(f"{path}: {size:,} bytes, expected {source.size:,}: the file was removed; download it again "
                        f"from {source.url}")
    digest = sha256_of(path)
    if source.sha256 is not None and digest != source.sha256:
        _remove(path)
        raise DataError(f"{path}: checksum mismatch (sha256 {digest}, expected {source.sha256}): the file was "
                        f"removed; download it again from {source.url}")
    return digest


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


Say = Callable[[str], None]


def fetch(dataset: str, sources: Iterable[Source], say: Say | None = None,
          command: str | None = None) -> dict[str, tuple[Path, str]]:
    """Every source of `dataset` in its downloads folder, verified: {name: (path, sha256)}.

    Files already there (downloaded earlier, or put there by hand) are checked, not fetched again; missing ones are
    downloaded. Raises `DataError` (one line) for a checksum mismatch (the file is removed) and for a failed
    download (the line names every file still missing, where to get it, where to put it, and `command` to run
    then, `cosplay data get <dataset>` by default).
    """
    sources = list(sources)
    folder = downloads_folder(dataset)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot make the data folder {folder}: {exc.strerror or exc}") from None
    done: dict[str, tuple[Path, str]] = {}
    for number, source in enumerate(sources):
        path = folder / source.name
        if not path.is_file():
            try:
                _download(source, path, say)
            except _Unreachable as exc:
                missing = [s for s in sources[number:] if not (folder / s.name).is_file()]
                raise DataError(offline_message(dataset, missing, folder, str(exc), command)) from None
        done[source.name] = (path, verify(path, source))
    return done


def offline_message(dataset: str, missing: list[Source], folder: Path, reason: str, command: str | None = None) -> str:
    """One line: why `dataset` could not be downloaded, which files to download by hand, where to put them, and the
    command to run again."""
    urls = [s.url for s in missing]
    prefix = os.path.commonprefix(urls)
    prefix = prefix[: prefix.rfind("/") + 1]
    if len(urls) > 1 and prefix.count("/") > 3 and all(s.url == prefix + s.name for s in missing):
        what = f"{', '.join(s.name for s in missing)} from {prefix}"
    else:
        what = ", ".join(s.url if s.url.rsplit("/", 1)[-1] == s.name else f"{s.url} (as {s.name})" for s in missing)
    return (f"cannot download {dataset} ({reason}): download {what} into {folder}/ and run "
            f"`{command or f'cosplay data get {dataset}'}` again")


class _Unreachable(Exception):
    """The server could not be reached or did not deliver the file (the message says why, briefly)."""


def _download(source: Source, path: Path, say: Say | None) -> None:
    def started() -> None:
        if say:
            say(f"downloading {source.name}" + (f" ({_size(source.size)})" if source.size else ""))

    if source.hub is not None:
        _download_from_hub(source.hub, path, started)
    else:
        _download_https(mirrored(source.url), path, started, say is None)


def _size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} bytes"


def mirrored(url: str) -> str:
    """`url`, or its copy on the mirror named by `$COSPLAY_DATA_MIRROR` (`<mirror>/<host>/<path>`)."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror:
        return url
    parts = urllib.parse.urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def _download_https(url: str, path: Path, started: Callable[[], None], quiet: bool) -> None:
    partial = path.with_name(path.name + ".partial")
    request = urllib.request.Request(url, headers={"User-Agent": "cosplay-studio"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(partial, "wb") as out:
            started()
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with progress(path.name, total=total, unit="bytes", quiet=quiet) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    bar.advance(len(chunk))
    except urllib.error.HTTPError as exc:
        _remove(partial)
        raise _Unreachable(f"{url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, socket.timeout) as exc:
        _remove(partial)
        reason = getattr(exc, "reason", None) or exc
        raise _Unreachable(f"{urllib.parse.urlsplit(url).netloc} unreachable: {_short(reason)}") from None
    partial.replace(path)


def _short(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason).strip().splitlines()
    return text[0] if text else type(reason).__name__


def hub_endpoint() -> str:
    return os.environ.get(HUB_ENDPOINT_ENV, "").strip() or HUB_ENDPOINT


def _download_from_hub(hub: HubFile, path: Path, started: Callable[[], None]) -> None:
    endpoint = hub_endpoint()
    _probe(endpoint)  # one quick look first: huggingface_hub retries a dead network for half a minute
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.utils import logging as hub_logging
    except ImportError:
        raise _Unreachable("huggingface_hub is not installed: pip install 'cosplay-studio[data]'") from None
    hub_logging.set_verbosity_error()
    started()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".hub-") as scratch:
        try:
            got = hf_hub_download(hub.repo_id, hub.path, repo_type="dataset", revision=hub.revision,
                                  local_dir=scratch, endpoint=endpoint)
        except Exception as exc:  # huggingface_hub's errors have no common base short of Exception
            raise _Unreachable(f"the hub did not deliver {hub.path}: {_short(exc)}") from None
        Path(got).replace(path)


def _probe(endpoint: str) -> None:
    """Fails fast when the endpoint cannot be reached directly (skipped behind a proxy, which huggingface_hub uses)."""
    if urllib.request.getproxies().get(urllib.parse.urlsplit(endpoint).scheme):
        return
    parts = urllib.parse.urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=10).close()
    except OSError as exc:
        raise _Unreachable(f"{parts.netloc} unreachable: {_short(exc)}") from None


def stderr_say(message: str) -> None:
    """Progress and notes for a person: one line on standard error."""
    print(f"cosplay: {message}", file=sys.stderr, flush=True)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a downloaded JSONL file, gzipped or not; `DataError` (one
    line naming the file and line) for a line that is not a JSON object or a file that cannot be read."""
    from cosplay_core.benchmarks.humaneval import read_jsonl_records
    from cosplay_core.problem import ProblemError

    try:
        yield from read_jsonl_records(path)
    except ProblemError as exc:
        raise DataError(str(exc)) from None
    except RecursionError:
        raise DataError(f"{path}: a JSON value nested too deeply to read") from None


# ---- converted data ----------------------------------------------------------------------------------------------

MANIFEST_VERSION = 1


def read_manifest(dataset: str) -> dict | None:
    """The manifest of `dataset`'s converted data (`dataset.json`), or None when it has not been converted.
    Raises `DataError` for a manifest that cannot be read or is of a version this code does not know."""
    path = dataset_folder(dataset) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: unreadable ({_short(exc)}); run `cosplay data get {dataset}` again") from None
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION \
            or not isinstance(manifest.get("entry"), str):
        raise DataError(f"{path}: not a dataset manifest of version {MANIFEST_VERSION}; run "
                        f"`cosplay data get {dataset}` again")
    return manifest


def install(dataset: str, build: Callable[[Path], dict], sources: dict[str, tuple[Path, str]],
            options: dict) -> dict:
    """Converts `dataset` into a fresh folder with `build(folder)` (which returns the manifest's `entry`, `problems`
    and any notes) and puts it in place of the old conversion; the manifest is written last, so a conversion that
    fails half-way leaves the old data as they were."""
    final = dataset_folder(dataset)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{dataset}-"))
    try:
        manifest = {"version": MANIFEST_VERSION, "dataset": dataset, **build(scratch), "options": options,
                    "sources": [{"name": name, "sha256": digest} for name, (_, digest) in sources.items()]}
        (scratch / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        old = None
        if final.exists():
            old = final.with_name(f".{dataset}-old-{os.getpid()}")
            final.replace(old)
        scratch.replace(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return manifest
