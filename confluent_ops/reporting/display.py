"""The terminal view of a step: a bar per piece of work, and one line per thing that happened.

An operator watching a rolling restart wants two things at once: how far each piece of work has
come (brokers restarted, bytes copied), and the story of what happened (a broker stopped, a
wait for under-replicated partitions). :class:`ProgressDisplay` draws the first as rich progress
bars and prints the second above them. A step polls while it waits, so the same "waiting" line
would arrive every few seconds: it is printed again only when what blocks the step changes.

Where output is not a terminal (CI logs, a file, a pipe) or is a ``dumb`` one, no live region is
drawn: every event is one plain line, and a piece of work's progress is printed only when its
``done`` count moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from confluent_ops.reporting._progress import ProgressReading
from confluent_ops.steps.events import StepEvent

__all__ = ["ProgressDisplay"]

_STYLES: Mapping[str, str] = {"failed": "red", "waiting": "dim"}
"""How a line of each kind stands out; other kinds are printed plain."""

_SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def _size(value: float) -> str:
    """A byte count as a person reads it: ``1.5 GiB``."""
    size = value
    for unit in _SIZE_UNITS[:-1]:
        if abs(size) < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} {_SIZE_UNITS[-1]}"


def _figure(name: str, value: float) -> str:
    shown = _size(value) if "bytes" in name.split("_") else f"{value:g}"
    return f"{name.replace('_', ' ')} {shown}"


def _brief(figures: Mapping[str, float]) -> str:
    """The figures of a progress report in a few words, byte counts as human sizes."""
    return ", ".join(_figure(name, value) for name, value in figures.items())


def _can_redraw(console: Console) -> bool:
    """Whether a live region can be drawn: a terminal that can move its cursor (not ``dumb``)."""
    return console.is_terminal and not console.is_dumb_terminal


def _progress_line(reading: ProgressReading) -> str:
    figures = _brief(reading.figures)
    return f"{reading.step}: {reading.what} {reading.done}/{reading.total}" + (
        f", {figures}" if figures else ""
    )


class ProgressDisplay:
    """Show a step's events on a console: live bars on a terminal, plain lines elsewhere.

    Call it with each event (it is an ``emit`` for any step). Used as a context manager on a
    terminal, it draws one bar per (step, what) of the ``progress`` events and prints every other
    event as a line above them; outside the ``with`` block, or when the console is not a
    terminal (or a ``dumb`` one), it prints plain lines only. ``console`` defaults to one on
    stderr, so that a command's stdout stays for its results.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console if console is not None else Console(stderr=True)
        self._live: Progress | None = None
        self._bars: dict[tuple[str, str], TaskID] = {}
        self._done_shown: dict[tuple[str, str], int] = {}
        self._waiting_shown: dict[str, str] = {}

    def __enter__(self) -> ProgressDisplay:
        if self._live is None and _can_redraw(self.console):
            self._live = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[figures]}", markup=False),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            self._bars.clear()

    def __call__(self, event: StepEvent) -> None:
        reading = ProgressReading.from_event(event)
        if reading is not None:
            self._show_progress(reading)
            return
        line = event.describe()
        if event.kind == "waiting":
            if self._waiting_shown.get(event.step) == line:
                return
            self._waiting_shown[event.step] = line
        else:
            self._waiting_shown.pop(event.step, None)
        self._print(Text(line, style=_STYLES.get(event.kind, "")))

    def _show_progress(self, reading: ProgressReading) -> None:
        if self._live is None:
            if self._done_shown.get(reading.key) != reading.done:
                self._done_shown[reading.key] = reading.done
                self._print(Text(_progress_line(reading)))
            return
        bar = self._bars.get(reading.key)
        if bar is None:
            self._bars[reading.key] = self._live.add_task(
                f"{reading.step}: {reading.what}",
                total=reading.total,
                completed=reading.done,
                figures=_brief(reading.figures),
            )
        else:
            self._live.update(
                bar,
                total=reading.total,
                completed=reading.done,
                figures=_brief(reading.figures),
            )

    def _print(self, line: Text) -> None:
        # Live mode: rich prints above the bars. Plain mode: one line however long, for logs.
        self.console.print(line, soft_wrap=self._live is None)
