"""A real HTTP server on 127.0.0.1 that speaks just enough of two model APIs for the official SDKs to parse it.

- Anthropic Messages: POST /v1/messages (SDK base URL: `server.url`)
- OpenAI Chat Completions: POST /v1/chat/completions (SDK base URL: `server.openai_base_url`)

It answers with scripted completions (a string, a list used as a queue, or a callable of the request) and, when
a test queues faults, answers the next requests with them instead: see `FAULTS`. Every request is recorded, headers
included, and the number of requests in flight is counted (`max_in_flight`).

With `echo_key=True` it behaves like the worst server a key can meet: every answer quotes the key it was sent
(`key_echo`: plain, in header-like lines, URL-encoded in a query string, JSON-escaped, base64 in a Basic
`user:key`, and cut short), in the completion's text, in a refusal, in the response id, in the `request-id`
headers, and in error bodies long enough that the key straddles and passes character 300.

    with FakeLLMServer(["```python\\nprint(1)\\n```"]) as server:
        server.fail("rate_limit", retry_after="1")
        ...
        assert server.requests[0].headers["authorization"] == "Bearer ..."
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable
from urllib.parse import quote, quote_plus

import pytest

DEFAULT_TEXT = "Here is the program:\n\n```python\nprint(sum(map(int, input().split())))\n```\n"

# kind -> what the server does instead of answering normally
FAULTS = {
    "rate_limit": "HTTP 429, with a Retry-After header when `retry_after` is given",
    "server_error": "HTTP 500",
    "unavailable": "HTTP 503",
    "overloaded": "HTTP 529 (Anthropic's overloaded)",
    "bad_request": "HTTP 400",
    "unauthorized": "HTTP 401",
    "forbidden": "HTTP 403",
    "not_found": "HTTP 404",
    "slow": "waits `delay_s` (or until the client hangs up), then answers normally",
    "malformed": "HTTP 200 whose JSON body is cut off",
    "wrong_shape": "HTTP 200 with valid JSON that is not a completion",
    "empty": "a completion with no text",
    "refusal": "a refusal (Anthropic stop_reason 'refusal'; OpenAI message.refusal)",
    "stop_reason_echo": "the scripted answer, with the key it was sent as its stop reason (finish_reason)",
    "no_code": "a completion of prose with no code block",
    "disconnect": "closes the connection without answering",
}


@dataclass
class Fault:
    """One injected fault; see FAULTS for the kinds."""

    kind: str
    retry_after: str | None = None
    delay_s: float = 5.0

    def __post_init__(self):
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULTS)}")


@dataclass
class Reply:
    """A scripted answer: text, and optionally a stop reason, usage fields to override, a delay."""

    text: str
    stop_reason: str | None = None
    usage: dict[str, Any] | None = None
    delay_s: float = 0.0


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    api: str  # "anthropic" or "openai" (or "unknown")
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None
    raw: bytes
    received_at: float  # time.monotonic()
    answer: str = ""  # "ok", a fault kind, or "abandoned" when the client hung up first
    number: int = 0  # 1 for the server's first request, and so on

    @property
    def key(self) -> str:
        """The API key the request carried (Anthropic's x-api-key, else the Authorization bearer token), or ""."""
        if self.headers.get("x-api-key"):
            return self.headers["x-api-key"]
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    def texts(self) -> list[str]:
        """Every text the request carried, system prompt first, in order."""
        body = self.body if isinstance(self.body, dict) else {}
        out = []
        system = body.get("system")
        if isinstance(system, str):
            out.append(system)
        elif isinstance(system, list):
            out.extend(b.get("text", "") for b in system if isinstance(b, dict))
        for message in body.get("messages") or []:
            content = message.get("content")
            if isinstance(content, str):
                out.append(content)
            elif isinstance(content, list):
                out.extend(b.get("text", "") for b in content if isinstance(b, dict))
        return out

    @property
    def prompt(self) -> str:
        """All of the request's text joined by newlines."""
        return "\n".join(self.texts())


def key_echo(key: str) -> str:
    """The key as servers, proxies and their logs quote it back: plain, in header-like lines, base64 in HTTP Basic
    `user:key`, URL-encoded (quote and quote_plus) in a query string, JSON-escaped in a body, and cut short at the
    end (its first half, at least 8 characters) as a truncated log line leaves it."""
    basic = base64.b64encode(f"user:{key}".encode()).decode()
    cut = key[: max(8, len(key) // 2)]
    return (f"Authorization: Bearer {key}\r\nx-api-key: {key}\r\nAuthorization: Basic {basic}\r\n"
            f"redirected to https://api.example.com/v1/chat?api_key={quote_plus(key)}&token={quote(key, safe='')} "
            f"with body {json.dumps({'api_key': key})}; upstream log (cut at 8 KiB): ...api_key={cut}")


def long_echo(key: str, lead: str) -> str:
    """An error message of which the key starts at character 295 (so a cut at 300 splits it), then `key_echo`."""
    return lead + " " + "x" * max(0, 294 - len(lead)) + " " + key + " " + key_echo(key)


def _tokens(text: str) -> int:
    return max(1, len(text.split())) if text else 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
    server: _Server
    _key = ""  # the key of the request being answered, for echoing it in headers

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._send_json(404, {"error": {"message": "not found", "type": "not_found_error"}})

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        api = {"/v1/messages": "anthropic", "/v1/chat/completions": "openai"}.get(path, "unknown")
        request = RecordedRequest(
            api=api,
            method="POST",
            path=path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw=raw,
            received_at=time.monotonic(),
        )
        fake._enter(request)
        self._key = request.key
        try:
            self._answer(fake, request)
        except (BrokenPipeError, ConnectionResetError):
            request.answer = "abandoned"
        finally:
            fake._leave()

    # ---- answering ---------------------------------------------------------------------------------------------

    def _answer(self, fake: FakeLLMServer, request: RecordedRequest) -> None:
        if request.api == "unknown":
            request.answer = "not_found"
            self._send_json(404, {"error": {"message": f"no route {request.path}", "type": "not_found_error"}})
            return
        fault = fake._next_fault(request)
        if fault is None:
            if fake.expected_key is not None and fake.expected_key not in request.headers.get("authorization", ""):
                fault = Fault("unauthorized")
        kind = fault.kind if fault else "ok"
        request.answer = kind
        status = {
            "rate_limit": 429,
            "server_error": 500,
            "unavailable": 503,
            "overloaded": 529,
            "bad_request": 400,
            "unauthorized": 401,
            "forbidden": 403,
            "not_found": 404,
        }.get(kind)
        if status is not None:
            headers = {"retry-after": fault.retry_after} if fault.retry_after is not None else {}
            body = self._error_body(request.api, status)
            if status == 401:  # like real APIs, name the rejected key (a client must not copy it anywhere)
                detail = f"invalid x-api-key / authorization: {request.headers.get('authorization', '')}"
                body["error"]["message"] += f": {detail}"
            if fake.echo_key:
                body["error"]["message"] = long_echo(request.key, body["error"]["message"])
            self._send_json(status, body, headers)
            return
        if kind == "disconnect":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "malformed":
            self._send_raw(200, b'{"id": "msg_broken", "content": [{"type": "text", "text": "cut o')
            return
        if kind == "wrong_shape":
            self._send_json(200, {"hello": "world"})
            return
        if kind == "slow":
            if not self._wait(fault.delay_s):
                request.answer = "abandoned"
                return
        if kind == "empty":
            reply = Reply("")
        elif kind == "refusal":
            reply = Reply("", stop_reason="refusal")
        elif kind == "stop_reason_echo":
            reply = fake._next_reply(request)
            reply = Reply(reply.text, stop_reason=f"end_turn {request.key}", usage=reply.usage)
        elif kind == "no_code":
            reply = Reply("I think the answer is to sum the numbers, but I will not write the program here.")
        else:
            reply = fake._next_reply(request)
            if reply.delay_s and not self._wait(reply.delay_s):
                request.answer = "abandoned"
                return
        if fake.echo_key and reply.text:
            reply = Reply(f"{reply.text}\n\n(debug) {key_echo(request.key)}\n", reply.stop_reason, reply.usage)
        body = self._anthropic_body(request, reply) if request.api == "anthropic" else self._openai_body(request, reply)
        self._send_json(200, body)

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False when the client hung up or the server is stopping."""
        deadline = time.monotonic() + seconds
        stop = self.server.fake._stopping
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if stop.is_set():
                return False
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except OSError:
                    return False

    def _error_body(self, api: str, status: int) -> dict[str, Any]:
        etype = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            529: "overloaded_error",
        }.get(status, "api_error")
        message = f"fake server: injected HTTP {status}"
        if api == "anthropic":
            return {"type": "error", "error": {"type": etype, "message": message}}
        return {"error": {"message": message, "type": etype, "param": None, "code": None}}

    def _anthropic_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        fake = self.server.fake
        body = request.body or {}
        # prompt caching, simulated: the prefix up to the last block marked cache_control is "cached" once seen
        blocks: list[dict[str, Any]] = []
        system = body.get("system")
        if isinstance(system, str):
            blocks.append({"text": system})
        elif isinstance(system, list):
            blocks.extend(b for b in system if isinstance(b, dict))
        for message in body.get("messages") or []:
            content = message.get("content")
            if isinstance(content, str):
                blocks.append({"text": content})
            elif isinstance(content, list):
                blocks.extend(b for b in content if isinstance(b, dict))
        total = sum(_tokens(b.get("text", "")) for b in blocks)
        marked = [i for i, b in enumerate(blocks) if b.get("cache_control")]
        read = write = 0
        if marked:
            prefix = blocks[: marked[-1] + 1]
            prefix_tokens = sum(_tokens(b.get("text", "")) for b in prefix)
            digest = hashlib.sha256(json.dumps([b.get("text") for b in prefix]).encode()).hexdigest()
            if fake._seen_prefix(digest):
                read = prefix_tokens
            else:
                write = prefix_tokens
        text = reply.text
        usage = {
            "input_tokens": total - read - write,
            "output_tokens": _tokens(text),
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }
        usage.update(reply.usage or {})
        out: dict[str, Any] = {
            "id": f"msg_fake{next(fake._ids)}" + (f"_{quote(request.key, safe='')}" if fake.echo_key else ""),
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "unknown"),
            "content": [{"type": "text", "text": text}] if text else [],
            "stop_reason": reply.stop_reason or "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        if reply.stop_reason == "refusal":
            explanation = "fake server: refused" + (f" ({key_echo(request.key)})" if fake.echo_key else "")
            out["stop_details"] = {"type": "refusal", "category": None, "explanation": explanation}
        return out

    def _openai_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        fake = self.server.fake
        body = request.body or {}
        messages = body.get("messages") or []
        texts = [m.get("content") or "" for m in messages if isinstance(m, dict)]
        prompt_tokens = sum(_tokens(t) for t in texts if isinstance(t, str))
        cached = 0
        if texts and isinstance(texts[0], str):
            digest = hashlib.sha256(texts[0].encode()).hexdigest()
            if fake._seen_prefix("openai:" + digest):
                cached = _tokens(texts[0])
        text = reply.text
        refused = reply.stop_reason == "refusal"
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if refused else text,
            "refusal": ("fake server: I can't help with that." + (f" {key_echo(request.key)}" if fake.echo_key else "")
                        if refused else None),
        }
        completion_tokens = _tokens(text)
        usage: dict[str, Any] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if fake.openai_usage == "full":
            usage["prompt_tokens_details"] = {"cached_tokens": cached}
            usage["completion_tokens_details"] = {"reasoning_tokens": 0}
        usage.update(reply.usage or {})
        out: dict[str, Any] = {
            "id": f"chatcmpl-fake{next(fake._ids)}" + (f"-{quote(request.key, safe='')}" if fake.echo_key else ""),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "stop" if reply.stop_reason in (None, "refusal") else reply.stop_reason,
                    "logprobs": None,
                }
            ],
        }
        if fake.openai_usage != "none":
            out["usage"] = usage
        return out

    # ---- writing -----------------------------------------------------------------------------------------------

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        request_id = f"req_fake{next(self.server.fake._ids)}"
        if self.server.fake.echo_key and self._key:
            request_id += f" (for {self._key})"
            self.send_header("x-request-id", request_id)
        self.send_header("request-id", request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of parallel connections (64 calls in flight) must not be dropped
    fake: FakeLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:  # a client that hung up is not news
        pass


Responder = Callable[[RecordedRequest], "str | Reply"]


class FakeLLMServer:
    """The fake model server; a context manager that starts it on 127.0.0.1 (a free port) in a thread.

    `responses`: None (a default program), a string (always), an iterable (a queue, then the default), or a
    callable of the RecordedRequest returning a string or a Reply.
    `openai_usage`: "full", "no_details" (usage without the *_details objects) or "none" (no usage at all).
    `expected_key`: when set, requests whose Authorization header lacks it get a 401.
    `echo_key`: every answer quotes the key the request carried (see the module's docstring).
    """

    def __init__(
        self,
        responses: str | Iterable[str | Reply] | Responder | None = None,
        *,
        openai_usage: str = "full",
        expected_key: str | None = None,
        echo_key: bool = False,
    ):
        self._responder: Responder | None = None
        self._queue: deque[str | Reply] = deque()
        self._default: str | Reply = DEFAULT_TEXT
        if callable(responses):
            self._responder = responses
        elif isinstance(responses, (str, Reply)):
            self._default = responses
        elif responses is not None:
            self._queue.extend(responses)
        self.openai_usage = openai_usage
        self.expected_key = expected_key
        self.echo_key = echo_key
        self.faults: deque[Fault] = deque()
        self._scheduled: dict[int, list[Fault]] = {}
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._prefixes: set[str] = set()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        """Start serving on a free port of 127.0.0.1."""
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; waiting handlers give up at once."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for the Anthropic SDK (it appends /v1/messages)."""
        assert self._httpd is not None, "the server is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        """Base URL for the OpenAI SDK (it appends /chat/completions)."""
        return self.url + "/v1"

    # ---- scripting -----------------------------------------------------------------------------------------------

    def fail(self, *faults: Fault | str, retry_after: str | None = None, delay_s: float = 5.0) -> None:
        """Queue faults for the next requests, in order (a string is a fault kind with the given options)."""
        with self._lock:
            for fault in faults:
                self.faults.append(fault if isinstance(fault, Fault) else Fault(fault, retry_after, delay_s))

    def fail_at(self, number: int, *faults: Fault | str) -> None:
        """Answer the `number`-th request (1-based, counted over the server's life) and the next ones with `faults`,
        ahead of any queued fault."""
        with self._lock:
            self._scheduled.setdefault(number, []).extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    def reply(self, *replies: str | Reply) -> None:
        """Queue scripted answers for the next requests that get no fault."""
        with self._lock:
            self._queue.extend(replies)

    def wait_for_requests(self, count: int, timeout_s: float = 5.0) -> bool:
        """Block until at least `count` requests have arrived (True) or the timeout passes (False)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.01)
        return len(self.requests) >= count

    # ---- used by the handler -------------------------------------------------------------------------------------

    def _enter(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            request.number = len(self.requests)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _next_fault(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.faults.extendleft(reversed(self._scheduled.pop(request.number, [])))
            return self.faults.popleft() if self.faults else None

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        if item is None:
            item = self._responder(request) if self._responder is not None else self._default
        return item if isinstance(item, Reply) else Reply(str(item))

    def _seen_prefix(self, digest: str) -> bool:
        with self._lock:
            seen = digest in self._prefixes
            self._prefixes.add(digest)
            return seen


@pytest.fixture
def fake_server():
    """A started FakeLLMServer with the default answer, stopped after the test."""
    with FakeLLMServer() as server:
        yield server
