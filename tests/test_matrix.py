"""ExecutionMatrix: outcomes kept, pass counts, and incremental refresh that never runs a pair twice."""

import pytest

from cosplay_core.compare import Comparison
from cosplay_core.matrix import ExecutionMatrix
from cosplay_core.sandbox import Executor, Limits

RIGHT = "print(sum(map(int, input().split())))"
OFF_BY_ONE = "print(sum(map(int, input().split())) + 1)"
CRASH = "raise RuntimeError('boom')"


@pytest.fixture
def matrix():
    executor = Executor(workers=2)
    m = ExecutionMatrix(executor, "stdin", None, Limits(time_limit_s=2.0), Comparison())
    m.set_code(0, RIGHT)
    m.set_code(1, OFF_BY_ONE)
    m.set_code(2, CRASH)
    m.set_test(10, "1 2\n", "3")
    m.set_test(11, "5 5\n", "10")
    m.set_test(12, "0 0\n", "1")  # a wrong unit test, agreeing with the off-by-one code
    yield m
    executor.close()


def test_pass_counts_and_outcomes(matrix):
    assert matrix.refresh() == 9
    assert matrix.code_pass_counts() == {0: 2, 1: 1, 2: 0}
    assert matrix.test_pass_counts() == {10: 1, 11: 1, 12: 1}
    snap = matrix.snapshot()
    assert snap.passes.shape == (3, 3)
    assert snap.outcomes[2][0].status == "error" and "boom" in snap.outcomes[2][0].stderr
    assert not snap.passes.flags.writeable


def test_replacing_a_code_runs_one_row(matrix):
    matrix.refresh()
    matrix.set_code(2, RIGHT.replace("sum", " sum"))
    assert matrix.refresh() == 3
    assert matrix.code_pass_counts()[2] == 2


def test_replacing_a_test_input_runs_one_column(matrix):
    matrix.refresh()
    matrix.set_test(12, "4 4\n", "8")
    assert matrix.refresh() == 3
    assert matrix.test_pass_counts()[12] == 1


def test_changing_only_the_expected_output_runs_nothing(matrix):
    matrix.refresh()
    executions = matrix.executor.executions
    matrix.set_test(12, "0 0\n", "0")
    assert matrix.refresh() == 0
    assert matrix.executor.executions == executions
    assert matrix.test_pass_counts()[12] == 1
    assert matrix.passed(0, 12) and not matrix.passed(1, 12)


def test_identical_pairs_run_once(matrix):
    matrix.refresh()
    executions = matrix.executor.executions
    matrix.set_code(3, RIGHT)  # the same program under another id
    matrix.set_test(13, "1 2\n", "3")  # the same input under another id
    assert matrix.refresh() == 0  # every new cell is a (program, input) pair already run
    assert matrix.executor.executions == executions
    assert matrix.passed(3, 13) and matrix.code_pass_counts()[3] == 3


def test_removing_rows_and_columns(matrix):
    matrix.refresh()
    matrix.remove_code(1)
    matrix.remove_test(12)
    snap = matrix.snapshot()
    assert snap.code_ids == (0, 2) and snap.test_ids == (10, 11)
    assert snap.code_pass_counts.tolist() == [2, 0]
