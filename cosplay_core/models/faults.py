"""How a failed attempt is named and whether it is worth retrying, shared by every HTTP adapter.

Retryable: 408, 409, 429, 5xx, timeouts, connection errors, malformed answers, empty completions.
Final at once: 400, 401, 403, 404 and any other 4xx, refusals.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, Mapping

from cosplay_core.models.base import ModelAttemptError
from cosplay_core.models.redaction import NO_SECRETS, Redactor, shorten

DETAIL_CHARS = 300  # a server's text in a fault message is cut to this, after redaction

_STATUS_FAULTS = {
    400: ("bad_request", "the request was rejected as invalid (HTTP 400)"),
    401: ("unauthorized", "the API key was rejected (HTTP 401): check the key"),
    403: ("forbidden", "the API key is not allowed to use this model (HTTP 403)"),
    404: ("not_found", "the model or endpoint was not found (HTTP 404): check the model name and base URL"),
    408: ("timeout", "the server timed out the request (HTTP 408)"),
    409: ("conflict", "the server reported a conflict (HTTP 409)"),
    413: ("request_too_large", "the request is too large for the server (HTTP 413)"),
    422: ("bad_request", "the request was rejected as invalid (HTTP 422)"),
    429: ("rate_limited", "the server is rate limiting (HTTP 429)"),
}

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    """True for the statuses worth retrying: 408, 409, 429 and every 5xx."""
    return status in RETRYABLE_STATUSES or status >= 500


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `retry-after-ms` or `Retry-After` (seconds or an HTTP date).

    None when the headers say nothing usable; never negative.
    """
    if not headers:
        return None
    try:
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    except Exception:  # an exotic header object: give up quietly, the backoff still applies
        return None
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        seconds = email.utils.mktime_tz(parsed) - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _api_message(body: Any) -> str | None:
    """The human-readable message of an error body in either provider's shape, whole."""
    message = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            message = err.get("message")
        elif isinstance(err, str):
            message = err
        if message is None and isinstance(body.get("message"), str):
            message = body["message"]
    elif isinstance(body, str) and body.strip():
        message = body.strip()
    return message if isinstance(message, str) else None


def detail_text(text: str, redactor: Redactor = NO_SECRETS) -> str:
    """A server's or an SDK's text fit for a fault message: redacted, on one line, then cut to DETAIL_CHARS."""
    return shorten(" ".join(redactor(text).split()), DETAIL_CHARS)


def status_fault(
    status: int,
    *,
    headers: Mapping[str, str] | None,
    body: Any,
    model: str,
    redactor: Redactor = NO_SECRETS,
) -> ModelAttemptError:
    """The attempt error for an HTTP error status: named, one sentence, retryable or not, with any Retry-After.

    The body's message is redacted before it is cut."""
    if status in _STATUS_FAULTS:
        fault, sentence = _STATUS_FAULTS[status]
    elif status >= 500:
        fault, sentence = "server_error", f"the server failed (HTTP {status})"
    else:
        fault, sentence = f"http_{status}", f"the server refused the request (HTTP {status})"
    detail = _api_message(body)
    detail = detail_text(detail, redactor) if detail else ""
    message = f"{model}: {sentence}" + (f": {detail}" if detail else "")
    return ModelAttemptError(
        fault,
        message,
        retryable=is_retryable_status(status),
        retry_after_s=parse_retry_after(headers),
        status=status,
    )


def timeout_fault(model: str, timeout_s: float) -> ModelAttemptError:
    """The attempt error for a call that got no answer within its time limit."""
    return ModelAttemptError("timeout", f"{model}: no answer within {timeout_s:g} s", retryable=True)


def connection_fault(model: str, detail: str, redactor: Redactor = NO_SECRETS) -> ModelAttemptError:
    """The attempt error for a call that could not reach the server or lost the connection."""
    return ModelAttemptError("connection", f"{model}: connection failed: {detail_text(detail, redactor)}",
                             retryable=True)


def malformed_fault(model: str, detail: str, redactor: Redactor = NO_SECRETS) -> ModelAttemptError:
    """The attempt error for an answer that is not the provider's expected shape."""
    return ModelAttemptError("malformed_response", f"{model}: malformed answer: {detail_text(detail, redactor)}",
                             retryable=True)


def empty_fault(model: str) -> ModelAttemptError:
    """The attempt error for a completion with no text."""
    return ModelAttemptError("empty_completion", f"{model}: the completion was empty", retryable=True)


def refusal_fault(model: str, detail: Any, redactor: Redactor = NO_SECRETS) -> ModelAttemptError:
    """The attempt error for a refusal; not retried, since the same prompt is usually refused again. The
    refusal's text (the server's, so it may quote the key) is redacted, then cut."""
    detail = detail_text(str(detail), redactor) if detail else ""
    message = f"{model}: the model refused to answer" + (f": {detail}" if detail else "")
    return ModelAttemptError("refusal", message, retryable=False)
