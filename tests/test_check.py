"""`cosplay check` on every sample problem, and on problems broken in each way it must catch."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.check import check_problem
from cosplay_core.problem import load_problem
from test_problem import SAMPLE_SLUGS


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_every_sample_problem_is_sound(slug, executor):
    assert check_problem(load_problem(SAMPLES / slug), executor) == []


@pytest.fixture
def broken(tmp_path):
    folder = tmp_path / "run_length"
    shutil.copytree(SAMPLES / "run_length", folder)
    return folder


def test_catches_a_reference_that_fails(broken, executor):
    source = (broken / "reference.py").read_text()
    (broken / "reference.py").write_text(source + "\n_original = encode_runs\nencode_runs = lambda s: _original(s)[:1]\n")
    failures = check_problem(load_problem(broken), executor)
    assert any("reference fails test" in line for line in failures)


def test_catches_a_wrong_solution_that_is_right(broken, executor):
    shutil.copy(broken / "reference.py", broken / "wrong" / "secretly_right.py")
    source = (broken / "wrong" / "secretly_right.py").read_text()
    (broken / "wrong" / "secretly_right.py").write_text("# bug: none at all\n" + source)
    failures = check_problem(load_problem(broken), executor)
    assert any("secretly_right.py passes every ground-truth test" in line for line in failures)


def test_catches_a_broken_generator(broken, executor):
    (broken / "gen.py").write_text("def generate(rng, kind):\n    if kind == 'edge':\n        raise ValueError(kind)\n"
                                   "    return '[\"ab\"]'\n")
    failures = check_problem(load_problem(broken), executor)
    assert any("gen.py fails for kind 'edge'" in line for line in failures)
    assert not any("'random'" in line for line in failures)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_cli_check_exit_codes(broken, tmp_path):
    (broken / "wrong" / "also_right.py").write_text("# bug: none\n" + (broken / "reference.py").read_text())
    result = run_cli("check", str(broken))
    assert result.returncode == 1
    assert "also_right.py passes every ground-truth test" in result.stdout
    (broken / "problem.toml").write_text("title = ")
    result = run_cli("check", str(broken))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "problem.toml" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("check", str(tmp_path / "missing"))
    assert (result.returncode, result.stderr.strip()) == (2, f"cosplay: {tmp_path / 'missing'}: no such problem folder")


@pytest.mark.parametrize("make, kind", [(lambda p: os.mkfifo(p), "reference.py is a FIFO"),
                                        (lambda p: p.symlink_to("/etc/passwd"), "reference.py is a symlink out")])
def test_cli_check_refuses_a_reference_that_is_not_a_file_of_the_folder(broken, make, kind):
    (broken / "reference.py").unlink()
    make(broken / "reference.py")
    result = run_cli("check", str(broken))  # a FIFO opened for reading would block: run_cli's timeout fails the test
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert kind in result.stderr and str(broken) in result.stderr and "Traceback" not in result.stderr


def test_cli_check_a_deeply_nested_ground_truth_value_is_one_line(broken):
    (broken / "tests.jsonl").write_text('{"input": ["a"], "output": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    result = run_cli("check", str(broken))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "tests.jsonl:1: a JSON value nested deeper than" in result.stderr
