"""The HumanEval x CodeT benchmark's execution: the pass matrix's batches under `matrix_limits` give the verdicts
of one child per input, a looping input losing only itself; benchmarks/humaneval_speed.py's comparison of two
folders of executions."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

from cosplay_core.experiments.codet_bench import matrix_limits
from cosplay_core.sandbox import Limits, Program

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "def f(x):\n    while x == 3:\n        pass\n    if x == 5:\n        raise ValueError(x)\n    return 2 * x\n"


def test_a_looping_input_in_a_matrix_batch_loses_only_itself(executor):
    inputs = [[n] for n in range(1, 9)]
    program = Program(SOURCE, "function", "f")
    batched = executor.run(program, inputs, matrix_limits(0.1, len(inputs)))
    alone = executor.run(program, inputs, Limits(time_limit_s=0.1))
    assert [o.status for o in batched] == [o.status for o in alone] == \
        ["ok", "ok", "timeout", "ok", "error", "ok", "ok", "ok"]
    assert [o.value for o in batched] == [o.value for o in alone] == [2, 4, None, 8, None, 12, 14, 16]


def _speed_module():
    spec = importlib.util.spec_from_file_location("humaneval_speed", ROOT / "benchmarks" / "humaneval_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder: Path, name: str, verdicts: list[bool], statuses: list[list[str]]) -> None:
    folder.mkdir(exist_ok=True)
    outcomes = [[{"status": s, "value": 1 if s == "ok" else None} for s in row] for row in statuses]
    with gzip.open(folder / f"{name}.json.gz", "wt", encoding="utf-8") as stream:
        json.dump({"verdicts": verdicts, "outcomes": outcomes}, stream)


def test_the_speed_script_lists_every_execution_that_differs(tmp_path):
    speed = _speed_module()
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    _write(ours, "a", [True, False], [["ok", "timeout"], ["ok", "ok"]])
    _write(theirs, "a", [True, False], [["ok", "timeout"], ["ok", "ok"]])
    assert speed.compare_executed(ours, theirs) == (1, [])
    _write(ours, "b", [True], [["ok", "ok"]])
    _write(theirs, "b", [False], [["ok", "timeout"]])
    _write(ours, "c", [True], [["ok"]])
    compared, differences = speed.compare_executed(ours, theirs)
    assert compared == 2 and len(differences) == 3
    assert differences[0].startswith("b.json.gz: ground truth of distinct codes [0]")
    assert differences[1].startswith("b.json.gz: code 0, inputs [1]")
    assert differences[2].startswith("c.json.gz: not in")
