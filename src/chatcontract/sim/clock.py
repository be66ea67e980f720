"""Clocks for the simulator: time-based faults read one of these, never the wall directly.

A ``RealClock`` sleeps for real (scaled by ``time_scale`` in the app, not here); a
``FakeClock`` lets tests move time forward without waiting, so a 10 s slow-first-token fault
finishes at once while the clock still says 10 s passed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the simulator needs from time: a monotonic reading, a wall reading, a sleep."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (only differences matter)."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch (for `created` and attempt timestamps)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class RealClock:
    """The process clock; sleeps really sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class FakeClock:
    """A clock that tests move by hand; ``sleep`` advances it instead of waiting.

    Thread-safe: the test thread calls ``advance`` while the server thread reads it.
    """

    def __init__(self, start_wall: float = 1_767_225_600.0) -> None:
        self._lock = threading.Lock()
        self._elapsed = 0.0
        self._start_wall = start_wall
        self.slept: list[float] = []

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self._elapsed += seconds

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def wall(self) -> float:
        with self._lock:
            return self._start_wall + self._elapsed

    async def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._elapsed += max(seconds, 0.0)
        await asyncio.sleep(0)


def iso_utc(epoch_seconds: float) -> str:
    """ISO 8601 UTC timestamp with milliseconds."""
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")
