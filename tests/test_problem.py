"""Problem folders: loading, and one clear line for each way a folder can be malformed."""

import os
import shutil
import stat
import threading
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


def _make_fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _make_device(path: Path) -> None:
    path.unlink(missing_ok=True)
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # what /dev/zero is: reading it never ends
    except PermissionError:
        pytest.skip("making a device node needs privileges this machine does not give")


def _symlink_out(path: Path, target: str = "/etc/passwd") -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def _symlink_loop(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(path.name)  # to itself


def _load_within(folder: Path, seconds: float = 20.0):
    """load_problem(folder) in a thread: a loader that blocks (a FIFO opened for reading) fails the test, not hangs."""
    result: dict = {}

    def load():
        try:
            result["problem"] = load_problem(folder)
        except ProblemError as exc:
            result["error"] = exc

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"load_problem({folder}) blocked"
    return result


@pytest.mark.parametrize("name", ["reference.py", "problem.md", "problem.toml", "gen.py", "tests.jsonl",
                                  "ideas.toml", "wrong/quadratic.py"])
@pytest.mark.parametrize("make, kind", [(_make_fifo, "is a FIFO"), (_make_device, "is a device"),
                                        (_symlink_out, "is a symlink out of the problem folder"),
                                        (lambda p: _symlink_out(p, "/dev/zero"), "symlink out of the problem"),
                                        (_symlink_loop, "is a symlink loop")])
def test_a_file_that_is_not_a_regular_file_of_the_folder_is_refused_without_reading_it(tmp_path, name, make, kind):
    folder = copy_sample(tmp_path)
    make(folder / name)
    result = _load_within(folder)
    assert "error" in result, f"{name} accepted"
    text = str(result["error"])
    assert kind in text and Path(name).name in text and "\n" not in text


def test_a_wrong_folder_that_is_a_symlink_out_of_the_problem_is_refused(tmp_path):
    folder = copy_sample(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(folder / "wrong", elsewhere)
    (folder / "wrong").symlink_to(elsewhere)
    result = _load_within(folder)
    assert "symlink out of the problem folder" in str(result.get("error"))


def test_symlinks_inside_the_folder_are_followed(tmp_path):
    folder = copy_sample(tmp_path)
    (folder / "solutions").mkdir()
    shutil.move(folder / "reference.py", folder / "solutions" / "reference.py")
    (folder / "reference.py").symlink_to(Path("solutions") / "reference.py")
    assert load_problem(folder).reference == (folder / "solutions" / "reference.py").read_text()


def test_a_dangling_symlink_is_not_taken_for_a_missing_optional_file(tmp_path):
    folder = copy_sample(tmp_path)
    _symlink_out(folder / "reference.py", str(folder / "gone.py"))
    with pytest.raises(ProblemError, match="missing file reference.py"):
        load_problem(folder)


@pytest.mark.parametrize("depth", [201, 100_000])
def test_a_deeply_nested_test_value_is_one_line(tmp_path, depth):
    folder = copy_sample(tmp_path)
    (folder / "tests.jsonl").write_text('{"input": "1\\n", "output": ' + "[" * depth + "]" * depth + "}\n")
    with pytest.raises(ProblemError) as caught:
        load_problem(folder)
    assert str(caught.value) == f"{folder / 'tests.jsonl'}:1: a JSON value nested deeper than 200 levels"


def test_a_deeply_nested_toml_value_is_one_line(tmp_path):
    folder = copy_sample(tmp_path)
    (folder / "ideas.toml").write_text("hints = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ProblemError, match="ideas.toml: not valid TOML"):
        load_problem(folder)


def test_a_file_that_is_not_utf8_is_one_line_naming_it(tmp_path):
    folder = copy_sample(tmp_path)
    (folder / "problem.md").write_bytes(b"# Title\n\xff\xfe not text\n")
    with pytest.raises(ProblemError, match=r"cannot read problem.md: not UTF-8 text"):
        load_problem(folder)


def test_programs_may_print_or_return_1_mib_unless_the_problem_s_own_tests_expect_more(tmp_path):
    from cosplay_core.problem import MAX_OUTPUT_CAP_BYTES, OUTPUT_CAP_BYTES, TestCase
    import dataclasses

    problem = load_problem(SAMPLES / "max_subarray")
    limits = problem.limits()
    assert limits.output_limit_bytes == limits.value_limit_bytes == OUTPUT_CAP_BYTES == 1 << 20
    assert problem.limits(time_limit_s=0.5).value_limit_bytes == OUTPUT_CAP_BYTES  # overrides keep the cap
    big = dataclasses.replace(problem, tests=problem.tests + (TestCase("1\n5\n", "7" * (3 << 20)),))
    assert big.limits().output_limit_bytes == big.limits().value_limit_bytes == 6 << 20
    huge = dataclasses.replace(problem, tests=(TestCase("1\n5\n", "7" * (40 << 20)),))
    assert huge.output_cap_bytes == MAX_OUTPUT_CAP_BYTES
