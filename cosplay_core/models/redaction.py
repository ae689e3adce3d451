"""Keeping API keys out of everything a run writes or shows: one `Redactor`, the forms a key travels in, and the
process-wide set of keys in use (for writers that do not know which model a text came from: the trace, the logs).

A server can echo the key it was sent anywhere in its answer: in an error body, a refusal, a stop reason, a header
quoted in a message; plain, URL-encoded, JSON-escaped or base64-encoded (HTTP Basic `user:key`), and cut short by
someone's truncation. `Redactor` replaces every such occurrence with "[REDACTED]":

- the key itself, whatever its length (a key of 3 characters is redacted wherever those 3 characters appear);
- its URL-encoded forms (`quote`, `quote` keeping "/", `quote_plus`; upper- or lower-case hex), JSON-escaped forms
  (ASCII or not, "/" escaped or not, and escaped twice for JSON quoted in JSON), its Python-repr (of the text and
  of its bytes) and HTML-escaped forms, and its base64 forms (standard and URL-safe alphabets, at each of the three alignments a key can have
  inside a longer encoded text such as `user:key`);
- any prefix of 8 or more characters of any of those forms, as a cut leaves it ("...key=sk-ant-api03-Xy" at the
  end of a shortened message).

Redact before you shorten: a cut cannot undo a leak, and a prefix under 8 characters is not found.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import threading
from typing import Any, Iterable, NoReturn
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
MIN_PREFIX = 8  # a cut-off form this long or longer is redacted too
_MIN_BASE64 = 4  # base64 fragments shorter than this (keys of 1-3 bytes) would match any text


def _lower_hex(text: str) -> str:
    """`text` with the hex digits of every %XX escape in lower case."""
    parts = text.split("%")
    return parts[0] + "".join(p[:2].lower() + p[2:] for p in parts[1:])


def _base64_forms(secret: str) -> set[str]:
    """The parts of any base64 text that are determined by `secret` alone, at each of the 3 byte alignments."""
    data = secret.encode("utf-8")
    out = set()
    for offset in range(3):
        start = (8 * offset + 5) // 6  # the first character whose 6 bits all come from the secret
        end = 8 * (offset + len(data)) // 6  # one past the last such character
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        out.add(encoded[start:end])
    whole = base64.b64encode(data).decode("ascii")
    out |= {whole, whole.rstrip("=")}
    out |= {form.replace("+", "-").replace("/", "_") for form in out}
    return {form for form in out if len(form) >= _MIN_BASE64}


def secret_forms(secret: str) -> set[str]:
    """Every form of `secret` a Redactor looks for (the secret itself included)."""
    escaped = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        repr(secret)[1:-1],
        repr(secret.encode("utf-8"))[2:-1],  # as an HTTP library quotes a header's bytes
        html.escape(secret),
    }
    escaped |= {json.dumps(form)[1:-1] for form in escaped}  # JSON quoted inside JSON (an error body in a message)
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    encoded |= {_lower_hex(form) for form in encoded}
    return {form for form in escaped | encoded | _base64_forms(secret) if form}


class Redactor:
    """Replaces secrets, in every form listed in this module's docstring, with "[REDACTED]".

    `redactor(text)` redacts a string; `redactor.value(obj)` a JSON-like value (dict values, list items; dict keys
    are names and stay). A Redactor without secrets returns its input unchanged. It never shows its secrets: not
    in repr(), not in a pickle.
    """

    __slots__ = ("_forms", "_probes", "_count")

    def __init__(self, secrets: Iterable[str | None] = ()):
        unique = {s for s in secrets if isinstance(s, str) and s}
        forms: set[str] = set()
        for secret in unique:
            forms |= secret_forms(secret)
        # each form with the probe that finds it: its first MIN_PREFIX characters (all of it when shorter)
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        self._probes = tuple(sorted({form[:MIN_PREFIX] for form in self._forms}))
        self._count = len(unique)

    def __bool__(self) -> bool:
        return self._count > 0

    def __repr__(self) -> str:
        return f"Redactor({self._count} secret{'s' if self._count != 1 else ''})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Redactor holds secrets and cannot be pickled")

    def __call__(self, text: str) -> str:
        """`text` with every occurrence of a secret, in any of its forms or cut to 8+ characters, redacted."""
        if not self._probes or not isinstance(text, str) or not any(p in text for p in self._probes):
            return text
        spans = []
        for form in self._forms:
            probe = form[:MIN_PREFIX]
            at = text.find(probe)
            while at >= 0:
                length = len(probe)
                while length < len(form) and at + length < len(text) and text[at + length] == form[length]:
                    length += 1
                spans.append((at, at + length))
                at = text.find(probe, at + 1)
        if not spans:
            return text
        spans.sort()
        out, position = [], 0
        merged_start, merged_end = spans[0]
        for start, end in spans[1:] + [(len(text) + 1, len(text) + 1)]:
            if start <= merged_end:
                merged_end = max(merged_end, end)
                continue
            out += [text[position:merged_start], REDACTED]
            position = merged_end
            merged_start, merged_end = start, end
        out.append(text[position:])
        return "".join(out)

    def value(self, obj: Any) -> Any:
        """A copy of a JSON-like value with every string redacted; tuples become lists, other objects their str()."""
        if not self._probes:
            return obj
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, dict):
            return {k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.value(v) for v in obj]
        if obj is None or isinstance(obj, (bool, int, float)):
            return obj
        return self(str(obj))


NO_SECRETS = Redactor()


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with "..." when something was cut. Redact first: a cut hides nothing."""
    return text if len(text) <= limit else text[:limit] + "..."


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with each of `secrets` redacted in every form (a one-off Redactor; keep a Redactor for repeated use)."""
    return Redactor(secrets)(text)


# ---- the keys this process holds ---------------------------------------------------------------------------------

_lock = threading.Lock()
_known: set[str] = set()
_known_redactor = NO_SECRETS


def register_secret(secret: str | None) -> None:
    """Adds a key this process holds to the keys that `known_redactor()` and log records redact."""
    global _known_redactor
    if not secret:
        return
    with _lock:
        if secret in _known:
            return
        _known.add(secret)
        _known_redactor = Redactor(_known)
        _install_log_redaction()


def known_redactor() -> Redactor:
    """A Redactor of every key registered so far in this process (NO_SECRETS when none is)."""
    return _known_redactor


_log_factory_installed = False


def _install_log_redaction() -> None:
    """Makes every log record of this process (the SDKs' and httpx2's included) redact the registered keys, in its
    message and in its exception text. Called under `_lock`, once."""
    global _log_factory_installed
    if _log_factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor = _known_redactor
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's business, not ours
            return record
        clean = redactor(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            clean = redactor(text)
            if clean != text:  # else leave the formatting to the handler's own formatter
                record.exc_text = clean
        return record

    logging.setLogRecordFactory(make_record)
    _log_factory_installed = True
