"""Keys planted in the environment or entered in the UI reach the server and nothing else: not the cache directory,
not the call records, not the trace, not repr(), not error messages, not the logs, not the programs a run executes,
not the output of `cosplay run`, even when the server echoes the key back in every field and form it can."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES
from cosplay_core.models import (
    GenerateConfig,
    Message,
    ModelAttemptError,
    ModelCallError,
    ModelClient,
    ModelConfigError,
    ModelUnavailable,
    ResponseCache,
    create_model,
)
from cosplay_core.models.redaction import REDACTED
from cosplay_core.trace import TraceWriter, read_trace
from fake_llm_server import FakeLLMServer
from test_models_redaction import PLAIN, SHORT, TRICKY, findable, leaks

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


def needles(key: str) -> dict[str, bytes]:
    """What no file or output may hold: every form of the key, its first 8 characters (any longer cut-off prefix
    holds them), and its hex (as a probing program would print it)."""
    out = {name: form.encode() for name, form in findable(key).items()}
    out["cut at 8"] = key[:8].encode()
    out["hex"] = key.encode().hex().encode()
    return out


def leaks_in_tree(directory, key: str) -> list[str]:
    hits = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(directory)}: {name}" for name, needle in needles(key).items() if needle in data]
    return hits


def leaks_in_text(text: str, key: str) -> list[str]:
    data = text.encode()
    return [name for name, needle in needles(key).items() if needle in data]


ECHO_CASES = [  # provider, key, where the key comes from (the environment, or a key entered in the UI)
    ("anthropic", TRICKY, "env"), ("openai", TRICKY, "ui"),
    ("anthropic", PLAIN, "ui"), ("openai", PLAIN, "env"),
    ("anthropic", SHORT, "env"), ("openai", SHORT, "ui"),
]


@pytest.mark.parametrize("provider,key,source", ECHO_CASES,
                         ids=[f"{p}-{ {TRICKY: 'tricky', PLAIN: 'plain', SHORT: 'short'}[k]}-{s}"
                              for p, k, s in ECHO_CASES])
def test_a_server_that_echoes_the_key_everywhere_leaks_it_nowhere(provider, key, source, monkeypatch, tmp_path,
                                                                  caplog):
    caplog.set_level(logging.DEBUG)  # the SDKs log the echoing request-id header at DEBUG
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if source == "env":
        monkeypatch.setenv(f"{provider.upper()}_API_KEY", key)
    outputs: list[str] = []
    with FakeLLMServer(echo_key=True) as server:
        base_url = server.url if provider == "anthropic" else server.openai_base_url
        model = create_model(f"{provider}:echo-test", api_key=key if source == "ui" else None, base_url=base_url)
        cache = ResponseCache(tmp_path / "cache")
        trace = TraceWriter(tmp_path / "run" / "trace.jsonl")
        records: list[dict] = []

        def on_call(record):
            records.append(record)
            trace.write("model_call", **record)

        client = ModelClient(model, cache=cache, on_call=on_call, backoff_base_s=0.01, max_retries=2)

        async def ask(sample, *faults):
            server.fail(*faults)
            try:
                completion = await client.complete(PROMPT, GenerateConfig(timeout_s=5, sample_index=sample))
                outputs.append(json.dumps([completion.text, completion.stop_reason, completion.raw]))
            except ModelCallError as err:
                outputs.append(repr(err) + str(err) + json.dumps(vars(err)))

        async def session():
            async with client:
                await ask(0)  # the completion quotes the key in every form, the response id and headers too
                await ask(0)  # the same, from the cache
                await ask(1, "server_error")  # an error body with the key across and past character 300, retried
                await ask(2, "stop_reason_echo")  # the key as the stop reason
                await ask(3, "refusal")  # a refusal that quotes the key
                await ask(4, "bad_request")  # a final error with the long echo
                await ask(5, "unauthorized")  # the key rejected: the model is unavailable from now on
                try:
                    await client.complete(PROMPT, GenerateConfig(timeout_s=5, sample_index=6))
                except ModelUnavailable as err:
                    outputs.append(str(err))

        asyncio.run(session())
        cache.close()
        trace.close()

    # the key really went out, and the server really sent it back in each answer
    assert all(r.key == key for r in server.requests) and len(server.requests) == 7
    assert [r.answer for r in server.requests] == ["ok", "server_error", "ok", "stop_reason_echo", "refusal",
                                                   "bad_request", "unauthorized"]
    assert all("[RED" in out for out in outputs), outputs  # a cut at 300 may leave "[RED..."
    assert "the API key was rejected" in outputs[-1] and "refused" in outputs[4]
    everything = "\n".join(outputs) + json.dumps(records) + caplog.text + repr(model) + repr(client)
    assert leaks_in_text(everything, key) == []
    assert all(leaks_in_text(r.getMessage(), key) == [] for r in caplog.records)
    assert leaks_in_tree(tmp_path, key) == []
    assert len(read_trace(tmp_path / "run").of_type("model_call")) == len(records) == 8


PROBE = """
import os as _os, sys as _sys
_TOKEN = {token!r}  # a key the model wrote into its program: redacted before the program exists
_sys.stderr.write("probe:" + _TOKEN.encode().hex() + " env:" + ",".join(
    v.encode().hex() for v in _os.environ.values() if "PLANTED" in v) + "\\n")
"""


class EchoingScript:
    """The scripted model of a sample problem, whose programs also carry the key in a string literal (and print it,
    hex-encoded, with any environment value holding it: what a program received shows in the trace)."""

    def __init__(self, script, key):
        self.script, self.key = script, key

    def __call__(self, request):
        from test_lm_player import request_kind

        answer = self.script(request)
        if request_kind(request) in ("code", "repair"):
            answer = answer.replace("```python\n", "```python\n" + PROBE.format(token=self.key), 1)
        return answer


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_whole_run_against_an_echoing_server_writes_the_key_nowhere(provider, tmp_path):
    """`cosplay run --model PROVIDER:... --base-url`, the key in the environment, a server that echoes it in every
    answer and error; the key rejected mid-run (exit 2), the same command resumed to the end. No file of the run
    folder or the cache, no line of either command's output, holds the key in any form; programs never saw it."""
    from test_lm_player import FUNCTION_INPUTS, GEN_FUNCTION, RunScript

    from cosplay_core.problem import load_problem
    from cosplay_core.sandbox import Executor

    key = TRICKY
    problem = load_problem(SAMPLES / "run_length")
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    env[f"{provider.upper()}_API_KEY"] = key
    run_dir, cache_dir = tmp_path / "run", tmp_path / "cache"
    with Executor(workers=1) as executor, FakeLLMServer(
            EchoingScript(RunScript(problem, executor, FUNCTION_INPUTS, GEN_FUNCTION), key), echo_key=True) as server:
        server.fail_at(2, "refusal")
        server.fail_at(4, "server_error")  # retried
        server.fail_at(6, "stop_reason_echo")
        server.fail_at(8, "bad_request")
        server.fail_at(14, "unauthorized")  # the run pauses here
        base_url = server.url if provider == "anthropic" else server.openai_base_url
        command = [sys.executable, "-m", "cosplay_core", "run", str(SAMPLES / "run_length"), "--model",
                   f"{provider}:fake-coder", "--base-url", base_url, "--codes", "6", "--tests", "6", "--rounds", "2",
                   "--inputs", "6", "--votes", "2", "--concurrency", "1", "--cache-dir", str(cache_dir),
                   "--out", str(run_dir)]
        first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
        second = subprocess.run(command + ["--json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert first.returncode == 2, first.stderr
    assert "API key was rejected" in first.stderr.strip().splitlines()[-1] and "Traceback" not in first.stderr
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["selected"] is not None
    assert all(r.key == key for r in server.requests)
    answers = [r.answer for r in server.requests]
    assert {"refusal", "server_error", "stop_reason_echo", "bad_request", "unauthorized"} <= set(answers)

    for name, text in [("first stdout", first.stdout), ("first stderr", first.stderr),
                       ("second stdout", second.stdout), ("second stderr", second.stderr)]:
        assert leaks_in_text(text, key) == [], name
    assert leaks_in_tree(run_dir, key) == [] and leaks_in_tree(cache_dir, key) == []

    trace = read_trace(run_dir)
    calls = trace.of_type("model_call")
    assert any(REDACTED in (c.get("text") or "") for c in calls)  # the echoes reached the run, redacted
    assert {"refusal", "server_error", "bad_request", "unauthorized"} <= {(c.get("error") or {}).get("type")
                                                                         for c in calls}
    assert any("refused" in (c.get("reason") or "") for c in calls)  # the request the refusal failed
    # the programs ran with the redacted literal, and with no environment value holding the key
    ran = json.dumps([s["matrix"]["cells"] for s in trace.of_type("step") if s.get("matrix")])
    assert f"probe:{REDACTED.encode().hex()} env:\\n" in ran and key.encode().hex() not in ran


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_an_sdk_exception_that_quotes_the_key_becomes_a_redacted_fault(provider, fake_server):
    """An exception none of the SDK's error classes covers reaches the caller as it is, unless its text quotes the
    key: then it is a final `sdk_error` whose message is redacted (and whose cause is not chained)."""
    base_url = fake_server.url if provider == "anthropic" else fake_server.openai_base_url
    model = create_model(f"{provider}:m", api_key=PLAIN, base_url=base_url)

    async def attempt(exc):
        async def raising(*args, **kwargs):
            raise exc
        model._call = raising
        try:
            return await model.generate(PROMPT, GenerateConfig(timeout_s=5))
        finally:
            await model.aclose()

    with pytest.raises(ModelAttemptError) as caught:
        asyncio.run(attempt(RuntimeError(f"proxy said: {{'headers': {{'x-api-key': {PLAIN!r}}}}}")))
    err = caught.value
    assert err.fault == "sdk_error" and not err.retryable and err.__cause__ is None and err.__suppress_context__
    assert REDACTED in err.message and leaks(err.message, PLAIN) == []
    with pytest.raises(ZeroDivisionError, match="a bug of ours"):
        asyncio.run(attempt(ZeroDivisionError("a bug of ours")))
    try:  # the key in an exception the SDK's exception was raised from: a traceback would show it
        raise KeyError(f"Bearer {PLAIN}")
    except KeyError as cause:
        wrapped = RuntimeError("lookup failed")
        wrapped.__cause__ = cause
    with pytest.raises(ModelAttemptError) as caught:
        asyncio.run(attempt(wrapped))
    assert caught.value.fault == "sdk_error" and leaks(caught.value.message, PLAIN) == []
    assert "lookup failed; caused by KeyError" in caught.value.message


@pytest.mark.parametrize("bad", [PLAIN + "\n", " " + PLAIN, PLAIN[:20] + "é" + PLAIN[20:], PLAIN[:9] + "\x00x"],
                         ids=["trailing newline", "leading space", "non-ASCII", "NUL"])
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_key_a_header_cannot_carry_is_refused_in_one_line_without_quoting_it(bad, provider):
    with pytest.raises(ModelConfigError) as caught:
        create_model(f"{provider}:m", api_key=bad, base_url="http://127.0.0.1:9/v1")
    message = str(caught.value)
    assert "\n" not in message and "printable ASCII" in message and PLAIN[:8] not in message


def test_a_password_in_the_base_url_is_a_secret_too():
    password = "pw-" + PLAIN[-20:]
    model = create_model("openai:m", base_url=f"http://user:{password}@127.0.0.1:9/v1")
    assert password not in repr(model)
    assert model.redactor(f"connect to http://user:{password}@host failed") == f"connect to http://user:{REDACTED}@host failed"


def test_the_placeholder_sent_when_no_key_is_given_is_not_a_secret(fake_server):
    """A local server that checks no key gets "EMPTY"; the word stays in completions (programs use it)."""
    model = create_model("openai:m", base_url=fake_server.openai_base_url)
    assert not model.redactor and model.redactor("EMPTY = '.'") == "EMPTY = '.'"
