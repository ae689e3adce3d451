"""The model layer's value types, the price table, and Retry-After parsing."""

from __future__ import annotations

import email.utils

import pytest

from cosplay_core.models import Completion, GenerateConfig, Message, Model, Usage
from cosplay_core.models.faults import parse_retry_after, status_fault
from cosplay_core.models.redaction import redact
from cosplay_core.models.pricing import price_for


def test_message_validates_role_and_content():
    assert Message("user", "hi").to_dict() == {"role": "user", "content": "hi"}
    with pytest.raises(ValueError, match="role"):
        Message("tool", "x")
    with pytest.raises(TypeError):
        Message("user", None)


def test_generate_config_is_hashable_and_plain():
    config = GenerateConfig(stop=["a", "b"], sample_index=2)
    assert config.stop == ("a", "b") and hash(config)
    assert GenerateConfig(stop="END").stop == ("END",)
    assert config.to_dict() == {
        "temperature": None,
        "max_tokens": 4096,
        "top_p": None,
        "stop": ["a", "b"],
        "sample_index": 2,
        "timeout_s": 180.0,
    }
    for bad in ({"max_tokens": 0}, {"timeout_s": 0}, {"sample_index": -1}):
        with pytest.raises(ValueError):
            GenerateConfig(**bad)


def test_usage_adds_and_totals():
    a = Usage(input_tokens=10, output_tokens=5, cache_read_tokens=100, cache_write_tokens=7, reasoning_tokens=2)
    b = Usage(input_tokens=1, output_tokens=1)
    assert a + b == Usage(11, 6, 100, 7, 2)
    assert sum([a, b], Usage()) == a + b
    assert a.total_tokens == 122  # reasoning tokens are inside output tokens
    assert Usage.from_dict(a.to_dict()) == a
    assert Usage.from_dict({"input_tokens": None, "junk": 3}) == Usage()


def test_cost_from_the_price_table():
    million_in = Usage(input_tokens=1_000_000)
    assert million_in.cost_usd("anthropic:claude-sonnet-4-5") == pytest.approx(3.0)
    assert million_in.cost_usd("claude-sonnet-4-5-20250929") == pytest.approx(3.0)  # a dated snapshot
    assert Usage(output_tokens=1_000_000).cost_usd("openai:gpt-4o-2024-08-06") == pytest.approx(10.0)
    # cache reads are cheap, cache writes dearer (Anthropic)
    assert Usage(cache_read_tokens=1_000_000).cost_usd("anthropic:claude-sonnet-4-5") == pytest.approx(0.3)
    assert Usage(cache_write_tokens=1_000_000).cost_usd("anthropic:claude-sonnet-4-5") == pytest.approx(3.75)
    assert Usage().cost_usd("anthropic:claude-sonnet-4-5") == 0.0


@pytest.mark.parametrize("model", ["openai:llama3.1:8b", "anthropic:claude-opus-4-9", "sim", "mystery"])
def test_unknown_models_have_no_cost(model):
    assert Usage(input_tokens=5).cost_usd(model) is None
    assert price_for(model) is None


def test_completion_defaults():
    completion = Completion("text")
    assert completion.usage == Usage() and completion.cached is False and completion.raw is None


def test_model_protocol_is_structural():
    class Scripted:
        name = "scripted"

        async def generate(self, messages, config):
            return Completion("x")

    assert isinstance(Scripted(), Model)


def test_parse_retry_after_forms():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after({"Retry-After": email.utils.formatdate(now - 30, usegmt=True)}, now=now) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({"Retry-After": "-5"}) == 0.0
    assert parse_retry_after({}) is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    "status, fault, retryable",
    [
        (400, "bad_request", False),
        (401, "unauthorized", False),
        (403, "forbidden", False),
        (404, "not_found", False),
        (408, "timeout", True),
        (409, "conflict", True),
        (413, "request_too_large", False),
        (429, "rate_limited", True),
        (500, "server_error", True),
        (503, "server_error", True),
        (529, "server_error", True),
        (418, "http_418", False),
    ],
)
def test_status_faults(status, fault, retryable):
    err = status_fault(status, headers={"retry-after": "2"}, body={"error": {"message": "boom"}}, model="m")
    assert (err.fault, err.retryable, err.status, err.retry_after_s) == (fault, retryable, status, 2.0)
    assert err.message.startswith("m: ") and err.message.endswith(": boom")


def test_redact():
    assert redact("key sk-abcdef123 and sk-abcdef123", ("sk-abcdef123",)) == "key [REDACTED] and [REDACTED]"
    assert redact("short", ("", "xy")) == "short"
    assert redact("a short key: ab", ("", "ab")) == "a short key: [REDACTED]"
