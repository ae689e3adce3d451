"""`cosplay sweep SWEEP.toml` on this machine: the grid a file describes, bad files in one line, a run whose cells are
bench folders, and a second run that reads them back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.cli import main
from cosplay_core.sweep import SweepError, load_sweep

TINY = "codes = 4\ntests = 4\nrounds = 1\ninputs = 4\nvotes = 2\nhints = 2\n"


def write(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_grid_is_every_dataset_backbone_setting_and_seed(tmp_path):
    (tmp_path / "a" / "problems").mkdir(parents=True)
    (tmp_path / "b" / "problems").mkdir(parents=True)
    sweep = load_sweep(write(tmp_path, """
out = "results"
datasets = ["a/problems", "b/problems"]
backbones = ["sim", { model = "openai:qwen", base_url = "http://localhost:8000/v1" }]
seeds = [0, 7]
[calls_per_minute]
openai = 120
[settings.default]
[settings.ablation]
no = ["fix_codes", "break_coupling"]
codes = 8
code_skill = 0.5
concurrency = 4
relative_time_limit = 0
"""))
    assert sweep.out == tmp_path / "results" and sweep.calls_per_minute == {"openai": 120.0}
    assert len(sweep.cells) == 2 * 2 * 2 * 2
    folders = [cell.folder.relative_to(tmp_path / "results") for cell in sweep.cells]
    assert len(set(folders)) == len(folders)  # the two datasets share a name: each has a folder of its own
    assert all(len(f.parts) == 4 and f.parts[2] in ("default", "ablation") and f.parts[3] in ("seed0", "seed7")
               for f in folders)
    assert {f.parts[1] for f in folders} == {"sim", "openai_qwen_http___localhost_8000_v1"}
    assert {cell.dataset for cell in sweep.cells} == {str(tmp_path / "a/problems"), str(tmp_path / "b/problems")}
    ablation = next(c for c in sweep.cells if c.settings == "ablation" and c.backbone.model == "sim")
    assert ablation.config.codes == 8 and ablation.config.relative_time_limit is None
    assert not ablation.config.policies.fix_codes and not ablation.config.policies.break_coupling
    assert ablation.backbone.sim_skills.code == 0.5 and ablation.backbone.concurrency == 4
    default = next(c for c in sweep.cells if c.settings == "default" and c.backbone.base_url)
    assert default.config.codes == 16 and default.backbone.base_url == "http://localhost:8000/v1"
    assert {c.config.seed for c in sweep.cells} == {0, 7}


@pytest.mark.parametrize("text, message", [
    ('datasets = ["x"]\nbogus = 1\n', "unknown key 'bogus' in a sweep (known: out, datasets, backbones"),
    ('datasets = ["x"]\n[settings.a]\ncodez = 3\n', "settings.a: unknown key 'codez' in settings"),
    ('datasets = ["x"]\nbackbones = [{ model = "sim", key = "k" }]\n', "backbones[0]: unknown key 'key' in a backbone"),
    ('datasets = ["x"]\nbackbones = [{ base_url = "http://h" }]\n', "backbones[0]: a backbone needs model"),
    ('datasets = ["x"]\nseeds = [0, "1"]\n', "seeds must be a non-empty list of whole numbers"),
    ('datasets = ["x"]\nseeds = [-1]\n', "seeds: seed must be a whole number from 0"),
    ("seeds = [0]\n", "datasets must be a non-empty list of strings"),
    ('datasets = ["x"]\nlimit = 0\n', "limit must be a whole number of at least 1"),
    ('datasets = ["x"]\n[settings."../up"]\n', "a variant's name is a folder name"),
    ('datasets = ["x"]\n[settings.a]\ncodes = 0\n', "settings.a: codes must be a whole number from 1 to 256"),
    ('datasets = ["x"]\n[settings.a]\nno = ["everything"]\n', "settings.a: unknown policy everything"),
    ('datasets = ["x"]\n[settings.a]\nconcurrency = 0\n', "concurrency must be a whole number of at least 1"),
    ('datasets = ["x"]\n[settings.a]\ntest_skill = 2.0\n', "sim test skill must be between 0 and 1"),
    ('datasets = ["x"]\n[calls_per_minute]\nsim = 10\n', "calls_per_minute: sim is not a model provider"),
    ('datasets = ["x"]\n[calls_per_minute]\nanthropic = 0\n', "calls per minute for anthropic must be a number above 0"),
    ('datasets = ["x"]\nsettings = 3\n', "settings must be tables, one per variant"),
    ('datasets = "x"\n', "datasets must be a non-empty list of strings"),
    ("datasets = [\n", "not valid TOML"),
])
def test_a_bad_sweep_file_is_one_line_naming_it(text, message, tmp_path):
    path = write(tmp_path, text)
    with pytest.raises(SweepError) as raised:
        load_sweep(path)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("text, message", [
    ('datasets = ["x"]\nbogus = 1\n', "unknown key 'bogus' in a sweep"),
    ('datasets = ["no/such/problems"]\n', "no such dataset"),
    (None, "no such sweep file"),
])
def test_the_command_refuses_a_bad_sweep_in_one_line_with_exit_2(text, message, tmp_path):
    path = write(tmp_path, text) if text is not None else tmp_path / "missing.toml"
    result = subprocess.run([sys.executable, "-m", "cosplay_core", "sweep", str(path)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_local_sweep_writes_a_bench_folder_per_cell_and_a_second_run_reads_them_back(tmp_path, capsys):
    path = write(tmp_path, f'datasets = ["{SAMPLES / "run_length"}"]\nseeds = [0, 1]\nout = "out"\n'
                           f"[settings.tiny]\n{TINY}")
    assert main(["sweep", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first == json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert [(c["seed"], c["result"]["problems"], c["result"]["failed"]) for c in first["cells"]] == [(0, 1, 0), (1, 1, 0)]
    traces = {}
    for cell in first["cells"]:
        folder = Path(cell["folder"])
        assert folder == tmp_path / "out" / "run_length" / "sim" / "tiny" / f"seed{cell['seed']}"
        assert json.loads((folder / "bench.json").read_text()) == cell["result"]
        summary = json.loads((folder / "run_length" / "summary.json").read_text())
        assert summary["seed"] == cell["seed"] and summary["config"]["codes"] == 4
        traces[folder] = (folder / "run_length" / "trace.jsonl").stat().st_mtime_ns
    assert main(["sweep", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == first  # read back, not run again
    assert {f: (f / "run_length" / "trace.jsonl").stat().st_mtime_ns for f in traces} == traces


def test_the_example_sweep_file_is_valid():
    sweep = load_sweep(ROOT / "examples" / "sweep.toml")
    assert sweep.cells and all(Path(cell.dataset).is_dir() for cell in sweep.cells)
