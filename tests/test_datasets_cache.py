"""The data cache: checksums (a bad file is removed and reported), downloads by plain HTTPS and through
huggingface_hub from a server on 127.0.0.1, the one-line offline message, `get` end to end. No network is used."""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cosplay_core import datasets
from cosplay_core.datasets import Dataset, cache, humaneval
from cosplay_core.datasets.cache import DataError, HubFile, Source

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(autouse=True)
def data_cache(tmp_path, monkeypatch):
    """Every test gets its own cache, and no mirror or hub endpoint from the environment."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.MIRROR_ENV, raising=False)
    monkeypatch.delenv(cache.HUB_ENDPOINT_ENV, raising=False)
    return tmp_path / "cache"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned(path: Path, url: str, hub: HubFile | None = None) -> Source:
    """A source whose pins are those of a fixture file."""
    return Source(path.name, url, sha256=digest(path), size=path.stat().st_size, hub=hub)


def install_fixture(name: str, files: dict[str, Path], options: dict | None = None) -> dict:
    """Converts fixture files as dataset `name` into the current cache, as `cosplay data get` would."""
    dataset = datasets.lookup(name)
    verified = {file_name: (path, digest(path)) for file_name, path in files.items()}
    return cache.install(name, lambda folder: dataset.convert(files, folder, options or {}, None), verified,
                         options or {})


@contextmanager
def file_server(files: dict[str, bytes], commit: str = "0" * 40):
    """A server on 127.0.0.1 answering GET and HEAD for `files` (URL path -> bytes), with the headers
    huggingface_hub reads from the hub; yields its base URL and the list of paths asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _headers(self) -> bytes | None:
            body = files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()}"')
            self.send_header("X-Repo-Commit", commit)
            self.end_headers()
            return body

        def do_HEAD(self):
            asked.append(self.path)
            self._headers()

        def do_GET(self):
            asked.append(self.path)
            body = self._headers()
            if body is not None:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


# ---- checksums ---------------------------------------------------------------------------------------------------


def test_a_file_put_there_by_hand_is_verified_and_a_corrupted_one_is_removed_and_reported():
    good = FIXTURES / "humaneval" / "HumanEval.jsonl.gz"
    source = pinned(good, "https://example.org/HumanEval.jsonl.gz")
    folder = cache.downloads_folder("humaneval")
    folder.mkdir(parents=True)
    (folder / source.name).write_bytes(good.read_bytes())
    assert cache.fetch("humaneval", [source]) == {source.name: (folder / source.name, source.sha256)}

    corrupted = bytearray(good.read_bytes())
    corrupted[-10] ^= 0xFF  # same size, different bytes: only the checksum can tell
    (folder / source.name).write_bytes(bytes(corrupted))
    with pytest.raises(DataError) as caught:
        cache.fetch("humaneval", [source])
    message = str(caught.value)
    assert "\n" not in message and "checksum mismatch" in message and source.sha256 in message
    assert "the file was removed" in message and not (folder / source.name).exists()


def test_a_file_of_the_wrong_size_is_removed_without_being_hashed():
    source = Source("data.jsonl", "https://example.org/data.jsonl", sha256="0" * 64, size=10)
    folder = cache.downloads_folder("x")
    folder.mkdir(parents=True)
    (folder / "data.jsonl").write_text("too short")
    with pytest.raises(DataError, match="9 bytes, expected 10: the file was removed"):
        cache.fetch("x", [source])
    assert not (folder / "data.jsonl").exists()


def test_the_real_pins_are_those_of_the_upstream_files_kept_in_shared_data():
    from conftest import SHARED_DATA, require_shared

    shared = require_shared(SHARED_DATA / "HumanEval.jsonl.gz")
    [source] = humaneval.SOURCES
    assert digest(shared) == source.sha256 and shared.stat().st_size == source.size


# ---- downloads -------------------------------------------------------------------------------------------------


def test_https_downloads_come_from_the_mirror_and_are_verified(monkeypatch):
    fixture = FIXTURES / "humaneval" / "HumanEval.jsonl.gz"
    source = pinned(fixture, "https://raw.githubusercontent.com/openai/human-eval/abc/data/HumanEval.jsonl.gz")
    said = []
    with file_server({"/raw.githubusercontent.com/openai/human-eval/abc/data/HumanEval.jsonl.gz":
                      fixture.read_bytes()}) as (url, asked):
        monkeypatch.setenv(cache.MIRROR_ENV, url)
        got = cache.fetch("humaneval", [source], said.append)
    path, sha = got[source.name]
    assert path.read_bytes() == fixture.read_bytes() and sha == source.sha256
    assert asked == ["/raw.githubusercontent.com/openai/human-eval/abc/data/HumanEval.jsonl.gz"]
    assert said == [f"downloading HumanEval.jsonl.gz ({fixture.stat().st_size} bytes)"]
    assert not list(path.parent.glob("*.partial"))


def test_a_download_that_does_not_match_its_pin_is_removed(monkeypatch):
    fixture = FIXTURES / "humaneval" / "HumanEval.jsonl.gz"
    source = Source(fixture.name, "https://example.org/HumanEval.jsonl.gz", sha256="f" * 64)
    with file_server({"/example.org/HumanEval.jsonl.gz": fixture.read_bytes()}) as (url, _):
        monkeypatch.setenv(cache.MIRROR_ENV, url)
        with pytest.raises(DataError, match="checksum mismatch"):
            cache.fetch("humaneval", [source])
    assert not (cache.downloads_folder("humaneval") / fixture.name).exists()


def test_hub_downloads_go_through_huggingface_hub_at_the_pinned_revision(monkeypatch):
    pytest.importorskip("huggingface_hub")
    fixture = FIXTURES / "livecodebench" / "test2.jsonl"
    hub = HubFile("livecodebench/code_generation_lite", "test2.jsonl", "1" * 40)
    source = pinned(fixture, hub.url(), hub)
    with file_server({f"/datasets/livecodebench/code_generation_lite/resolve/{'1' * 40}/test2.jsonl":
                      fixture.read_bytes()}, commit="1" * 40) as (url, asked):
        monkeypatch.setenv(cache.HUB_ENDPOINT_ENV, url)
        got = cache.fetch("livecodebench", [source])
    assert got["test2.jsonl"][0].read_bytes() == fixture.read_bytes()
    assert any(path.endswith(f"/resolve/{'1' * 40}/test2.jsonl") for path in asked)
    assert [p.name for p in cache.downloads_folder("livecodebench").iterdir()] == ["test2.jsonl"]


# ---- without network -------------------------------------------------------------------------------------------


def test_without_network_one_line_says_what_to_download_and_where(monkeypatch):
    monkeypatch.setenv(cache.MIRROR_ENV, UNREACHABLE)
    sources = [Source("a.jsonl", "https://example.org/data/a.jsonl", sha256="0" * 64),
               Source("b.jsonl", "https://example.org/data/b.jsonl", sha256="0" * 64)]
    with pytest.raises(DataError) as caught:
        cache.fetch("demo", sources, command="cosplay data get demo --since 2024-01-01")
    message = str(caught.value)
    folder = cache.downloads_folder("demo")
    assert "\n" not in message
    assert message.startswith("cannot download demo (127.0.0.1:9 unreachable")
    assert f"download a.jsonl, b.jsonl from https://example.org/data/ into {folder}/" in message
    assert message.endswith("run `cosplay data get demo --since 2024-01-01` again")
    assert not list(folder.iterdir())  # nothing half-written is left


def test_without_network_the_hub_is_not_retried_for_half_a_minute(monkeypatch):
    import time

    monkeypatch.setenv(cache.HUB_ENDPOINT_ENV, UNREACHABLE)
    hub = HubFile("livecodebench/code_generation_lite", "test6.jsonl", "2" * 40)
    started = time.monotonic()
    with pytest.raises(DataError) as caught:
        cache.fetch("livecodebench", [Source("test6.jsonl", hub.url(), sha256="0" * 64, hub=hub)])
    assert time.monotonic() - started < 15
    assert f"download {hub.url()} into" in str(caught.value) and "\n" not in str(caught.value)


# ---- get, status, resolution ------------------------------------------------------------------------------------


def test_get_downloads_converts_and_records_the_sources(monkeypatch, data_cache):
    fixture = FIXTURES / "humaneval" / "HumanEval.jsonl.gz"
    source = pinned(fixture, "https://example.org/he/HumanEval.jsonl.gz")
    monkeypatch.setitem(datasets.DATASETS, "humaneval", Dataset("humaneval", "fixture", lambda options: (source,),
                                                                humaneval.convert))
    with file_server({"/example.org/he/HumanEval.jsonl.gz": fixture.read_bytes()}) as (url, _):
        monkeypatch.setenv(cache.MIRROR_ENV, url)
        manifest = datasets.get("humaneval")
    assert manifest["problems"] == 2 and manifest["sources"] == [{"name": fixture.name, "sha256": source.sha256}]
    status = datasets.status("humaneval")
    assert status["ready"] and status["path"] == str(data_cache / "humaneval" / "HumanEval.jsonl.gz")
    assert datasets.resolve_dataset("humaneval") == status["path"]
    assert datasets.resolve_problem("humaneval#HumanEval/1") == status["path"] + "#HumanEval/1"


def test_options_a_dataset_does_not_take_and_unknown_names_are_one_line():
    with pytest.raises(DataError, match="^humaneval takes no --since option$"):
        datasets.get("humaneval", {"since": "2024-01-01"})
    with pytest.raises(DataError, match="^unknown dataset 'humaneval-minus' \\(known: humaneval, "):
        datasets.get("humaneval-minus")


def test_names_resolve_only_when_no_local_path_has_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="not downloaded yet: run `cosplay data get humaneval`"):
        datasets.resolve_dataset("humaneval")
    (tmp_path / "humaneval").mkdir()  # a local folder of that name wins
    assert datasets.resolve_dataset("humaneval") == "humaneval"
    assert datasets.resolve_dataset("some/file.jsonl") == "some/file.jsonl"
    assert datasets.resolve_problem("other.jsonl#HumanEval/0") == "other.jsonl#HumanEval/0"
    assert datasets.resolve_pool("my_pools") == "my_pools"


def test_a_dataset_of_problem_folders_resolves_name_and_id_to_the_folder(data_cache):
    lcb = FIXTURES / "livecodebench"
    install_fixture("livecodebench", {"test.jsonl": lcb / "test.jsonl"}, {"release": "release_v1"})
    assert datasets.resolve_dataset("livecodebench") == str(data_cache / "livecodebench" / "problems")
    assert datasets.resolve_problem("livecodebench#abc901_a") == str(data_cache / "livecodebench" / "problems" /
                                                                     "abc901_a")
    with pytest.raises(DataError, match="no problem 'abc999_z' in livecodebench"):
        datasets.resolve_problem("livecodebench#abc999_z")
    with pytest.raises(DataError, match="livecodebench is not a pool of recorded samples"):
        datasets.resolve_pool("livecodebench")


def test_a_converted_dataset_replaces_the_old_one_whole(data_cache):
    lcb = FIXTURES / "livecodebench"
    files = {"test.jsonl": lcb / "test.jsonl", "test2.jsonl": lcb / "test2.jsonl"}
    install_fixture("livecodebench", files, {"release": "release_v2"})
    assert datasets.status("livecodebench")["problems"] == 3
    install_fixture("livecodebench", files, {"release": "release_v2", "since": "2025-01-01"})
    status = datasets.status("livecodebench")
    assert status["problems"] == 1 and status["options"]["since"] == "2025-01-01"
    assert [p.name for p in (data_cache / "livecodebench" / "problems").iterdir()] == ["abc950_b"]
    assert [p.name for p in data_cache.iterdir() if p.name.startswith(".")] == []
