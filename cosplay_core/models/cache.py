"""A disk cache of model answers, so that re-running or resuming a run repeats no call and costs nothing.

Keyed by a SHA-256 of (model name, base URL, messages, generation parameters, sample index); the API key is never
part of the key nor of what is stored (text, usage, stop reason), and `ModelClient` redacts a key that a server
echoed from the text and stop reason before it stores them (and again on the way out). Backed by diskcache (SQLite), safe to share
between processes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cosplay_core.models.base import Completion, GenerateConfig, Message, Usage

DEFAULT_DIRNAME = ".cosplay_cache"
_FORMAT = 1  # bump when the key's recipe or the stored entry changes


def default_cache_dir() -> Path:
    """COSPLAY_CACHE_DIR when set, else `.cosplay_cache/` in the working directory."""
    return Path(os.environ.get("COSPLAY_CACHE_DIR") or DEFAULT_DIRNAME)


def request_key(model_name: str, base_url: str | None, messages: list[Message], config: GenerateConfig) -> str:
    """The cache key of a request: hex SHA-256 of its canonical JSON. The timeout is not part of it."""
    identity = {
        "format": _FORMAT,
        "model": model_name,
        "base_url": (base_url or "").rstrip("/"),
        "messages": [m.to_dict() for m in messages],
        "params": {
            "temperature": config.temperature,
            "max_tokens": config.max_tokens,
            "top_p": config.top_p,
            "stop": list(config.stop) if config.stop else None,
        },
        "sample_index": config.sample_index,
    }
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Completions on disk by request key. `get` gives a `Completion(cached=True)` (zero latency) or None."""

    def __init__(self, directory: str | os.PathLike[str] | None = None):
        import diskcache  # imported here: a run without a cache does not need it

        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(self.directory))

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory)!r})"

    def get(self, key: str) -> Completion | None:
        """The stored completion for `key`, or None (also for an entry that cannot be read)."""
        try:
            stored = self._cache.get(key)
        except Exception:  # a damaged entry is a miss, not a failed run
            return None
        if not isinstance(stored, str):
            return None
        try:
            entry: dict[str, Any] = json.loads(stored)
            text = entry["text"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(text, str):
            return None
        return Completion(
            text=text,
            usage=Usage.from_dict(entry.get("usage")),
            latency_s=0.0,
            stop_reason=entry.get("stop_reason"),
            raw=None,
            cached=True,
        )

    def put(self, key: str, completion: Completion) -> None:
        """Store a completion's text, usage and stop reason under `key` (nothing else)."""
        entry = {"text": completion.text, "usage": completion.usage.to_dict(), "stop_reason": completion.stop_reason}
        # JSON, not pickle: readable by any tool, and nothing but these three fields can end up on disk
        self._cache.set(key, json.dumps(entry, ensure_ascii=False))

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        """Forget every stored completion."""
        self._cache.clear()

    def close(self) -> None:
        """Release the database handle (the cache reopens it if used again)."""
        self._cache.close()
