"""Problem folders: loading, and one clear line for each way a folder can be malformed."""

import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES
from cosplay_core.problem import ProblemError, load_problem

SAMPLE_SLUGS = sorted(p.name for p in SAMPLES.iterdir() if (p / "problem.toml").exists())


def test_there_are_enough_sample_problems():
    problems = [load_problem(SAMPLES / slug) for slug in SAMPLE_SLUGS]
    assert len(problems) >= 10
    assert sum(p.io == "stdin" for p in problems) >= 7
    assert sum(p.io == "function" for p in problems) >= 3
    assert any(p.entry_point and "()." in p.entry_point for p in problems)
    assert any(p.comparison.kind == "float" for p in problems)


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_sample_problem_is_complete(slug):
    problem = load_problem(SAMPLES / slug)
    assert problem.statement.strip() and problem.title
    assert problem.reference and problem.generator
    assert len(problem.wrong) >= 4 and all(w.bug for w in problem.wrong)
    assert len(problem.tests) >= 20
    assert problem.hints and problem.attacks


def copy_sample(tmp_path, slug="max_subarray") -> Path:
    target = tmp_path / slug
    shutil.copytree(SAMPLES / slug, target)
    return target


@pytest.mark.parametrize("edit, message", [
    (lambda f: (f / "problem.md").unlink(), "missing file problem.md"),
    (lambda f: (f / "problem.toml").write_text("title = \n"), "not valid TOML"),
    (lambda f: (f / "problem.toml").write_text('title = "x"\nio = "socket"\n'), "io must be"),
    (lambda f: (f / "problem.toml").write_text('title = "x"\nio = "function"\n'), "needs entry_point"),
    (lambda f: (f / "problem.toml").write_text('title = "x"\ntime_limit_s = -1\n'), "time_limit_s"),
    (lambda f: (f / "problem.toml").write_text('title = "x"\ncompare = "fuzzy"\n'), "compare must be"),
    (lambda f: (f / "problem.toml").write_text('io = "stdin"\n'), "missing title"),
    (lambda f: (f / "tests.jsonl").write_text('{"input": "1\\n", "output": "1"}\n{"input": 3\n'), "tests.jsonl:2"),
    (lambda f: (f / "tests.jsonl").write_text('{"input": 1, "output": "1"}\n'), "must be strings"),
    (lambda f: (f / "ideas.toml").write_text('hints = "one"\n'), "hints must be a list"),
])
def test_malformed_folder_gets_one_line_naming_the_file(tmp_path, edit, message):
    folder = copy_sample(tmp_path)
    edit(folder)
    with pytest.raises(ProblemError) as caught:
        load_problem(folder)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert str(folder) in text


def test_missing_folder(tmp_path):
    with pytest.raises(ProblemError, match="no such problem folder"):
        load_problem(tmp_path / "nope")


def test_function_mode_tests_are_argument_lists():
    problem = next(load_problem(SAMPLES / s) for s in SAMPLE_SLUGS if load_problem(SAMPLES / s).io == "function")
    assert all(isinstance(t.input, list) for t in problem.tests)
