"""The Redactor on its own: every form of a key a server may echo, prefixes left at a cut, short keys, text it must
leave alone; fault messages redacted before they are cut; the trace and log records redacting the keys in use."""

from __future__ import annotations

import base64
import json
import logging
import pickle
import re
import secrets
from urllib.parse import quote, quote_plus

import pytest

from cosplay_core.models.faults import refusal_fault, status_fault
from cosplay_core.models.redaction import REDACTED, Redactor, known_redactor, register_secret
from cosplay_core.trace import TraceWriter, read_trace

# a key whose every encoding differs from it: URL-encoding, JSON escaping and repr all change something
TRICKY = "sk-PLANTED/" + secrets.token_hex(4) + '+=~"\\ x%' + secrets.token_hex(8)
PLAIN = "sk-ant-api03-" + secrets.token_urlsafe(40)
SHORT = "Zq7#w"
KEYS = [TRICKY, PLAIN, SHORT]


def forms(key: str) -> dict[str, str]:
    """The key as a server may echo it, written out independently of the code under test."""
    out = {
        "plain": key,
        "quote": quote(key, safe=""),
        "quote keeping /": quote(key),
        "quote_plus": quote_plus(key),
        "quote, lower-case hex": re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(key, safe="")),
        "JSON": json.dumps(key)[1:-1],
        "JSON with \\/": json.dumps(key)[1:-1].replace("/", "\\/"),
        "JSON in JSON": json.dumps(json.dumps(key))[1:-1],
        "repr": repr(key)[1:-1],
    }
    for user in ("", "u", "us", "user"):
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            out[f"{name} of {user}:key"] = encode(f"{user}:{key}".encode()).decode()
            out[f"{name} of key:"] = encode(f"{key}:".encode()).decode()
    return out


def findable(key: str) -> dict[str, str]:
    """`forms(key)`, each base64 form cut to the characters that the key alone determines (what must not remain)."""
    out = {}
    for name, form in forms(key).items():
        if name.startswith("base64"):
            user = name.split(" of ")[1].split(":")[0]
            offset = len(user) + 1 if not name.endswith("key:") else 0
            form = form[-(-8 * offset // 6): 8 * (offset + len(key.encode())) // 6]
        out[name] = form
    return out


def leaks(text: str, key: str) -> list[str]:
    """The forms of `key` found in `text`."""
    return [name for name, form in findable(key).items() if form and form in text]


@pytest.mark.parametrize("key", KEYS, ids=["tricky", "plain", "short"])
@pytest.mark.parametrize("name", list(forms(TRICKY)))
def test_every_form_of_the_key_is_redacted(key, name):
    redactor = Redactor([key])
    text = f"error: upstream said <{forms(key)[name]}> (request 12)"
    clean = redactor(text)
    assert leaks(clean, key) == [] and REDACTED in clean
    assert clean.startswith("error: upstream said <") and clean.endswith("> (request 12)")


def test_the_forms_tested_are_really_different():
    """With TRICKY, no form is the plain key, and the escapes differ from one another (a test of each form tests
    something)."""
    tricky = forms(TRICKY)
    assert all(TRICKY not in form for name, form in tricky.items() if name != "plain")
    escapes = [tricky[name] for name in ("quote", "quote keeping /", "quote_plus", "quote, lower-case hex", "JSON",
                                         "JSON with \\/", "JSON in JSON", "repr")]
    assert len(set(escapes)) == len(escapes)


@pytest.mark.parametrize("key", [TRICKY, PLAIN], ids=["tricky", "plain"])
def test_a_prefix_of_8_or_more_characters_left_at_a_cut_is_redacted(key):
    redactor = Redactor([key])
    for length in range(8, len(key)):
        for after in ("", "...", "\u2026", "\n(truncated)"):
            clean = redactor("Authorization: Bearer " + key[:length] + after)
            assert clean == "Authorization: Bearer " + REDACTED + after
        cut = quote_plus(key)[:length]
        assert cut not in redactor("?api_key=" + cut)
    # under 8 characters a prefix is too common to be told from text: it stays (redact before you cut)
    assert redactor("Bearer " + key[:7]) == "Bearer " + key[:7]


def test_a_short_key_is_redacted_whole_and_only_whole():
    redactor = Redactor([SHORT])
    assert redactor(f"key={SHORT}; again {SHORT}{SHORT}") == f"key={REDACTED}; again {REDACTED}"
    assert redactor(f"?k={quote(SHORT)}") == f"?k={REDACTED}"
    assert redactor(SHORT[:4] + " stays") == SHORT[:4] + " stays"


def test_text_without_the_key_is_left_alone():
    redactor = Redactor([TRICKY, PLAIN, SHORT])
    for text in ["", "plain prose", "sk-ant-other-key-0000", REDACTED, "x" * 10_000, "import os\n" * 50, "é ✓ 🙂"]:
        assert redactor(text) == text
    assert Redactor()("anything " + TRICKY) == "anything " + TRICKY
    assert not Redactor([None, ""]) and Redactor([SHORT])


def test_several_keys_overlapping_occurrences_and_idempotence():
    redactor = Redactor([TRICKY, PLAIN])
    text = f"{TRICKY[:10]}{TRICKY} and {PLAIN}{PLAIN[:9]}"
    clean = redactor(text)
    assert leaks(clean, TRICKY) == [] and leaks(clean, PLAIN) == []
    assert redactor(clean) == clean


def test_values_are_redacted_names_are_kept():
    redactor = Redactor([PLAIN])
    value = {"messages": [{"role": "user", "content": f"my key is {PLAIN}"}], "usage": {"input_tokens": 3},
             "stop": (PLAIN, None), "ok": True, "latency_s": 0.5}
    clean = redactor.value(value)
    assert clean == {"messages": [{"role": "user", "content": f"my key is {REDACTED}"}], "usage": {"input_tokens": 3},
                     "stop": [REDACTED, None], "ok": True, "latency_s": 0.5}


def test_a_redactor_never_shows_its_keys():
    redactor = Redactor([PLAIN])
    assert PLAIN not in repr(redactor) and PLAIN not in str(redactor)
    with pytest.raises(TypeError):
        pickle.dumps(redactor)


def test_an_error_body_is_redacted_before_it_is_cut():
    key = "k" + secrets.token_hex(20)
    redactor = Redactor([key])
    for start in (250, 290, 296, 299, 320):  # before, across and past character 300
        body = {"error": {"message": "x" * start + key + " and " + quote_plus(key)}}
        err = status_fault(500, headers=None, body=body, model="m", redactor=redactor)
        assert key[:4] not in err.message and len(err.message) < 400
    err = refusal_fault("m", "I will not. " + "y" * 280 + key, redactor)
    assert key[:4] not in err.message and err.message.startswith("m: the model refused to answer: I will not.")


def test_the_trace_redacts_every_key_this_process_holds(tmp_path):
    key = "sk-PLANTED-trace-" + secrets.token_hex(12) + "/+"
    register_secret(key)
    assert known_redactor()(key) == REDACTED
    writer = TraceWriter(tmp_path / "trace.jsonl")
    writer.write("run_started", problem={"statement": f"my key is {key}"}, backbone={"base_url": f"http://h/?k={quote(key)}"})
    writer.write("model_call", text="x" * 300 + json.dumps({"k": key}), error=None, usage={"input_tokens": 1})
    writer.write("step", blob=writer.blob(["a" * 300, key]))
    writer.close()
    raw = (tmp_path / "trace.jsonl").read_text()
    assert leaks(raw, key) == [] and REDACTED in raw
    trace = read_trace(tmp_path / "trace.jsonl")
    assert not trace.warnings and len(trace.events) == 3
    assert trace.started["problem"]["statement"] == f"my key is {REDACTED}"


def test_log_records_redact_every_key_this_process_holds(caplog):
    key = "sk-PLANTED-log-" + secrets.token_hex(12)
    register_secret(key)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.sdk._base_client")
    log.debug("HTTP Response headers: %s", {"x-request-id": f"req ({key})"})
    try:
        raise ValueError(f"Illegal header value b'Bearer {key}'")
    except ValueError:
        log.exception("request failed")
    assert len(caplog.records) == 2
    assert key not in caplog.text and key[:8] not in caplog.text and REDACTED in caplog.text
    assert all(key not in r.getMessage() for r in caplog.records)
