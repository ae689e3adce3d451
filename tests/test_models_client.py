"""ModelClient against the fake server, through the real SDK adapters: retries, faults, Retry-After, budget,
concurrency, cancellation, records and totals."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from cosplay_core.models import (
    Budget,
    BudgetExceeded,
    GenerateConfig,
    Message,
    ModelCallError,
    ModelClient,
    ModelUnavailable,
    ResponseCache,
    create_model,
)
from cosplay_core.parse import extract_code
from fake_llm_server import FakeLLMServer, Reply

PROMPT = [Message("system", "Solve the problem."), Message("user", "Sum two integers.")]
FAST = GenerateConfig(timeout_s=10, max_tokens=256)
SHORT_TIMEOUT = GenerateConfig(timeout_s=1.5, max_tokens=256)  # only where a timeout is the point


def run(coro):
    return asyncio.run(coro)


def make_model(provider: str, server: FakeLLMServer):
    if provider == "anthropic":
        return create_model("anthropic:claude-test", api_key="sk-ant-test-key-000", base_url=server.url)
    return create_model("openai:test-model", api_key="sk-test-key-000", base_url=server.openai_base_url)


def make_client(provider: str, server: FakeLLMServer, records: list | None = None, **options) -> ModelClient:
    options.setdefault("backoff_base_s", 0.01)
    options.setdefault("backoff_max_s", 0.05)
    return ModelClient(make_model(provider, server), on_call=records.append if records is not None else None, **options)


async def complete(client: ModelClient, messages=PROMPT, config=FAST):
    async with client:
        return await client.complete(messages, config)


PROVIDERS = ["anthropic", "openai"]

RETRYABLE = [
    ("rate_limit", "rate_limited"),
    ("server_error", "server_error"),
    ("unavailable", "server_error"),
    ("overloaded", "server_error"),
    ("slow", "timeout"),
    ("malformed", "malformed_response"),
    ("wrong_shape", "malformed_response"),
    ("empty", "empty_completion"),
    ("disconnect", "connection"),
]

FINAL = [
    ("unauthorized", "unauthorized", 401),
    ("forbidden", "forbidden", 403),
    ("not_found", "not_found", 404),
    ("bad_request", "bad_request", 400),
    ("refusal", "refusal", None),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault, name", RETRYABLE)
def test_a_transient_fault_is_retried_and_the_retry_succeeds(fake_server, provider, fault, name):
    records: list[dict] = []
    fake_server.fail(fault, retry_after="0" if fault == "rate_limit" else None, delay_s=30)
    config = SHORT_TIMEOUT if fault == "slow" else FAST
    completion = run(complete(make_client(provider, fake_server, records), config=config))
    assert extract_code(completion.text) == "print(sum(map(int, input().split())))"
    assert len(fake_server.requests) == 2
    assert [r["attempt"] for r in records] == [1, 2]
    assert records[0]["error"]["type"] == name and records[0]["text"] is None
    assert records[0]["retry_in_s"] >= 0
    assert records[1]["error"] is None and records[1]["text"] == completion.text


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault, name, status", FINAL)
def test_a_final_fault_is_not_retried_and_ends_in_one_clear_error(fake_server, provider, fault, name, status):
    records: list[dict] = []
    fake_server.fail(fault)
    with pytest.raises(ModelCallError) as info:
        run(complete(make_client(provider, fake_server, records)))
    err = info.value
    assert err.fault == name and err.status == status and err.attempts == 1
    assert len(fake_server.requests) == 1  # no retry
    message = str(err)
    assert "\n" not in message and message.startswith(("anthropic:claude-test:", "openai:test-model:"))
    assert len(records) == 1 and records[0]["error"]["type"] == name and "retry_in_s" not in records[0]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["unauthorized", "forbidden", "not_found"])
def test_a_model_that_cannot_answer_stops_every_further_call_until_retried(fake_server, provider, fault, tmp_path):
    """A rejected key or a missing model fails every call the same way: the client says so once (ModelUnavailable,
    still a ModelCallError) and sends nothing more, though the cache still answers, until `retry_model()`."""
    cache = ResponseCache(tmp_path / "cache")
    client = make_client(provider, fake_server, cache=cache)
    cached_config = GenerateConfig(timeout_s=10, max_tokens=256, sample_index=7)

    async def session():
        async with client:
            await client.complete(PROMPT, cached_config)  # answered, and cached
            fake_server.fail(fault)
            with pytest.raises(ModelUnavailable) as first:
                await client.complete(PROMPT, FAST)
            assert isinstance(first.value, ModelCallError) and first.value.fault == fault
            sent = len(fake_server.requests)
            with pytest.raises(ModelUnavailable) as again:
                await client.complete(PROMPT, GenerateConfig(timeout_s=10, sample_index=3))
            assert again.value.fault == fault and str(again.value) == client.unavailable
            assert str(first.value).startswith(client.unavailable)
            assert len(fake_server.requests) == sent  # nothing more reached the server
            assert (await client.complete(PROMPT, cached_config)).cached  # the cache still answers
            client.retry_model()
            return await client.complete(PROMPT, FAST)

    completion = run(session())
    cache.close()
    assert extract_code(completion.text) == "print(sum(map(int, input().split())))"


def test_a_server_that_cannot_be_reached_is_unavailable_after_the_retries():
    with FakeLLMServer() as server:
        model = make_model("openai", server)
    # the server is gone: every attempt fails to connect
    client = ModelClient(model, max_retries=2, backoff_base_s=0.01, backoff_max_s=0.02)
    with pytest.raises(ModelUnavailable) as info:
        run(complete(client))
    assert info.value.fault == "connection" and info.value.attempts == 3
    assert client.unavailable and "connection failed" in client.unavailable
    assert client.totals.attempts == 3


def test_transient_and_request_specific_faults_leave_the_model_available(fake_server):
    client = make_client("anthropic", fake_server, max_retries=1)

    async def session():
        async with client:
            for fault in ("bad_request", "refusal"):
                fake_server.fail(fault)
                with pytest.raises(ModelCallError) as info:
                    await client.complete(PROMPT, FAST)
                assert not isinstance(info.value, ModelUnavailable)
            fake_server.fail("server_error", "server_error")
            with pytest.raises(ModelCallError) as info:
                await client.complete(PROMPT, FAST)
            assert not isinstance(info.value, ModelUnavailable)
            return await client.complete(PROMPT, FAST)

    assert run(session()).text and client.unavailable is None


def test_401_message_says_the_key_was_rejected(fake_server):
    fake_server.fail("unauthorized")
    with pytest.raises(ModelCallError, match="API key was rejected"):
        run(complete(make_client("anthropic", fake_server)))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_persistent_faults_end_in_one_error_after_the_retries(fake_server, provider):
    records: list[dict] = []
    fake_server.fail("server_error", "unavailable", "server_error", "server_error")
    with pytest.raises(ModelCallError) as info:
        run(complete(make_client(provider, fake_server, records, max_retries=2)))
    assert info.value.fault == "server_error" and info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)
    assert len(fake_server.requests) == 3 and len(records) == 3


def test_persistent_timeouts_end_in_an_error_not_a_hang(fake_server):
    fake_server.fail("slow", "slow", "slow", delay_s=30)
    start = time.monotonic()
    with pytest.raises(ModelCallError) as info:
        run(complete(make_client("openai", fake_server, max_retries=2), config=GenerateConfig(timeout_s=0.2)))
    assert info.value.fault == "timeout" and info.value.attempts == 3
    assert time.monotonic() - start < 20  # generous: three 0.2 s attempts, never the server's 30 s


def test_refused_completion_is_not_retried(fake_server):
    fake_server.fail("refusal")
    with pytest.raises(ModelCallError, match="refused"):
        run(complete(make_client("openai", fake_server)))
    assert len(fake_server.requests) == 1


def test_a_completion_without_code_is_a_completion_whose_code_is_none(fake_server):
    fake_server.fail("no_code")
    completion = run(complete(make_client("anthropic", fake_server)))
    assert completion.text and extract_code(completion.text) is None


# ---- Retry-After --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retry_after_seconds_is_honoured(fake_server, provider):
    fake_server.fail("rate_limit", retry_after="1")
    records: list[dict] = []
    run(complete(make_client(provider, fake_server, records)))
    first, second = fake_server.requests
    assert second.received_at - first.received_at >= 0.9  # the backoff alone would be about 0.01 s
    assert records[0]["retry_in_s"] == pytest.approx(1.0)


def test_retry_after_http_date_is_honoured(fake_server):
    fake_server.fail("unavailable", retry_after=email.utils.formatdate(time.time() + 2, usegmt=True))
    run(complete(make_client("anthropic", fake_server)))
    first, second = fake_server.requests
    assert second.received_at - first.received_at >= 0.8  # the date has whole seconds: a wait of 1 to 2 s


def test_retry_after_is_capped(fake_server):
    fake_server.fail("rate_limit", retry_after="3600")
    records: list[dict] = []
    run(complete(make_client("openai", fake_server, records, retry_after_max_s=0.05)))
    assert records[0]["retry_in_s"] == pytest.approx(0.05)


def test_backoff_grows_and_stays_under_its_ceiling():
    client = ModelClient(object.__new__(type("M", (), {"name": "x"})), backoff_base_s=1.0, backoff_max_s=5.0)
    delays = [client._delay(attempt, None) for attempt in range(1, 8)]
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and 2.0 <= delays[2] <= 4.0
    assert all(2.5 <= d <= 5.0 for d in delays[3:])


# ---- budget -----------------------------------------------------------------------------------------------------


def test_budget_of_calls_stops_further_calls(fake_server):
    budget = Budget(max_calls=2)
    client = make_client("anthropic", fake_server, budget=budget)

    async def three():
        async with client:
            await client.complete(PROMPT, FAST)
            await client.complete(PROMPT, GenerateConfig(timeout_s=10, sample_index=1))
            await client.complete(PROMPT, GenerateConfig(timeout_s=10, sample_index=2))

    with pytest.raises(BudgetExceeded, match="2 model calls"):
        run(three())
    assert len(fake_server.requests) == 2 and budget.calls == 2


def test_retries_count_against_the_budget(fake_server):
    fake_server.fail("server_error", "server_error", "server_error")
    budget = Budget(max_calls=2)
    with pytest.raises(BudgetExceeded):
        run(complete(make_client("openai", fake_server, budget=budget)))
    assert len(fake_server.requests) == 2


def test_budget_of_tokens_stops_further_calls(fake_server):
    fake_server.reply(Reply("first answer", usage={"input_tokens": 60, "output_tokens": 50}))
    budget = Budget(max_tokens=100)
    client = make_client("anthropic", fake_server, budget=budget)

    async def two():
        async with client:
            await client.complete(PROMPT, FAST)
            await client.complete(PROMPT, GenerateConfig(timeout_s=10, sample_index=1))

    with pytest.raises(BudgetExceeded, match="100 tokens"):
        run(two())
    assert len(fake_server.requests) == 1 and budget.tokens >= 110


def test_concurrent_calls_never_exceed_the_call_budget(fake_server):
    budget = Budget(max_calls=5)
    client = make_client("openai", fake_server, budget=budget, concurrency=4)

    async def many():
        async with client:
            configs = [GenerateConfig(timeout_s=2, sample_index=i) for i in range(12)]
            return await asyncio.gather(*(client.complete(PROMPT, c) for c in configs), return_exceptions=True)

    results = run(many())
    assert sum(isinstance(r, BudgetExceeded) for r in results) == 7
    assert len(fake_server.requests) == 5


# ---- concurrency and cancellation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_concurrency_never_exceeds_the_limit(provider):
    with FakeLLMServer(lambda request: Reply("```python\nprint(2)\n```", delay_s=0.15)) as server:
        client = make_client(provider, server, concurrency=3)

        async def many():
            async with client:
                configs = [GenerateConfig(timeout_s=5, sample_index=i) for i in range(10)]
                return await asyncio.gather(*(client.complete(PROMPT, c) for c in configs))

        results = run(many())
    assert len(results) == 10 and len(server.requests) == 10
    assert server.max_in_flight <= 3 and client.max_in_flight <= 3
    assert server.max_in_flight == 3  # the limit is used, not only respected


def test_cancellation_cancels_the_call_and_frees_its_slot(fake_server):
    records: list[dict] = []
    fake_server.fail("slow", delay_s=30)
    client = make_client("anthropic", fake_server, records, concurrency=1)

    async def scenario():
        async with client:
            task = asyncio.create_task(client.complete(PROMPT, GenerateConfig(timeout_s=60)))
            for _ in range(3000):  # up to 30 s on a loaded machine; ends once the server has the request
                if fake_server.requests:
                    break
                await asyncio.sleep(0.01)
            assert client.in_flight == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert client.in_flight == 0
            # the only slot is free again: the next call goes through at once
            return await asyncio.wait_for(client.complete(PROMPT, GenerateConfig(timeout_s=5, sample_index=1)), 10)

    completion = run(scenario())
    assert completion.text
    assert records[0]["error"]["type"] == "cancelled"
    # the server saw the client hang up on the cancelled request
    deadline = time.monotonic() + 30
    while fake_server.requests[0].answer != "abandoned" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake_server.requests[0].answer == "abandoned"


# ---- records and totals --------------------------------------------------------------------------------------------


def test_records_are_plain_and_complete(fake_server):
    import json

    records: list[dict] = []
    fake_server.fail("server_error")
    client = make_client("anthropic", fake_server, records)
    completion = run(complete(client, config=GenerateConfig(timeout_s=10, temperature=0.2, sample_index=3)))
    json.dumps(records)  # plain data
    failed, ok = records
    for record in records:
        assert record["model"] == "anthropic:claude-test"
        assert record["messages"] == [m.to_dict() for m in PROMPT]
        assert record["config"]["sample_index"] == 3 and record["config"]["temperature"] == 0.2
        assert record["cached"] is False
    assert failed["error"] == {
        "type": "server_error",
        "message": failed["error"]["message"],
        "status": 500,
    }
    assert ok["usage"] == completion.usage.to_dict() and ok["latency_s"] == completion.latency_s
    assert ok["stop_reason"] == "end_turn"


def test_totals(fake_server):
    fake_server.fail("server_error")
    client = make_client("openai", fake_server)

    async def two():
        async with client:
            a = await client.complete(PROMPT, FAST)
            b = await client.complete(PROMPT, GenerateConfig(timeout_s=10, sample_index=1))
            return a, b

    a, b = run(two())
    totals = client.totals
    assert (totals.calls, totals.attempts, totals.retries, totals.failures, totals.cache_hits) == (2, 3, 1, 0, 0)
    assert totals.usage == a.usage + b.usage
    assert totals.to_dict()["usage"]["output_tokens"] == a.usage.output_tokens + b.usage.output_tokens
