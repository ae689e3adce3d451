"""Driving a Run from a user interface: Run, Step, Pause, Reset, with the work on a thread of its own.

The interface never blocks on the engine: it sends commands and reads `view()`, an immutable picture of where the
run is (its snapshots so far, its state, an error message if it failed). Whatever happens, finished steps stay.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Callable

from cosplay_core.run import Run, RunInterrupted
from cosplay_core.state import Snapshot

IDLE, RUNNING, PAUSED, DONE, FAILED = "idle", "running", "paused", "done", "failed"
NO_RUN = "none"  # no live run (nothing started yet, after Reset, or while a saved run is shown)
RUN, STEP, PAUSE, RESET = "run", "step", "pause", "reset"
STATE_WORDS = {NO_RUN: "no run", IDLE: "ready", RUNNING: "running", PAUSED: "paused", DONE: "finished",
               FAILED: "failed"}


@dataclass(frozen=True)
class Controls:
    """What the Run, Step, Pause and Reset buttons say and allow in one state of a run (see `controls`)."""

    state: str
    run_label: str
    run: bool
    step: bool
    pause: bool
    reset: bool
    status: str

    def allows(self, command: str) -> bool:
        return {RUN: self.run, STEP: self.step, PAUSE: self.pause, RESET: self.reset}.get(command, False)


def controls(state: str, can_start: bool = True, pausing: bool = False) -> Controls:
    """The one state machine behind every page's controls.

    `state` is a ControllerView state or NO_RUN; `can_start` says whether the settings make a run that can start;
    `pausing` that Pause was pressed and the step in progress is finishing. Run starts a new run when there is none
    or the last one has ended ("New run"), else goes on to the end ("Continue" once paused); Step advances one step
    of the live run, or starts one at its first step (never a new run after a finished one: that is "New run");
    Pause is possible only while a run runs; Reset drops the live run.
    """
    if state in (NO_RUN, DONE, FAILED):
        label = "▶ Run" if state == NO_RUN else "▶ New run"
        status = {NO_RUN: "no run yet", DONE: "finished: ▶ New run starts another with the settings",
                  FAILED: "failed: ▶ New run starts another with the settings"}[state]
        return Controls(state, label, can_start, state == NO_RUN and can_start, False, state != NO_RUN, status)
    if state == RUNNING:
        return Controls(state, "▶ Run", False, False, not pausing, True,
                        "pausing after the step in progress" if pausing else "running")
    label = "▶ Continue" if state == PAUSED else "▶ Run"
    return Controls(state, label, True, True, False, True, STATE_WORDS.get(state, state))


@dataclass(frozen=True)
class ControllerView:
    """What a viewer needs: the snapshots so far, the state, and the error or stop reason in plain words.
    `pausing` is True between a Pause and the end of the step in progress."""

    state: str
    snapshots: tuple[Snapshot, ...]
    message: str | None = None
    summary: dict | None = None
    pausing: bool = False

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None


class RunController:
    """Steps a Run on a background thread on command. Thread-safe; `close()` stops the thread."""

    def __init__(self, make_run: Callable[[], Run], on_finish: Callable[[Run], None] | None = None):
        self._make_run = make_run
        self._on_finish = on_finish
        self._lock = threading.Condition()
        self._run: Run | None = None
        self._state = IDLE
        self._message: str | None = None
        self._summary: dict | None = None
        self._steps_wanted = 0  # steps requested by Step; -1 = until done (Run)
        self._closed = False
        self._busy = False  # a step is in progress
        self.details: str | None = None  # the traceback of a failed step, for "show details"
        self._thread = threading.Thread(target=self._work, name="cosplay-run", daemon=True)
        self._thread.start()

    # -- commands ------------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Steps until the run is done (or paused)."""
        self._command(-1)

    def step(self) -> None:
        """Advances one step."""
        self._command(1)

    def pause(self) -> None:
        """Stops after the step in progress (the state says `running` until that step is done)."""
        with self._lock:
            self._steps_wanted = 0
            if self._state == RUNNING and not self._busy:
                self._state = PAUSED

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._steps_wanted = 0
            self._lock.notify_all()
        self._thread.join(timeout=30)
        if self._run is not None:
            self._run.close()

    def view(self) -> ControllerView:
        with self._lock:
            snapshots = tuple(self._run.history) if self._run is not None else ()
            pausing = self._state == RUNNING and self._steps_wanted == 0
            return ControllerView(self._state, snapshots, self._message, self._summary, pausing)

    # -- the worker ----------------------------------------------------------------------------------------------

    def _command(self, steps: int) -> None:
        with self._lock:
            if self._state in (DONE, FAILED) or self._closed:
                return
            self._steps_wanted = steps if steps < 0 else max(self._steps_wanted, 0) + steps
            self._state = RUNNING
            self._lock.notify_all()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._closed and self._steps_wanted == 0:
                    self._lock.wait()
                if self._closed:
                    return
                self._busy = True
            try:
                if self._run is None:
                    run = self._make_run()
                    with self._lock:
                        self._run = run
                self._run.step()
            except Exception as exc:  # a failed step: keep every finished one, say what went wrong
                interrupted = isinstance(exc, RunInterrupted)  # the model cannot answer: pause, go on later
                with self._lock:
                    self._state = PAUSED if interrupted else FAILED
                    self._message = str(exc) if interrupted else f"{type(exc).__name__}: {exc}"
                    self._steps_wanted = 0
                    self._busy = False
                    self.details = None if interrupted else traceback.format_exc()
                continue
            with self._lock:
                self._busy = False
                self._message = None  # a step went through: an earlier interruption is over
                if self._steps_wanted > 0:
                    self._steps_wanted -= 1
                if self._run.done:
                    self._state = DONE
                    self._steps_wanted = 0
                    self._summary = self._run.summary()
                    self._message = self._run.stopped
                elif self._steps_wanted == 0 and self._state == RUNNING:
                    self._state = PAUSED
            if self._run.done and self._on_finish is not None:
                self._on_finish(self._run)
