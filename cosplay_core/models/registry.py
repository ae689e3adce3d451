"""Model specs ("anthropic:claude-sonnet-4-5", "openai:gpt-4o", "openai:llama3.1:8b" with a base URL) to Models.

Providers are registered by prefix with a factory; a factory imports its SDK only when it is called, so naming a
provider costs nothing until it is used. Other providers (`sim`, `pool:`) register through `register_provider`.
"""

from __future__ import annotations

import os
from typing import Any, Callable
from urllib.parse import urlsplit

from cosplay_core.models.base import Model, ModelConfigError

# factory(model_part, api_key=..., base_url=..., **options) -> Model; `model_part` is what follows "prefix:"
ProviderFactory = Callable[..., Model]

_PROVIDERS: dict[str, tuple[ProviderFactory, str]] = {}


def register_provider(prefix: str, factory: ProviderFactory, *, usage: str | None = None) -> None:
    """Make `create_model` answer specs "prefix" and "prefix:<rest>" by calling `factory(rest, ...)`.

    `usage` is the form shown in error messages (default "prefix:<model>"). Registering a prefix again replaces it.
    """
    if not prefix or ":" in prefix or prefix != prefix.strip():
        raise ValueError(f"a provider prefix is a non-empty word without ':', not {prefix!r}")
    _PROVIDERS[prefix] = (factory, usage or f"{prefix}:<model>")


def providers() -> list[str]:
    """The registered specs' forms, as shown to users ("anthropic:<model>", ...)."""
    return [usage for _, usage in _PROVIDERS.values()]


def create_model(spec: str, *, api_key: str | None = None, base_url: str | None = None, **options: Any) -> Model:
    """The Model a spec names, ready to use, or ModelConfigError with one clear sentence.

    Keys come from `api_key` or the provider's environment variable; they are held in memory only.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ModelConfigError(f"No model given: use one of {', '.join(providers())}")
    spec = spec.strip()
    prefix, _, rest = spec.partition(":")
    entry = _PROVIDERS.get(prefix)
    if entry is None:
        raise ModelConfigError(f"Unknown model '{spec}': use one of {', '.join(providers())}")
    factory, _ = entry
    try:
        return factory(rest, api_key=api_key, base_url=base_url, **options)
    except TypeError as err:
        if "unexpected keyword argument" not in str(err):
            raise
        bad = str(err).rsplit("argument", 1)[-1].strip()
        raise ModelConfigError(f"The model '{spec}' does not take the option {bad}") from None


def _need_model_id(provider: str, model_id: str) -> str:
    model_id = model_id.strip()
    if not model_id:
        raise ModelConfigError(f"The spec '{provider}:' names no model: use {provider}:<model>")
    return model_id


def _checked_base_url(base_url: str | None, variable: str) -> str | None:
    """`base_url` (or the provider's environment variable), if it is an http(s) URL; ModelConfigError if not."""
    base_url = (base_url or os.environ.get(variable) or "").strip() or None
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelConfigError(f"The base URL must be an http:// or https:// address such as "
                                   f"http://localhost:8000/v1, not {base_url!r}")
    return base_url


def _anthropic(model_id: str, *, api_key: str | None = None, base_url: str | None = None, **options: Any) -> Model:
    model_id = _need_model_id("anthropic", model_id)
    api_key = api_key or os.environ.get("ANTHROPIC_API_KEY")
    if not api_key:
        raise ModelConfigError(
            f"No API key for anthropic:{model_id}: set ANTHROPIC_API_KEY in the environment (or enter a key)"
        )
    base_url = _checked_base_url(base_url, "ANTHROPIC_BASE_URL")
    from cosplay_core.models.anthropic_model import AnthropicModel

    return AnthropicModel(model_id, api_key=api_key, base_url=base_url, **options)


def _openai(model_id: str, *, api_key: str | None = None, base_url: str | None = None, **options: Any) -> Model:
    model_id = _need_model_id("openai", model_id)
    base_url = _checked_base_url(base_url, "OPENAI_BASE_URL")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not base_url:
            raise ModelConfigError(
                f"No API key for openai:{model_id}: set OPENAI_API_KEY in the environment (or enter a key), "
                "or give a base URL for a local OpenAI-compatible server"
            )
        api_key = None  # the model sends a placeholder, as vLLM and other local servers that check no key expect
    from cosplay_core.models.openai_model import OpenAIModel

    return OpenAIModel(model_id, api_key=api_key, base_url=base_url, **options)


register_provider("anthropic", _anthropic)
register_provider("openai", _openai, usage="openai:<model> (with a base URL for vLLM, Ollama, llama.cpp, LM Studio)")
