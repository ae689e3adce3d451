"""Ground truth's first budget (check_replay.FIRST_BUDGET_S): a candidate's calls first run under a short CPU budget,
and only a code whose replay of `check` needs a call that budget stopped runs again under the whole limit. The
verdicts are those of a run under the whole limit alone; a wrong code that loops after an answer `check` already
rejects costs the short budget only.
"""

from __future__ import annotations

import textwrap

import pytest

from cosplay_core.benchmarks import check_replay
from cosplay_core.benchmarks.check_replay import CheckJudge
from test_gt_forgery import define, record_problem

LIMIT = 0.6  # seconds for all of one candidate's calls


class Spy:
    """An executor that remembers, for each candidate program it ran, the batch budgets it ran it under."""

    def __init__(self, executor):
        self.executor = executor
        self.budgets: dict[str, list[float]] = {}

    def run_jobs(self, jobs):
        for job in jobs:
            if job.program.entry_point == "_cosplay_call":
                self.budgets.setdefault(job.program.source, []).append(job.limits.batch_time_limit_s)
        return self.executor.run_jobs(jobs)

    def budgets_of(self, judge: CheckJudge, code: str) -> list[float]:
        return self.budgets.get(judge.candidate_program(code).source, [])


@pytest.fixture
def judged(tmp_path, executor, monkeypatch):
    monkeypatch.setattr(check_replay, "FIRST_BUDGET_S", 0.05)
    problem = record_problem(tmp_path, """
        def check(candidate):
            assert candidate(0) == 0
            assert candidate(1) == 2
            assert candidate(2) == 4
        """, "return 2 * args[0]\n")
    judge = CheckJudge(problem, problem.limits(time_limit_s=LIMIT))
    spy = Spy(executor)
    codes = {
        "right": define("def f(x):\n    return 2 * x\n"),
        # call 1 outlasts the first budget's wall-clock backstop (0.05 x 5 + 1 s), not the whole limit's (4 s): right,
        # once run under the whole limit (a sleep: the same on a fast or a slow machine)
        "slow but right": define("""
            def f(x):
                if x == 1:
                    import time
                    time.sleep(1.5)
                return 2 * x
            """),
        "wrong before it loops": define("def f(x):\n    while x == 1:\n        pass\n    return 7\n"),
        "loops on a call check needs": define("def f(x):\n    while x == 1:\n        pass\n    return 2 * x\n"),
        "loops at import": "while True:\n    pass\n" + define("def f(x):\n    return 2 * x\n"),
    }
    verdicts = dict(zip(codes, judge.verdicts(list(codes.values()), spy)))
    return judge, spy, codes, verdicts


def test_a_slow_right_code_is_right_after_a_run_under_the_whole_limit(judged):
    judge, spy, codes, verdicts = judged
    assert verdicts["slow but right"].correct
    assert spy.budgets_of(judge, codes["slow but right"]) == [0.05, LIMIT]
    assert verdicts["right"].correct and spy.budgets_of(judge, codes["right"]) == [0.05]


def test_a_code_that_check_rejects_before_its_loop_never_gets_the_whole_limit(judged):
    judge, spy, codes, verdicts = judged
    verdict = verdicts["wrong before it loops"]
    assert not verdict.correct and verdict.reason.startswith("check failed: AssertionError")
    assert spy.budgets_of(judge, codes["wrong before it loops"]) == [0.05]


@pytest.mark.parametrize("name, reason", [("loops on a call check needs", "call 1 timed out"),
                                          ("loops at import", "the code does not run: timeout")])
def test_a_loop_that_decides_the_verdict_is_timed_under_the_whole_limit(judged, name, reason):
    judge, spy, codes, verdicts = judged
    assert not verdicts[name].correct and verdicts[name].reason.startswith(reason), verdicts[name]
    assert spy.budgets_of(judge, codes[name]) == [0.05, LIMIT]


def test_the_verdicts_are_those_of_the_whole_limit_alone(judged, executor, monkeypatch):
    judge, _, codes, verdicts = judged
    monkeypatch.setattr(check_replay, "FIRST_BUDGET_S", LIMIT)
    alone = CheckJudge(judge.problem, judge.limits).verdicts(list(codes.values()), executor)
    assert [v.correct for v in alone] == [v.correct for v in verdicts.values()]
    assert [v.reason for v in alone] == [v.reason for v in verdicts.values()]


def test_the_budget_never_exceeds_the_limit(tmp_path):
    problem = record_problem(tmp_path, "def check(candidate):\n    assert candidate(1) == 1\n", "return 1\n")
    judge = CheckJudge(problem, problem.limits(time_limit_s=0.1))
    assert judge._candidate_limits(check_replay.FIRST_BUDGET_S).batch_time_limit_s == 0.1
    assert textwrap.dedent(judge.candidate_program("def f(x):\n    return x\n").source).count("marshal") >= 1
