"""What every page shares: the executor, the run being shown (live or opened from a trace), and small widgets.

Pages only draw what `cosplay_core` produces; nothing here computes what the core should.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from cosplay_core.controller import RUNNING, ControllerView, RunController
from cosplay_core.sandbox import Executor
from cosplay_core.state import Snapshot
from cosplay_core.trace import read_trace

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_problems"
RUNS = ROOT / "runs"
STATE_LABELS = {"idle": "ready", "running": "running", "paused": "paused", "done": "finished", "failed": "failed"}


@st.cache_resource
def executor() -> Executor:
    """One sandbox executor for the whole app (its servers are reused across runs and sessions)."""
    return Executor()


@dataclass(frozen=True)
class Shown:
    """The run on screen: its snapshots, its state, its backbone and problem as recorded, and a message."""

    snapshots: tuple[Snapshot, ...]
    state: str
    backbone: dict
    problem: dict
    summary: dict | None
    message: str | None
    source: str  # "live" or the folder a trace was opened from

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None


def controller() -> RunController | None:
    return st.session_state.get("controller")


def set_live(new: RunController | None, backbone: dict | None = None, problem: dict | None = None) -> None:
    old = controller()
    if old is not None and old is not new:
        old.close()
    st.session_state["controller"] = new
    st.session_state["live_meta"] = {"backbone": backbone or {}, "problem": problem or {}}
    st.session_state.pop("opened", None)


def open_trace(folder: str) -> str | None:
    """Shows the run recorded in `folder`; returns an error message, or None."""
    path = Path(folder).expanduser()
    trace_file = path / "trace.jsonl" if path.is_dir() else path
    if not trace_file.exists():
        return f"No trace.jsonl in {folder}."
    try:
        trace = read_trace(trace_file)
    except OSError as exc:
        return f"Cannot read {trace_file}: {exc.strerror}."
    if trace.started is None:
        return f"{trace_file} holds no run (no run_started event)."
    st.session_state["opened"] = {"folder": str(path), "snapshots": tuple(trace.snapshots()),
                                  "backbone": trace.started.get("backbone", {}),
                                  "problem": trace.started.get("problem", {}), "summary": trace.summary,
                                  "warnings": trace.warnings}
    return None


def shown() -> Shown | None:
    """The opened trace if one is open, else the live run, else None."""
    opened = st.session_state.get("opened")
    if opened is not None:
        message = "; ".join(opened["warnings"]) or None
        return Shown(opened["snapshots"], "done" if opened["summary"] else "stopped", opened["backbone"],
                     opened["problem"], opened["summary"], message, opened["folder"])
    live = controller()
    if live is None:
        return None
    view: ControllerView = live.view()
    meta = st.session_state.get("live_meta", {})
    return Shown(view.snapshots, view.state, meta.get("backbone", {}), meta.get("problem", {}), view.summary,
                 view.message, "live")


def is_running() -> bool:
    live = controller()
    return live is not None and st.session_state.get("opened") is None and live.view().state == RUNNING


def backbone_badge(backbone: dict) -> None:
    """Says which backbone made the run; a simulation is always labelled as one."""
    if not backbone:
        return
    if backbone.get("simulation"):
        st.info(f"**Simulation, not a language model.** {backbone.get('description', '')}", icon="🧪")
    else:
        st.caption(f"Backbone: `{backbone.get('name', '?')}`")


def sandbox_warnings() -> None:
    for warning in executor().isolation.warnings:
        st.warning(f"Sandbox: {warning}", icon="⚠️")


def need_run() -> Shown | None:
    """The run to show, or a hint to start one (and None)."""
    current = shown()
    if current is None or not current.snapshots:
        st.info("No run yet: start one on the **Run** page (the `sim` backbone needs no key and no network), "
                "or open a saved one on the **Runs** page.")
        return None
    if current.source != "live":
        st.caption(f"Showing the run recorded in `{current.source}`.")
    if current.message:
        (st.error if current.state == "failed" else st.warning)(current.message)
    return current


def snapshot_label(snapshot: Snapshot) -> str:
    where = f"round {snapshot.round} · " if snapshot.stage == 2 else ""
    return f"{snapshot.step}: stage {snapshot.stage} · {where}{snapshot.name}"


def cost_line(snapshot: Snapshot) -> str:
    usage = snapshot.usage or {}
    return (f"{usage.get('calls', 0)} model calls · {usage.get('input_tokens', 0):,} in / "
            f"{usage.get('output_tokens', 0):,} out tokens · {snapshot.executions:,} executions")


SHOWN_CHARACTERS = 5000  # of one input or output on a page; a large input at the constraints' limits runs to megabytes


def show_value(value, language: str | None = None) -> None:
    """A program input or output, shown as text (stdin) or JSON (function mode), its start only when it is long."""
    import json

    text = value if isinstance(value, str) else json.dumps(value, indent=None)
    language = language if isinstance(value, str) else "json"
    if len(text) <= SHOWN_CHARACTERS:
        st.code(text if text else "(empty)", language=language)
        return
    st.code(text[:SHOWN_CHARACTERS] + "\n…", language=language)
    st.caption(f"The first {SHOWN_CHARACTERS:,} of {len(text):,} characters.")
