"""The response cache: identical requests make one HTTP call, other samples make their own, entries survive."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cosplay_core.models import (
    Budget,
    Completion,
    GenerateConfig,
    Message,
    ModelClient,
    ResponseCache,
    Usage,
    create_model,
    default_cache_dir,
    request_key,
)

PROMPT = [Message("system", "Solve it."), Message("user", "Sum two integers.")]


def run(coro):
    return asyncio.run(coro)


def client_for(server, cache, **options) -> ModelClient:
    model = create_model("anthropic:claude-test", api_key="sk-ant-test-key-111", base_url=server.url)
    return ModelClient(model, cache=cache, **options)


async def complete_all(client, configs):
    async with client:
        return [await client.complete(PROMPT, c) for c in configs]


def test_second_identical_call_makes_no_request(fake_server, tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    records: list[dict] = []
    client = client_for(fake_server, cache, on_call=records.append)
    first, second = run(complete_all(client, [GenerateConfig(timeout_s=5)] * 2))
    assert len(fake_server.requests) == 1
    assert first.cached is False and second.cached is True
    assert second.text == first.text and second.usage == first.usage and second.stop_reason == first.stop_reason
    assert second.latency_s == 0.0 and second.raw is None
    assert records[-1]["cached"] is True and records[-1]["attempt"] == 0
    assert client.totals.cache_hits == 1 and client.totals.cached_usage == first.usage


def test_the_timeout_is_not_part_of_the_key(fake_server, tmp_path):
    cache = ResponseCache(tmp_path)
    run(complete_all(client_for(fake_server, cache), [GenerateConfig(timeout_s=5), GenerateConfig(timeout_s=9)]))
    assert len(fake_server.requests) == 1


@pytest.mark.parametrize(
    "other",
    [
        GenerateConfig(timeout_s=5, sample_index=1),
        GenerateConfig(timeout_s=5, temperature=0.3),
        GenerateConfig(timeout_s=5, max_tokens=100),
        GenerateConfig(timeout_s=5, top_p=0.5),
        GenerateConfig(timeout_s=5, stop=("x",)),
    ],
)
def test_a_different_sample_or_parameter_makes_its_own_request(fake_server, tmp_path, other):
    cache = ResponseCache(tmp_path)
    run(complete_all(client_for(fake_server, cache), [GenerateConfig(timeout_s=5), other, other]))
    assert len(fake_server.requests) == 2


def test_entries_survive_a_new_cache_object(fake_server, tmp_path):
    run(complete_all(client_for(fake_server, ResponseCache(tmp_path)), [GenerateConfig(timeout_s=5)]))
    (again,) = run(complete_all(client_for(fake_server, ResponseCache(tmp_path)), [GenerateConfig(timeout_s=5)]))
    assert again.cached and len(fake_server.requests) == 1


def test_cache_hits_are_not_charged_to_the_token_budget(fake_server, tmp_path):
    cache = ResponseCache(tmp_path)
    budget = Budget(max_calls=1)
    client = client_for(fake_server, cache, budget=budget)
    first, second, third = run(complete_all(client, [GenerateConfig(timeout_s=5)] * 3))
    # the budget allowed one call; the repeats came from the cache and charged nothing
    assert budget.calls == 1 and budget.tokens == first.usage.total_tokens
    assert budget.cached_calls == 2 and budget.cached_tokens == 2 * first.usage.total_tokens
    assert second.cached and third.cached


def test_failures_are_not_cached(fake_server, tmp_path):
    cache = ResponseCache(tmp_path)
    fake_server.fail("server_error")
    client = client_for(fake_server, cache, backoff_base_s=0.01)
    run(complete_all(client, [GenerateConfig(timeout_s=5)]))
    assert len(cache) == 1


def test_request_key_depends_on_model_base_url_messages_and_sample():
    config = GenerateConfig()
    base = request_key("openai:m", None, PROMPT, config)
    assert request_key("openai:m", None, list(PROMPT), GenerateConfig()) == base
    assert request_key("openai:m", "", PROMPT, config) == base  # no base URL either way
    assert request_key("openai:other", None, PROMPT, config) != base
    assert request_key("openai:m", "http://localhost:8000/v1", PROMPT, config) != base
    assert request_key("openai:m", None, PROMPT[:1], config) != base
    assert request_key("openai:m", None, PROMPT, GenerateConfig(sample_index=1)) != base
    assert len(base) == 64 and int(base, 16) >= 0


def test_a_damaged_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    cache._cache.set("k1", "not json")
    cache._cache.set("k2", b"\x00bytes")
    cache._cache.set("k3", '{"no": "text"}')
    assert cache.get("k1") is None and cache.get("k2") is None and cache.get("k3") is None
    assert cache.get("missing") is None


def test_put_then_get_roundtrip(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("k", Completion("hello", Usage(3, 4, 5, 6, 1), latency_s=2.5, stop_reason="end_turn", raw={"x": 1}))
    hit = cache.get("k")
    assert hit == Completion("hello", Usage(3, 4, 5, 6, 1), 0.0, "end_turn", None, cached=True)


def test_default_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("COSPLAY_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_cache_dir() == Path(".cosplay_cache")
    cache = ResponseCache()
    assert (tmp_path / ".cosplay_cache").is_dir() and cache.directory == Path(".cosplay_cache")
    monkeypatch.setenv("COSPLAY_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert ResponseCache().directory == tmp_path / "elsewhere"
