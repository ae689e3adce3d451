"""`anthropic:<model>`: Claude through the Messages API (`anthropic.AsyncAnthropic`).

- System messages go to the `system` parameter; the other turns to `messages`.
- Prompt caching: the last block of the fixed prefix carries `cache_control={"type": "ephemeral"}`: the system
  prompt, and the first user block when it is a prefix (more turns follow) or when there is no system prompt.
  Anthropic caches only prefixes of about 1,024 tokens or more; `cache_read_input_tokens > 0` proves a hit.
- `temperature` and `top_p` are not sent: the anthropic SDK 2.x speaks API version 2026-10-21, which rejects
  sampling parameters at any value; Claude samples at its default, so repeated samples still differ.
- The SDK's own retries are off (`max_retries=0`): `ModelClient` retries.
"""

from __future__ import annotations

from typing import Any

from cosplay_core.models.base import Completion, GenerateConfig, Message, Usage
from cosplay_core.models.faults import empty_fault, malformed_fault, refusal_fault
from cosplay_core.models.sdk_adapter import SDKModel, to_plain

EPHEMERAL = {"type": "ephemeral"}


def build_request(messages: list[Message], config: GenerateConfig, *, prompt_caching: bool = True) -> dict[str, Any]:
    """The Messages API keyword arguments (without `model`) for a conversation and its settings."""
    system: list[dict[str, Any]] = [{"type": "text", "text": m.content} for m in messages if m.role == "system" and m.content]
    turns: list[dict[str, Any]] = [
        {"role": m.role, "content": [{"type": "text", "text": m.content}]} for m in messages if m.role != "system"
    ]
    if prompt_caching:
        if system:
            system[-1]["cache_control"] = dict(EPHEMERAL)
        first_user = next((t for t in turns if t["role"] == "user"), None)
        if first_user is not None and (not system or first_user is not turns[-1]):
            first_user["content"][-1]["cache_control"] = dict(EPHEMERAL)
    request: dict[str, Any] = {"max_tokens": config.max_tokens, "messages": turns}
    if system:
        request["system"] = system
    if config.stop:
        request["stop_sequences"] = list(config.stop)
    return request


def usage_from(raw_usage: Any) -> Usage:
    """Our Usage from the Messages API's usage object (fields may be missing or null)."""
    if raw_usage is None:
        return Usage()
    details = getattr(raw_usage, "output_tokens_details", None)
    return Usage(
        input_tokens=getattr(raw_usage, "input_tokens", None) or 0,
        output_tokens=getattr(raw_usage, "output_tokens", None) or 0,
        cache_read_tokens=getattr(raw_usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(raw_usage, "cache_creation_input_tokens", None) or 0,
        reasoning_tokens=(getattr(details, "thinking_tokens", None) or 0) if details is not None else 0,
    )


class AnthropicModel(SDKModel):
    """A Claude model behind the Messages API. Construct it through `create_model("anthropic:<model>")`."""

    provider = "anthropic"
    sdk_package = "anthropic"

    def __init__(self, model_id: str, *, api_key: str, base_url: str | None = None, prompt_caching: bool = True):
        super().__init__(model_id, api_key=api_key, base_url=base_url)
        self.prompt_caching = prompt_caching

    def _make_client(self) -> Any:
        client = self._sdk.AsyncAnthropic(api_key=self._api_key.reveal(), base_url=self.base_url, max_retries=0)
        client.messages  # the SDK imports its resources lazily: do it now, not inside a timed attempt
        return client

    async def _call(self, client: Any, messages: list[Message], config: GenerateConfig) -> Any:
        request = build_request(messages, config, prompt_caching=self.prompt_caching)
        return await client.messages.create(model=self.model_id, timeout=config.timeout_s, **request)

    def _to_completion(self, response: Any, latency_s: float) -> Completion:
        content = getattr(response, "content", None)
        if not isinstance(content, list):
            # the SDK builds its objects without validation: a body of another shape arrives with content=None
            raise malformed_fault(self.name, f"expected a message with a content list, got {type(response).__name__}")
        stop_reason = getattr(response, "stop_reason", None)
        if stop_reason == "refusal":
            details = getattr(response, "stop_details", None)
            explanation = getattr(details, "explanation", None) if details is not None else None
            raise refusal_fault(self.name, explanation, self.redactor)
        text = "".join(b.text for b in content if getattr(b, "type", None) == "text" and isinstance(b.text, str))
        if not text.strip():
            raise empty_fault(self.name)
        return Completion(
            text=text,
            usage=usage_from(getattr(response, "usage", None)),
            latency_s=latency_s,
            stop_reason=stop_reason,
            raw=to_plain(response),
        )
