"""LMPlayer end to end: prompts rendered from the templates, sent through the real Anthropic and OpenAI SDK adapters
to the fake model server on 127.0.0.1, completions parsed (messy ones included), failures retried and recorded,
input generators run in the real sandbox, and a whole CoSPlay run driven by it."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from pathlib import Path

import pytest

from cosplay_core import prompts
from cosplay_core.config import RunConfig
from cosplay_core.models import Budget, BudgetExceeded, ModelClient, ResponseCache, create_model
from cosplay_core.players.lm_player import LMPlayer
from cosplay_core.players.contract import stage3_input_kinds
from cosplay_core.problem import load_problem
from cosplay_core.run import Run, RunInterrupted
from cosplay_core.sandbox import Outcome
from fake_llm_server import FakeLLMServer

SAMPLES = Path(__file__).resolve().parent.parent / "sample_problems"
PROVIDERS = ["openai", "anthropic"]
MARK = re.compile(r"^### Request: (\w+)", re.M)


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def stdin_problem():
    return load_problem(SAMPLES / "max_subarray")


@pytest.fixture(scope="module")
def function_problem():
    return load_problem(SAMPLES / "run_length")


# ---- a scripted model that recognises each template by its marker line --------------------------------------------


def request_kind(request) -> str:
    """The template a request was rendered from ("code", "predict_output", ...), from its marker line."""
    match = MARK.search(request.texts()[-1])
    return match.group(1) if match else "unknown"


class Script:
    """Answers each request by its kind: a string, a list (answer n to the n-th request of that kind, the last one
    repeated), or a callable(request, n). Unscripted kinds get a polite non-answer."""

    def __init__(self, **answers):
        self.answers = answers
        self.seen: Counter = Counter()
        self._lock = threading.Lock()

    def __call__(self, request):
        kind = request_kind(request)
        with self._lock:
            n = self.seen[kind]
            self.seen[kind] += 1
        answer = self.answers.get(kind)
        if answer is None:
            return "I am not sure what you are asking for."
        if isinstance(answer, list):
            return answer[min(n, len(answer) - 1)]
        if callable(answer):
            return answer(request, n)
        return answer


def make_player(provider, server, problem, executor, *, events=None, calls=None, budget=None, cache=None,
                max_retries=2, concurrency=8, **options):
    if provider == "anthropic":
        model = create_model("anthropic:claude-test", api_key="sk-ant-test-key-123", base_url=server.url)
    else:
        model = create_model("openai:test-model", api_key="sk-test-key-123", base_url=server.openai_base_url)
    client = ModelClient(model, concurrency=concurrency, max_retries=max_retries, backoff_base_s=0.01,
                         backoff_max_s=0.05, budget=budget,
                         cache=cache, on_call=calls.append if calls is not None else None)
    return LMPlayer(problem, client, executor, on_event=events.append if events is not None else None,
                    timeout_s=20, **options)


async def using(player, coro_fn):
    """Run `coro_fn(player)` and close the player's connections (in the same event loop)."""
    try:
        return await coro_fn(player)
    finally:
        await player.aclose()


# ---- completions as a model writes them: prose, several fences, formats slightly off ------------------------------

HINTS = """Here are six different ways to look at it.

```json
[
  "Kadane's algorithm: the best block ending at each position, O(n).",
  "Prefix sums with the minimum prefix seen so far, O(n).",
  "Divide and conquer on the middle element, O(n log n).",
  "Brute force over all pairs, O(n^2).",
]
```
"""

PLAN = """Plan:
1. Read n and the n integers.
2. Keep `cur`, the best sum of a block ending here, and `best`, the best seen.
3. For each value x: cur = max(x, cur + x); best = max(best, cur).
4. Print best. An all-negative array gives its largest element.
"""

ATTACKS = """A program following this plan could fail on:

1. All elements negative, so the answer is the largest element, not 0.
2. n = 1 with the smallest value, -10^9.
3. The best block ends at the very last element.

Each deserves a test.
"""

TEST_INPUT_RANDOM = "I'll mix positive and negative values.\n\n```\n6\n3 -4 5 -1 2 -8\n```\n"
TEST_INPUT_ATTACK = "Everything negative:\n\n```input\n4\n-5 -2 -7 -3\n```\n\nThe answer should be -2."
PREDICT = """Let me trace Kadane's algorithm on

```
6
3 -4 5 -1 2 -8
```

cur: 3, -1 -> 5 (restart), 4, 6, -2. best = 6.

**Final answer**

```output
6
```
"""


def code_answer(source: str) -> str:
    return (f"I'll keep a running best.\n\n```python\n{source.strip()}\n```\n\nRun it with:\n\n"
            "```bash\npython3 solution.py < input.txt\n```\n")


GEN_STDIN = '''Here is a generator:

```python
import random


def generate(rng: random.Random, kind: str) -> str:
    n = {"edge": 1, "large": 5000}.get(kind) or rng.randint(2, 12)
    values = [rng.randint(-20, 20) for _ in range(n)]
    return f"{n}\\n{' '.join(map(str, values))}\\n"
```
'''

GEN_FUNCTION = '''```python
import json
import random


def generate(rng: random.Random, kind: str) -> str:
    s = "".join(rng.choice("ab Z") * rng.randint(1, 3) for _ in range(rng.randint(0, 8)))
    return json.dumps([s])
```
'''

FUNCTION_CODE = '''Runs, left to right:

```python
def encode_runs(s):
    runs = []
    for ch in s:
        if runs and runs[-1][0] == ch:
            runs[-1][1] += 1
        else:
            runs.append([ch, 1])
    return runs
```

Example:

```python
print(encode_runs("aaab"))
```
'''

BUGGY_STDIN = "n = int(input())\nprint(max(map(int, input().split())))\n"


# ---- every request type, both providers ---------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_request_type_parses_messy_completions(provider, stdin_problem, executor):
    reference = stdin_problem.reference
    script = Script(hints=HINTS, plan=PLAN, attacks=ATTACKS, code=code_answer(reference),
                    test_input=lambda request, n: TEST_INPUT_ATTACK if "(attack)" in request.texts()[-1]
                    else TEST_INPUT_RANDOM,
                    predict_output=PREDICT, repair="The slice was off by one. Fixed:\n\n" + code_answer(reference),
                    input_generator=GEN_STDIN)
    events = []
    with FakeLLMServer(script) as server:
        player = make_player(provider, server, stdin_problem, executor, events=events)

        async def play(p):
            return {
                "hints": await p.propose_hints(3),
                "plan": await p.write_plan(["Kadane", "prefix sums"], 1),
                "attacks": await p.attack_ideas("Kadane's algorithm", 2),
                "code": await p.write_code("Kadane's algorithm", 3),
                "fresh_code": await p.write_code(None, 4),
                "random_input": await p.write_test_input(None, 5),
                "attack_input": await p.write_test_input("all negative", 6),
                "output": await p.predict_output("6\n3 -4 5 -1 2 -8\n", 7),
                "repair": await p.repair_code(BUGGY_STDIN, "2\n-1 -2\n", "-1\n",
                                              Outcome("ok", stdout="-1\n"), 8),
                "inputs": await p.random_inputs(5, 9),
            }

        got = run(using(player, play))
        assert {request_kind(r) for r in server.requests} == {
            "hints", "plan", "attacks", "code", "test_input", "predict_output", "repair", "input_generator"}
    assert got["hints"] == ["Kadane's algorithm: the best block ending at each position, O(n).",
                            "Prefix sums with the minimum prefix seen so far, O(n).",
                            "Divide and conquer on the middle element, O(n log n)."]
    assert got["plan"] == PLAN.strip()
    assert got["attacks"] == ["All elements negative, so the answer is the largest element, not 0.",
                              "n = 1 with the smallest value, -10^9.",
                              "The best block ends at the very last element."]
    assert got["code"] == reference.strip() and got["fresh_code"] == reference.strip()
    assert got["repair"] == reference.strip()
    assert got["random_input"] == "6\n3 -4 5 -1 2 -8\n"
    assert got["attack_input"] == "4\n-5 -2 -7 -3\n"
    assert got["output"] == "6\n"
    assert len(got["inputs"]) == 5 and all(isinstance(x, str) and x.strip() for x in got["inputs"])
    assert events == []  # nothing failed
    assert player.usage.calls == len(server.requests) == 10
    assert player.usage.failed_requests == 0
    assert player.info.name == f"{provider}:{'claude-test' if provider == 'anthropic' else 'test-model'}"
    assert player.info.simulation is False


@pytest.mark.parametrize("provider", PROVIDERS)
def test_function_mode_requests(provider, function_problem, executor):
    script = Script(code=FUNCTION_CODE,
                    test_input=['Several runs:\n\n```json\n["aaabccd"]\n```\n'],
                    predict_output=['Counting runs of "aaabccd": aaa, b, cc, d.\n\n```json\n'
                                    '[["a", 3], ["b", 1], ["c", 2], ["d", 1]]\n```\n'],
                    repair=FUNCTION_CODE, input_generator=GEN_FUNCTION)
    with FakeLLMServer(script) as server:
        player = make_player(provider, server, function_problem, executor)

        async def play(p):
            return (await p.write_code(None, 1), await p.write_test_input(None, 2),
                    await p.predict_output(["aaabccd"], 3),
                    await p.repair_code("def encode_runs(s):\n    return []\n", ["ab"], [["a", 1], ["b", 1]],
                                        Outcome("ok", value=[]), 4),
                    await p.random_inputs(6, 5))

        code, test_input, output, repaired, inputs = run(using(player, play))
        predict_prompt = [r for r in server.requests if request_kind(r) == "predict_output"][0].texts()[-1]
        repair_prompt = [r for r in server.requests if request_kind(r) == "repair"][0].texts()[-1]
    # the solution, not the example call in the second fence
    assert code.startswith("def encode_runs(s):") and "print(" not in code
    assert repaired == code
    assert test_input == ["aaabccd"]
    assert output == [["a", 3], ["b", 1], ["c", 2], ["d", 1]]
    assert '```json\n["aaabccd"]\n```' in predict_prompt and "encode_runs(*args)" in predict_prompt
    assert "Its return value:\n\n```json\n[]\n```" in repair_prompt
    assert '```json\n[["a", 1], ["b", 1]]\n```' in repair_prompt
    assert 3 <= len(inputs) <= 6
    assert all(isinstance(x, list) and len(x) == 1 and isinstance(x[0], str) for x in inputs)
    outcomes = executor.run(function_problem.program(function_problem.reference), inputs)
    assert all(o.ok for o in outcomes)


def test_the_predict_prompt_forbids_running_code_and_the_repair_prompt_shows_the_failure(stdin_problem, executor):
    script = Script(predict_output=PREDICT, repair=code_answer(BUGGY_STDIN))
    with FakeLLMServer(script) as server:
        player = make_player("openai", server, stdin_problem, executor)

        async def play(p):
            await p.predict_output("6\n3 -4 5 -1 2 -8\n", 1)
            crash = Outcome("error", stdout="partial\n", stderr="Traceback (most recent call last):\n"
                            + "  noise\n" * 2000 + "IndexError: list index out of range\n")
            await p.repair_code(BUGGY_STDIN, "1\n-5\n", "-5\n", crash, 2)
            await p.repair_code(BUGGY_STDIN, "1\n-5\n", "-5\n", Outcome("timeout"), 3)

        run(using(player, play))
        predict, crashed, slow = (r.texts()[-1] for r in server.requests)
    assert "Do not run code" in predict and "step by step" in predict
    assert "```input\n6\n3 -4 5 -1 2 -8\n```" in predict
    assert BUGGY_STDIN.strip() in crashed
    assert "```output\n-5\n```" in crashed  # the expected output
    assert "raised an error" in crashed and "partial" in crashed
    assert "IndexError: list index out of range" in crashed and "earlier characters cut" in crashed
    assert len(crashed) < 10_000  # the stderr is a tail, not all of it
    assert "time limit of 2 seconds" in slow


# ---- failures: unparseable completions, failed calls, the budget -------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_completion_without_code_is_retried_with_a_new_sample_index(provider, stdin_problem, executor):
    script = Script(code=["I would use Kadane's algorithm here; it is linear.", code_answer(stdin_problem.reference)])
    events, calls = [], []
    with FakeLLMServer(script) as server:
        player = make_player(provider, server, stdin_problem, executor, events=events, calls=calls)
        code = run(using(player, lambda p: p.write_code(None, 7)))
        assert len(server.requests) == 2
    assert code == stdin_problem.reference.strip()
    [failure] = events
    assert failure["type"] == "parse_failure" and failure["request"] == "code" and failure["attempt"] == 1
    assert "no Python code" in failure["reason"]
    assert [c["config"]["sample_index"] for c in calls] == [7, player.sample_index(7, 1)]
    assert calls[0]["config"]["sample_index"] != calls[1]["config"]["sample_index"]
    assert player.usage.calls == 2 and player.usage.failed_requests == 0


def test_unusable_answers_give_none_after_every_attempt(stdin_problem, function_problem, executor):
    events = []
    script = Script(code="Sorry, I can only describe the idea: keep a running sum.",
                    attacks="Hmm. I cannot think of anything that would break it.",
                    test_input="```input\n\n```\n", predict_output="The answer is six.")
    with FakeLLMServer(script) as server:
        player = make_player("openai", server, stdin_problem, executor, events=events, attempts=2)

        async def play(p):
            return (await p.write_code(None, 1), await p.attack_ideas("plan", 2), await p.write_test_input(None, 3),
                    await p.predict_output("1\n5\n", 4))

        results = run(using(player, play))
        assert len(server.requests) == 8
    assert results == (None, [], None, None)
    failures = [e for e in events if e["type"] == "parse_failure"]
    gave_up = [e for e in events if e["type"] == "request_failed"]
    assert [e["request"] for e in failures] == ["code", "code", "attacks", "attacks", "test_input", "test_input",
                                                "predict_output", "predict_output"]
    assert "the input is empty" in failures[4]["reason"]
    assert [e["request"] for e in gave_up] == ["code", "attacks", "test_input", "predict_output"]
    assert player.usage.failed_requests == 4 and player.usage.calls == 8


def test_function_arguments_must_be_a_json_array(function_problem, executor):
    events = []
    script = Script(test_input=['The string:\n```json\n"aab"\n```', "Here:\n```json\n{\"s\": \"aab\"}\n```",
                                'Arguments:\n```json\n["aab"]\n```'])
    with FakeLLMServer(script) as server:
        player = make_player("anthropic", server, function_problem, executor, events=events)
        test_input = run(using(player, lambda p: p.write_test_input("a run at the end", 1)))
    assert test_input == ["aab"]
    assert [e["type"] for e in events] == ["parse_failure", "parse_failure"]
    assert all("JSON array of arguments" in e["reason"] for e in events)


def test_only_the_last_fence_is_the_answer(function_problem, stdin_problem, executor):
    """Reasoning quotes the input in a fence; a broken answer after it must not let the quote pass for the answer."""
    echo_then_broken = ('The input is\n\n```json\n["aab"]\n```\n\nso the runs are aa, b:\n\n'
                        '```json\n[["a", 2], ["b", 1]\n```\n')
    good = 'So:\n```json\n["aab"]\n```\nAnswer:\n```json\n[["a", 2], ["b", 1]]\n```'
    events = []
    with FakeLLMServer(Script(predict_output=[echo_then_broken, good])) as server:
        player = make_player("openai", server, function_problem, executor, events=events)
        assert run(using(player, lambda p: p.predict_output(["aab"], 1))) == [["a", 2], ["b", 1]]
    assert [e["type"] for e in events] == ["parse_failure"]
    untagged = "The input:\n```\n2\n-1 -2\n```\nBest single element.\n```\n-1\n```\n"
    with FakeLLMServer(Script(predict_output=untagged)) as server:
        player = make_player("anthropic", server, stdin_problem, executor)
        assert run(using(player, lambda p: p.predict_output("2\n-1 -2\n", 1))) == "-1\n"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_failed_call_is_recorded_and_gives_none(provider, stdin_problem, executor):
    events = []
    with FakeLLMServer(Script(hints=HINTS)) as server:
        server.fail("bad_request", "refusal")  # neither is worth a retry
        player = make_player(provider, server, stdin_problem, executor, events=events)

        async def play(p):
            return await p.write_code(None, 1), await p.propose_hints(4), await p.propose_hints(4)

        code, no_hints, hints = run(using(player, play))
    assert code is None and no_hints == [] and len(hints) == 4
    assert [(e["type"], e["request"], e["fault"]) for e in events] == [
        ("request_failed", "code", "bad_request"), ("request_failed", "hints", "refusal")]
    assert "sk-test-key-123" not in json.dumps(events) and "sk-ant-test-key-123" not in json.dumps(events)
    assert player.usage.failed_requests == 2 and player.usage.calls == 1


def test_transient_faults_are_retried_by_the_client(stdin_problem, executor):
    with FakeLLMServer(Script(code=code_answer(stdin_problem.reference))) as server:
        server.fail("rate_limit", "server_error", retry_after="0")
        player = make_player("anthropic", server, stdin_problem, executor)
        code = run(using(player, lambda p: p.write_code(None, 1)))
    assert code == stdin_problem.reference.strip()
    assert player.usage.failed_requests == 0 and player.usage.calls == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_budget_exceeded_propagates(provider, stdin_problem, executor):
    script = Script(code=code_answer(stdin_problem.reference), hints=HINTS)
    with FakeLLMServer(script) as server:
        player = make_player(provider, server, stdin_problem, executor, budget=Budget(max_calls=1))

        async def play(p):
            assert await p.write_code(None, 1)
            with pytest.raises(BudgetExceeded):
                await p.propose_hints(3)

        run(using(player, play))
        assert len(server.requests) == 1


def test_budget_exceeded_during_a_retry_propagates(stdin_problem, executor):
    with FakeLLMServer(Script(code="No code today.")) as server:
        player = make_player("openai", server, stdin_problem, executor, events=(events := []),
                             budget=Budget(max_calls=2))
        with pytest.raises(BudgetExceeded):
            run(using(player, lambda p: p.write_code(None, 1)))
    assert [e["type"] for e in events] == ["parse_failure", "parse_failure"]


# ---- usage accounting ---------------------------------------------------------------------------------------------


def test_usage_counts_calls_tokens_and_cache_hits(stdin_problem, executor, tmp_path):
    script = Script(code=code_answer(stdin_problem.reference), plan=PLAN)
    cache = ResponseCache(tmp_path / "cache")
    with FakeLLMServer(script) as server:
        player = make_player("anthropic", server, stdin_problem, executor, cache=cache)

        async def play(p):
            await p.write_code(None, 1)
            await p.write_code(None, 2)
            await p.write_plan(["Kadane"], 3)

        run(using(player, play))
        totals = player.client.totals
        assert player.usage.calls == 3 and player.usage.cached_calls == 0
        assert player.usage.output_tokens == totals.usage.output_tokens > 0
        assert player.usage.input_tokens == (totals.usage.input_tokens + totals.usage.cache_read_tokens
                                             + totals.usage.cache_write_tokens)
        # the fixed prefix (system prompt + problem) is marked for prompt caching and read back after the first call
        assert all(r.body["system"][-1].get("cache_control") == {"type": "ephemeral"} for r in server.requests)
        assert player.tokens.cache_write_tokens > 0 and player.tokens.cache_read_tokens > 0

        # the same requests again, from the response cache: nothing reaches the server, nothing is spent
        again = make_player("anthropic", server, stdin_problem, executor, cache=cache)
        run(using(again, lambda p: p.write_code(None, 2)))
        assert len(server.requests) == 3
    assert again.usage.cached_calls == 1 and again.usage.calls == 0
    assert again.usage.input_tokens == again.usage.output_tokens == 0


def test_the_seed_shifts_every_sample_index(stdin_problem, executor):
    with FakeLLMServer(Script(code=code_answer(stdin_problem.reference))) as server:
        calls = []
        player = make_player("openai", server, stdin_problem, executor, calls=calls, seed=3)
        run(using(player, lambda p: p.write_code(None, 5)))
    assert calls[0]["config"]["sample_index"] == player.sample_index(5, 0) != 5


# ---- random inputs: a generator run in the sandbox, and the fallback ----------------------------------------------


def test_random_inputs_run_the_model_generator_in_the_sandbox(stdin_problem, executor):
    with FakeLLMServer(Script(input_generator=GEN_STDIN)) as server:
        events = []
        player = make_player("openai", server, stdin_problem, executor, events=events)
        before = executor.executions
        inputs = run(using(player, lambda p: p.random_inputs(8, 3)))
        again = run(using(player, lambda p: p.random_inputs(8, 3)))
        assert [request_kind(r) for r in server.requests] == ["input_generator", "input_generator"]
        prompt = server.requests[0].prompt
    assert "generate(rng: random.Random, kind: str)" in prompt and '`"large"`' in prompt
    assert executor.executions - before >= 8  # one sandboxed call per seed
    assert 4 <= len(inputs) <= 8 and len(set(inputs)) == len(inputs)
    assert inputs == again  # seeds derive from the request index: reproducible
    sizes = []
    for text in inputs:
        n, values = text.split("\n", 1)
        assert int(n) == len(values.split()) and text.endswith("\n")
        sizes.append(int(n))
    # stage 3's mix (stage3_input_kinds): the generator was asked for one edge and one large input among 8
    assert stage3_input_kinds(8).count("large") == 1 and stage3_input_kinds(8).count("edge") == 1
    assert sizes[-1] == 5000 and sizes.count(5000) == 1 and 1 in sizes
    outcomes = executor.run(stdin_problem.program(stdin_problem.reference), inputs)
    assert all(o.ok for o in outcomes)
    assert events == []


def test_a_generator_that_ignores_the_kind_still_gives_inputs(stdin_problem, executor):
    legacy = GEN_STDIN.replace("rng: random.Random, kind: str", "rng").replace(
        '{"edge": 1, "large": 5000}.get(kind) or ', "")
    assert "kind" not in legacy
    with FakeLLMServer(Script(input_generator=legacy)) as server:
        events = []
        player = make_player("anthropic", server, stdin_problem, executor, events=events)
        inputs = run(using(player, lambda p: p.random_inputs(8, 4)))
        assert [request_kind(r) for r in server.requests] == ["input_generator"]
    assert len(inputs) >= 4 and all(2 <= int(text.split("\n", 1)[0]) <= 12 for text in inputs)
    assert events == []


BROKEN_GENERATORS = {
    "syntax_error": "```python\ndef generate(rng)\n    return '1\\n5\\n'\n```",
    "raises": "```python\ndef generate(rng):\n    raise RuntimeError('no idea')\n```",
    "constant": "```python\ndef generate(rng):\n    return '1\\n5\\n'\n```",  # 1 distinct input of 8: too few
    "not_text": "```python\ndef generate(rng):\n    return rng.randint(1, 9)\n```",  # an int, not the stdin text
}


@pytest.mark.parametrize("kind", sorted(BROKEN_GENERATORS))
def test_random_inputs_fall_back_to_a_direct_list(kind, stdin_problem, executor):
    direct = 'Here they are:\n\n```json\n["3\\n1 -2 3\\n", "1\\n-7", "", 5, "2\\n4 4\\n"]\n```\n'
    events = []
    with FakeLLMServer(Script(input_generator=BROKEN_GENERATORS[kind], inputs=direct)) as server:
        player = make_player("anthropic", server, stdin_problem, executor, events=events)
        inputs = run(using(player, lambda p: p.random_inputs(8, 1)))
        kinds = [request_kind(r) for r in server.requests]
    assert kinds == ["input_generator", "inputs"]
    assert "3\n1 -2 3\n" in inputs and "1\n-7\n" in inputs and "2\n4 4\n" in inputs
    assert "" not in inputs and all(isinstance(x, str) for x in inputs)
    if kind == "constant":
        assert inputs[0] == "1\n5\n"  # what the generator gave is kept, the direct inputs complete it
    assert any(e["type"] == "generator_fallback" for e in events)


def test_random_inputs_without_any_generator_code(function_problem, executor):
    direct = '```json\n[["aab"], ["  "], "not an argument list", ["zzzzzzzzzzzz"]]\n```'
    with FakeLLMServer(Script(input_generator="Just use random strings.", inputs=direct)) as server:
        player = make_player("openai", server, function_problem, executor, attempts=2)
        inputs = run(using(player, lambda p: p.random_inputs(4, 1)))
        assert [request_kind(r) for r in server.requests] == ["input_generator"] * 2 + ["inputs"]
    assert inputs == [["aab"], ["  "], ["zzzzzzzzzzzz"]]


# ---- what prompts contain -----------------------------------------------------------------------------------------


def _distinctive_lines(source: str, statement: str) -> list[str]:
    lines = {line.strip() for line in source.splitlines()}
    return [line for line in lines if len(line) >= 20 and line not in statement]


@pytest.mark.parametrize("slug,provider", [("max_subarray", "anthropic"), ("run_length", "openai"),
                                           ("meeting_rooms", "anthropic")])
def test_prompts_show_the_statement_and_never_the_ground_truth(slug, provider, executor):
    problem = load_problem(SAMPLES / slug)
    function = problem.io == "function"
    made_up_input = ["xyzzy-made-up"] if function else "3\n101 -202 303\n"
    script = Script(hints=HINTS, plan=PLAN, attacks=ATTACKS, code=code_answer(BUGGY_STDIN),
                    test_input='```json\n["xyzzy-made-up"]\n```' if function else "```\n3\n101 -202 303\n```",
                    predict_output="```json\n1\n```" if function else "```output\n303\n```",
                    repair=code_answer(BUGGY_STDIN), input_generator="no code", inputs="no list")
    with FakeLLMServer(script) as server:
        player = make_player(provider, server, problem, executor, attempts=1)

        async def play(p):
            await p.propose_hints(6)
            await p.write_plan(["an approach"], 1)
            await p.attack_ideas("a plan", 2)
            await p.write_code("a plan", 3)
            await p.write_code(None, 4)
            await p.write_test_input(None, 5)
            await p.write_test_input("an attack idea", 6)
            await p.predict_output(made_up_input, 7)
            await p.repair_code(BUGGY_STDIN, made_up_input, 303, Outcome("error", stderr="boom"), 8)
            await p.random_inputs(4, 9)

        run(using(player, play))
        requests = list(server.requests)
    assert {request_kind(r) for r in requests} == {"hints", "plan", "attacks", "code", "test_input",
                                                   "predict_output", "repair", "input_generator", "inputs"}
    statement = problem.statement.strip()
    prefixes = {r.texts()[0] for r in requests}
    assert len(prefixes) == 1  # one fixed prefix for every request: what prompt caching needs
    [prefix] = prefixes
    assert prefix.startswith(prompts.render("system")) and statement in prefix
    if function:
        assert problem.entry_point in prefix and "JSON array" in prefix
    else:
        assert "standard input" in prefix and "standard output" in prefix
    secrets = [problem.reference.strip(), problem.generator.strip(), *(w.source.strip() for w in problem.wrong)]
    secrets += _distinctive_lines(problem.reference, statement)
    secrets += [line for w in problem.wrong for line in _distinctive_lines(w.source, statement)]
    # gen.py's signature line is the public generator contract that the input_generator template states
    secrets += _distinctive_lines(problem.generator, statement + prompts.render(
        "input_generator", generator_returns=""))
    secrets += [*problem.hints, *problem.attacks]
    for test in problem.tests:
        for value in (test.input, test.output):
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text.strip()) >= 12 and text.strip() not in statement:
                secrets.append(text.strip())
    for request in requests:
        prompt = request.prompt
        leaked = [s for s in secrets if s and s in prompt]
        assert not leaked, f"{request_kind(request)} prompt leaks {leaked[0][:80]!r}"


def test_templates_render_and_name_their_fields():
    assert {"system", "problem", "hints", "plan", "attacks", "code", "test_input_random", "test_input_attack",
            "predict_output", "repair", "input_generator", "inputs"} <= set(prompts.names())
    for name in prompts.names():
        if name not in ("system", "problem") and not name.startswith("contract"):
            assert prompts.load(name).startswith("### Request: ")  # the marker line a reader (or a test) keys on
    assert prompts.render("hints", count=3).count("3") >= 2
    with pytest.raises(ValueError, match="count"):
        prompts.render("hints")
    with pytest.raises(ValueError, match="no prompt template"):
        prompts.render("no_such_template")


# ---- a whole run driven by the language-model player --------------------------------------------------------------

STDIN_INPUTS = {"random": ["6\n3 -4 5 -1 2 -8\n", "5\n-1 3 -1 4 -2\n", "7\n2 -1 2 -1 2 -9 4\n"],
                "attack": ["4\n-5 -2 -7 -3\n", "3\n-1 -2 5\n", "1\n-1000000000\n",
                           "3\n1000000000 1000000000 1000000000\n"]}
FUNCTION_INPUTS = {"random": [["aaabccdd"], ["Hello"], ["xxyxx"]],
                   "attack": [[""], ["a"], ["zzzzzzzzzzzz"], ["ab  "], ["abab"]]}


class RunScript(Script):
    """A competent model for a sample problem: its programs are the reference and the (fast) wrong solutions in
    turn, its predicted outputs are the reference's outputs (computed in the sandbox), its inputs hand-written."""

    def __init__(self, problem, executor, inputs, generator):
        self.problem, self.executor = problem, executor
        fast_wrong = [w.source for w in problem.wrong if "too slow" not in w.bug]
        programs = [problem.reference] + fast_wrong
        function = problem.io == "function"
        self._outputs = {}

        def test_input(request, n):
            pool = inputs["attack" if "(attack)" in request.texts()[-1] else "random"]
            value = pool[n % len(pool)]
            if function:
                return f"Here is a case:\n\n```json\n{json.dumps(value)}\n```\n"
            return f"A small case:\n\n```input\n{value.rstrip()}\n```\n"

        def predict(request, n):
            output = self.reference_output(request.texts()[-1])
            if function:
                return f"Working it out by hand, step by step.\n\n```json\n{json.dumps(output)}\n```"
            return f"Tracing it by hand.\n\nFinal answer:\n\n```output\n{output.rstrip()}\n```"

        super().__init__(hints=HINTS, plan=PLAN, attacks=ATTACKS,
                         code=lambda request, n: code_answer(programs[n % len(programs)]),
                         test_input=test_input, predict_output=predict, repair=code_answer(problem.reference),
                         input_generator=generator)

    def reference_output(self, prompt: str):
        fence = re.search(r"^(`{3,})(?:input|json)\n(.*?)\n\1$", prompt, re.S | re.M)
        shown = fence.group(2)
        test_input = json.loads(shown) if self.problem.io == "function" else shown + "\n"
        key = json.dumps(test_input)
        if key not in self._outputs:
            [outcome] = self.executor.run(self.problem.program(self.problem.reference), [test_input],
                                          self.problem.limits())
            assert outcome.ok, outcome.stderr
            self._outputs[key] = outcome.value if self.problem.io == "function" else outcome.stdout
        return self._outputs[key]


@pytest.mark.parametrize("slug,provider,inputs,generator", [
    ("max_subarray", "openai", STDIN_INPUTS, GEN_STDIN),
    ("run_length", "anthropic", FUNCTION_INPUTS, GEN_FUNCTION),
])
def test_a_whole_run_driven_by_the_language_model_player(slug, provider, inputs, generator, executor, tmp_path):
    problem = load_problem(SAMPLES / slug)
    script = RunScript(problem, executor, inputs, generator)
    events = []
    with FakeLLMServer(script) as server:
        # one call at a time: the scripted model answers in request order, so the run is reproducible
        player = make_player(provider, server, problem, executor, events=events, concurrency=1)
        config = RunConfig(codes=4, tests=4, rounds=1, inputs=4, votes=2)
        the_run = Run(problem, player, config, executor, out_dir=tmp_path / "run")

        async def go():
            try:
                await the_run.arun_to_end()
            finally:
                await player.aclose()
                the_run.close()

        asyncio.run(go())
        kinds = Counter(request_kind(r) for r in server.requests)
    summary = the_run.summary()
    assert the_run.done and summary["stopped"] is None
    assert summary["selected"] is not None and summary["selected"]["code"].strip()
    assert summary["model"] == player.info.name and summary["simulation"] is False
    assert summary["usage"]["calls"] == len(server.requests) and summary["usage"]["failed_requests"] == 0
    assert kinds["hints"] == 1 and kinds["plan"] == 4 and kinds["attacks"] == 4 and kinds["code"] >= 4
    assert kinds["test_input"] >= 4 and kinds["predict_output"] >= 8 and kinds["input_generator"] == 1
    assert len(the_run.random_inputs) >= 2
    # every expected output is the reference's: every UT is right, and the selected program is a correct one
    assert summary["gt"]["ut_accuracy"] == 1.0
    assert summary["gt"]["bon_cluster"] is True
    assert (tmp_path / "run" / "trace.jsonl").exists()
    assert not [e for e in events if e["type"] == "request_failed"]


def test_a_run_pauses_when_the_model_cannot_answer_and_goes_on_later(executor, tmp_path):
    """A rejected key mid-step: the step is undone (pools, cursor, indices, trace), the run says why and is paused;
    once the model answers again the same run goes on and finishes, as if nothing had happened."""
    problem = load_problem(SAMPLES / "max_subarray")
    script = RunScript(problem, executor, STDIN_INPUTS, GEN_STDIN)
    with FakeLLMServer(script) as server:
        # one call at a time: the scripted model answers in request order
        player = make_player("openai", server, problem, executor, concurrency=1)
        config = RunConfig(codes=4, tests=4, rounds=1, inputs=4, votes=2)
        the_run = Run(problem, player, config, executor, out_dir=tmp_path / "run")
        trace = tmp_path / "run" / "trace.jsonl"

        async def go():
            try:
                for _ in range(3):  # hints, plans, attacks
                    await the_run.astep()
                before = (the_run.cursor, len(the_run.history), the_run.indices.last, dict(the_run.codes),
                          trace.read_text())
                server.fail("unauthorized")
                with pytest.raises(RunInterrupted, match="cannot answer .*API key was rejected"):
                    await the_run.astep()  # codes
                steps = before[4].count('"type":"step"')
                assert steps == 3 and trace.read_text().count('"type":"step"') == steps
                assert (the_run.cursor, len(the_run.history), the_run.indices.last, dict(the_run.codes)) == before[:4]
                sent = len(server.requests)
                await asyncio.sleep(0.2)
                assert len(server.requests) == sent  # no request of the abandoned step goes on in the background
                await the_run.arun_to_end()
            finally:
                await player.aclose()
                the_run.close()

        asyncio.run(go())
    summary = the_run.summary()
    assert the_run.done and summary["stopped"] is None and summary["selected"] is not None
    assert [s.name for s in the_run.history][:4] == ["hints", "plans", "attacks", "codes"]
    assert len(the_run.codes) == 4 and summary["gt"]["codes_total"] == 4
    assert summary["usage"]["failed_requests"] == 0  # the undone step's failure left nothing in the pools
