"""Batch mode: a function-mode program's inputs one after another in one child (`Limits.isolate_inputs=False`)."""

import textwrap

from conftest import sandbox_leftovers
from cosplay_core.sandbox import Limits, Program

HOSTILE = textwrap.dedent("""
    import os, signal, sys
    calls = []
    def f(x):
        calls.append(x)
        if x == "raise":
            raise ValueError("bad input")
        if x.startswith("loop"):
            while True:
                pass
        if x == "exit":
            os._exit(0)
        if x == "print":
            print("to stdout")
            sys.stderr.write("to stderr")
        if x == "memory":
            return [0] * (10 ** 9)
        if x == "kill parent":
            os.kill(os.getppid(), signal.SIGKILL)
        return [x, len(calls)]
""")
# 1.5 s of CPU per input: filling 256 MB takes ~0.15 s of CPU here when quiet, several times that beside busy
# neighbours on this VM (page faults cost more CPU under contention), and the memory input must reach its cap
BATCH = Limits(time_limit_s=1.5, memory_mb=256, isolate_inputs=False)


def statuses(outcomes):
    return [o.status for o in outcomes]


def test_inputs_share_one_child_until_one_fails(executor):
    inputs = [["a"], ["b"], ["raise"], ["c"], ["loop"], ["d"], ["exit"], ["e"], ["print"], ["memory"], ["f"]]
    outcomes = executor.run(Program(HOSTILE, "function", "f"), inputs, BATCH)
    assert statuses(outcomes) == ["ok", "ok", "error", "ok", "timeout", "ok", "error", "ok", "ok", "memory_limit",
                                  "ok"]
    values = [o.value for o in outcomes]
    # the module runs once per child: the call count shows which inputs shared a child
    assert values[0] == ["a", 1] and values[1] == ["b", 2] and values[3] == ["c", 4]
    assert values[5] == ["d", 1]  # a fresh child after the timeout
    assert "bad input" in outcomes[2].stderr
    assert outcomes[8].stdout == "to stdout\n" and "to stderr" in outcomes[8].stderr
    assert outcomes[4].cpu_s >= BATCH.time_limit_s  # the loop was judged on its own CPU time
    assert sandbox_leftovers() == []


def test_batch_time_budget_stops_the_rest(executor):
    limits = Limits(time_limit_s=0.4, isolate_inputs=False, batch_time_limit_s=0.6)
    outcomes = executor.run(Program(HOSTILE, "function", "f"), [["a"], ["loop"], ["loop again"], ["b"]], limits)
    assert statuses(outcomes) == ["ok", "timeout", "timeout", "timeout"]
    assert "batch time limit" in outcomes[3].stderr


def test_killing_its_parent_in_batch_mode_changes_nothing(executor):
    # The program's parent is its namespace's init, which it may not signal: that call fails, the batch goes on.
    outcomes = executor.run(Program(HOSTILE, "function", "f"), [["a"], ["kill parent"], ["b"]], BATCH)
    assert statuses(outcomes) == ["ok", "error", "ok"]
    assert "PermissionError" in outcomes[1].stderr
    assert outcomes[2].value == ["b", 3]
    again = executor.run(Program(HOSTILE, "function", "f"), [["after"]], BATCH)
    assert again[0].ok and again[0].value == ["after", 1]
    assert sandbox_leftovers() == []


def test_same_results_as_isolated_mode_for_pure_functions(executor):
    source = "def f(n):\n    return sum(i * i for i in range(n))\n"
    inputs = [[n] for n in range(50)]
    isolated = executor.run(Program(source, "function", "f"), inputs, Limits())
    batched = executor.run(Program(source, "function", "f"), inputs, Limits(isolate_inputs=False))
    assert [o.value for o in isolated] == [o.value for o in batched]


def test_a_module_that_fails_to_load_fails_every_input(executor):
    outcomes = executor.run(Program("raise ImportError('no such module')\ndef f(x):\n    return x\n", "function",
                                    "f"), [[1], [2]], BATCH)
    assert statuses(outcomes) == ["error", "error"]
    assert all("no such module" in o.stderr for o in outcomes)


def test_a_server_started_with_another_stack_limit_is_restarted(executor):
    """The stack limit is set when a server starts: a job with another one gets a server started with its own."""
    program = Program("import resource\nprint(resource.getrlimit(resource.RLIMIT_STACK)[0] >> 20)\n")
    small = executor.run(program, ["1\n", "2\n"], Limits(stack_mb=64, time_limit_s=1.0))
    default = executor.run(program, ["1\n", "2\n"], Limits(time_limit_s=1.0))
    assert [o.stdout for o in small + default] == ["64\n"] * 2 + [f"{Limits().stack_mb}\n"] * 2
