"""Output folders: one holder at a time, JSON replaced whole or not at all, child names that stay inside."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cosplay_core.outdir import (LOCK_NAME, FolderBusy, MalformedFile, child_names, hold_folder, inside,
                                 read_json_file, write_json_atomic)

HOSTILE_IDS = ["..", ".", "", "../../etc/passwd", "a/b", "a_b", "a b", ".hidden", "HumanEval/0", "x" * 300,
               "/abs", "back\\slash", "nul\0byte", "tab\there", "caf\u00e9", "\ud800"]


def test_child_names_stay_inside_and_never_collide(tmp_path):
    names = child_names(HOSTILE_IDS)
    assert len(set(names.values())) == len(HOSTILE_IDS)
    for task_id, name in names.items():
        assert name and not name.startswith(".") and "/" not in name and "\0" not in name, (task_id, name)
        assert len(name) <= 255
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()
        assert inside(tmp_path, name) == tmp_path / name
    assert names["HumanEval/0"] == "HumanEval_0"  # a plain id keeps the name earlier benchmarks gave it
    assert names["a_b"] != names["a/b"] and "~" in names["a_b"] and "~" in names["a/b"]
    for name in names.values():
        (tmp_path / name).mkdir()  # the file system agrees: every one a distinct folder
    assert len(list(tmp_path.iterdir())) == len(HOSTILE_IDS)


def test_child_names_do_not_depend_on_order():
    assert child_names(HOSTILE_IDS) == child_names(list(reversed(HOSTILE_IDS)))


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "a\0b"])
def test_inside_refuses_what_is_not_a_child_name(tmp_path, name):
    with pytest.raises(ValueError):
        inside(tmp_path, name)


def test_write_json_atomic_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / "summary.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})  # fails while encoding: the old file stays as it was
    assert read_json_file(path) == {"a": 1}
    write_json_atomic(path, {"a": [2]})
    assert json.loads(path.read_text()) == {"a": [2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]  # no temporary file left behind


@pytest.mark.parametrize("text, message", [
    ('{"problem": "x", "gt": {', "truncated"),
    ("", "truncated"),
    ('{"problem": "weighted_j', "truncated"),  # cut inside a string: json names where the string began
    ("[1, 2]", "expected a JSON object"),
    ("{'a': 1}", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_read_json_file_reports_a_malformed_file_in_one_line(tmp_path, text, message):
    path = tmp_path / "summary.json"
    path.write_text(text)
    with pytest.raises(MalformedFile) as caught:
        read_json_file(path)
    assert message in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_read_json_file_not_utf8(tmp_path):
    path = tmp_path / "summary.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(MalformedFile, match="not UTF-8"):
        read_json_file(path)


def test_a_held_folder_refuses_a_second_holder_and_is_free_again_after(tmp_path):
    folder = tmp_path / "run"
    with hold_folder(folder, "--out"):
        assert (folder / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(FolderBusy, match=rf"--out {folder} is in use by another run \(pid {os.getpid()}\)"):
            with hold_folder(folder, "--out"):
                pass
    assert not folder.exists()  # made for the hold and left empty: removed again
    folder.mkdir()
    (folder / "trace.jsonl").write_text("{}\n")
    with hold_folder(folder):
        pass
    assert sorted(p.name for p in folder.iterdir()) == ["trace.jsonl"]


def test_the_lock_of_a_killed_holder_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from cosplay_core.outdir import hold_folder\n"
        "with hold_folder(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(600)\n"), str(folder)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy, match=rf"pid {holder.pid}\)"):
            with hold_folder(folder):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert (folder / LOCK_NAME).read_text().strip() == str(holder.pid)  # the dead holder's file is still there
    with hold_folder(folder):
        assert (folder / LOCK_NAME).read_text().strip() == str(os.getpid())
