"""Problems as Ray tasks (`cosplay bench --ray`, `cosplay sweep --ray`) on a local Ray: the same results as the local
path for the same seed, written the same way, resumable; the model gate; an unreachable address."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

ray = pytest.importorskip("ray", reason="Ray is the optional extra [ray]: pip install '.[ray]'")

from cosplay_core.bench import list_problems  # noqa: E402
from cosplay_core.cli import main  # noqa: E402
from cosplay_core.config import RunConfig  # noqa: E402
from cosplay_core.distributed import NOT_RUN, ModelGate, RayRunner, RayUnavailable, _host_port, ray_session  # noqa: E402
from cosplay_core.session import BackboneSettings  # noqa: E402

PROBLEMS = ("interval_cover", "max_subarray")
TINY = {"codes": 4, "tests": 4, "rounds": 1, "inputs": 4, "votes": 2, "hints": 2}
TINY_FLAGS = [part for key, value in TINY.items() for part in (f"--{key}", str(value))]


@pytest.fixture(scope="module")
def local_ray():
    with ray_session(num_cpus=2) as connected:  # a small object store, no dashboard (see ray_session)
        yield connected
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("problems")
    for slug in PROBLEMS:
        (folder / slug).symlink_to(SAMPLES / slug)
    return folder


def bench(out, dataset, *extra) -> dict:
    code = main(["bench", str(dataset), *TINY_FLAGS, "--out", str(out), "--json", *extra])
    assert code == 0
    return json.loads((out / "bench.json").read_text())


@pytest.fixture(scope="module")
def local_out(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "bench"
    bench(out, dataset, "--jobs", "1")
    return out


@pytest.fixture(scope="module")
def ray_out(local_ray, dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("ray") / "bench"
    bench(out, dataset, "--ray")
    return out


# What a process did, not what the run decided: ground truth's scoring and the executor's physical work (pairs run,
# answered from its cache, run again under a pool-relative limit) depend on what that process ran before.
MACHINE_COUNTERS = {"gt_executions", "executions_run", "executions_cached", "executions_retried"}


def comparable(value):
    """A summary without what depends on the machine: timings (`*_s`) and the process's counters. The run's own
    execution counts stay: a seed reproduces them, wherever it runs."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if not k.endswith("_s") and k not in MACHINE_COUNTERS}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def events(folder) -> list[str]:
    return [json.loads(line)["type"] for line in (folder / "trace.jsonl").read_text().splitlines()]


def test_ray_bench_gives_the_local_results_written_the_same_way(local_out, ray_out):
    for slug in PROBLEMS:
        local, remote = local_out / slug, ray_out / slug
        assert sorted(p.name for p in remote.iterdir()) == sorted(p.name for p in local.iterdir()) == \
            ["summary.json", "trace.jsonl"]
        mine = json.loads((remote / "summary.json").read_text())
        assert "error" not in mine and mine["selected"] is not None
        assert comparable(mine) == comparable(json.loads((local / "summary.json").read_text())), slug
        assert events(remote) == events(local)
    local_table, ray_table = (json.loads((o / "bench.json").read_text()) for o in (local_out, ray_out))
    assert comparable(ray_table) == comparable(local_table) and ray_table["failed"] == 0


def test_finished_problems_are_not_sent_again_and_an_unfinished_one_resumes(ray_out, dataset, tmp_path):
    out = tmp_path / "bench"
    shutil.copytree(ray_out, out)
    (out / "max_subarray" / "summary.json").unlink()  # its trace stays: the task resumes from it
    before = {slug: json.loads((ray_out / slug / "summary.json").read_text()) for slug in PROBLEMS}
    runner = RayRunner()
    summaries = runner.bench(list_problems(str(dataset)), RunConfig(**TINY), BackboneSettings(), out)
    assert runner.submitted == 1
    assert [s["problem"] for s in summaries] == list(PROBLEMS)
    assert summaries[0] == before["interval_cover"]  # read back as it was
    assert comparable(summaries[1]) == comparable(before["max_subarray"])
    assert comparable(json.loads((out / "max_subarray" / "summary.json").read_text())) == \
        comparable(before["max_subarray"])
    assert events(out / "max_subarray") == events(ray_out / "max_subarray")  # resumed, not started over


def test_a_sweep_on_ray_writes_a_bench_folder_per_cell(local_ray, local_out, tmp_path):
    sweep = tmp_path / "sweep.toml"
    settings = "\n".join(f"{key} = {value}" for key, value in TINY.items())
    datasets = ", ".join(f'"{SAMPLES / slug}"' for slug in PROBLEMS)
    sweep.write_text(f'out = "out"\ndatasets = [{datasets}]\nseeds = [0]\n[settings.tiny]\n{settings}\n')
    assert main(["sweep", str(sweep), "--ray", "--json"]) == 0
    cells = json.loads((tmp_path / "out" / "sweep.json").read_text())["cells"]
    assert [(c["seed"], c["settings"], c["result"]["failed"]) for c in cells] == [(0, "tiny", 0)] * len(PROBLEMS)
    for slug in PROBLEMS:
        cell = tmp_path / "out" / slug / "sim" / "tiny" / "seed0"
        assert json.loads((cell / "bench.json").read_text())["problems"] == 1
        assert comparable(json.loads((cell / slug / "summary.json").read_text())) == \
            comparable(json.loads((local_out / slug / "summary.json").read_text()))


def test_problems_of_a_backbone_whose_gate_is_closed_are_not_run(local_ray, dataset, tmp_path):
    runner = RayRunner()
    ray.get(runner.gate.close.remote("sim"))
    summaries = runner.bench(list_problems(str(dataset)), RunConfig(**TINY), BackboneSettings(), tmp_path / "out")
    assert [s["error"] for s in summaries] == [NOT_RUN] * len(PROBLEMS)
    assert all(s["interrupted"] for s in summaries) and not (tmp_path / "out").exists()


class Echo:
    """A hand-written model: answers with the text it was sent."""

    name = "echo"

    def __init__(self, rest, **options):
        self.rest = rest

    async def generate(self, messages, config):
        from cosplay_core.models.base import Completion, Usage

        return Completion(text=messages[-1].content, usage=Usage(), latency_s=0.0, stop_reason="end", raw=None)


def test_model_calls_wait_at_the_cluster_wide_gate(local_ray):
    from cosplay_core import distributed
    from cosplay_core.models import GenerateConfig, Message, create_model, registry, register_provider

    register_provider("echo", Echo)
    try:
        gate = ray.remote(ModelGate).remote({"echo": 6000.0})
        distributed.pace_providers(gate, ["echo"])
        model = create_model("echo:any")

        async def three_calls():
            return await asyncio.gather(*(model.generate([Message("user", f"call {i}")], GenerateConfig())
                                          for i in range(3)))

        answers = asyncio.run(three_calls())
        assert [a.text for a in answers] == ["call 0", "call 1", "call 2"]
        assert model.name == "echo" and ray.get(gate.counts.remote()) == {"echo": 3}
    finally:
        registry._PROVIDERS.pop("echo")
        distributed._PACED.pop("echo", None)


def test_the_gate_spaces_calls_per_provider_by_one_clock():
    now = [100.0]
    gate = ModelGate({"anthropic": 600.0}, clock=lambda: now[0])  # one call every 0.1 s
    assert [gate.reserve("anthropic") for _ in range(4)] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert gate.reserve("openai") == 0.0  # no pace given: never waits
    now[0] += 1.0  # idle for long enough: the next call goes at once, with no burst saved up
    assert [gate.reserve("anthropic") for _ in range(2)] == pytest.approx([0.0, 0.1])
    assert gate.counts() == {"anthropic": 6, "openai": 1}
    assert not gate.is_closed("sim")
    gate.close("sim")
    assert gate.is_closed("sim") and not gate.is_closed("openai:x")


def test_an_unreachable_ray_address_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cosplay_core", "bench", str(SAMPLES / "max_subarray"),
                             "--out", str(tmp_path / "out"), "--ray", "127.0.0.1:1"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("cosplay: Ray address 127.0.0.1:1: cannot connect (Connection refused)")
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("address, host_port", [("10.0.0.5:6379", ("10.0.0.5", 6379)), ("[::1]:6379", ("::1", 6379)),
                                                ("ray://head", ("head", 10001)), ("ray://head:9", ("head", 9))])
def test_ray_addresses_are_read_as_host_and_port(address, host_port):
    assert _host_port(address) == host_port


@pytest.mark.parametrize("address", ["nonsense", "head:", "head:99999", ":6379", "ray://"])
def test_a_malformed_ray_address_is_one_line(address):
    with pytest.raises(RayUnavailable, match=r"use HOST:PORT .*, ray://HOST:PORT, or auto$"):
        _host_port(address)


def test_a_workers_executor_stays_warm_but_forgets_earlier_runs_outcomes():
    from cosplay_core import distributed
    from cosplay_core.sandbox import Program

    program = Program("print(int(input()) * 2)", "stdin", None)
    try:
        executor = distributed._worker_executor(1)
        assert executor.run(program, ["21\n"])[0].stdout == "42\n"
        assert executor.run(program, ["21\n"])[0].stdout == "42\n" and executor.cache_hits == 1  # within a run
        again = distributed._worker_executor(1)  # the next task in this worker
        assert again is executor
        before = executor.executions
        assert again.run(program, ["21\n"])[0].stdout == "42\n" and executor.executions == before + 1
        assert distributed._worker_executor(2) is not executor  # a task declaring other CPUs gets its own
    finally:
        while distributed._EXECUTOR:
            distributed._EXECUTOR.pop().close()
