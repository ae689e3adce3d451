"""No candidate can fake a HumanEval pass: ground truth is decided outside the candidate's process (check_replay.py),
in the real sandbox, on the real HumanEval records in ../shared/data.

Every forgery below is a wrong program dressed up to pass: it exits the process in each way there is, answers with
an object that equals anything, rewrites builtins, modules or the record's helper functions, reads the expected
answer from its caller, or writes a forged result on a descriptor. The in-process harness that came before (code,
test code and `check` in one sandboxed process) scored 14 of them correct: the four exits with status 0, the
always-equal object, the caller's bytecode, both /2 forgeries, both /32 ones, both /38 ones and both /53 ones.
Here each is wrong, and says why. The second half
holds the other side: what `check` may legitimately do (expect an exception, look at an argument the candidate
mutated, ask for calls that depend on earlier answers, have no canonical solution) is judged as HumanEval's own
harness judges it.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import SHARED_DATA, require_shared
from cosplay_core.benchmarks import ground_truth_for
from cosplay_core.benchmarks.check_replay import CheckJudge
from cosplay_core.benchmarks.humaneval import gt_verdicts, load_humaneval
from cosplay_core.problem import ProblemError

HUMANEVAL = SHARED_DATA / "HumanEval.jsonl.gz"
FAST = 1.0  # seconds for all of one candidate's calls: the forgeries that hang need no more


@pytest.fixture(scope="module")
def problems():
    return {p.slug: p for p in load_humaneval(require_shared(HUMANEVAL))}


def body(problem, text: str, after: str = "") -> str:
    """The prompt with `text` as the function's body, and `after` at the top level after it."""
    return problem.statement + textwrap.indent(textwrap.dedent(text), "    ") + "\n" + textwrap.dedent(after)


# slug -> {name: (body, code after the function)}; every one is a wrong solution of its problem
FORGERIES = {
    "HumanEval/0": {  # has_close_elements -> bool
        "posix _exit(0) in the call": ("import posix\nposix._exit(0)", ""),
        "_exit(0) registered with atexit": ("return None", "import atexit, posix\natexit.register(posix._exit, 0)\n"),
        "os.execv('/bin/true')": ("import os\nos.execv('/bin/true', ['true'])", ""),
        "libc _exit through ctypes": ("import ctypes\nctypes.CDLL(None)._exit(0)", ""),
        "sys.exit(0) at import": ("return True", "import sys\nsys.exit(0)\n"),
        "raise SystemExit": ("raise SystemExit(0)", ""),
        "KeyboardInterrupt": ("raise KeyboardInterrupt", ""),
        "an always-equal object": ("""
            class Equal:
                def __eq__(self, other): return True
                def __ne__(self, other): return False
                def __bool__(self): return True
                def __hash__(self): return 0
            return Equal()
            """, ""),
        "a set of always-equal objects": ("""
            class Equal:
                def __eq__(self, other): return True
                def __hash__(self): return 0
            return {Equal()}
            """, ""),
        "AssertionError replaced in builtins": (
            "return None",
            "import builtins\nbuiltins.AssertionError = type('AssertionError', (BaseException,), {})\n"),
        "builtins rewritten": ("return None", """
            import builtins
            builtins.isinstance = lambda *a: True
            builtins.abs = lambda x: 0
            builtins.len = lambda x: 0
            builtins.__import__ = None
            """),
        "sys.modules rewritten": ("return None", """
            import sys, types
            fake = types.ModuleType("json")
            fake.dumps = lambda *a, **k: '{"v": true}'
            fake.loads = lambda *a, **k: {"v": True}
            sys.modules["json"] = fake
            sys.modules["random"] = fake
            """),
        "json.dumps patched to answer True": ("return None", """
            import json
            json.dumps = lambda *a, **k: '{"v": true}'
            """),
        "a forged result on fds 1, 3 and 4": ("""
            import os
            for fd in (1, 3, 4):
                for text in (b'{"status": "ok", "value": {"v": true}}\\n', b'v 11\\n{"v": true}', b'ok\\n'):
                    try:
                        os.write(fd, text)
                    except OSError:
                        pass
            return None
            """, ""),
        "the answer read from the caller's bytecode": ("""
            import dis, sys
            frame = sys._getframe(1)
            for instruction in dis.get_instructions(frame.f_code):
                if instruction.offset > frame.f_lasti and instruction.opname == "LOAD_CONST":
                    return instruction.argval
            return False
            """, ""),
        "os.kill of its parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nreturn True", ""),
        "an infinite loop": ("while True:\n    pass", ""),
        "a huge return value": ("return 'x' * (48 << 20)", ""),
        "a deeply nested return value": ("value = []\nfor _ in range(100_000):\n    value = [value]\nreturn value", ""),
        "a generator": ("yield True", ""),
        "a right answer then an exit": ("""
            import os
            global CALLS
            CALLS = globals().get("CALLS", 0) + 1
            if CALLS > 1:
                os._exit(0)
            return True
            """, ""),
    },
    "HumanEval/2": {  # truncate_number -> float, checked with abs(...) < 1e-6
        "a float whose comparisons and subtraction lie": ("""
            class Close(float):
                def __eq__(self, other): return True
                def __sub__(self, other): return 0.0
                def __rsub__(self, other): return 0.0
                __hash__ = float.__hash__
            return Close(0.0)
            """, ""),
        "abs() replaced in builtins": ("return 0.5", "import builtins\nbuiltins.abs = lambda x: 0\n"),
    },
    "HumanEval/32": {  # find_zero, checked with math.fabs(poly(xs, candidate(xs))) < 1e-4
        "the record's helper poly redefined": ("return 0.0", "def poly(xs, x):\n    return 0.0\n"),
        "math replaced in sys.modules": ("return 0.0", """
            import math, sys, types
            fake = types.ModuleType("math")
            fake.__dict__.update(vars(math))
            fake.fabs = lambda x: 0.0
            sys.modules["math"] = fake
            """),
    },
    "HumanEval/38": {  # decode_cyclic, checked with candidate(encode_cyclic(s)) == s
        "the record's helper encode_cyclic redefined": ("return s", "def encode_cyclic(s):\n    return s\n"),
        "a str whose __eq__ lies": ("""
            class Same(str):
                def __eq__(self, other): return True
                __hash__ = str.__hash__
            return Same("")
            """, ""),
    },
    "HumanEval/53": {  # add, with random inputs after five fixed ones
        "an int whose __eq__ lies": ("""
            class Same(int):
                def __eq__(self, other): return True
                __hash__ = int.__hash__
            return Same(0)
            """, ""),
        "random patched to ask what it knows": (
            "return {(0, 1): 1, (1, 0): 1, (2, 3): 5, (5, 7): 12, (7, 5): 12}.get((x, y), 0)",
            "import random\nrandom.randint = lambda a, b: 0\n"),
    },
}


@pytest.fixture(scope="module")
def forged_verdicts(problems, executor):
    """{(slug, name): GTVerdict}: each problem's forgeries decided in one call, under a 1 s limit."""
    verdicts = {}
    for slug, forgeries in FORGERIES.items():
        problem = problems[slug]
        codes = [body(problem, text, after) for text, after in forgeries.values()]
        limits = problem.limits(time_limit_s=FAST, memory_mb=256)
        for name, verdict in zip(forgeries, gt_verdicts(problem, codes, executor, limits)):
            verdicts[(slug, name)] = verdict
    return verdicts


@pytest.mark.parametrize("slug, name", [(s, n) for s, f in FORGERIES.items() for n in f])
def test_a_forgery_is_wrong(forged_verdicts, slug, name):
    verdict = forged_verdicts[(slug, name)]
    assert not verdict.correct and verdict.reason, (slug, name)


def test_forgeries_fail_for_the_reason_they_deserve(forged_verdicts):
    reason = {name: forged_verdicts[("HumanEval/0", name)].reason for name in FORGERIES["HumanEval/0"]}
    assert reason["sys.exit(0) at import"].startswith("the code does not run")
    assert reason["posix _exit(0) in the call"].startswith("call 0 failed")
    assert "not a plain value" in reason["an always-equal object"] and "Equal" in reason["an always-equal object"]
    assert "nested" in reason["a deeply nested return value"]
    assert reason["an infinite loop"].startswith("call 0 timed out")
    assert reason["a right answer then an exit"].startswith("call 1 failed")
    assert reason["a forged result on fds 1, 3 and 4"].startswith("call 0 failed")
    assert reason["json.dumps patched to answer True"].startswith("the code does not run")
    for name in ("_exit(0) registered with atexit", "AssertionError replaced in builtins", "sys.modules rewritten",
                 "the answer read from the caller's bytecode"):
        assert reason[name].startswith("check failed: "), (name, reason[name])
    assert forged_verdicts[("HumanEval/32", "the record's helper poly redefined")].reason.startswith(
        "check failed: AssertionError")


def test_the_right_solutions_pass_beside_the_forgeries(problems, executor):
    chosen = {slug: problems[slug] for slug in FORGERIES}
    for slug, problem in chosen.items():
        forgery = next(iter(FORGERIES[slug].values()))
        verdicts = gt_verdicts(problem, [problem.reference, body(problem, *forgery)], executor)
        assert [v.correct for v in verdicts] == [True, False], (slug, verdicts)


# ---- what check may legitimately do -----------------------------------------------------------------------------


def record_problem(tmp_path, test: str, solution: str | None, entry_point: str = "f", prompt: str | None = None):
    """A one-record HumanEval-format file, loaded as a problem."""
    record = {"task_id": "T/0", "prompt": prompt or f"def {entry_point}(*args, **kwargs):\n    \"\"\"doc\"\"\"\n",
              "test": textwrap.dedent(test), "entry_point": entry_point}
    if solution is not None:
        record["canonical_solution"] = textwrap.indent(textwrap.dedent(solution), "    ")
    path = tmp_path / "record.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return load_humaneval(path)[0]


def define(function: str) -> str:
    return textwrap.dedent(function)


def test_an_exception_that_check_expects_is_carried_as_an_exception(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            assert candidate(4) == 2
            try:
                candidate(-1)
            except ValueError as error:
                assert "negative" in str(error)
            else:
                assert False, "no error for a negative number"
        """, "x = args[0]\nif x < 0:\n    raise ValueError('negative input')\nreturn int(x ** 0.5)\n")
    raises = define("""
        def f(x):
            if x < 0:
                raise ValueError("negative")
            return int(x ** 0.5)
        """)
    subclass = raises.replace("raise ValueError", "raise type('MathDomain', (ValueError,), {})")
    silent = define("def f(x):\n    return int(abs(x) ** 0.5)\n")
    wrong_kind = raises.replace("ValueError", "TypeError")
    verdicts = gt_verdicts(problem, [problem.reference, raises, subclass, silent, wrong_kind], executor)
    assert [v.correct for v in verdicts] == [True, True, True, False, False], verdicts
    assert "no error for a negative number" in verdicts[3].reason and "TypeError" in verdicts[4].reason


def test_what_a_candidate_does_to_its_arguments_is_seen_by_check(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            numbers = [3, 1, 2]
            candidate(numbers)
            assert numbers == [1, 2, 3]
            table = {"b": [2, 1]}
            candidate(table["b"], reverse=False)
            assert table == {"b": [1, 2]}
        """, "args[0].sort(reverse=kwargs.get('reverse', False))\n")
    in_place = define("def f(items, reverse=False):\n    items.sort(reverse=reverse)\n")
    copy = define("def f(items, reverse=False):\n    return sorted(items, reverse=reverse)\n")
    verdicts = gt_verdicts(problem, [problem.reference, in_place, copy], executor)
    assert [v.correct for v in verdicts] == [True, True, False], verdicts


def test_calls_that_depend_on_earlier_answers_are_replayed_round_by_round(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            x = candidate(1)
            y = candidate(x)
            assert y == 4
            assert candidate(y, y) == 8
        """, "return sum(args) * 2 if len(args) == 1 else sum(args)\n")
    double = define("def f(*a):\n    return sum(a) * 2 if len(a) == 1 else sum(a)\n")
    # f(1) = 3 and f(3) = 4: not the canonical answers, but check asks only what it asks, and is satisfied
    other_path = define("def f(*a):\n    return {(1,): 3, (3,): 4, (4, 4): 8}.get(a, 0)\n")
    square = define("def f(*a):\n    return a[0] * a[0]\n")
    verdicts = gt_verdicts(problem, [problem.reference, double, other_path, square], executor)
    assert [v.correct for v in verdicts] == [True, True, True, False], verdicts


def test_a_record_without_canonical_solution_is_decided_from_its_first_call(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            import random
            for _ in range(5):
                x = random.randint(0, 100)
                assert candidate(x) == x + 1
        """, None)
    assert problem.reference is None
    right = define("def f(x):\n    return x + 1\n")
    wrong = define("def f(x):\n    return x + 1 if x < 50 else x\n")
    judge = CheckJudge(problem)
    assert [v.correct for v in judge.verdicts([right, wrong, "not python"], executor)] == [True, False, False]
    assert judge.recording(executor).calls == ()


def test_a_stateful_candidate_sees_every_call_in_order(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            assert candidate(7) == 1
            assert candidate(7) == 2
            assert candidate(7) == 3
        """, "global CALLS\nCALLS = globals().get('CALLS', 0) + 1\nreturn CALLS\n")
    counter = define("CALLS = 0\n\ndef f(x):\n    global CALLS\n    CALLS += 1\n    return CALLS\n")
    constant = define("def f(x):\n    return 1\n")
    assert [v.correct for v in gt_verdicts(problem, [problem.reference, counter, constant], executor)] == [
        True, True, False]


def test_check_calling_the_function_by_name_calls_the_candidate(problems, executor):
    problem = problems["HumanEval/33"]  # tuple(candidate(x)) == tuple(sort_third(x)), then fixed answers
    wrong = body(problem, "return l")
    verdicts = gt_verdicts(problem, [problem.reference, wrong], executor)
    assert [v.correct for v in verdicts] == [True, False]
    assert "line 10" in verdicts[1].reason  # past the three by-name asserts (lines 7-9): any function passes them


def test_plain_values_in_subclasses_count_as_their_values(problems, executor):
    problem = problems["HumanEval/111"]  # histogram -> dict
    counter = body(problem, """
        from collections import Counter
        counts = Counter(test.split())
        top = max(counts.values(), default=0)
        return Counter({k: v for k, v in counts.items() if v == top and k})
        """)
    assert gt_verdicts(problem, [counter], executor)[0].correct


def test_a_candidate_that_uses_random_leaves_checks_randomness_alone(problems, executor):
    problem = problems["HumanEval/53"]
    noisy = body(problem, "import random\nrandom.random(); random.seed(12345)\nreturn x + y")
    assert gt_verdicts(problem, [noisy], executor)[0].correct


def test_a_check_that_passes_the_candidate_a_function_is_refused(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            assert candidate(lambda v: v + 1, 2) == 3
        """, "return args[0](args[1])\n")
    with pytest.raises(ProblemError, match="not a plain value"):
        gt_verdicts(problem, [problem.reference], executor)


def test_ground_truth_for_a_record_uses_the_judge(problems, executor):
    problem = problems["HumanEval/2"]
    truth = ground_truth_for(problem, executor)
    right, wrong = body(problem, "return number % 1.0"), body(problem, "return number")
    forged = FORGERIES["HumanEval/2"]["a float whose comparisons and subtraction lie"]
    assert truth.codes_correct([right, wrong, body(problem, *forged), right]) == [True, False, False, True]
    assert truth.executions > 0


def test_a_non_plain_argument_that_a_candidates_answer_led_to_makes_that_candidate_undecidable(tmp_path, executor):
    problem = record_problem(tmp_path, """
        def check(candidate):
            x = candidate(1)
            if x == 2:
                assert candidate(2) == 4
            else:
                assert candidate(lambda: x) == 0
        """, "return args[0] * 2\n")
    other = define("def f(x):\n    return 5 if x == 1 else 0\n")
    verdicts = gt_verdicts(problem, [problem.reference, other], executor)
    assert verdicts[0].correct and not verdicts[1].correct
    assert verdicts[1].reason.startswith("undecidable: check passed call 1 something that is not a plain value")


def test_rounds_for_calls_the_recording_lacks_are_bounded(tmp_path, executor, monkeypatch):
    from cosplay_core.benchmarks import check_replay

    monkeypatch.setattr(check_replay, "MAX_ROUNDS", 3)
    problem = record_problem(tmp_path, """
        def check(candidate):
            i = 0
            while candidate(i) != 0:
                i += 1
        """, "return 0\n")
    never_zero = define("def f(i):\n    return 1\n")
    verdicts = gt_verdicts(problem, [problem.reference, never_zero], executor)
    assert verdicts[0].correct and verdicts[1] == check_replay.GTVerdict(
        False, "undecided: check kept asking for calls the recording did not have (3 rounds)")
