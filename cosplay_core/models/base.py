"""The model layer's vocabulary: messages, generation settings, usage, completions, the `Model` protocol, errors.

Nothing here imports a provider SDK: adapters (`anthropic_model`, `openai_model`, ...) translate to and from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Protocol, runtime_checkable

from cosplay_core.models import pricing

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Message:
    """One turn of a conversation: `role` is "system", "user" or "assistant"; `content` is plain text."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"a message role must be one of {', '.join(ROLES)}, not {self.role!r}")
        if not isinstance(self.content, str):
            raise TypeError(f"a message's content must be a string, not {type(self.content).__name__}")

    def to_dict(self) -> dict[str, str]:
        """The message as a plain JSON-ready dict."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class GenerateConfig:
    """Settings of one generation request.

    `None` leaves a setting to the provider's default. `sample_index` tells apart repeated samples of the same
    prompt (sample 0, 1, 2, ...) so that each has its own cache entry; it is never sent to the provider.
    `timeout_s` bounds one attempt, wall clock.
    """

    temperature: float | None = None
    max_tokens: int = 4096
    top_p: float | None = None
    stop: tuple[str, ...] | None = None
    sample_index: int = 0
    timeout_s: float = 180.0

    def __post_init__(self) -> None:
        if self.stop is not None and not isinstance(self.stop, tuple):
            # accept a list (or a single string) for convenience; keep the instance hashable
            stop = (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)
            object.__setattr__(self, "stop", stop)
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if not self.timeout_s > 0:
            raise ValueError("timeout_s must be positive")
        if self.sample_index < 0:
            raise ValueError("sample_index must be non-negative")

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain JSON-ready dict."""
        out = asdict(self)
        out["stop"] = list(self.stop) if self.stop is not None else None
        return out


@dataclass(frozen=True)
class Usage:
    """Tokens spent by one or more calls, the same record for every provider.

    `input_tokens` counts input billed at the full rate; tokens read from or written to the provider's prompt cache
    are in `cache_read_tokens` / `cache_write_tokens` (so the whole prompt is the sum of the three).
    `reasoning_tokens` is the part of `output_tokens` spent on hidden reasoning (already inside `output_tokens`).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def total_tokens(self) -> int:
        """All tokens processed: every input token (cached or not) plus the output tokens."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens + self.output_tokens

    def cost_usd(self, model: str) -> float | None:
        """Approximate cost in US dollars from the small price table in `pricing.py`; None for an unknown model."""
        return pricing.cost_usd(self, model)

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        """A Usage from `to_dict()`'s output; unknown keys are ignored, missing ones are zero."""
        data = data or {}
        return cls(**{f.name: int(data.get(f.name) or 0) for f in fields(cls)})


@dataclass(frozen=True)
class Completion:
    """What a model answered: its text, token usage, wall time, why it stopped, the provider's raw answer.

    `cached` is True when the answer came from the response cache (then `latency_s` is 0 and `raw` is None).
    """

    text: str
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    stop_reason: str | None = None
    raw: Any = None
    cached: bool = False

    def redacted(self, redactor: Any) -> Completion:
        """A copy whose text, stop reason and raw answer went through `redactor` (a `redaction.Redactor`)."""
        if not redactor:
            return self
        return replace(self, text=redactor(self.text), stop_reason=redactor(self.stop_reason),
                       raw=redactor.value(self.raw))


@runtime_checkable
class Model(Protocol):
    """A language model backbone: one async method and a name such as "anthropic:claude-sonnet-4-5".

    `generate` makes exactly one attempt. It returns a non-empty Completion or raises `ModelAttemptError`
    naming the fault; retries, concurrency, budget and caching belong to `ModelClient`.
    """

    name: str

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion: ...


# ---- errors --------------------------------------------------------------------------------------------------------


class ModelError(Exception):
    """Base class of the model layer's errors."""


class ModelConfigError(ModelError):
    """A model cannot be set up (unknown model name, missing key, missing SDK). The message is one clear sentence."""


class ModelAttemptError(ModelError):
    """One attempt at a call failed. `fault` names what went wrong; `retryable` says whether trying again may help.

    `retry_after_s` is the server's requested wait, when it gave one; `status` the HTTP status, when there was one.
    """

    def __init__(
        self,
        fault: str,
        message: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.fault = fault
        self.message = message
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.status = status


class ModelCallError(ModelError):
    """A call failed for good (after any retries). `fault` names the last fault, `attempts` how many were made."""

    def __init__(self, fault: str, message: str, *, attempts: int = 1, status: int | None = None):
        super().__init__(message)
        self.fault = fault
        self.message = message
        self.attempts = attempts
        self.status = status


class BudgetExceeded(ModelError):
    """The run's budget of calls or tokens is spent; no further call is made."""


class ModelUnavailable(ModelCallError):
    """The model cannot answer at all (its key is rejected, the model or endpoint does not exist, the server cannot be
    reached): no further call is made, and a run stops cleanly as on a spent budget, resumable later."""
