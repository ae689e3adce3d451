"""Issue 13, item 5: the model-call viewer. A real run of the LM player against a scripted OpenAI-compatible server
(a real HTTP server on 127.0.0.1) writes model_call events; the viewer lists every request and raw response with
its step, kind, tokens and cost, and filters them."""

from __future__ import annotations

import itertools

import pytest
from app_support import open_app as app
from conftest import SAMPLES
from cosplay_core.call_log import call_kind, model_calls, request_kind, request_words, totals
from cosplay_core.config import RunConfig
from cosplay_core.problem import load_problem
from cosplay_core.session import BackboneSettings, start_run, write_summary
from cosplay_core.trace import read_trace
from fake_llm_server import FakeLLMServer

REFERENCE = (SAMPLES / "max_subarray" / "reference.py").read_text()
INPUTS = itertools.cycle(["3\n1 -2 3\n", "4\n-1 -2 -3 -4\n", "5\n2 -1 2 -1 2\n", "1\n-5\n"])
ANSWERS = {
    "hints": "1. Kadane's algorithm keeps the best sum ending here, O(n).\n2. Prefix sums and a running minimum, O(n).",
    "plan": "Scan once, keeping the best block sum that ends at the current element and the best overall.",
    "attacks": "1. Every number is negative.\n2. A single element.",
    "code": f"Here is the program:\n\n```python\n{REFERENCE}\n```\n",
    "predict_output": "Working it out.\n\n```output\n3\n```",
    "repair": f"```python\n{REFERENCE}\n```",
    "input_generator": "```python\ndef generate(rng, kind='random'):\n    n = rng.randint(1, 6)\n"
                       "    return f\"{n}\\n{' '.join(str(rng.randint(-9, 9)) for _ in range(n))}\\n\"\n```",
}


def scripted_model(request) -> str:
    """A scripted model for max_subarray: an answer per kind of request (the `### Request:` line)."""
    kind = request_kind([{"role": "user", "content": request.texts()[-1]}])
    if kind.startswith("test_input"):
        return f"A small case:\n\n```input\n{next(INPUTS).rstrip()}\n```\n"
    if kind == "inputs":
        return "\n".join(f"```input\n{next(INPUTS).rstrip()}\n```" for _ in range(4))
    return ANSWERS.get(kind, "I cannot help with that.")


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory, executor):
    """A small run of max_subarray by the LM player against the scripted server, saved in a runs folder."""
    root = tmp_path_factory.mktemp("runs")
    with FakeLLMServer(scripted_model) as server:
        backbone = BackboneSettings("openai:scripted", base_url=server.openai_base_url, api_key="EMPTY",
                                    cache_dir=str(root / "cache"), concurrency=1)
        run = start_run(load_problem(SAMPLES / "max_subarray"), RunConfig(codes=3, tests=3, rounds=1, inputs=4,
                                                                          votes=2), executor, backbone,
                        root / "scripted")
        try:
            run.run_to_end()
            write_summary(run)
        finally:
            run.close()
    return root


def test_every_call_is_listed_with_step_kind_tokens_and_text(lm_run):
    calls = model_calls(read_trace(lm_run / "scripted"))
    kinds = {c.kind for c in calls}
    assert {"hints", "plan", "attacks", "code", "test_input (random)", "predict_output"} <= kinds
    hints = next(c for c in calls if c.kind == "hints")
    assert hints.step == 0 and hints.step_name == "hints" and hints.response.startswith("1. Kadane")
    assert hints.messages[0]["role"] == "system" and "### Request: hints" in hints.messages[-1]["content"]
    assert hints.usage["output_tokens"] > 0 and hints.cost_usd is None  # no price for a scripted model
    sums = totals(calls)
    assert sums["calls"] == len(calls) and sums["input_tokens"] > 0 and sums["cost_usd"] is None


def test_the_player_records_which_request_each_call_answers(lm_run):
    events = read_trace(lm_run / "scripted").of_type("model_call")
    assert events and all(e.get("request") and e.get("template") for e in events)
    tests = [e for e in events if e["request"] == "test_input"]
    assert tests and {e["template"] for e in tests} <= {"test_input_random", "test_input_attack"}
    for event in events:  # the player's record agrees with the prompt it sent
        assert call_kind(event) == request_kind(event["messages"])
        assert request_words(call_kind(event)) != call_kind(event)  # every kind the player asks is said in words


def test_the_viewer_filters_by_step_and_kind(monkeypatch, lm_run):
    at = app(monkeypatch, lm_run, run="scripted")
    at.switch_page("pages/calls.py")
    at.run()
    assert not at.exception, at.exception
    everything = at.dataframe[0].value
    calls = model_calls(read_trace(lm_run / "scripted"))
    assert len(everything) == len(calls) and at.metric[0].value == f"{len(calls)} of {len(calls)}"
    at.multiselect(key="calls_kinds").set_value(["predict_output"])
    at.run()
    shown = at.dataframe[0].value
    assert set(shown["asked for"]) == {"a vote: a UT's expected output"}
    assert len(shown) == sum(c.kind == "predict_output" for c in calls)
    at.multiselect(key="calls_steps").set_value([(0, "hints")])
    at.run()
    assert any("No call matches" in i.value for i in at.info)  # no prediction is made at step 0


def test_a_sim_run_says_it_makes_no_model_call(monkeypatch, tmp_path, executor):
    run = start_run(load_problem(SAMPLES / "run_length"), RunConfig(codes=3, tests=3, rounds=0, inputs=3),
                    executor, BackboneSettings("sim"), tmp_path / "simrun")
    run.step()
    run.close()
    at = app(monkeypatch, tmp_path, run="simrun")
    at.switch_page("pages/calls.py")
    at.run()
    assert any("simulation, not a language model" in i.value for i in at.info)
