"""A run's model calls as a log to browse: every request and raw response in the trace, with its step, its kind,
its tokens and its approximate cost. Plain data, no drawing, no Streamlit (the app's "Model calls" page reads it).

    calls = model_calls(read_trace("runs/x"))
    shown = [c for c in calls if c.kind == "predict_output" and c.step == 4]
    totals(shown)   # {"calls": ..., "cached": ..., "failed": ..., "input_tokens": ..., "output_tokens": ..., ...}

A call's kind is the request the LM player made, as it records it in the call (`request`, and `template` for the
two kinds of test_input), or, in older traces, the `### Request: <kind>` line its prompts start with: hints, plan,
attacks, code, test_input (random) / (attack), predict_output, repair, inputs, input_generator. `REQUESTS` says
each in words (what the player asked for). Cached
answers cost nothing and say so; a model missing from the price table has no cost (None), never a guessed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cosplay_core.models.base import Usage
from cosplay_core.models.pricing import cost_usd
from cosplay_core.trace import Trace

_KIND = re.compile(r"^###\s*Request:\s*(.+?)\s*$", re.MULTILINE)

REQUESTS = {
    "hints": "stage 1: ideas (hints) for solving the problem",
    "plan": "stage 1: a plan built on the hints",
    "attacks": "stage 1: attack ideas (inputs likely to break a plan)",
    "code": "a candidate program (code)",
    "test_input (random)": "a UT input (random)",
    "test_input (attack)": "a UT input targeting an attack idea",
    "predict_output": "a vote: a UT's expected output",
    "repair": "a repair of a code that fails a trusted UT",
    "inputs": "stage 3: inputs for the final output vote",
    "input_generator": "stage 3: a program that generates inputs",
    "other": "a request the player did not name",
}


def request_words(kind: str) -> str:
    """What the player asked for, in words ("kind" itself for a kind this table does not know)."""
    return REQUESTS.get(kind, kind)


def call_kind(event: dict) -> str:
    """The request a model_call event answers: the player's own record of it, else its prompt's `### Request:`."""
    request = event.get("request")
    if not request:
        return request_kind(event.get("messages") or [])
    variant = str(event.get("template") or "").removeprefix(f"{request}_")
    return f"{request} ({variant})" if variant and variant != event.get("template") else str(request)


def request_kind(messages: list[dict]) -> str:
    """The request's kind, from its last user message's `### Request:` line ("other" when it has none)."""
    for message in reversed(messages or []):
        if message.get("role") == "user":
            found = _KIND.search(str(message.get("content", "")))
            return found.group(1) if found else "other"
    return "other"


@dataclass(frozen=True)
class ModelCall:
    """One attempt at a model request, as the trace recorded it (`number` counts from 1 in trace order)."""

    number: int
    step: int
    step_name: str
    kind: str
    model: str
    attempt: int
    cached: bool
    messages: list[dict] = field(default_factory=list)
    response: str | None = None
    stop_reason: str | None = None
    usage: dict = field(default_factory=dict)
    latency_s: float | None = None
    error: dict | None = None
    cost_usd: float | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def row(self) -> dict:
        """The call as a table row (no prompt, no response: those are shown one call at a time)."""
        return {"#": self.number, "step": f"{self.step} · {self.step_name}", "asked for": request_words(self.kind),
                "attempt": self.attempt, "answer": _outcome(self), "latency s": self.latency_s,
                "tokens in": _tokens_in(self.usage), "tokens out": self.usage.get("output_tokens", 0),
                "cost $": self.cost_usd}


def _outcome(call: ModelCall) -> str:
    if call.error is not None:
        return f"failed: {call.error.get('type') or call.error.get('message') or 'error'}"
    return "from the cache" if call.cached else "answered"


def _tokens_in(usage: dict) -> int:
    return sum(int(usage.get(k, 0) or 0) for k in ("input_tokens", "cache_read_tokens", "cache_write_tokens"))


def model_calls(trace: Trace) -> list[ModelCall]:
    """Every `model_call` event of a trace, in order, with the name of the step it belongs to ("in progress" for
    the step not finished yet) and its cost (0 for an answer from the cache)."""
    names = {e.get("step"): e.get("name", "?") for e in trace.of_type("step")}
    calls = []
    for number, event in enumerate(trace.of_type("model_call"), 1):
        usage = event.get("usage") or {}
        cached = bool(event.get("cached"))
        model = str(event.get("model", "?"))
        cost = 0.0 if cached else cost_usd(Usage.from_dict(usage), model) if usage else None
        step = int(event.get("step", 0))
        calls.append(ModelCall(number=number, step=step, step_name=names.get(step, "in progress"),
                               kind=call_kind(event), model=model,
                               attempt=int(event.get("attempt", 0)), cached=cached,
                               messages=list(event.get("messages") or []), response=event.get("text"),
                               stop_reason=event.get("stop_reason"), usage=usage, latency_s=event.get("latency_s"),
                               error=event.get("error"), cost_usd=cost))
    return calls


def totals(calls: list[ModelCall]) -> dict[str, Any]:
    """Counts and sums over calls: calls, answers from the cache, failures, tokens in and out, and cost (None when
    some answered call's model has no price)."""
    answered = [c for c in calls if not c.cached and not c.failed]
    costs = [c.cost_usd for c in answered]
    priced = [c for c in costs if c is not None]
    return {"calls": len(calls), "cached": sum(c.cached for c in calls), "failed": sum(c.failed for c in calls),
            "input_tokens": sum(_tokens_in(c.usage) for c in calls),
            "output_tokens": sum(int(c.usage.get("output_tokens", 0) or 0) for c in calls),
            "cost_usd": None if len(priced) < len(costs) else round(sum(priced), 6)}


def other_events(trace: Trace) -> dict[str, int]:
    """How many of the player's other records the trace holds: parse failures, and pool replay's fresh draws."""
    return {kind: len(trace.of_type(kind)) for kind in ("parse_failure", "fresh_draw")}
