"""An approximate price table, to show what a run cost. Not a bill.

Prices are US dollars per million tokens, as the providers listed them in 2025; they change, and discounts (batch,
regional, negotiated) are ignored. A model that is not in the table has no cost (None), never a guessed one: a
self-hosted model behind an OpenAI-compatible server is free as far as this table knows.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol


class TokenCounts(Protocol):
    """What a price applies to (`models.base.Usage` is one): the tokens of each kind, read only."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cache_read_tokens(self) -> int: ...

    @property
    def cache_write_tokens(self) -> int: ...


class Price(NamedTuple):
    """Dollars per million tokens: uncached input, output, cache read, cache write."""

    input: float
    output: float
    cache_read: float
    cache_write: float


def _anthropic(input_: float, output: float) -> Price:
    # Anthropic: cache reads cost 0.1x the input price, 5-minute cache writes 1.25x.
    return Price(input_, output, round(input_ * 0.1, 6), round(input_ * 1.25, 6))


def _openai(input_: float, output: float, cached: float) -> Price:
    # OpenAI caches automatically: no write surcharge.
    return Price(input_, output, cached, input_)


PRICES: dict[str, Price] = {
    "claude-opus-4-5": _anthropic(5.0, 25.0),
    "claude-opus-4-1": _anthropic(15.0, 75.0),
    "claude-opus-4": _anthropic(15.0, 75.0),
    "claude-sonnet-4-5": _anthropic(3.0, 15.0),
    "claude-sonnet-4": _anthropic(3.0, 15.0),
    "claude-3-7-sonnet": _anthropic(3.0, 15.0),
    "claude-3-5-sonnet": _anthropic(3.0, 15.0),
    "claude-haiku-4-5": _anthropic(1.0, 5.0),
    "claude-3-5-haiku": _anthropic(0.8, 4.0),
    "claude-3-haiku": _anthropic(0.25, 1.25),
    "gpt-5": _openai(1.25, 10.0, 0.125),
    "gpt-5-mini": _openai(0.25, 2.0, 0.025),
    "gpt-5-nano": _openai(0.05, 0.40, 0.005),
    "gpt-4.1": _openai(2.0, 8.0, 0.50),
    "gpt-4.1-mini": _openai(0.40, 1.60, 0.10),
    "gpt-4.1-nano": _openai(0.10, 0.40, 0.025),
    "gpt-4o": _openai(2.50, 10.0, 1.25),
    "gpt-4o-mini": _openai(0.15, 0.60, 0.075),
    "o3": _openai(2.0, 8.0, 0.50),
    "o4-mini": _openai(1.10, 4.40, 0.275),
}

# A dated snapshot ("-20250514", "-2024-08-06") or "-latest" costs what its family costs.
_SNAPSHOT = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


def price_for(model: str) -> Price | None:
    """The table's price for a model name ("anthropic:claude-sonnet-4-5", "gpt-4o-2024-08-06"), or None."""
    model_id = model.split(":", 1)[1] if ":" in model else model
    model_id = _SNAPSHOT.sub("", model_id.strip().lower())
    return PRICES.get(model_id)


def cost_usd(usage: TokenCounts, model: str) -> float | None:
    """Approximate dollars for `usage` on `model`; None when the model is not in the table."""
    price = price_for(model)
    if price is None:
        return None
    dollars = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_tokens * price.cache_read
        + usage.cache_write_tokens * price.cache_write
    )
    return dollars / 1_000_000
