"""The evalplus comparison's workload rules (benchmarks/evalplus_workload.py), without evalplus installed."""

from __future__ import annotations

import math
import sys

import pytest
from conftest import ROOT, SHARED_DATA, require_shared

sys.path.insert(0, str(ROOT / "benchmarks"))
import evalplus_workload as workload  # noqa: E402

HUMANEVAL = SHARED_DATA / "HumanEval.jsonl.gz"


def test_problems_are_every_fourth_task_less_the_special_oracle():
    records = workload.select_records(require_shared(HUMANEVAL))
    numbers = [int(r["task_id"].split("/")[1]) for r in records]
    assert numbers == [n for n in range(0, 164, 4) if n != 32]
    assert len(records) == 40
    assert "find_zero" not in {r["entry_point"] for r in records}


def test_base_inputs_are_the_calls_check_makes():
    record = next(r for r in workload.select_records(require_shared(HUMANEVAL)) if r["task_id"] == "HumanEval/0")
    calls = workload.recorded_check_calls(record)
    assert len(calls) == 7
    assert calls[0] == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3]


def test_check_calls_see_the_helpers_the_prompt_defines():
    records = workload.select_records(require_shared(HUMANEVAL))
    # every call through the candidate is recorded, with its arguments as passed
    calls = {r["task_id"]: workload.recorded_check_calls(r) for r in records
             if r["task_id"] in ("HumanEval/44", "HumanEval/156")}
    assert len(calls["HumanEval/156"]) == 14 and all(isinstance(c[0], int) for c in calls["HumanEval/156"])
    assert [8, 3] in calls["HumanEval/44"]


def test_as_json_keeps_json_values_and_turns_tuples_into_lists():
    assert workload.as_json((1, [2.5, (3, "x")], {"k": (None, True)})) == [1, [2.5, [3, "x"]], {"k": [None, True]}]
    for not_json in ({1, 2}, math.nan, math.inf, {1: "int key"}, 1 + 2j, b"bytes"):
        with pytest.raises(ValueError):
            workload.as_json(not_json)
