"""Progress bars on standard error for long commands (bench, sweeps, downloads), drawn with `rich`.

    from cosplay_core.progress import progress

    with progress("bench", total=len(problems), quiet=args.json) as bar:
        for problem in problems:
            ...
            bar.advance(note=f"{problem} ok")

    with progress("humaneval.jsonl.gz", total=size_or_None, unit="bytes") as bar:
        for chunk in response.iter_bytes():
            bar.advance(len(chunk))

A bar is silent (every call does nothing, nothing is written) with `quiet=True` or when standard error is not a
terminal, so `--json` output, pipes, log files and CI stay clean. `Bar` methods may be called from any thread. A bar
opened while another is on screen (a sweep's overall bar and the bench bar of its current cell, say) is drawn as one
more line of the same display (a terminal has room for one live display at a time) and leaves it when it ends.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # rich is imported when a bar is first drawn
    from rich.console import RenderableType
    from rich.progress import Progress, Task, TaskID

UNITS = ("items", "bytes")


class Bar:
    """One line of progress: a description, a count out of a total (or bytes), elapsed and remaining time, a note."""

    def __init__(self, display: Progress | None = None, task_id: TaskID | None = None) -> None:
        self._display = display
        self._task = task_id

    @property
    def silent(self) -> bool:
        """True when nothing is drawn (quiet, or standard error is not a terminal)."""
        return self._display is None

    def advance(self, amount: float = 1, note: str | None = None) -> None:
        """Counts `amount` more done (items, or bytes for a download bar); `note` replaces the text after the bar."""
        if self._display is not None:
            assert self._task is not None, "a drawn bar has its task"
            fields: dict[str, Any] = {} if note is None else {"note": note}
            self._display.update(self._task, advance=amount, **fields)

    def update(self, completed: float | None = None, total: float | None = None, note: str | None = None) -> None:
        """Sets how much is done, the total (when it becomes known) or the note; None leaves a value as it is."""
        if self._display is not None:
            assert self._task is not None, "a drawn bar has its task"
            fields: dict[str, Any] = {} if note is None else {"note": note}
            self._display.update(self._task, completed=completed, total=total, **fields)


def interactive(stream: IO | None = None) -> bool:
    """Whether `stream` (default: standard error) is a terminal, where a live bar can be drawn."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Screen:
    """The one live rich display of this process and how many bars are open on it (rich allows a single live
    display per console at a time, so nested bars share it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.display: Progress | None = None
        self.users = 0

    def open(self, stream: IO) -> Progress:
        with self.lock:
            if self.display is None:
                self.display = _new_display(stream)
                self.display.start()
            self.users += 1
            return self.display

    def close(self, task: TaskID) -> None:
        """Ends a bar: the last one stops the display (its line stays on screen), an inner one takes its line away."""
        with self.lock:
            assert self.display is not None, "close() follows an open(), which leaves a display"
            self.users -= 1
            if self.users == 0:
                self.display.refresh()
                self.display.stop()
                self.display = None
            else:
                self.display.remove_task(task)


_SCREEN = _Screen()


def _new_display(stream: IO) -> Progress:
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)

    class Count(ProgressColumn):
        """`3/12` for items; `1.2/4.5 MB 2.1 MB/s` for bytes."""

        items, size, speed = MofNCompleteColumn(), DownloadColumn(), TransferSpeedColumn()

        def render(self, task: Task) -> RenderableType:
            from rich.text import Text

            if task.fields.get("unit") == "bytes":
                return Text.assemble(self.size.render(task), " ", self.speed.render(task))
            return self.items.render(task)

    console = Console(file=stream, stderr=stream is sys.stderr)
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), Count(), TimeElapsedColumn(),
                    TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left  {task.fields[note]}"),
                    console=console, transient=False, refresh_per_second=4)


@contextmanager
def progress(description: str, total: float | None = None, *, unit: str = "items", quiet: bool = False,
             stream: IO | None = None) -> Iterator[Bar]:
    """A progress bar for the block: drawn on `stream` (default standard error) when it is a terminal and `quiet` is
    false, silent otherwise. `total` None draws a bar that moves without an end until `Bar.update(total=...)`.
    `unit` is "items" (counts) or "bytes" (sizes and transfer speed)."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    stream = sys.stderr if stream is None else stream
    if quiet or not interactive(stream):
        yield Bar()
        return
    display = _SCREEN.open(stream)
    task = display.add_task(description, total=total, unit=unit, note="")
    try:
        yield Bar(display, task)
    finally:
        _SCREEN.close(task)
