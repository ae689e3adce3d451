"""Ground truth for HumanEval-format records, decided outside the candidate's process.

A record's ground truth is its own test code: `check(candidate)`, whose asserts (float tolerances, property checks
such as `poly(xs, candidate(xs))` or `candidate(encode(s)) == s`, random inputs) decide. Running `check` in the
candidate's process lets a wrong candidate fake a pass (`os._exit(0)`, an `__eq__` that always answers True, a
replaced `AssertionError`, a forged result on a descriptor). Here the candidate and `check` never share a process,
and all that passes between them is plain data (`typed_values`: None, numbers, strings, bytes and containers of
them, decoded without evaluating anything):

1. Record (trusted code, once per problem): the record's prompt and canonical solution, then its test code, run in
   the sandbox with `check` given a recording wrapper that stores the typed arguments of every call, in order,
   before the call. `random` is seeded alike before `check` in every phase, so randomized checks ask alike.
2. Candidate (untrusted, in the sandbox): the candidate's code with a wrapper entry point that decodes one call's
   arguments, calls the candidate's function and returns the typed encoding of its result (or the name of the
   builtin exception it raised, or what it did to mutable arguments). A candidate's calls run one after another
   in one child (batch mode); a crash, an exit or a timeout loses only the call it happened on, and that call then
   has no value. Whatever the candidate does in its process, what leaves it is data it could have returned.
3. Replay (trusted code only): the prompt (the function a stub) and the test code, with `check` given a replayer
   that at call k verifies the arguments are the recorded ones and returns the candidate's value k. `check`'s own
   asserts, with the record's helper functions, decide: the code is GT-correct when `check` returns. Many
   candidates' values replay in one batch of one program. Should a candidate lead `check` to ask for a call that
   the recording does not have (arguments that depend on earlier results, an argument the candidate mutated), the
   candidate is run again with that call in place and replayed again, round after round (at most `MAX_ROUNDS`); a
   record without a canonical solution is decided that way from its first call.

The entry point's name is bound to the wrapper (recording or replaying) as well as `check`'s argument: as in
HumanEval's harness, where `check` runs in the candidate's namespace, a call by name (`sort_third(...)` in
HumanEval/33) is a call of the candidate. A call the canonical solution makes to itself is not recorded.

A candidate's calls run first under a short CPU budget (`FIRST_BUDGET_S`), then, only when needed, again under the
whole limit. The calls before the first one the short budget stopped ran in the same process, in the same order, as
they would under the whole limit, so they have the same values; the replay is kept when it ends before needing the
stopped call (a wrong answer earlier, a different call asked for), and the code runs again under the whole limit
otherwise (or when its import alone outran the budget). Verdicts are those of the whole limit alone; a wrong code
that loops after an answer `check` already rejects costs the short budget, not the limit.

Each call's input to the candidate carries a hash of the candidate's whole list of calls and the call's index: the
executor runs identical inputs of a job once and caches outcomes, which would otherwise skip a stateful candidate's
repeated call or answer a later round's calls from an earlier child. A probe before the calls makes a code that does
not run, or defines no such function, wrong even when `check` calls nothing. What any phase prints is discarded.
"""

from __future__ import annotations

import binascii
import builtins
import functools
import hashlib
import inspect
import json
import marshal
import sys
import threading
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any, Callable

from cosplay_core.benchmarks import typed_values
from cosplay_core.benchmarks.typed_values import TypedValueError, decode, dumps, encode, loads, update_in_place
from cosplay_core.problem import ProblemError
from cosplay_core.sandbox import Job, Limits, Outcome, Program
from cosplay_core.sandbox.protocol import ExecutorLike

if TYPE_CHECKING:
    from cosplay_core.problem import Problem

__all__ = ["CHECK_SEED", "CheckJudge", "GTVerdict", "MAX_CALLS", "MAX_ROUNDS", "Recording"]

CHECK_SEED = 0  # `random.seed` before `check` in every phase, and before the candidate's code
MAX_CALLS = 10_000  # calls `check` may make of the candidate
MAX_ROUNDS = 200  # replays of one candidate beyond the first, for calls the recording does not have
FIRST_BUDGET_S = 0.25  # CPU seconds a candidate's calls first get; only a code whose replay needs more gets the limit
REPLAY_BATCH_CHARS = 16 << 20  # the values of one replay batch, at most (a larger set is split)
CANDIDATE_VALUE_BYTES = 16 << 20  # one answer of a candidate, at most
EXCEPTIONS = frozenset(name for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, Exception))
_CODEC = Path(typed_values.__file__).read_text(encoding="utf-8")


@dataclass(frozen=True)
class GTVerdict:
    """One code's ground truth: `correct`, and for a wrong code why (`reason`, one line)."""

    correct: bool
    reason: str = ""


@dataclass(frozen=True)
class Recording:
    """The calls `check` made of the canonical solution: each call's (args, kwargs) as typed JSON text, in order;
    whether the canonical solution passed, and why not."""

    calls: tuple[str, ...]
    passed: bool
    reason: str = ""


# ---- what runs inside the sandbox (standard library and the typed_values codec only) ----------------------------
# These functions' source is embedded in sandbox programs after the codec's text, which defines `encode`, `decode`,
# `dumps`, `loads`, `update_in_place` and `TypedValueError` there, as the imports above do here. The sandbox runs
# them without importing typing: their annotations that name a typing construct are strings.


def _sandbox_call(function: "Callable[..., Any]", call: str) -> dict:
    """In the candidate's process: the candidate's function on one call's typed (args, kwargs). Returns
    {"v": result} (typed), plus {"a": (args, kwargs) after the call} when the call changed them; {"x": exception
    name, "m": message} when it raised an Exception; {"bad": why} when the result has no typed encoding."""
    args, kwargs = loads(call)
    try:
        result = function(*args, **kwargs)
    except Exception as exc:
        import builtins as _builtins

        name = "Exception"
        for klass in type(exc).__mro__:
            if getattr(_builtins, getattr(klass, "__name__", ""), None) is klass:
                name = klass.__name__
                break
        try:
            message = str(exc)[:1000]
        except Exception:
            message = ""
        return {"x": name, "m": message}
    try:
        answer = {"v": encode(result, subclasses=True)}
        after = dumps((args, kwargs), subclasses=True)
    except TypedValueError as exc:
        return {"bad": str(exc)}
    if after != call:
        answer["a"] = after
    return answer


def _sandbox_failure(exc: BaseException) -> str:
    """`check`'s failure as one line: the exception, and the line of the test code it came from."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "check.py":
            line = tb.tb_lineno
        tb = tb.tb_next
    try:
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
    except Exception:
        text = ""
    where = f" (check.py line {line})" if line else ""
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def _sandbox_record(code: str, test: str, entry_point: str, seed: int, max_calls: int) -> dict:
    """In a trusted process: the prompt and canonical solution (`code`), the test code, and `check` on a wrapper
    that records each call's typed (args, kwargs) before the call. Returns {"calls", "passed", "reason"}, or
    {"unencodable": why, "at": k} when `check` passes something that is not a plain value."""
    import random

    class Stop(BaseException):
        pass

    namespace: dict[str, Any] = {"__name__": "__cosplay_check__"}
    exec(compile(code, "prompt.py", "exec", dont_inherit=True), namespace)
    exec(compile(test, "check.py", "exec", dont_inherit=True), namespace)
    function = namespace[entry_point]
    calls: list[str] = []
    state: dict[str, Any] = {"depth": 0, "end": None}

    def recorder(*args: "Any", **kwargs: "Any") -> "Any":
        if state["depth"]:  # the canonical solution calling itself
            return function(*args, **kwargs)
        if state["end"] is not None:
            raise Stop
        if len(calls) >= max_calls:
            state["end"] = {"too_many": len(calls)}
            raise Stop
        try:
            calls.append(dumps((args, kwargs)))
        except TypedValueError as exc:
            state["end"] = {"unencodable": str(exc), "at": len(calls)}
            raise Stop from None
        state["depth"] += 1
        try:
            return function(*args, **kwargs)
        finally:
            state["depth"] -= 1

    namespace[entry_point] = recorder
    random.seed(seed)
    try:
        namespace["check"](recorder)
        passed, reason = True, ""
    except Stop:
        passed, reason = False, ""
    except BaseException as exc:  # trusted code: any way out of check is a failure of the canonical solution
        passed, reason = False, _sandbox_failure(exc)
    if state["end"] is not None and "unencodable" in state["end"]:
        return state["end"]
    if state["end"] is not None:
        return {"calls": calls, "passed": False, "reason": f"check made more than {max_calls} calls"}
    return {"calls": calls, "passed": passed, "reason": reason}


def _sandbox_replay(prompt_code: "CodeType", test_code: "CodeType", entry_point: str, seed: int, recorded: list,
                    request: dict) -> dict:
    """In a trusted process: the prompt (its function a stub) and the test code, `check` given a replayer that
    answers call k with the candidate's value k when its arguments are `calls[k]`. Returns {"passed": True},
    {"passed": False, "reason"} ("missing": k when call k had no value), {"unknown": typed args, "at": k} at the
    first call the list does not have, or {"unencodable": why, "at": k}."""
    import builtins as _builtins
    import random

    class Stop(BaseException):
        pass

    calls = recorded if request.get("calls") is None else request["calls"]
    values = request["values"]
    namespace: dict[str, Any] = {"__name__": "__cosplay_check__"}
    exec(prompt_code, namespace)
    exec(test_code, namespace)
    state: dict[str, Any] = {"k": 0, "end": None}

    def replayer(*args: "Any", **kwargs: "Any") -> "Any":
        if state["end"] is not None:
            raise Stop
        k = state["k"]
        try:
            text = dumps((args, kwargs))
        except TypedValueError as exc:
            state["end"] = {"unencodable": str(exc), "at": k}
            raise Stop from None
        if k >= len(calls) or text != calls[k]:
            state["end"] = {"unknown": text, "at": k}
            raise Stop
        state["k"] = k + 1
        value = values[k] if k < len(values) else None
        if value is None:
            state["end"] = {"passed": False, "missing": k}
            raise Stop
        if "x" in value:
            kind = getattr(_builtins, value["x"], None)
            if not (isinstance(kind, type) and issubclass(kind, Exception)):
                kind = Exception
            try:
                error = kind(value.get("m", ""))
            except Exception:
                error = Exception(value.get("m", ""))
            raise error
        result = decode(value["v"])
        if "a" in value:  # what the candidate did to its arguments, done to check's objects
            new_args, new_kwargs = loads(value["a"])
            update_in_place(args, new_args)
            for key, new in new_kwargs.items():
                if key in kwargs:
                    update_in_place(kwargs[key], new)
        return result

    namespace[entry_point] = replayer
    random.seed(seed)
    try:
        namespace["check"](replayer)
        outcome: dict[str, Any] = {"passed": True}
    except Stop:
        outcome = {"passed": False}
    except BaseException as exc:  # trusted code: any way out of check is a failure of the candidate's values
        outcome = {"passed": False, "reason": _sandbox_failure(exc)}
    return state["end"] if state["end"] is not None else outcome


_CANDIDATE_MAIN = '''
import builtins as _cosplay_builtins
import os as _cosplay_os
import random as _cosplay_random
import sys as _cosplay_sys

_cosplay_sys.stdout = open(_cosplay_os.devnull, "w")  # what the code prints is not part of the verdict
_cosplay_random.seed({seed!r})
_cosplay_namespace = {{"__name__": "__cosplay_candidate__", "__builtins__": _cosplay_builtins}}
exec(compile({code!r}, "solution.py", "exec", dont_inherit=True), _cosplay_namespace)
if not callable(_cosplay_namespace.get({entry_point!r})):
    raise NameError("the code defines no function named " + {entry_point!r})
_cosplay_function = _cosplay_namespace[{entry_point!r}]


def _cosplay_call(call, key):
    if call == "probe":
        return "ready"
    return _sandbox_call(_cosplay_function, call)
'''

_TRUSTED_PRELUDE = '''
import os as _cosplay_os
import sys as _cosplay_sys

_cosplay_sys.stdout = open(_cosplay_os.devnull, "w")  # what the record's code prints is not part of the verdict
'''

_RECORD_MAIN = _TRUSTED_PRELUDE + '''

def _cosplay_record():
    return _sandbox_record({code!r}, {test!r}, {entry_point!r}, {seed!r}, {max_calls!r})
'''

_REPLAY_MAIN = _TRUSTED_PRELUDE + '''
_COSPLAY_PROMPT = compile({prompt!r}, "prompt.py", "exec", dont_inherit=True)
_COSPLAY_TEST = compile({test!r}, "check.py", "exec", dont_inherit=True)
_COSPLAY_RECORDED = {recorded!r}


def _cosplay_replay(request):
    return _sandbox_replay(_COSPLAY_PROMPT, _COSPLAY_TEST, {entry_point!r}, {seed!r}, _COSPLAY_RECORDED, request)
'''


@functools.lru_cache(maxsize=None)
def _sandbox_prefix(*functions: Callable[..., Any]) -> str:
    return "\n\n".join([_CODEC] + [inspect.getsource(f) for f in functions])


def _sandbox_source(*functions: Callable[..., Any], main: str) -> str:
    """A sandbox program: the codec, the given functions, then `main`."""
    return _sandbox_prefix(*functions) + "\n\n" + main


@functools.lru_cache(maxsize=None)
def _precompiled_prefix(*functions: Callable[..., Any]) -> str:
    """The codec and `functions` as a prefix that loads them already compiled (`marshal`, when the sandbox's
    interpreter has this one's bytecode; else from their source, compiled in the sandbox): one candidate's program
    then costs the sandbox a compile of its own code only, not of the codec's 13 KB (twice: the runner checks
    that a program compiles, and its process compiles it again). The bytecode travels compressed, as base64: a
    program of about 30 KB, under a pipe's buffer."""
    source = _sandbox_prefix(*functions)
    code = compile(source, "typed_values.py", "exec", dont_inherit=True)
    packed = binascii.b2a_base64(zlib.compress(marshal.dumps(code), 9), newline=False).decode("ascii")
    return (f"import binascii as _cosplay_binascii, marshal as _cosplay_marshal, sys as _cosplay_sys, "
            f"zlib as _cosplay_zlib\n"
            f"exec(_cosplay_marshal.loads(_cosplay_zlib.decompress(_cosplay_binascii.a2b_base64({packed!r})))\n"
            f"     if _cosplay_sys.implementation.cache_tag == {sys.implementation.cache_tag!r}\n"
            f"     else compile({source!r}, 'typed_values.py', 'exec', dont_inherit=True))\n")


# ---- the harness side -------------------------------------------------------------------------------------------


@dataclass
class _CandidateRun:
    """What one candidate answered to one list of calls: `values[k]` (a replay entry, or None: no value) and, for a
    call without a value, why (`missing[k]`); `load_error` when its code does not even run."""

    values: list[dict | None]
    missing: dict[int, str]
    load_error: str | None = None
    cut: int | None = None  # under the first budget: the first call it stopped (-1: the probe), when it stopped one


class CheckJudge:
    """Decides which codes pass a HumanEval-format problem's `check`, the candidates never sharing a process with
    it (module docstring). The recording is made once, on first use, and kept.

    `limits`: `time_limit_s` bounds the whole of one candidate's calls (its code's import included) and one replay
    of `check`; memory and the other limits apply as given.
    """

    def __init__(self, problem: Problem, limits: Limits | None = None) -> None:
        self.problem = problem
        self.limits = limits or problem.limits()
        test = getattr(problem, "check_code", "")
        if not test or not problem.entry_point:
            raise ProblemError(f"{problem.slug}: no HumanEval check code to decide ground truth with")
        self.test = test
        self.entry_point = problem.entry_point
        self.prompt = _stub_prompt(problem.statement, problem.reference, problem.slug)
        self.solution = problem.reference  # the prompt and the canonical solution, or None
        self._recording: Recording | None = None
        self._lock = threading.Lock()
        self._replay_program: Program | None = None

    # -- the three programs

    def candidate_program(self, code: str) -> Program:
        """The candidate's code behind a wrapper entry point `_cosplay_call(call, key)`: typed arguments in, the
        typed result out (`_sandbox_call`); `("probe", key)` answers "ready" once the code has run."""
        main = _CANDIDATE_MAIN.format(seed=CHECK_SEED, code=code, entry_point=self.entry_point)
        return Program(_precompiled_prefix(_sandbox_call) + main, "function", "_cosplay_call")

    def record_program(self) -> Program:
        main = _RECORD_MAIN.format(code=self.solution, test=self.test, entry_point=self.entry_point,
                                   seed=CHECK_SEED, max_calls=MAX_CALLS)
        return Program(_sandbox_source(_sandbox_failure, _sandbox_record, main=main), "function", "_cosplay_record")

    def replay_program(self, recording: Recording) -> Program:
        main = _REPLAY_MAIN.format(prompt=self.prompt, test=self.test, recorded=list(recording.calls),
                                   entry_point=self.entry_point, seed=CHECK_SEED)
        return Program(_sandbox_source(_sandbox_failure, _sandbox_replay, main=main), "function", "_cosplay_replay")

    # -- the phases

    def recording(self, executor: ExecutorLike) -> Recording:
        """The calls `check` makes of the canonical solution (none without one); made once, then kept.
        `ProblemError` when `check` passes the candidate something that is not a plain value."""
        with self._lock:
            if self._recording is None:
                self._recording = self._record(executor)
            return self._recording

    def _record(self, executor: ExecutorLike) -> Recording:
        if not self.solution:
            return Recording((), False, "no canonical solution")
        limits = replace(self.limits, time_limit_s=max(self.limits.time_limit_s, 10.0), isolate_inputs=True,
                         batch_time_limit_s=None)
        (outcome,), = executor.run_jobs([Job(self.record_program(), ([],), limits)])
        reply = outcome.value if outcome.ok and isinstance(outcome.value, dict) else None
        if reply is None:
            return Recording((), False, f"the canonical solution's check did not finish: {_last_line(outcome)}")
        if "unencodable" in reply:
            raise self._unencodable(reply)
        calls = reply.get("calls")
        if not (isinstance(calls, list) and all(isinstance(c, str) for c in calls)):
            return Recording((), False, "unreadable recording")
        return Recording(tuple(calls), bool(reply.get("passed")), str(reply.get("reason", "")))

    def _unencodable(self, reply: dict) -> ProblemError:
        return ProblemError(f"{self.problem.slug}: check passes call {reply.get('at')} of the candidate something "
                            f"that is not a plain value ({reply.get('unencodable')}): its ground truth cannot be "
                            "decided outside the candidate's process")

    def verdicts(self, codes: list[str], executor: ExecutorLike) -> list[GTVerdict]:
        """Each code's ground truth, in order (identical codes are decided once). `ProblemError` when `check`
        passes the candidate something that is not a plain value before any answer could have led it to."""
        recording = self.recording(executor)
        distinct = list(dict.fromkeys(codes))
        plans = {code: list(recording.calls) for code in distinct}
        # Each plan runs first under FIRST_BUDGET_S; a code is run again under the whole limit only when its
        # replay needs a call that the first budget stopped (module docstring): the same values, the same verdict.
        full = set(distinct) if self.limits.time_limit_s <= FIRST_BUDGET_S else set()
        changes = dict.fromkeys(distinct, 0)
        decided: dict[str, GTVerdict] = {}
        pending = distinct
        while pending:
            runs = self._run_candidates(pending, plans, executor, full)
            replayable, again = [], []
            for code in pending:
                if runs[code].cut == -1:
                    full.add(code)
                    again.append(code)
                elif runs[code].load_error is not None:
                    decided[code] = GTVerdict(False, f"the code does not run: {runs[code].load_error}")
                else:
                    replayable.append(code)
            replies = self._replay(replayable, plans, recording, runs, executor)
            pending = again
            for code, reply in zip(replayable, replies):
                cut = runs[code].cut
                if cut is not None and isinstance(reply.get("missing"), int) and reply["missing"] >= cut:
                    full.add(code)
                    pending.append(code)
                    continue
                verdict, call = self._read_reply(reply, runs[code], plans[code])
                if verdict is not None:
                    decided[code] = verdict
                elif call[0] >= MAX_CALLS:
                    decided[code] = GTVerdict(False, f"check made more than {MAX_CALLS} calls")
                elif changes[code] >= MAX_ROUNDS:
                    decided[code] = GTVerdict(False, f"undecided: check kept asking for calls the recording did "
                                                     f"not have ({MAX_ROUNDS} rounds)")
                else:
                    at, text = call
                    plans[code] = plans[code][:at] + [text] + plans[code][at + 1:]
                    changes[code] += 1
                    pending.append(code)
        return [decided[code] for code in codes]

    def correct(self, codes: list[str], executor: ExecutorLike) -> list[bool]:
        """For each code, in order: is it GT-correct?"""
        return [verdict.correct for verdict in self.verdicts(codes, executor)]

    def _candidate_limits(self, budget_s: float | None = None) -> Limits:
        """One batch per candidate: its import and all its calls within `budget_s` (default `time_limit_s`), each
        answer at most `CANDIDATE_VALUE_BYTES` (a batch's answers are all held by the harness at once)."""
        budget_s = self.limits.time_limit_s if budget_s is None else min(budget_s, self.limits.time_limit_s)
        return replace(self.limits, time_limit_s=budget_s, isolate_inputs=False, batch_time_limit_s=budget_s,
                       value_limit_bytes=min(self.limits.value_limit_bytes, CANDIDATE_VALUE_BYTES))

    def _run_candidates(self, codes: list[str], plans: dict[str, list[str]], executor: ExecutorLike,
                        full: set[str] | frozenset[str] = frozenset()) -> dict[str, _CandidateRun]:
        """Every code on its list of calls, each code's calls in one child after a probe that its code runs: the
        codes in `full` under the whole limit, the others under FIRST_BUDGET_S (`_CandidateRun.cut` says where a
        call ran out of it)."""
        whole, first = self._candidate_limits(), self._candidate_limits(FIRST_BUDGET_S)
        jobs = []
        for code in codes:
            plan = plans[code]
            key = hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:16]  # the outcome of call k depends on
            inputs = [["probe", key]] + [[call, f"{key}:{k}"] for k, call in enumerate(plan)]  # every call before it
            jobs.append(Job(self.candidate_program(code), tuple(inputs), whole if code in full else first))
        runs = {}
        for code, job, row in zip(codes, jobs, executor.run_jobs(jobs)):
            stopped = [k - 1 for k, o in enumerate(row) if o.status == "timeout"] if job.limits != whole else []
            cut = stopped[0] if stopped else None
            probe, calls = row[0], row[1:]
            if not (probe.ok and probe.value == "ready"):
                runs[code] = _CandidateRun([], {}, _last_line(probe) if not probe.ok else
                                           "its wrapper answered with something else (the process was tampered with)",
                                           cut)
                continue
            values, missing = [], {}
            for k, outcome in enumerate(calls):
                value, why = _read_answer(outcome)
                values.append(value)
                if value is None:
                    missing[k] = why
            runs[code] = _CandidateRun(values, missing, cut=cut)
        return runs

    def _replay(self, codes: list[str], plans: dict[str, list[str]], recording: Recording,
                runs: dict[str, _CandidateRun], executor: ExecutorLike) -> list[Any]:
        """`check` replayed on each code's values: one batch (or a few, for very large values) of one program."""
        if not codes:
            return []
        if self._replay_program is None:
            self._replay_program = self.replay_program(recording)
        limits = replace(self.limits, isolate_inputs=False, batch_time_limit_s=None)
        requests = [{"calls": None if plans[code] == list(recording.calls) else plans[code],
                     "values": runs[code].values} for code in codes]
        replies: list[Any] = []
        for chunk in _chunks(requests):
            (row,) = executor.run_jobs([Job(self._replay_program, tuple([r] for r in chunk), limits)])
            replies.extend(o.value if o.ok and isinstance(o.value, dict) else {"failed": _last_line(o)} for o in row)
        return replies

    def _read_reply(self, reply: dict, run: _CandidateRun, plan: list[str]) -> tuple[GTVerdict | None, Any]:
        """A replay's answer: a verdict, or (None, (k, arguments)) for a call the list did not have."""
        if "unknown" in reply:
            at, text = reply.get("at"), reply.get("unknown")
            if isinstance(at, int) and 0 <= at <= len(plan) and isinstance(text, str):
                return None, (at, text)
            return GTVerdict(False, "unreadable replay"), None
        if "unencodable" in reply:
            if reply.get("at") == 0:  # before any answer of the candidate's: the record's doing, not the code's
                raise self._unencodable(reply)
            return GTVerdict(False, f"undecidable: check passed call {reply.get('at')} something that is not a plain "
                                    f"value ({reply.get('unencodable')}), after this code's earlier answers"), None
        if "failed" in reply:
            return GTVerdict(False, f"the replay of check did not finish: {reply['failed']}"), None
        if reply.get("passed") is True:
            return GTVerdict(True), None
        if "missing" in reply:
            k = reply["missing"]
            return GTVerdict(False, f"call {k} {run.missing.get(k, 'has no value')}"), None
        return GTVerdict(False, f"check failed: {reply.get('reason') or 'it stopped'}"), None


def _read_answer(outcome: Outcome) -> tuple[dict | None, str]:
    """One call's answer as a replay entry ({"v"}, {"v", "a"} or {"x", "m"}, in canonical typed form), or None and
    why the call has no value. What the candidate's process sent is only data: it is decoded, never trusted."""
    if not outcome.ok:
        what = {"timeout": "timed out", "memory_limit": "ran out of memory",
                "output_limit": "printed or returned too much"}.get(outcome.status, "failed")
        lines = [line.strip() for line in (outcome.stderr or "").splitlines() if line.strip()]
        return None, f"{what} ({lines[-1][:300]})" if lines else what
    answer = outcome.value
    if not isinstance(answer, dict):
        return None, "gave an unreadable answer"
    if "bad" in answer:
        return None, f"returned what is not a plain value ({str(answer['bad'])[:200]})"
    if "x" in answer:
        name, message = answer.get("x"), answer.get("m", "")
        if name not in EXCEPTIONS or not isinstance(message, str):
            return None, "gave an unreadable answer"
        return {"x": name, "m": message[:1000]}, ""
    try:
        entry = {"v": encode(decode(answer["v"]))}
        if "a" in answer:
            after = loads(answer["a"])
            if not (type(after) is tuple and len(after) == 2 and type(after[1]) is dict):
                raise TypedValueError("mutated arguments must be (args, kwargs)")
            entry["a"] = dumps(after)
    except (KeyError, TypedValueError) as exc:
        return None, f"gave an unreadable answer ({exc})"
    return entry, ""


def _chunks(requests: list[dict]) -> list[list[dict]]:
    chunks: list[list[dict]] = [[]]
    size = 0
    for request in requests:
        length = len(json.dumps(request))
        if chunks[-1] and size + length > REPLAY_BATCH_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(request)
        size += length
    return chunks


def _last_line(outcome: Outcome) -> str:
    lines = [line for line in (outcome.stderr or "").strip().splitlines() if line.strip()]
    return f"{outcome.status}: {lines[-1].strip()[:300]}" if lines else outcome.status


def _stub_prompt(prompt: str, reference: str | None, slug: str) -> str:
    """The prompt as a module (its function a docstring stub); one that ends in a bare `def` gets a `pass`, and one
    that does not compile even so gives way to the prompt with its canonical solution (trusted code too)."""
    for text in (prompt, prompt.rstrip("\n") + "\n    pass\n", reference):
        if not text:
            continue
        try:
            compile(text, "prompt.py", "exec", dont_inherit=True)
            return text
        except (SyntaxError, ValueError):
            continue
    raise ProblemError(f"{slug}: the prompt does not compile on its own")
