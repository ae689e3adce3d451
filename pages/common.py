"""What every page shares: the executor, the run being shown (live or opened from a trace), and small widgets.

Pages only draw what `cosplay_core` produces; nothing here computes what the core should.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from cosplay_core.controller import (NO_RUN, PAUSE, RESET, RUN, RUNNING, STATE_WORDS, STEP, ControllerView,
                                     RunController, controls)
from cosplay_core.sandbox import Executor
from cosplay_core.state import Snapshot
from cosplay_core.trace import read_trace
from pages import settings as kept

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_problems"
runs_dir = kept.runs_dir


# The first page drawn needs neither pandas nor plotly (about 1 s to import on this project's machines): they are
# imported after it, in the background (`warm_up`), or before a page that needs them (`heavy_imports`), always under
# one lock, so that two threads never import them at once (a thread can then see a half-initialised module).
HEAVY_MODULES = ("pandas", "pyarrow", "plotly.graph_objects", "plotly.io", "cosplay_core.viz")
LIGHT_PAGES = {"", "run"}  # url paths of the pages that import none of them unless a run is drawn
_HEAVY_LOCK = threading.Lock()
_warm_up_started = threading.Event()


def heavy_imports() -> None:
    """Imports HEAVY_MODULES once per process, one thread at a time (returns at once when they are in)."""
    with _HEAVY_LOCK:
        for name in HEAVY_MODULES:
            importlib.import_module(name)


def warm_up() -> None:
    """Starts `heavy_imports` in a background thread, once per process (it touches no Streamlit state)."""
    if not _warm_up_started.is_set():
        _warm_up_started.set()
        threading.Thread(target=heavy_imports, name="cosplay-warm-up", daemon=True).start()


POLL_S = 1.0  # how often a page looks at a running run (and reruns when a step has finished)


@st.cache_resource(scope="session", on_release=lambda ex: ex.close())
def executor() -> Executor:
    """The sandbox executor of this browser session, shared by its runs and pages (servers reused across them) and
    closed with the session. One per session, so that the executions a run counts are its own, not another
    session's (a run counts the executor's executions during its steps)."""
    return Executor()


@dataclass(frozen=True)
class Shown:
    """The run on screen: its snapshots, its state, its backbone, problem and settings as recorded, and a message."""

    snapshots: tuple[Snapshot, ...]
    state: str
    backbone: dict
    problem: dict
    summary: dict | None
    message: str | None
    source: str  # "live" or the folder a trace was opened from
    config: dict = field(default_factory=dict)
    folder: str | None = None  # where the run is saved

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None


def controller() -> RunController | None:
    return st.session_state.get("controller")


def set_live(new: RunController | None, backbone: dict | None = None, problem: dict | None = None,
             config: dict | None = None, folder: str | None = None) -> None:
    old = controller()
    if old is not None and old is not new:
        old.close()
    st.session_state["controller"] = new
    st.session_state["live_meta"] = {"backbone": backbone or {}, "problem": problem or {}, "config": config or {},
                                     "folder": folder}
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
    st.session_state["opened"] = {"folder": str(trace_file.parent), "snapshots": tuple(trace.snapshots()),
                                  "backbone": trace.started.get("backbone", {}),
                                  "problem": trace.started.get("problem", {}), "summary": trace.summary,
                                  "config": trace.started.get("config", {}), "warnings": trace.warnings}
    return None


def shown() -> Shown | None:
    """The opened trace if one is open, else the live run, else None."""
    opened = st.session_state.get("opened")
    if opened is not None:
        message = "; ".join(opened["warnings"]) or None
        return Shown(opened["snapshots"], "done" if opened["summary"] else "unfinished", opened["backbone"],
                     opened["problem"], opened["summary"], message, opened["folder"], opened["config"],
                     opened["folder"])
    live = controller()
    if live is None:
        return None
    view: ControllerView = live.view()
    meta = st.session_state.get("live_meta", {})
    return Shown(view.snapshots, view.state, meta.get("backbone", {}), meta.get("problem", {}), view.summary,
                 view.message, "live", meta.get("config", {}), meta.get("folder"))


def live_view() -> ControllerView | None:
    """The live run's view, or None when there is none (or a saved run is on screen)."""
    live = controller()
    if live is None or st.session_state.get("opened") is not None:
        return None
    return live.view()


# -- the controls and the header of every page -----------------------------------------------------------------------

def _ready() -> tuple[tuple | None, str | None]:
    """What a new run needs from the kept settings: ((problem, ground truth, backbone, config), None), or (None,
    the first reason it cannot start; "" when a field is simply empty)."""
    s = st.session_state.get("settings") or kept.restore()
    problem, ground_truth, why = kept.build_problem(s)
    if problem is None:
        return None, why
    backbone, why = kept.build_backbone(s)
    if backbone is None:
        return None, why
    refusal = backbone_refusal(backbone.model, problem)
    if refusal:
        return None, refusal
    config, why = kept.build_config(s)
    if config is None:
        return None, why
    return (problem, ground_truth, backbone, config), None


def backbone_refusal(model: str, problem) -> str | None:
    """Why the backbone cannot play this problem, said before Run is pressed (None when it can)."""
    if model == "sim":
        from cosplay_core.players.sim import sim_refusal

        return sim_refusal(problem)
    if model.startswith("candidates:"):
        from cosplay_core.models.base import ModelConfigError
        from cosplay_core.players.candidates import CandidatesPlayer, load_candidates

        try:
            CandidatesPlayer(problem, None, *load_candidates(model.split(":", 1)[1]))  # checks, runs nothing
        except ModelConfigError as exc:
            return str(exc)
    return None


def start_new() -> str | None:
    """Starts a new live run from the kept settings; returns why it could not, or None."""
    from cosplay_core.models.base import ModelConfigError
    from cosplay_core.problem import ProblemError
    from cosplay_core.run import RunError, problem_card
    from cosplay_core.session import start_run, write_summary

    ready, why = _ready()
    if ready is None:
        return why or "Choose a problem on the Run page first."
    problem, ground_truth, backbone, config = ready
    out = runs_dir() / f"app-{time.strftime('%Y%m%d-%H%M%S')}-{problem.slug.replace('/', '_')}"
    for number in range(2, 100):
        if not out.exists():
            break
        out = out.with_name(f"{out.name.rsplit('~', 1)[0]}~{number}")  # two runs started in the same second
    try:
        run = start_run(problem, config, executor(), backbone, out, ground_truth, resume=False)
    except (ModelConfigError, RunError, ProblemError) as exc:
        return str(exc)
    if backbone.max_calls is not None and hasattr(run.player, "max_calls"):
        run.player.max_calls = backbone.max_calls  # sim counts its simulated calls against the budget too
    set_live(RunController(lambda: run, on_finish=write_summary), backbone=run.player.info.__dict__,
             problem=problem_card(problem), config=config.to_dict(), folder=str(out))
    st.session_state["live_meta"]["problem_object"] = problem
    return None


def command(name: str) -> None:
    """A button's callback (it runs before the page, so the page is drawn in the state the command leads to)."""
    st.session_state.pop("control_error", None)
    kept.restore()  # the settings as the widgets hold them now
    view = live_view()
    state = view.state if view is not None else NO_RUN
    if not controls(state, True, view is not None and view.pausing).allows(name):
        return  # a click on a button drawn for an older state
    if name == RESET:
        set_live(None)
        return
    if name == PAUSE:
        controller().pause()
        return
    if state in (NO_RUN, "done", "failed"):
        error = start_new()
        if error:
            st.session_state["control_error"] = error
            return
    if name == RUN:
        controller().run()
    else:
        controller().step()


def backbone_note(backbone: dict) -> str:
    """What the header adds to a backbone that is not a language model."""
    if not backbone.get("simulation"):
        return ""
    if backbone.get("name") == "sim":
        return " (a simulation, not a language model)"
    return " (not a language model: your own candidates, replayed)" if str(backbone.get("name", "")).startswith(
        "candidates") else " (not a language model)"


def status_line(current: Shown | None) -> str:
    """Problem, backbone, seed, status and step of the run on screen, in one line."""
    if current is None:
        return "No run yet: set one up on the **Run** page, then ▶ Run or ⏭ Step."
    problem, backbone = current.problem, current.backbone
    name = f"`{backbone.get('name', '?')}`" + backbone_note(backbone)
    seed = current.config.get("seed", backbone.get("settings", {}).get("seed", "?"))
    if current.source == "live":
        status = STATE_WORDS.get(current.state, current.state)
    else:
        status = "saved run, finished" if current.summary else "saved run, unfinished (it stopped before the end)"
    latest = current.latest
    where = f"step {snapshot_label(latest)}" if latest is not None else "no step yet"
    return (f"**{problem.get('title', '?')}** ({problem.get('slug', '?')}) · backbone {name} · seed {seed} · "
            f"**{status}** · {where}")


def header() -> None:
    """The top of every page: the settings kept (`settings.restore`, and the URL), what is on screen, the controls,
    the statement; reruns the page when the live run moves on (a step finished, a state changed)."""
    _leave_pages_folder_mode()
    kept.restore()
    wanted = st.session_state.pop("run_from_url", None)
    if wanted:
        _open_from_url(wanted)
    current = shown()
    view = live_view()
    state = view.state if view is not None else NO_RUN
    ready, why = _ready() if state in (NO_RUN, "done", "failed") else ((), None)
    ctl = controls(state, ready is not None, view is not None and view.pausing)
    with st.container(border=True):
        left, right = st.columns([1, 1], vertical_alignment="center")
        left.markdown(status_line(current))
        if view is not None and state == RUNNING:
            left.caption(ctl.status)
        if view is not None and state in ("paused", "idle") and _settings_changed(current):
            left.caption("The settings have changed since this run started: ▶ Continue goes on with the run's own; "
                         "↺ Reset, then ▶ Run, starts one with the new ones.")
        buttons = right.columns(4)
        start_help = None if ctl.run or state == RUNNING else (why or "Set a problem up on the Run page.")
        buttons[0].button(ctl.run_label, type="primary", disabled=not ctl.run, key="run_button", on_click=command,
                          args=(RUN,), help=start_help, width="stretch")
        buttons[1].button("⏭ Step", disabled=not ctl.step, key="step_button", on_click=command, args=(STEP,),
                          width="stretch")
        buttons[2].button("⏸ Pause", disabled=not ctl.pause, key="pause_button", on_click=command, args=(PAUSE,),
                          width="stretch")
        buttons[3].button("↺ Reset", disabled=not ctl.reset, key="reset_button", on_click=command, args=(RESET,),
                          width="stretch")
        if st.session_state.get("control_error"):
            st.error(st.session_state["control_error"])
        if current is not None and current.message:
            if current.state == "failed":
                st.error(current.message)
            else:
                st.warning(current.message)
        statement = (current.problem.get("statement") if current is not None else None) or _settings_statement()
        if statement:
            with st.expander("Problem statement (what the model sees)"):
                st.markdown(statement)
        st.toggle("Show ground truth (scoring only: never seen by the algorithm)", key="show_gt",
                  help="Marks GT-correct codes and UTs (✓ / ✗, hatched bars for wrong ones) and shows the notes "
                       "that name the bugs of a sample problem's wrong programs.")
    kept.sync_url({"run": Path(current.folder).name} if current is not None and current.source != "live"
                  and Path(current.folder).parent == runs_dir() else None)
    drawn = _signature(view)

    @st.fragment(run_every=POLL_S if state == RUNNING else None)
    def follow() -> None:
        if _signature(live_view()) != drawn:
            st.rerun()

    follow()


def _leave_pages_folder_mode() -> None:
    """Makes a server whose first request named a page (a link to /selfplay, say) use app.py's navigation.

    Streamlit treats an app with a `pages/` folder as an old-style multipage app until app.py calls
    `st.navigation`; when the very first request of a server asks for a page, that page runs without app.py, and
    the server stays in the old mode (the sidebar lists every module of `pages/`). The flag is Streamlit's own
    (`PagesManager.uses_pages_directory`); a rerun then goes through app.py. Not under AppTest, whose mocked
    runtime resets the flag on every run and runs pages directly (which works: every page draws this header).
    """
    from streamlit import runtime
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and type(runtime.get_instance()) is runtime.Runtime:  # not a mock
        PagesManager.uses_pages_directory = False
        st.rerun()


def _open_from_url(name: str) -> None:
    """Opens the saved run a link names (a folder name in the runs folder, nothing else)."""
    folder = runs_dir() / name
    if "/" in name or "\\" in name or name.startswith(".") or not (folder / "trace.jsonl").exists():
        st.session_state["control_error"] = f"The link names a saved run that is not here: {name}"
        return
    error = open_trace(str(folder))
    if error:
        st.session_state["control_error"] = error


def _signature(view: ControllerView | None) -> tuple:
    return (None,) if view is None else (view.state, len(view.snapshots), view.message, view.pausing)


def _settings_changed(current: Shown) -> bool:
    """Whether the kept settings name another problem or other run settings than the live run's."""
    ready, _ = _ready()
    if ready is None:
        return False
    problem, _, _, config = ready
    return problem.slug != current.problem.get("slug") or config.to_dict() != current.config


def _settings_statement() -> str | None:
    problem, _, _ = kept.build_problem(st.session_state.get("settings") or kept.DEFAULTS)
    return problem.statement if problem is not None else None


def ground_truth_shown() -> bool:
    return bool(st.session_state.get("show_gt"))


def problem_object(current: Shown):
    """The Problem behind the run on screen, for ground-truth views: the live run's own, or a saved run's sample
    folder (read again from disk when it is under the folders this app reads); None otherwise."""
    if current.source == "live":
        return st.session_state.get("live_meta", {}).get("problem_object")
    from cosplay_core.problem import ProblemError, load_problem
    from pages.safety import checked_path

    folder = current.problem.get("path")
    if not folder:
        return None
    path, refusal = checked_path(folder)
    if refusal or not (path / "problem.toml").exists():
        return None
    try:
        return load_problem(path)
    except ProblemError:
        return None


def show_code(source: str) -> None:
    """A program, its `# bug:` note left out unless ground truth is shown (`insights.source_for_display`)."""
    from cosplay_core.insights import source_for_display

    st.code(source_for_display(source, ground_truth_shown()), language="python")


def sandbox_warnings() -> None:
    for warning in executor().isolation.warnings:
        st.warning(f"Sandbox: {warning}", icon=":material/warning:")


def need_run() -> Shown | None:
    """The run to show, or a hint to start one (and None)."""
    current = shown()
    if current is None or not current.snapshots:
        st.info("No run yet: start one on the **Run** page (the `sim` backbone needs no key and no network), "
                "or open a saved one on the **Runs** page.")
        return None
    return current


def snapshot_label(snapshot: Snapshot) -> str:
    where = f"round {snapshot.round} · " if snapshot.stage == 2 else ""
    return f"{snapshot.step}: stage {snapshot.stage} · {where}{snapshot.name}"


def cost_line(snapshot: Snapshot, simulated: bool = False) -> str:
    """A step's cost so far: model calls (answers from the response cache said as such), tokens, executions."""
    usage = snapshot.usage or {}
    calls = f"{usage.get('calls', 0)} {'simulated ' if simulated else ''}model calls"
    if usage.get("cached_calls"):
        calls += f" + {usage['cached_calls']} answered from the response cache (no call, no cost)"
    return (f"{calls} · {usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out tokens · "
            f"{snapshot.executions:,} executions by this run")


SHOWN_CHARACTERS = 5000  # of one input or output on a page; a large input at the constraints' limits runs to megabytes


def show_value(value, language: str | None = None, height: int | str = "content") -> None:
    """A program input or output, shown as text (stdin) or JSON (function mode), its start only when it is long;
    `height` (pixels) scrolls a tall one in a box of that height."""
    import json

    text = value if isinstance(value, str) else json.dumps(value, indent=None)
    language = language if isinstance(value, str) else "json"
    if isinstance(height, int) and text.count("\n") < height // 22:
        height = "content"  # a short value takes its own height
    if len(text) <= SHOWN_CHARACTERS:
        st.code(text if text else "(empty)", language=language, height=height)
        return
    st.code(text[:SHOWN_CHARACTERS] + "\n…", language=language, height=height)
    st.caption(f"The first {SHOWN_CHARACTERS:,} of {len(text):,} characters.")
