"""The run record: typed events appended to `trace.jsonl` as they happen, and read back into snapshots.

Events (schema version 1), one JSON object per line, each with `v`, `type` and `time`:
    run_started    problem, backbone, config
    blob           a large value (a UT's input or expected output, an output) written once, referenced by its hash
    model_call     one model request's record (prompt, completion, usage, latency, cached, error); never a key
    parse_failure  a completion that could not be parsed (the request is retried with a new sample index)
    resample       pool replay or your own candidates: a repair the backbone cannot make, answered by a fresh draw
                   (`request`); stage 2 names the change `code_resampled`, or `resample_rejected` when the draw
                   still fails the trusted UT (the code is kept; it does not count as a change)
    pool_exhausted pool replay: a recorded pool (`pool`: programs or UT inputs) is used up after `drawn` draws; the
                   `request` and every later one get no answer (draws never wrap around); written once per pool
    fresh_draw     your own candidates: an expected output no given UT has, predicted from the candidates' outputs
    step           a finished step: stage, name, round, title, changes (kinds in `state.Change`), the full state
                   (codes, used `tests`, `unused_tests` whose votes never agreed), the matrix cells, and `outcomes`:
                   every execution outcome first recorded in this step, by pair key (`sandbox.pair_key`), so that a
                   resumed or replayed run is answered from them instead of executing again
    run_stopped    why a run stopped before the end (budget, error, interruption)
    run_finished   the summary; for pool replay, `test_inputs_available` and `short_of_test_inputs` (fewer distinct
                   UT inputs than N_t: such problems are reported apart)
A trace missing step events or blobs cannot be resumed (`Trace.damage`).
A truncated or corrupted trace is read up to its last whole event, with a warning naming the line.
Every value written passes through the redactor of the API keys this process holds (`models.redaction`), so a key
that a server echoed, or that a user pasted into a problem, is written as "[REDACTED]".
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cosplay_core.models.redaction import known_redactor
from cosplay_core.sandbox.outcome import Outcome
from cosplay_core.state import (Cell, Snapshot, change_from_dict, code_from_dict, selection_from_dict,
                                test_from_dict, to_jsonable)

SCHEMA_VERSION = 1
TRACE_NAME = "trace.jsonl"


BLOB_MIN_CHARS = 256


class TraceWriter:
    """Appends events to a trace file, one line each, flushed as written."""

    def __init__(self, path: str | Path, fresh: bool = True):
        """`fresh` starts a new trace (an old one at `path` is replaced); otherwise events are appended after the
        last whole event of the existing trace (a torn last line is cut off first)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._blobs: set[str] = set()
        if fresh or not self.path.exists():
            self._file = open(self.path, "w", encoding="utf-8")
            return
        keep = _whole_events_length(self.path)
        with open(self.path, "r+b") as handle:
            handle.truncate(keep)
        self._blobs = {e["hash"] for e in read_raw_events(self.path)[0] if e.get("type") == "blob"}
        self._file = open(self.path, "a", encoding="utf-8")

    def blob(self, value: Any) -> Any:
        """`value` itself when small; else a reference {"$blob": hash}, the value written once as a blob event."""
        text = json.dumps(value, separators=(",", ":"))
        if len(text) < BLOB_MIN_CHARS:
            return value
        digest = hashlib.sha256(text.encode()).hexdigest()[:24]
        if digest not in self._blobs:
            self.write("blob", hash=digest, value=value)
            self._blobs.add(digest)
        return {"$blob": digest}

    def write(self, event_type: str, **payload: Any) -> None:
        """Appends one event, every API key this process holds redacted from its values."""
        payload = known_redactor().value(to_jsonable(payload))
        record = {"v": SCHEMA_VERSION, "type": event_type, "time": round(time.time(), 3), **payload}
        self._file.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


@dataclass
class Trace:
    """The events of a trace file and the warnings met while reading it."""

    events: list[dict]
    warnings: list[str] = field(default_factory=list)
    missing_blobs: set[str] = field(default_factory=set)  # blob hashes referred to but not in the file
    unreadable_inside: str | None = None  # an unreadable line with events after it: where, else None

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e.get("type") == event_type]

    @property
    def started(self) -> dict | None:
        found = self.of_type("run_started")
        return found[0] if found else None

    @property
    def summary(self) -> dict | None:
        found = self.of_type("run_finished")
        return found[-1]["summary"] if found else None

    def snapshots(self) -> list[Snapshot]:
        """One snapshot per recorded step, in order."""
        return [snapshot_from_event(e) for e in self.of_type("step")]

    def outcomes(self) -> dict[str, Outcome]:
        """Every execution outcome the steps recorded, by pair key (`sandbox.pair_key`)."""
        return {key: Outcome.from_dict(record) for event in self.of_type("step")
                for key, record in (event.get("outcomes") or {}).items()}

    def damage(self) -> str | None:
        """Why this trace cannot be resumed (events or blobs missing), or None. A trace cut short after a whole
        event is not damaged: that is an interrupted run."""
        steps = [e.get("step") for e in self.of_type("step")]
        if steps and self.started is None:
            return "it has steps but no run_started event"
        if steps != list(range(len(steps))):
            gap = next(i for i, step in enumerate(steps) if step != i)
            return f"step events are missing or out of order (step {gap} is {steps[gap]})"
        if self.missing_blobs:
            return f"it refers to {len(self.missing_blobs)} blob(s) it does not hold"
        if self.unreadable_inside:
            return self.unreadable_inside
        return None


def _whole_events_length(path: Path) -> int:
    """The byte length of the trace's prefix made of whole, readable events."""
    length = 0
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                event = json.loads(line)
            except ValueError:
                break
            if not isinstance(event, dict) or "type" not in event:  # as read_raw_events reads it
                break
            length += len(line)
    return length


def read_trace(path: str | Path) -> Trace:
    """Reads a trace up to its last whole event; a bad line ends the reading with a warning naming it."""
    events, warnings, inside = _read_events(path)
    blobs = {e["hash"]: e["value"] for e in events if e.get("type") == "blob"}
    missing: set[str] = set()
    return Trace([_resolve(e, blobs, missing) for e in events if e.get("type") != "blob"], warnings, missing, inside)


def read_raw_events(path: str | Path) -> tuple[list[dict], list[str]]:
    """Every whole event of a trace file, blobs included and unresolved, and the warnings."""
    events, warnings, _ = _read_events(path)
    return events, warnings


def _read_events(path: str | Path) -> tuple[list[dict], list[str], str | None]:
    """`read_raw_events`, and when the line that ends the reading has more lines after it (a trace damaged in
    the middle, not one whose last write was cut short) where that is."""
    path = Path(path)
    if path.is_dir():
        path = path / TRACE_NAME
    events, warnings, inside = [], [], None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
                if not isinstance(event, dict) or "type" not in event:
                    raise ValueError("not an event")
            except ValueError:
                warnings.append(f"{path}:{number}: unreadable event (truncated or corrupted); "
                                f"read up to line {number - 1}")
                after = sum(1 for rest in handle if rest.strip())
                if after:
                    inside = f"line {number} is unreadable and {after} more line(s) follow it"
                break
            if event.get("v", SCHEMA_VERSION) > SCHEMA_VERSION:
                warnings.append(f"{path}:{number}: written by a newer version (schema {event['v']}); "
                                "reading what this version understands")
            events.append(event)
    return events, warnings, inside


def _resolve(obj: Any, blobs: dict, missing: set[str]) -> Any:
    """Replaces blob references with their values (None for a blob not held, its hash added to `missing`)."""
    if isinstance(obj, dict):
        if len(obj) == 1 and "$blob" in obj:
            if obj["$blob"] not in blobs:
                missing.add(str(obj["$blob"]))
            return blobs.get(obj["$blob"])
        return {k: _resolve(v, blobs, missing) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve(v, blobs, missing) for v in obj]
    return obj


def snapshot_from_event(event: dict) -> Snapshot:
    """Rebuilds the Snapshot that a `step` event records."""
    state = event["state"]
    matrix = event["matrix"]
    passes = np.array(matrix["passes"], dtype=bool).reshape(len(matrix["code_ids"]), len(matrix["test_ids"]))
    passes.setflags(write=False)
    cells = tuple(tuple(Cell(**c) for c in row) for row in matrix["cells"])
    return Snapshot(
        step=event["step"], stage=event["stage"], name=event["name"], round=event["round"], title=event["title"],
        codes=tuple(code_from_dict(c) for c in state["codes"]),
        tests=tuple(test_from_dict(t) for t in state["tests"]),
        passes=passes, cells=cells,
        changes=tuple(change_from_dict(c) for c in event.get("changes", [])),
        done=event.get("done", False), stopped=event.get("stopped"),
        selection=selection_from_dict(state.get("selection")),
        hints=tuple(state.get("hints", ())), plans=tuple(state.get("plans", ())),
        attacks=tuple(tuple(a) for a in state.get("attacks", ())),
        usage=event.get("usage", {}), executions=event.get("executions", 0), gt=event.get("gt"),
        unused_tests=tuple(test_from_dict(t) for t in state.get("unused_tests", ())),
    )
