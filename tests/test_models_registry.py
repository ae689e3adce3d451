"""Model specs, keys from arguments or the environment, clear configuration errors, lazy SDK imports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from cosplay_core.models import GenerateConfig, Message, ModelConfigError, create_model, providers, register_provider
from cosplay_core.models.anthropic_model import AnthropicModel
from cosplay_core.models.openai_model import OpenAIModel


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def one_sentence(err: BaseException) -> str:
    message = str(err)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("spec", ["gpt-4o", "claude:opus", "foo:bar", "Anthropic:claude"])
def test_unknown_spec(spec):
    with pytest.raises(ModelConfigError) as info:
        create_model(spec, api_key="x" * 10)
    message = one_sentence(info.value)
    assert f"Unknown model '{spec}'" in message and "anthropic:<model>" in message and "openai:<model>" in message


@pytest.mark.parametrize("spec", ["", "   "])
def test_empty_spec(spec):
    with pytest.raises(ModelConfigError, match="No model given"):
        create_model(spec)


@pytest.mark.parametrize("spec", ["anthropic:", "openai: "])
def test_spec_without_model_name(spec):
    with pytest.raises(ModelConfigError, match="names no model"):
        create_model(spec, api_key="x" * 10)


def test_missing_anthropic_key_names_the_variable():
    with pytest.raises(ModelConfigError) as info:
        create_model("anthropic:claude-sonnet-4-5")
    assert "ANTHROPIC_API_KEY" in one_sentence(info.value)


def test_missing_openai_key_names_the_variable():
    with pytest.raises(ModelConfigError) as info:
        create_model("openai:gpt-4o")
    assert "OPENAI_API_KEY" in one_sentence(info.value)


def test_keys_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-1")
    model = create_model("anthropic:claude-sonnet-4-5")
    assert isinstance(model, AnthropicModel) and model.name == "anthropic:claude-sonnet-4-5"
    assert model._api_key.reveal() == "sk-ant-from-env-1"


def test_an_explicit_key_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-2")
    model = create_model("openai:gpt-4o", api_key="sk-explicit-3")
    assert model._api_key.reveal() == "sk-explicit-3"
    assert model.max_tokens_field == "max_completion_tokens"  # OpenAI itself


def test_model_names_may_contain_colons():
    model = create_model("openai:llama3.1:8b", base_url="http://localhost:11434/v1")
    assert isinstance(model, OpenAIModel) and model.model_id == "llama3.1:8b"
    assert model.name == "openai:llama3.1:8b" and model.base_url == "http://localhost:11434/v1"


def run_generate(model):
    async def go():
        try:
            return await model.generate([Message("user", "hi")], GenerateConfig(timeout_s=5))
        finally:
            await model.aclose()

    return asyncio.run(go())


def test_base_url_without_key_sends_EMPTY(fake_server):
    run_generate(create_model("openai:served-model", base_url=fake_server.openai_base_url))
    assert fake_server.requests[0].headers["authorization"] == "Bearer EMPTY"


def test_base_url_uses_OPENAI_API_KEY_when_set(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-env-4")
    run_generate(create_model("openai:served-model", base_url=fake_server.openai_base_url))
    assert fake_server.requests[0].headers["authorization"] == "Bearer sk-local-env-4"


def test_base_url_from_the_environment(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    model = create_model("openai:served-model")
    assert model.base_url == fake_server.openai_base_url
    run_generate(model)
    assert len(fake_server.requests) == 1


def test_missing_sdk_is_a_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "anthropic", None)  # as if not installed
    with pytest.raises(ModelConfigError) as info:
        create_model("anthropic:claude-sonnet-4-5", api_key="sk-ant-x-123456")
    assert "pip install anthropic" in one_sentence(info.value)


def test_other_providers_register_through_the_same_function():
    class Echo:
        def __init__(self, rest, **options):
            self.name = f"echo:{rest}" if rest else "echo"
            self.options = options

        async def generate(self, messages, config):
            raise NotImplementedError

    register_provider("echo", lambda rest, **options: Echo(rest, **options), usage="echo[:<anything>]")
    try:
        assert create_model("echo").name == "echo"
        assert create_model("echo:a/b.jsonl", seed=3).options["seed"] == 3
        assert "echo[:<anything>]" in providers()
    finally:
        from cosplay_core.models import registry

        registry._PROVIDERS.pop("echo")


def test_register_provider_rejects_bad_prefixes():
    for prefix in ("", "a:b", " x"):
        with pytest.raises(ValueError):
            register_provider(prefix, lambda rest, **o: None)


def test_importing_the_layer_imports_no_sdk_and_no_streamlit():
    code = (
        "import sys\n"
        "import cosplay_core.models, cosplay_core.models.client, cosplay_core.models.cache, cosplay_core.parse\n"
        "from cosplay_core.models import create_model, ModelConfigError\n"
        "try:\n"
        "    create_model('nope:x')\n"
        "except ModelConfigError:\n"
        "    pass\n"
        "bad = [m for m in ('anthropic', 'openai', 'streamlit', 'diskcache') if m in sys.modules]\n"
        "print(','.join(bad))\n"
        "create_model('openai:m', base_url='http://127.0.0.1:9/v1')\n"
        "print('openai' in sys.modules, 'anthropic' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.split("\n")[:2]
    assert first == ""
    assert second == "True False"  # an SDK is imported when, and only when, its provider is used


def test_unknown_option_is_a_config_error():
    with pytest.raises(ModelConfigError) as info:
        create_model("openai:m", base_url="http://127.0.0.1:9/v1", temprature=0.3)
    assert "'temprature'" in one_sentence(info.value)
