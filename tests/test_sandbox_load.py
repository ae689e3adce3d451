"""Verdicts do not depend on how busy the machine is: a program judged by CPU time keeps its verdict when CPU-bound
neighbours starve it, and the wall-clock backstop (which is there for sleepers) does not count the time the program
waited for a CPU."""

import subprocess
import sys

import pytest

from cosplay_core.sandbox import Limits, Program

# 0.5 s of CPU against a 1 s limit; the backstop is 1 x 1 s + 1 s = 2 s of wall time. Beside HOGS busy processes
# on this machine's cores the program gets a fraction of a CPU, so its wall time passes 2 s while its CPU does not
# reach 1 s.
BUSY = """
import time
start = time.process_time()
while time.process_time() - start < 0.5:
    pass
print("done")
"""
TIGHT_BACKSTOP = Limits(time_limit_s=1.0, memory_mb=256, wall_time_factor=1.0)
HOGS = 8


@pytest.fixture
def hogs():
    procs = [subprocess.Popen([sys.executable, "-I", "-S", "-c", "while True: pass"]) for _ in range(HOGS)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_a_starved_program_is_not_stopped_by_the_backstop(executor, hogs):
    [outcome] = executor.run(Program(BUSY, "stdin"), ["\n"], TIGHT_BACKSTOP)
    assert outcome.status == "ok", outcome.stderr
    assert outcome.stdout == "done\n"
    assert outcome.cpu_s < TIGHT_BACKSTOP.time_limit_s


def test_a_sleeper_is_still_stopped_by_the_backstop_on_a_busy_machine(executor, hogs):
    [outcome] = executor.run(Program("import time\ntime.sleep(60)\n", "stdin"), ["\n"], TIGHT_BACKSTOP)
    assert outcome.status == "timeout"
    assert "wall-clock backstop" in outcome.stderr


def test_a_starved_input_of_a_batch_keeps_its_verdict(executor, hogs):
    program = Program("import time\ndef f(x):\n    start = time.process_time()\n"
                      "    while time.process_time() - start < 0.5:\n        pass\n    return x\n", "function", "f")
    outcomes = executor.run(program, [[1], [2]], Limits(time_limit_s=1.0, memory_mb=256, wall_time_factor=1.0,
                                                          isolate_inputs=False))
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert [o.value for o in outcomes] == [1, 2]


def test_a_timeout_at_the_memory_cap_is_a_memory_limit():
    """At the cap the kernel reclaims before it kills (the interpreter's own pages too), for as long as the cgroup's
    other contents allow: the same program may run out of CPU first. The harness calls that a memory_limit."""
    from cosplay_core.sandbox.outcome import Outcome
    from cosplay_core.sandbox.server import _at_the_memory_cap

    outcome = _at_the_memory_cap(Outcome("timeout", stderr="Traceback: ...", cpu_s=0.6))
    assert outcome.status == "memory_limit" and outcome.cpu_s == 0.6
    assert outcome.stderr.startswith("Traceback: ...\nsandbox: the program reached its memory cap")


def test_a_program_over_the_memory_cap_is_a_memory_limit_every_time(executor):
    program = Program("def f(n):\n    return len([0] * n)\n", "function", "f")
    limits = Limits(time_limit_s=1.5, memory_mb=256, isolate_inputs=False)  # room to fill the cap under load
    for _ in range(3):
        outcomes = executor.run(program, [[10], [10 ** 9], [20]], limits)
        assert [o.status for o in outcomes] == ["ok", "memory_limit", "ok"]


def test_a_server_without_its_memory_cgroup_still_caps_memory(monkeypatch):
    """When no memory cgroup can be made for a server (the kernel refuses one: too many, or a busy hierarchy), the
    program runs under the address-space limit instead, never uncapped."""
    from cosplay_core.sandbox import Executor, isolation

    own_cgroup = isolation._own_cgroup
    program = Program("def f(n):\n    return len([0] * n)\n", "function", "f")
    with Executor(workers=1, cache=False) as executor:
        if executor.isolation.memory_cap != "cgroup":
            pytest.skip("no memory cgroups here: the address-space limit is the cap anyway")
        # the machine has memory cgroups, but this server's cannot be made
        monkeypatch.setattr(isolation, "_own_cgroup", lambda controller: None if controller == "memory"
                            else own_cgroup(controller))
        outcomes = executor.run(program, [[10], [10 ** 9], [20]],
                                Limits(time_limit_s=1.5, memory_mb=256, isolate_inputs=False))
    assert [o.status for o in outcomes] == ["ok", "memory_limit", "ok"]
