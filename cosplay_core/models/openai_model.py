"""`openai:<model>`: Chat Completions through `openai.AsyncOpenAI`, for OpenAI itself or any OpenAI-compatible
server given a `base_url` (vLLM, Ollama, llama.cpp's server, LM Studio).

- The length limit goes out as `max_completion_tokens` to OpenAI (its reasoning models reject `max_tokens`) and as
  `max_tokens` to other servers (every compatible server knows it); the `max_tokens_field` option overrides this.
- Usage: `prompt_tokens` (less the cached part), `completion_tokens`,
  `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`; servers that omit usage
  or its details are fine (zeros).
- The SDK's own retries are off (`max_retries=0`): `ModelClient` retries.
"""

from __future__ import annotations

from typing import Any

from cosplay_core.models.base import Completion, GenerateConfig, Message, ModelConfigError, Usage
from cosplay_core.models.faults import empty_fault, malformed_fault, refusal_fault
from cosplay_core.models.sdk_adapter import NO_KEY, SDKModel, to_plain

MAX_TOKENS_FIELDS = ("max_tokens", "max_completion_tokens")


def build_request(messages: list[Message], config: GenerateConfig, *, max_tokens_field: str) -> dict[str, Any]:
    """The Chat Completions keyword arguments (without `model`) for a conversation and its settings."""
    request: dict[str, Any] = {
        "messages": [m.to_dict() for m in messages],
        max_tokens_field: config.max_tokens,
    }
    if config.temperature is not None:
        request["temperature"] = config.temperature
    if config.top_p is not None:
        request["top_p"] = config.top_p
    if config.stop:
        request["stop"] = list(config.stop)
    return request


def _count(obj: Any, name: str) -> int:
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, int) and value > 0 else 0


def usage_from(raw_usage: Any) -> Usage:
    """Our Usage from a Chat Completions usage object; missing usage or details count as zero."""
    if raw_usage is None:
        return Usage()
    prompt = _count(raw_usage, "prompt_tokens")
    prompt_details = getattr(raw_usage, "prompt_tokens_details", None)
    cached = _count(prompt_details, "cached_tokens")
    cache_write = _count(prompt_details, "cache_write_tokens")
    return Usage(
        input_tokens=max(0, prompt - cached - cache_write),
        output_tokens=_count(raw_usage, "completion_tokens"),
        cache_read_tokens=cached,
        cache_write_tokens=cache_write,
        reasoning_tokens=_count(getattr(raw_usage, "completion_tokens_details", None), "reasoning_tokens"),
    )


class OpenAIModel(SDKModel):
    """A chat model behind the Chat Completions API. Construct it through `create_model("openai:<model>")`."""

    provider = "openai"
    sdk_package = "openai"

    def __init__(
        self,
        model_id: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        max_tokens_field: str | None = None,
    ):
        super().__init__(model_id, api_key=api_key, base_url=base_url)
        if max_tokens_field is None:
            max_tokens_field = "max_tokens" if base_url else "max_completion_tokens"
        if max_tokens_field not in MAX_TOKENS_FIELDS:
            raise ModelConfigError(f"max_tokens_field must be one of {', '.join(MAX_TOKENS_FIELDS)}")
        self.max_tokens_field = max_tokens_field

    def _make_client(self) -> Any:
        client = self._sdk.AsyncOpenAI(api_key=self._api_key.reveal() or NO_KEY, base_url=self.base_url, max_retries=0)
        client.chat.completions  # the SDK imports its resources lazily: do it now, not inside a timed attempt
        return client

    async def _call(self, client: Any, messages: list[Message], config: GenerateConfig) -> Any:
        request = build_request(messages, config, max_tokens_field=self.max_tokens_field)
        return await client.chat.completions.create(model=self.model_id, timeout=config.timeout_s, **request)

    def _to_completion(self, response: Any, latency_s: float) -> Completion:
        choices = getattr(response, "choices", None)
        if not choices:
            raise malformed_fault(self.name, "the answer has no choices")
        choice = choices[0]
        message = choice.message
        finish_reason = getattr(choice, "finish_reason", None)
        refusal = getattr(message, "refusal", None)
        content = getattr(message, "content", None)
        if refusal:
            raise refusal_fault(self.name, refusal, self.redactor)
        if not isinstance(content, str) or not content.strip():
            if finish_reason == "content_filter":
                raise refusal_fault(self.name, "the provider's content filter stopped the answer")
            raise empty_fault(self.name)
        return Completion(
            text=content,
            usage=usage_from(getattr(response, "usage", None)),
            latency_s=latency_s,
            stop_reason=finish_reason,
            raw=to_plain(response),
        )
