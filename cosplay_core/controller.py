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


@dataclass(frozen=True)
class ControllerView:
    """What a viewer needs: the snapshots so far, the state, and the error or stop reason in plain words."""

    state: str
    snapshots: tuple[Snapshot, ...]
    message: str | None = None
    summary: dict | None = None

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
            return ControllerView(self._state, snapshots, self._message, self._summary)

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
