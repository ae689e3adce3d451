"""Pool-relative time limits: a candidate far slower than its peers times out early; a slow input keeps the full
limit when the whole pool needs it."""

from cosplay_core.sandbox import Job, Limits, Program
from cosplay_core.sandbox.relative import PROBE_TIME_LIMIT_S, run_relative

FAST = "print(int(input()) * 2)"
SLOW = "x = int(input())\nsum(range(40_000_000))\nprint(x * 2)"  # about a second of CPU
LIMITS = Limits(time_limit_s=2.0)


def jobs(*sources, inputs=("1\n", "2\n")):
    return [Job(Program(s), tuple(inputs), LIMITS) for s in sources]


def test_a_candidate_far_slower_than_the_pool_times_out_early(executor):
    rows = run_relative(executor, jobs(FAST, FAST + " ", FAST + "  ", SLOW), factor=20)
    assert [o.status for o in rows[0]] == ["ok", "ok"]
    slow = rows[3]
    assert [o.status for o in slow] == ["timeout", "timeout"]
    assert all(o.cpu_s < 0.9 for o in slow)
    assert "pool-relative" in slow[0].stderr


def test_without_a_factor_the_full_limit_applies(executor):
    rows = run_relative(executor, jobs(FAST, SLOW), factor=None)
    assert [o.status for o in rows[1]] == ["ok", "ok"]
    assert rows[1][0].stdout == "2\n"


def test_an_input_slow_for_the_whole_pool_keeps_the_full_limit(executor):
    spin = f"import time\nx = int(input())\nend = time.process_time() + {PROBE_TIME_LIMIT_S * 2}\n" \
           "while time.process_time() < end:\n    pass\nprint(x)"
    slowish = spin
    rows = run_relative(executor, jobs(slowish, slowish + " ", slowish + "  "), factor=20)
    assert all(o.status == "ok" for row in rows for o in row)
