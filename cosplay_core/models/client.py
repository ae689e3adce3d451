"""`ModelClient`: the one way the engine calls a model. It bounds concurrency, retries transient faults with
backoff (honouring Retry-After), enforces the run's budget, serves and fills the response cache, reports every
attempt to `on_call`, and keeps totals.

Everything it hands on passes through the model's `redactor` (when the model has one): completions (from the model
and from the cache), cache entries, call records, error messages, log lines.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterable

from cosplay_core.models.base import (
    BudgetExceeded,
    Completion,
    GenerateConfig,
    Message,
    Model,
    ModelAttemptError,
    ModelCallError,
    ModelUnavailable,
    Usage,
)
from cosplay_core.models.cache import ResponseCache, request_key
from cosplay_core.models.faults import detail_text
from cosplay_core.models.redaction import NO_SECRETS, Redactor

log = logging.getLogger(__name__)

CallRecord = dict[str, Any]

# Final faults after which every further call would fail the same way, whatever it asks: the key, the model name or
# the endpoint is wrong, or the server cannot be reached (a connection that failed through every retry).
UNAVAILABLE_FAULTS = frozenset({"unauthorized", "forbidden", "not_found", "connection"})


class Budget:
    """A run's limits on model calls and tokens, and what has been spent against them.

    Every attempt sent to the model counts as a call (retries too); tokens are `Usage.total_tokens` of answers
    from the model. Answers from the cache are counted apart (`cached_calls`, `cached_tokens`) and charge nothing.
    The call limit is exact; the token limit is checked before each call, so calls already in flight may end a
    little past it.
    """

    def __init__(self, max_calls: int | None = None, max_tokens: int | None = None):
        if max_calls is not None and max_calls < 0:
            raise ValueError("max_calls must be non-negative")
        if max_tokens is not None and max_tokens < 0:
            raise ValueError("max_tokens must be non-negative")
        self.max_calls = max_calls
        self.max_tokens = max_tokens
        self.calls = 0
        self.tokens = 0
        self.cached_calls = 0
        self.cached_tokens = 0

    def __repr__(self) -> str:
        return (
            f"Budget(max_calls={self.max_calls}, max_tokens={self.max_tokens}, calls={self.calls}, "
            f"tokens={self.tokens}, cached_calls={self.cached_calls}, cached_tokens={self.cached_tokens})"
        )

    def exhausted(self) -> str | None:
        """Why no further call may be made, or None while the budget lasts."""
        if self.max_calls is not None and self.calls >= self.max_calls:
            return f"the budget of {self.max_calls} model calls is spent"
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"the budget of {self.max_tokens} tokens is spent ({self.tokens} used)"
        return None

    def check(self) -> None:
        """Raise BudgetExceeded when no further call may be made."""
        reason = self.exhausted()
        if reason is not None:
            raise BudgetExceeded(reason)

    def take_call(self) -> None:
        """Check the budget and count one call against it."""
        self.check()
        self.calls += 1

    def charge(self, usage: Usage) -> None:
        """Count the tokens of an answer from the model."""
        self.tokens += usage.total_tokens

    def charge_cached(self, usage: Usage) -> None:
        """Count an answer served from the cache (it spends nothing)."""
        self.cached_calls += 1
        self.cached_tokens += usage.total_tokens


@dataclass(frozen=True)
class ClientTotals:
    """What a ModelClient did: completed calls (cache hits included), attempts sent to the model, retries,
    failed calls, cache hits, and the usage of answers from the model (`usage`) and from the cache
    (`cached_usage`)."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    failures: int = 0
    cache_hits: int = 0
    usage: Usage = Usage()
    cached_usage: Usage = Usage()

    def to_dict(self) -> dict[str, Any]:
        """The totals as a plain JSON-ready dict."""
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "failures": self.failures,
            "cache_hits": self.cache_hits,
            "usage": self.usage.to_dict(),
            "cached_usage": self.cached_usage.to_dict(),
        }


class ModelClient:
    """Calls a Model with bounded concurrency, retries, a budget, a cache and a per-attempt record.

    `complete` returns a Completion, or raises ModelCallError (failed for good: a non-retryable fault, or
    `max_retries` retries spent), BudgetExceeded, or ModelUnavailable: once a call fails for good on a rejected key,
    a missing model or endpoint, or a server it cannot reach, that call and every further one that the cache cannot
    answer raise it (at once), until `retry_model()`. Cancelling the awaiting task cancels the call in flight and
    frees its slot. `on_call(record)` receives a plain dict for every attempt and every cache hit; it never holds
    a key. An exception raised by `on_call` propagates to the caller (a trace that cannot be written should stop
    the run, not be lost silently).
    """

    def __init__(
        self,
        model: Model,
        *,
        concurrency: int = 8,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        budget: Budget | None = None,
        cache: ResponseCache | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        retry_after_max_s: float = 120.0,
        rng: random.Random | None = None,
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_retries < 0:
            raise ValueError("max_retries must be non-negative")
        self.model = model
        redactor = getattr(model, "redactor", None)
        self._redact: Redactor = redactor if isinstance(redactor, Redactor) else NO_SECRETS
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.retry_after_max_s = retry_after_max_s
        self.budget = budget if budget is not None else Budget()
        self.cache = cache
        self.on_call = on_call
        self._rng = rng or random.Random()
        self.unavailable: str | None = None  # why the model cannot answer, once that is known
        self._unavailable_fault = ""
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._calls = self._attempts = self._retries = self._failures = self._cache_hits = 0
        self._usage = Usage()
        self._cached_usage = Usage()

    def __repr__(self) -> str:
        return (
            f"ModelClient(model={self.model!r}, concurrency={self.concurrency}, max_retries={self.max_retries}, "
            f"budget={self.budget!r}, cache={self.cache!r})"
        )

    @property
    def totals(self) -> ClientTotals:
        """A snapshot of what this client has done so far."""
        return ClientTotals(
            calls=self._calls,
            attempts=self._attempts,
            retries=self._retries,
            failures=self._failures,
            cache_hits=self._cache_hits,
            usage=self._usage,
            cached_usage=self._cached_usage,
        )

    # ---- the public call ---------------------------------------------------------------------------------------

    async def complete(self, messages: Iterable[Message], config: GenerateConfig | None = None) -> Completion:
        """The model's answer to `messages`: from the cache when it has it, else from the model with retries."""
        messages = list(messages)
        config = config or GenerateConfig()
        key = None
        if self.cache is not None:
            key = request_key(self.model.name, getattr(self.model, "base_url", None), messages, config)
            hit = self._from_cache(key, messages, config)
            if hit is not None:
                return hit
        attempt = 0
        while True:
            attempt += 1
            started = time.time()
            outcome, latency_s = await self._attempt(messages, config, attempt, started)
            if isinstance(outcome, Completion):
                outcome = outcome.redacted(self._redact)
                self._accept(key, outcome)
                self._emit(messages, config, attempt=attempt, started=started, completion=outcome)
                return outcome
            error = ModelAttemptError(outcome.fault, self._redact(outcome.message), retryable=outcome.retryable,
                                      retry_after_s=outcome.retry_after_s, status=outcome.status)
            final = not error.retryable or attempt > self.max_retries
            delay = None if final else self._delay(attempt, error.retry_after_s)
            self._emit(
                messages,
                config,
                attempt=attempt,
                started=started,
                latency_s=latency_s,
                error={"type": error.fault, "message": error.message, "status": error.status},
                retry_in_s=delay,
            )
            if delay is None:
                self._failures += 1
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                self._note_final_failure(error)
                failure = ModelUnavailable if self.unavailable is not None else ModelCallError
                raise failure(error.fault, f"{error.message}{tries}", attempts=attempt, status=error.status)
            self._retries += 1
            log.info("%s: %s; retry %d of %d in %.2f s", self.model.name, error.fault, attempt, self.max_retries, delay)
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        """Close the model's connections, if it has any to close."""
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    # ---- internals ---------------------------------------------------------------------------------------------

    def retry_model(self) -> None:
        """Lets calls reach the model again after ModelUnavailable (the server may be back, the key replaced)."""
        self.unavailable, self._unavailable_fault = None, ""

    def _note_final_failure(self, error: ModelAttemptError) -> None:
        """Marks the model unavailable when a call's final fault says that every call would fail."""
        if self.unavailable is None and error.fault in UNAVAILABLE_FAULTS:
            self.unavailable, self._unavailable_fault = error.message, error.fault

    def _from_cache(self, key: str, messages: list[Message], config: GenerateConfig) -> Completion | None:
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            hit = hit.redacted(self._redact)  # an entry written before keys were redacted, or by another program
            self._cache_hits += 1
            self._calls += 1
            self._cached_usage = self._cached_usage + hit.usage
            self.budget.charge_cached(hit.usage)
            self._emit(messages, config, attempt=0, started=time.time(), completion=hit)
        return hit

    async def _attempt(
        self, messages: list[Message], config: GenerateConfig, attempt: int, started: float
    ) -> tuple[Completion | ModelAttemptError, float]:
        """One attempt in a slot, charged to the budget: the completion or the attempt's error, and its latency."""
        self._check_available()
        self.budget.check()  # before waiting for a slot: a spent budget need not queue
        async with self._slot():
            self._check_available()
            self.budget.take_call()
            self._attempts += 1
            t0 = time.monotonic()
            try:
                return await self.model.generate(messages, config), time.monotonic() - t0
            except ModelAttemptError as err:
                return err, time.monotonic() - t0
            except asyncio.CancelledError:
                self._emit(messages, config, attempt=attempt, started=started, latency_s=time.monotonic() - t0,
                           error={"type": "cancelled", "message": "the call was cancelled"})
                raise
            except Exception as err:
                # not a fault of the model's answer but of our code or the SDK: record it, then let it surface
                self._emit(messages, config, attempt=attempt, started=started, latency_s=time.monotonic() - t0,
                           error={"type": type(err).__name__, "message": detail_text(str(err), self._redact)})
                raise

    def _check_available(self) -> None:
        if self.unavailable is not None:
            raise ModelUnavailable(self._unavailable_fault, self.unavailable, attempts=0)

    def _accept(self, key: str | None, completion: Completion) -> None:
        """Count an answer from the model and cache it."""
        self._calls += 1
        self._usage = self._usage + completion.usage
        self.budget.charge(completion.usage)
        if self.cache is not None and key is not None:
            try:
                self.cache.put(key, completion)
            except Exception as err:  # a cache that cannot be written must not fail a call that worked
                log.warning("%s: could not cache an answer: %s", self.model.name, self._redact(str(err)))

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            # a semaphore belongs to one event loop; Jupyter or a UI may drive the client from several over time
            self._slots, self._slots_loop = asyncio.Semaphore(self.concurrency), loop
        async with self._slots:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    def _delay(self, attempt: int, retry_after_s: float | None) -> float:
        """Seconds to wait before the next attempt: the server's Retry-After when given (capped at
        `retry_after_max_s`), else exponential backoff with jitter."""
        if retry_after_s is not None:
            return min(retry_after_s, self.retry_after_max_s)
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2 ** (attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _emit(
        self,
        messages: list[Message],
        config: GenerateConfig,
        *,
        attempt: int,
        started: float,
        completion: Completion | None = None,
        latency_s: float | None = None,
        error: dict[str, Any] | None = None,
        retry_in_s: float | None = None,
    ) -> None:
        if self.on_call is None:
            return
        record: CallRecord = {
            "model": self.model.name,
            "time": started,
            "attempt": attempt,
            "cached": bool(completion is not None and completion.cached),
            "messages": [m.to_dict() for m in messages],
            "config": config.to_dict(),
            "text": completion.text if completion is not None else None,
            "stop_reason": completion.stop_reason if completion is not None else None,
            "usage": completion.usage.to_dict() if completion is not None else None,
            "latency_s": completion.latency_s if completion is not None else latency_s,
            "error": error,
        }
        if retry_in_s is not None:
            record["retry_in_s"] = retry_in_s
        self.on_call(self._redact.value(record))  # the prompt too: it may quote a completion, or the user's text
