"""APPS records (../shared/data/apps) as problems: loading, refusals, ground-truth scoring in the sandbox, and a
whole `cosplay run FILE#ID` through the real OpenAI SDK against the fake server."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import pytest

from conftest import SHARED_DATA, require_shared
from cosplay_core.benchmarks import APPS_TIME_LIMIT_S, load_record, record_ids
from cosplay_core.bench import list_problems
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import ProblemError, WrongSolution

APPS = SHARED_DATA / "apps" / "apps_selected300.jsonl.gz"
GOLF = "4259"  # "Takahashi the Jumbo will practice golf": is there a multiple of K in [A, B]?
GOLF_RIGHT = "K = int(input())\nA, B = map(int, input().split())\nprint('OK' if B // K * K >= A else 'NG')\n"
GOLF_WRONG = "K = int(input())\nA, B = map(int, input().split())\nprint('OK' if A % K == 0 or B % K == 0 else 'NG')\n"


@pytest.fixture(autouse=True)
def shared_data():
    require_shared(APPS)


def records() -> list[dict]:
    with gzip.open(APPS, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def test_every_record_is_listed_once_and_the_stdin_ones_are_runnable():
    rows = records()
    distinct = {str(r["id"]) for r in rows}
    call_based = {str(r["id"]) for r in rows if r["starter_code"].strip()}
    assert record_ids(APPS) == list(dict.fromkeys(str(r["id"]) for r in rows))  # the repeated records count once
    assert len(record_ids(APPS)) == len(distinct)
    runnable = record_ids(APPS, runnable=True)
    assert set(runnable) == distinct - call_based and call_based
    assert [ref.slug for ref in list_problems(str(APPS))] == runnable


def test_a_stdin_record_becomes_a_problem_with_its_tests_as_ground_truth():
    record = next(r for r in records() if str(r["id"]) == GOLF)
    problem, scorer = load_record(APPS, GOLF)
    assert scorer is None  # the problem's own tests are its ground truth
    assert problem.io == "stdin" and problem.statement == record["description"]
    assert problem.slug == f"apps_{GOLF}" and problem.title == f"APPS {GOLF}" and problem.tags == ("introductory",)
    assert problem.time_limit_s == APPS_TIME_LIMIT_S
    assert [(t.input, t.output) for t in problem.tests] == [(t["input"], t["output"][0]) for t in record["test_list"]]
    assert problem.reference is None and not problem.wrong


def test_every_runnable_record_loads():
    for record_id in record_ids(APPS, runnable=True):
        problem, _ = load_record(APPS, record_id)
        assert problem.tests and problem.statement.strip() and problem.io == "stdin"


def test_a_call_based_record_is_refused_in_one_line():
    call_based = next(str(r["id"]) for r in records() if r["starter_code"].strip())
    with pytest.raises(ProblemError, match="call-based") as caught:
        load_record(APPS, call_based)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"{APPS}:")


def test_ground_truth_scores_codes_on_the_records_tests(executor):
    problem, _ = load_record(APPS, GOLF)
    crash = "print(1 / 0)\n"
    assert GroundTruth(problem, executor).codes_correct([GOLF_RIGHT, GOLF_WRONG, crash]) == [True, False, False]


@pytest.mark.parametrize("record, message", [
    ({"id": 1, "description": "Print 1.", "test_list": []}, "has no test_list"),
    ({"id": 1, "description": " ", "test_list": [{"input": "", "output": ["1"]}]}, "has no description"),
    ({"id": 1, "description": "Print 1.", "test_list": [{"input": 5, "output": ["1"]}]}, "test 1: expected"),
    ({"id": 1, "description": "Print 1.", "test_list": [{"input": "", "output": ["1", "2"]}]}, "test 1: expected"),
])
def test_a_malformed_record_is_one_line_naming_file_and_line(tmp_path, record, message):
    path = tmp_path / "apps.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(ProblemError, match=message) as caught:
        load_record(path, "1")
    assert str(caught.value).startswith(f"{path}:1: ") and "\n" not in str(caught.value)


def test_a_whole_run_of_an_apps_record_through_the_command_line(tmp_path):
    """`cosplay run FILE.jsonl.gz#ID --model openai:... --base-url`: the real SDK, the fake server, the sandbox."""
    from fake_llm_server import FakeLLMServer
    from test_cli_run import SMALL, cosplay
    from test_lm_player import RunScript

    from cosplay_core.sandbox import Executor

    problem, _ = load_record(APPS, GOLF)
    known = replace(problem, reference=GOLF_RIGHT, wrong=(WrongSolution("ends_only", GOLF_WRONG, "checks the ends"),))
    inputs = {"random": ["7\n500 600\n", "4\n5 7\n", "1\n11 11\n"], "attack": ["1000\n1 999\n", "3\n3 3\n"]}
    generator = ("```python\nimport random\n\n\ndef generate(rng: random.Random, kind: str) -> str:\n"
                 "    top = {'edge': 3, 'large': 1000}.get(kind, 60)\n"
                 "    a = rng.randint(1, top)\n"
                 "    return f'{rng.randint(1, top)}\\n{a} {rng.randint(a, top)}\\n'\n```\n")
    with Executor(workers=1) as executor, FakeLLMServer(RunScript(known, executor, inputs, generator)) as server:
        result = cosplay("run", f"{APPS}#{GOLF}", "--model", "openai:fake-coder", "--base-url",
                         server.openai_base_url, *SMALL, "--votes", "2", "--concurrency", "1", "--cache-dir",
                         str(tmp_path / "cache"), "--out", str(tmp_path / "run"), "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["problem"] == f"apps_{GOLF}" and summary["simulation"] is False
    assert summary["gt"]["codes_total"] == 6 and summary["gt"]["ut_accuracy"] == 1.0
    assert summary["selected"]["code"].strip() == GOLF_RIGHT.strip() and summary["gt"]["bon_cluster"] is True
