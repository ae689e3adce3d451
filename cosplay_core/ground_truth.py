"""Scoring against hidden ground truth. Never shown to a model, never consulted by the algorithm: it only scores.

A code is GT-correct when it passes every ground-truth test: the problem's input/output tests, each output compared
by the harness, outside the code's process; or, for benchmark problems whose ground truth is a test program (a
HumanEval record's `check`), when the problem's `check_codes` says so (`CheckJudge` decides that outside the code's
process too). A unit test is GT-correct when its expected output is what the reference produces on its input;
without a reference, CURE's definition is used instead (every GT-correct code passes it).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from cosplay_core.compare import outcome_matches
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Job, Outcome
from cosplay_core.sandbox.protocol import ExecutorLike

CheckCodes = Callable[[list[str], ExecutorLike], list[bool]]


class UnboundGroundTruth(RuntimeError):
    """A ground-truth scorer asked to score before an executor was bound to it (`GroundTruth.bind`)."""


class GroundTruth:
    """Marks codes and unit tests as right or wrong for `problem`, caching by source and input.

    `check_codes(sources, executor)`, when given, decides the codes (a benchmark's own checker, such as
    `CheckJudge.correct` for a HumanEval record) instead of the problem's tests. It runs on its executor: given here,
    or bound once with `bind` (a scorer made before the run's executor exists, as `load_record`'s, is bound by the
    run that uses it).
    """

    def __init__(self, problem: Problem, executor: ExecutorLike | None = None, check_codes: CheckCodes | None = None):
        self.problem = problem
        self._executor = executor
        self.check_codes = check_codes
        self._code_verdicts: dict[str, bool] = {}
        self.executions = 0

    def bind(self, executor: ExecutorLike) -> "GroundTruth":
        """Gives a scorer made without an executor this one and returns it; a scorer that has one keeps it."""
        if self._executor is None:
            self._executor = executor
        return self

    @property
    def executor(self) -> ExecutorLike:
        """The executor the scorer runs on; UnboundGroundTruth before one is given or bound."""
        if self._executor is None:
            raise UnboundGroundTruth(f"the ground truth of {self.problem.slug} has no executor: bind one "
                                     "(GroundTruth.bind) before scoring")
        return self._executor

    @property
    def available(self) -> bool:
        return bool(self.problem.tests) or self.check_codes is not None

    def codes_correct(self, sources: list[str]) -> list[bool]:
        """For each source, whether it passes the whole ground truth."""
        todo = [s for s in dict.fromkeys(sources) if s not in self._code_verdicts]
        if todo:
            before = self.executor.executions
            if self.check_codes is not None:
                verdicts = list(self.check_codes(todo, self.executor))
            else:
                verdicts = self._run_tests(todo)
            self.executions += self.executor.executions - before
            self._code_verdicts.update(zip(todo, verdicts))
        return [self._code_verdicts[s] for s in sources]

    def _run_tests(self, sources: list[str]) -> list[bool]:
        """Runs the GT tests, the largest input first for every code, then the rest only for codes that passed it:
        a too-slow code is found by one timeout instead of one per large test."""
        problem, limits = self.problem, self.problem.limits()
        tests = sorted(problem.tests, key=lambda t: len(json.dumps(t.input)), reverse=True)
        first, rest = tests[:1], tests[1:]

        def passes(test_list: list[Any], row: list[Outcome]) -> bool:
            return all(outcome_matches(t.output, o, problem.io, problem.comparison) for t, o in zip(test_list, row))

        rows = self.executor.run_jobs([Job(problem.program(s), tuple(t.input for t in first), limits)
                                       for s in sources])
        verdicts = [passes(first, row) for row in rows]
        survivors = [i for i, ok in enumerate(verdicts) if ok]
        if rest and survivors:
            rows = self.executor.run_jobs([Job(problem.program(sources[i]), tuple(t.input for t in rest), limits)
                                           for i in survivors])
            for i, row in zip(survivors, rows):
                verdicts[i] = passes(rest, row)
        return verdicts

    def tests_correct(self, tests: list[tuple[Any, Any]]) -> list[bool] | None:
        """For each (input, expected), whether the reference produces `expected`; None without a reference."""
        if not self.problem.reference:
            return None
        if not tests:
            return []
        before = self.executor.executions
        outcomes = self.executor.run(self.problem.program(self.problem.reference), [x for x, _ in tests],
                                     self.problem.limits())
        self.executions += self.executor.executions - before
        return [expected is not None and outcome_matches(expected, o, self.problem.io, self.problem.comparison)
                for (_, expected), o in zip(tests, outcomes)]
