"""`cosplay check`: is a problem folder sound enough to run on and to score against?"""

from __future__ import annotations

from typing import Any

from cosplay_core.compare import outcome_matches
from cosplay_core.problem import INPUT_KINDS, Problem, decode_generated_input, generator_program
from cosplay_core.sandbox import Executor, Job, Limits, Outcome
from cosplay_core.terminal_text import one_line

GENERATOR_SEEDS = (0, 1, 2)
WRONG_CHUNK = 3  # ground-truth tests a wrong solution runs on at a time, until a chunk shows it failing


def _describe(outcome: Outcome, expected: Any, io: str) -> str:
    if outcome.status != "ok":
        detail = outcome.stderr.strip().splitlines()[-1:] if outcome.stderr.strip() else []
        return outcome.status + (f" ({one_line(detail[0], 120)})" if detail else "")
    got = outcome.value if io == "function" else outcome.stdout
    return f"wrong answer (expected {str(expected)[:60]!r}, got {str(got)[:60]!r})"


def check_problem(problem: Problem, executor: Executor | None = None) -> list[str]:
    """One line per failed check; an empty list means the problem is sound.

    Checks: the reference passes every ground-truth test within the time limit; every wrong solution names its
    bug and fails at least one test; gen.py yields inputs of each kind on which the reference runs.
    """
    executor = executor or Executor()
    name = problem.slug
    failures = []
    if problem.reference is None:
        failures.append(f"{name}: no reference.py")
    if not problem.tests:
        failures.append(f"{name}: no ground-truth tests in tests.jsonl")
    if not problem.wrong:
        failures.append(f"{name}: no wrong solutions in wrong/")
    if problem.generator is None:
        failures.append(f"{name}: no gen.py")
    if failures:
        return failures
    reference = problem.reference
    assert reference is not None, "a missing reference.py was reported above"
    limits = problem.limits()
    inputs = tuple(t.input for t in problem.tests)
    seeds_kinds = [(seed, kind) for kind in INPUT_KINDS for seed in GENERATOR_SEEDS]
    generator_limits = Limits(time_limit_s=max(10.0, problem.time_limit_s), output_limit_bytes=64 << 20)
    jobs = [Job(problem.program(reference), inputs, limits),
            Job(generator_program(problem), tuple([seed, kind] for seed, kind in seeds_kinds), generator_limits)]
    reference_row, generated = executor.run_jobs(jobs)
    passing = _wrong_passing_every_test(problem, executor, limits)

    for number, (test, outcome) in enumerate(zip(problem.tests, reference_row), 1):
        if not outcome_matches(test.output, outcome, problem.io, problem.comparison):
            failures.append(f"{name}: reference fails test {number}: {_describe(outcome, test.output, problem.io)}")
    for number, wrong in enumerate(problem.wrong):
        if not wrong.bug:
            failures.append(f"{name}: wrong/{wrong.name}.py does not start with a comment naming its bug")
        if number in passing:
            failures.append(f"{name}: wrong/{wrong.name}.py passes every ground-truth test")

    generated_inputs = []
    for (seed, kind), outcome in zip(seeds_kinds, generated):
        if outcome.status != "ok":
            failures.append(f"{name}: gen.py fails for kind {kind!r}, seed {seed}: {_describe(outcome, '', 'function')}")
            continue
        try:
            generated_inputs.append((seed, kind, decode_generated_input(problem, outcome.value)))
        except ValueError as exc:
            failures.append(f"{name}: gen.py output for kind {kind!r}, seed {seed} is not a valid input: {exc}")
    if generated_inputs:
        runs = executor.run(problem.program(reference), [x for _, _, x in generated_inputs], limits)
        for (seed, kind, _), outcome in zip(generated_inputs, runs):
            if outcome.status != "ok":
                failures.append(f"{name}: reference does not run on gen.py's {kind!r} input (seed {seed}): "
                                f"{_describe(outcome, '', problem.io)}")
    return failures


def _wrong_passing_every_test(problem: Problem, executor: Executor, limits: Limits) -> set[int]:
    """The positions in `problem.wrong` of the solutions that pass every ground-truth test. Each runs on the tests
    WRONG_CHUNK at a time and stops after the first chunk it fails: one failure is all a wrong solution owes, and a
    too-slow one would otherwise spend the whole time limit on every large test."""
    programs = [problem.program(w.source) for w in problem.wrong]
    passing = list(range(len(programs)))
    for start in range(0, len(problem.tests), WRONG_CHUNK):
        if not passing:
            break
        chunk = problem.tests[start:start + WRONG_CHUNK]
        rows = executor.run_jobs([Job(programs[i], tuple(t.input for t in chunk), limits) for i in passing])
        passing = [i for i, row in zip(passing, rows)
                   if all(outcome_matches(t.output, o, problem.io, problem.comparison) for t, o in zip(chunk, row))]
    return set(passing)
