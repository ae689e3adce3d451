"""The Anthropic and OpenAI adapters end to end: through the real SDKs, over HTTP, against the fake server."""

from __future__ import annotations

import asyncio

import pytest

from cosplay_core.models import Completion, GenerateConfig, Message, ModelAttemptError, Usage, create_model
from fake_llm_server import FakeLLMServer, Reply

KEY = "sk-ant-test-0123456789"


def run(coro):
    return asyncio.run(coro)


async def generate(model, messages, config=None) -> Completion:
    try:
        return await model.generate(messages, config or GenerateConfig(timeout_s=5))
    finally:
        await model.aclose()


CONVERSATION = [
    Message("system", "You are a careful competitive programmer."),
    Message("user", "Problem: read two integers and print their sum."),
    Message("assistant", "Understood."),
    Message("user", "Write the program."),
]


# ---- Anthropic ------------------------------------------------------------------------------------------------------


def anthropic(server, **options):
    return create_model("anthropic:claude-test-1", api_key=KEY, base_url=server.url, **options)


def test_anthropic_text_and_request_shape(fake_server):
    completion = run(generate(anthropic(fake_server), CONVERSATION, GenerateConfig(max_tokens=321, stop=["END"])))
    assert "print(sum(map(int, input().split())))" in completion.text
    assert completion.stop_reason == "end_turn"
    assert completion.cached is False and completion.latency_s > 0
    assert completion.raw["id"].startswith("msg_fake")

    (request,) = fake_server.requests
    assert request.path == "/v1/messages"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "anthropic-version" in request.headers
    assert request.headers["x-stainless-retry-count"] == "0"
    body = request.body
    assert body["model"] == "claude-test-1"
    assert body["max_tokens"] == 321
    assert body["stop_sequences"] == ["END"]
    # the system prompt goes to `system`, never into `messages`
    assert body["system"][0]["text"] == "You are a careful competitive programmer."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][0]["content"][0]["text"].startswith("Problem:")
    # sampling parameters are not sent: API 2026-10-21 rejects them
    assert "temperature" not in body and "top_p" not in body


def test_anthropic_cache_control_marks_the_fixed_prefix(fake_server):
    run(generate(anthropic(fake_server), CONVERSATION))
    body = fake_server.requests[0].body
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    first_user, assistant, last_user = body["messages"]
    assert first_user["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in assistant["content"][-1]
    assert "cache_control" not in last_user["content"][-1]


def test_anthropic_cache_control_without_system_prompt_marks_first_user_block(fake_server):
    run(generate(anthropic(fake_server), [Message("user", "Predict the output.")]))
    body = fake_server.requests[0].body
    assert "system" not in body
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_anthropic_single_user_turn_after_system_is_not_marked(fake_server):
    # the system prompt is the fixed prefix; the one user turn varies from request to request
    run(generate(anthropic(fake_server), [Message("system", "Fixed problem statement."), Message("user", "Plan 3")]))
    body = fake_server.requests[0].body
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in body["messages"][0]["content"][0]


def test_anthropic_prompt_caching_can_be_switched_off(fake_server):
    run(generate(anthropic(fake_server, prompt_caching=False), CONVERSATION))
    assert "cache_control" not in fake_server.requests[0].raw.decode()


def test_anthropic_usage_mapping(fake_server):
    fake_server.reply(
        Reply(
            "```python\nprint(1)\n```",
            usage={
                "input_tokens": 11,
                "output_tokens": 7,
                "cache_read_input_tokens": 5,
                "cache_creation_input_tokens": 3,
                "output_tokens_details": {"thinking_tokens": 2},
            },
        )
    )
    completion = run(generate(anthropic(fake_server), CONVERSATION))
    assert completion.usage == Usage(
        input_tokens=11, output_tokens=7, cache_read_tokens=5, cache_write_tokens=3, reasoning_tokens=2
    )


def test_anthropic_second_call_reads_the_prompt_cache(fake_server):
    async def twice():
        model = anthropic(fake_server)
        try:
            first = await model.generate(CONVERSATION, GenerateConfig(timeout_s=5))
            second = await model.generate(CONVERSATION, GenerateConfig(timeout_s=5))
        finally:
            await model.aclose()
        return first, second

    first, second = run(twice())
    assert first.usage.cache_write_tokens > 0 and first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens > 0 and second.usage.cache_write_tokens == 0


def test_anthropic_tolerates_missing_cache_fields(fake_server):
    fake_server.reply(Reply("answer", usage={"cache_read_input_tokens": None, "cache_creation_input_tokens": None}))
    completion = run(generate(anthropic(fake_server), [Message("user", "hi")]))
    assert completion.usage.cache_read_tokens == 0 and completion.usage.cache_write_tokens == 0


def test_anthropic_max_tokens_stop_reason_is_kept(fake_server):
    fake_server.reply(Reply("```python\nprint(", stop_reason="max_tokens"))
    completion = run(generate(anthropic(fake_server), [Message("user", "hi")]))
    assert completion.stop_reason == "max_tokens"


@pytest.mark.parametrize(
    "fault, expected, retryable",
    [
        ("refusal", "refusal", False),
        ("empty", "empty_completion", True),
        ("malformed", "malformed_response", True),
        ("wrong_shape", "malformed_response", True),
        ("overloaded", "server_error", True),
    ],
)
def test_anthropic_faults_are_named(fake_server, fault, expected, retryable):
    fake_server.fail(fault)
    with pytest.raises(ModelAttemptError) as info:
        run(generate(anthropic(fake_server), [Message("user", "hi")]))
    assert info.value.fault == expected
    assert info.value.retryable is retryable


# ---- OpenAI and OpenAI-compatible servers ---------------------------------------------------------------------------


def openai(server, **options):
    key = "sk-test-openai-987654"
    return create_model("openai:local-model", api_key=key, base_url=server.openai_base_url, **options)


def test_openai_text_and_request_shape(fake_server):
    config = GenerateConfig(temperature=0.7, top_p=0.9, max_tokens=222, stop=("###",))
    completion = run(generate(openai(fake_server), CONVERSATION, config))
    assert "print(sum(map(int, input().split())))" in completion.text
    assert completion.stop_reason == "stop"
    (request,) = fake_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-openai-987654"
    body = request.body
    assert body["model"] == "local-model"
    assert body["messages"][0] == {"role": "system", "content": "You are a careful competitive programmer."}
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["temperature"] == 0.7 and body["top_p"] == 0.9 and body["stop"] == ["###"]
    # a compatible server (base URL given) gets the field every server knows
    assert body["max_tokens"] == 222 and "max_completion_tokens" not in body


def test_openai_unset_parameters_are_not_sent(fake_server):
    run(generate(openai(fake_server), [Message("user", "hi")]))
    body = fake_server.requests[0].body
    assert "temperature" not in body and "top_p" not in body and "stop" not in body


def test_openai_max_completion_tokens_option(fake_server):
    run(generate(openai(fake_server, max_tokens_field="max_completion_tokens"), [Message("user", "hi")]))
    body = fake_server.requests[0].body
    assert body["max_completion_tokens"] == 4096 and "max_tokens" not in body


def test_openai_usage_mapping(fake_server):
    fake_server.reply(
        Reply(
            "ok",
            usage={
                "prompt_tokens": 20,
                "completion_tokens": 10,
                "total_tokens": 30,
                "prompt_tokens_details": {"cached_tokens": 8},
                "completion_tokens_details": {"reasoning_tokens": 3},
            },
        )
    )
    completion = run(generate(openai(fake_server), [Message("user", "hi")]))
    assert completion.usage == Usage(input_tokens=12, output_tokens=10, cache_read_tokens=8, reasoning_tokens=3)


@pytest.mark.parametrize("usage_mode", ["none", "no_details"])
def test_openai_tolerates_servers_without_usage_details(usage_mode):
    with FakeLLMServer("fine", openai_usage=usage_mode) as server:
        completion = run(generate(openai(server), [Message("user", "hi")]))
    assert completion.text == "fine"
    if usage_mode == "none":
        assert completion.usage == Usage()
    else:
        assert completion.usage.input_tokens > 0 and completion.usage.cache_read_tokens == 0


def test_openai_null_details_fields(fake_server):
    fake_server.reply(
        Reply("fine", usage={"prompt_tokens_details": None, "completion_tokens_details": {"reasoning_tokens": None}})
    )
    completion = run(generate(openai(fake_server), [Message("user", "hi")]))
    assert completion.usage.reasoning_tokens == 0 and completion.usage.cache_read_tokens == 0


def test_openai_automatic_prefix_cache_is_reported(fake_server):
    async def twice():
        model = openai(fake_server)
        try:
            await model.generate(CONVERSATION, GenerateConfig(timeout_s=5))
            return await model.generate(CONVERSATION, GenerateConfig(timeout_s=5))
        finally:
            await model.aclose()

    assert run(twice()).usage.cache_read_tokens > 0


@pytest.mark.parametrize(
    "fault, expected, retryable",
    [
        ("refusal", "refusal", False),
        ("empty", "empty_completion", True),
        ("malformed", "malformed_response", True),
        ("wrong_shape", "malformed_response", True),
        ("disconnect", "connection", True),
    ],
)
def test_openai_faults_are_named(fake_server, fault, expected, retryable):
    fake_server.fail(fault)
    with pytest.raises(ModelAttemptError) as info:
        run(generate(openai(fake_server), [Message("user", "hi")]))
    assert info.value.fault == expected
    assert info.value.retryable is retryable


def test_generate_is_bounded_by_the_timeout(fake_server):
    fake_server.fail("slow", delay_s=10)
    with pytest.raises(ModelAttemptError) as info:
        run(generate(openai(fake_server), [Message("user", "hi")], GenerateConfig(timeout_s=0.3)))
    assert info.value.fault == "timeout" and info.value.retryable


def test_a_model_serves_several_event_loops(fake_server):
    # Jupyter and a UI may drive the same model from successive event loops
    model = anthropic(fake_server)
    for _ in range(2):
        assert run(generate(model, [Message("user", "hi")])).text
