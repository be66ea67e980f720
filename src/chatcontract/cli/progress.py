"""Progress on stderr for long work, the same for every command.

:class:`Steps` counts named items (probe cases, repro attempts, conduct scenarios, lint files):
a live bar on a terminal; one line per finished item when stderr is a pipe (a CI log shows how
far a run got: Rich draws nothing but a blank line on a pipe); nothing with ``-q``.
:class:`Phases` reports a long job's phase (review: reading, classifying, findings) with what it
has counted so far: a live status line on a terminal, nothing on a pipe or with ``-q``.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from chatcontract.cli import output


def _live() -> bool:
    """A live display only on a real interactive terminal (not a pipe, even with --color or FORCE_COLOR)."""
    return not output.quiet() and sys.stderr.isatty() and bool(output.err_console.is_interactive)


class Steps:
    """``with Steps("probe", total) as steps: steps.started(name); steps.finished(text)``."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Steps:
        if _live():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            self._progress = Progress(*columns, console=output.err_console, transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=self.total)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, exc, tb)
            self._progress = None

    def started(self, name: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=f"{self.label} {name}")

    def finished(self, text: str) -> None:
        """One item done: ``LABEL [done/total] TEXT`` on a pipe, the bar advanced on a terminal."""
        self.done += 1
        if self._progress is not None:
            self._progress.advance(self._task)
        else:
            output.note(f"{self.label} [{self.done}/{self.total}] {text}")


class Phases:
    """``with Phases("review") as phases: phases.update("reading", bytes=..., records=...)``."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._status: Any = None

    def __enter__(self) -> Phases:
        if _live():
            self._status = output.err_console.status(self.label)
            self._status.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._status is not None:
            self._status.__exit__(kind, exc, tb)
            self._status = None

    def update(self, phase: str, **counts: int) -> None:
        if self._status is None:
            return
        shown = ", ".join(_amount(name, n) for name, n in counts.items())
        self._status.update(f"{self.label}: {phase}" + (f" ({shown})" if shown else ""))


def _amount(name: str, n: int) -> str:
    """``bytes=1_600_000_000`` -> ``1.6 GB``; ``records=12000`` -> ``12,000 records``."""
    if name != "bytes":
        return f"{n:,} {name.replace('_', ' ')}"
    size = float(n)
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
