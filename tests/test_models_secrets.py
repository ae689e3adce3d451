"""Keys planted in the environment reach the server and nothing else: not the cache directory, not the call
records, not repr(), not error messages, not the logs."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle

import pytest

from cosplay_core.models import (
    GenerateConfig,
    Message,
    ModelCallError,
    ModelClient,
    ResponseCache,
    create_model,
)
from fake_llm_server import fake_server  # noqa: F401  (fixture)

ANTHROPIC_KEY = "sk-ant-PLANTED-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
OPENAI_KEY = "sk-PLANTED-openai-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PROMPT = [Message("system", "Solve it."), Message("user", "Sum two integers.")]


@pytest.fixture
def planted(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)


def grep_tree(directory, needles) -> list[str]:
    hits = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {needle[:12]}..." for needle in needles if needle.encode() in data]
    return hits


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_planted_keys_never_leave_memory(fake_server, planted, tmp_path, caplog, provider):
    caplog.set_level(logging.DEBUG)  # every logger, the SDKs' and httpx2's included
    base_url = fake_server.url if provider == "anthropic" else fake_server.openai_base_url
    model = create_model(f"{provider}:claude-or-gpt", base_url=base_url)  # key from the environment
    cache = ResponseCache(tmp_path / "cache")
    records: list[dict] = []
    client = ModelClient(model, cache=cache, on_call=records.append, backoff_base_s=0.01)
    errors: list[str] = []

    async def session():
        async with client:
            fake_server.fail("server_error", "malformed")
            await client.complete(PROMPT, GenerateConfig(timeout_s=5))  # two failed attempts, then an answer
            await client.complete(PROMPT, GenerateConfig(timeout_s=5))  # from the cache
            fake_server.fail("unauthorized")  # the server's error message quotes the key it was sent
            try:
                await client.complete(PROMPT, GenerateConfig(timeout_s=5, sample_index=1))
            except ModelCallError as err:
                errors.append(repr(err) + str(err) + json.dumps(vars(err)))

    asyncio.run(session())
    cache.close()

    key = ANTHROPIC_KEY if provider == "anthropic" else OPENAI_KEY
    needles = (ANTHROPIC_KEY, OPENAI_KEY)
    # the key was really used: it reached the server, in the Authorization header
    assert fake_server.requests[0].headers["authorization"] == f"Bearer {key}"
    assert any(key in r.raw.decode() or key in json.dumps(r.headers) for r in fake_server.requests)
    assert "invalid x-api-key" in json.dumps(records)  # the 401 record is there, without the key

    assert len(records) == 5 and errors
    assert grep_tree(tmp_path, needles) == []
    dumped = json.dumps(records)
    for needle in needles:
        assert needle not in dumped
        assert needle not in repr(model) and needle not in str(model)
        assert needle not in repr(client) and needle not in repr(vars(model)) and needle not in repr(vars(client))
        assert needle not in errors[0]
        assert needle not in caplog.text
        assert all(needle not in str(rec.args) for rec in caplog.records)


def test_models_refuse_to_be_pickled(planted):
    model = create_model("anthropic:claude-sonnet-4-5")
    with pytest.raises(TypeError):
        pickle.dumps(model)
    with pytest.raises(TypeError):
        pickle.dumps(model._api_key)
