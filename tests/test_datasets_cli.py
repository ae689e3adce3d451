"""`cosplay data` and dataset names in `cosplay bench` / `cosplay run`, through the real command (a subprocess),
with the cache in a temporary folder and no network (downloads pointed at 127.0.0.1:9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_datasets_cache import FIXTURES, UNREACHABLE, install_fixture

from cosplay_core.datasets import cache, codet, humaneval

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def cosplay(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in (cache.MIRROR_ENV, cache.HUB_ENDPOINT_ENV)}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_an_unknown_dataset_or_option_is_one_line(data_cache):
    assert one_line(cosplay("data", "get", "humaneval-minus")).startswith(
        "cosplay: unknown dataset 'humaneval-minus' (known: humaneval, humaneval-plus, mbpp-plus, apps, ")
    assert one_line(cosplay("data", "get", "apps", "--until", "2024-01-01")) == "cosplay: apps takes no --until option"
    assert "unknown LiveCodeBench release 'v9'" in one_line(cosplay("data", "get", "livecodebench", "--release",
                                                                    "v9"))
    assert "give an action" in one_line(cosplay("data"))


def test_a_corrupted_download_is_removed_and_reported(data_cache):
    folder = data_cache / "downloads" / "humaneval"
    folder.mkdir(parents=True)
    fixture = (FIXTURES / "humaneval" / humaneval.FILE).read_bytes()
    pinned_size = humaneval.SOURCES[0].size
    (folder / humaneval.FILE).write_bytes(fixture + b"\0" * (pinned_size - len(fixture)))  # the size is right
    line = one_line(cosplay("data", "get", "humaneval"))
    assert "checksum mismatch" in line and humaneval.SOURCES[0].sha256 in line and "the file was removed" in line
    assert not (folder / humaneval.FILE).exists() and not (data_cache / "humaneval").exists()


def test_without_network_data_get_says_what_to_download_and_where(data_cache):
    line = one_line(cosplay("data", "get", "codet-humaneval-codegen16b", COSPLAY_DATA_MIRROR=UNREACHABLE))
    folder = data_cache / "downloads" / "codet-humaneval-codegen16b"
    assert line.startswith("cosplay: cannot download codet-humaneval-codegen16b (127.0.0.1:9 unreachable")
    assert all(source.url in line for source in codet.SOURCES) and f"into {folder}/" in line
    line = one_line(cosplay("data", "get", "livecodebench", "--release", "v6", "--since", "2025-01-01",
                            HF_ENDPOINT=UNREACHABLE))
    assert "test6.jsonl into" in line and "/resolve/" in line
    assert line.endswith("run `cosplay data get livecodebench --release v6 --since 2025-01-01` again")


def test_bench_and_pool_names_resolve_from_the_cache(data_cache, tmp_path):
    install_fixture("humaneval", {humaneval.FILE: FIXTURES / "humaneval" / humaneval.FILE})
    install_fixture("codet-humaneval-codegen16b",
                    {name: FIXTURES / "codet" / name for name in (codet.PROBLEMS, codet.CODES, codet.TESTS)})
    result = cosplay("bench", "humaneval", "--model", "pool:codet-humaneval-codegen16b", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    assert table["problems"] == 2 and table["failed"] == 0 and table["details"]["oracle"] == 1.0

    listed = json.loads(cosplay("data", "list", "--json").stdout)
    ready = {row["name"]: row for row in listed["datasets"] if row["ready"]}
    assert sorted(ready) == ["codet-humaneval-codegen16b", "humaneval"]
    assert ready["humaneval"]["path"] == str(data_cache / "humaneval" / "HumanEval.jsonl.gz")


def test_run_names_resolve_from_the_cache_and_local_files_keep_working(data_cache, tmp_path):
    install_fixture("livecodebench", {"test.jsonl": FIXTURES / "livecodebench" / "test.jsonl"},
                    {"release": "release_v1"})
    # the problem is read from the cache: sim then declines it (no wrong solutions), naming it
    assert "3901 has no reference" in one_line(cosplay("run", "livecodebench#3901", "--model", "sim", cwd=tmp_path))
    assert "no problem 'abc999_z' in livecodebench" in one_line(cosplay("run", "livecodebench#abc999_z"))
    assert "the humaneval dataset is not downloaded yet: run `cosplay data get humaneval`" in one_line(
        cosplay("run", "humaneval#HumanEval/0"))
    install_fixture("humaneval", {humaneval.FILE: FIXTURES / "humaneval" / humaneval.FILE})
    assert "no record with task_id 'HumanEval/7'" in one_line(cosplay("run", "humaneval#HumanEval/7"))
    # a local file of that name is read as before
    local = tmp_path / "humaneval"
    local.write_text("not a dataset\n")
    assert "humaneval:1: not valid JSON" in one_line(cosplay("bench", "humaneval", "--model", "sim", cwd=tmp_path))
