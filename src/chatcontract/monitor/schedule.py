"""When ``watch`` runs and how much it may send: intervals, the cadence, the hourly budget.

Everything here is pure bookkeeping over a :class:`Clock`, so tests drive a whole day of
schedule with a :class:`ManualClock` and no real waiting. The cadence is fixed (run *k* is due
at ``start + k * every``); a run that overruns skips the slots it missed instead of bursting to
catch up. The budget is a sliding hour: a request counts against it for 3600 s after it was sent,
and requests spent before a restart are carried in (counted as spent at start-up, which can only
make the monitor more conservative, never exceed the budget).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from typing import Protocol

from chatcontract.errors import UsageError

HOUR_S = 3600.0
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_interval(text: str, *, option: str = "--every", minimum_s: float = 1.0) -> float:
    """``"30s"``, ``"5m"``, ``"1h"``, ``"1.5m"`` or a bare number of seconds → seconds.

    A value below ``minimum_s`` (or unreadable) is a :class:`UsageError` naming ``option``.
    """
    match = _INTERVAL.match(text)
    if match is None:
        raise UsageError(f"{option} {text!r}: expected a duration such as 30s, 5m or 1h")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if not math.isfinite(seconds) or seconds < minimum_s:
        raise UsageError(f"{option} {text!r}: must be at least {minimum_s:g}s")
    return seconds


def format_interval(seconds: float) -> str:
    """The short form of ``seconds`` (``"2s"``, ``"5m"``, ``"1h"``)."""
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


class Clock(Protocol):
    """What the monitor needs from time: a monotonic reading and an interruptible wait."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (only differences matter)."""
        ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` or until ``stop`` is set; True when ``stop`` is set."""
        ...


class RealClock:
    """The process clock; waits really wait (and wake at once on stop)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))


class ManualClock:
    """A clock tests move: ``wait`` advances time instead of sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.is_set():
            return True
        self.waits.append(seconds)
        self.now += max(0.0, seconds)
        return stop.is_set()


class Cadence:
    """Fixed-rate slots ``start + k * every_s``; missed slots are skipped, never bunched."""

    def __init__(self, every_s: float, start: float) -> None:
        self.every_s = every_s
        self.next_at = start

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def advance(self, now: float) -> None:
        """Move to the first slot after ``now`` (after a run that started at a due slot)."""
        missed = math.floor((now - self.next_at) / self.every_s) + 1 if now >= self.next_at else 0
        self.next_at += max(1, missed) * self.every_s

    def seconds_until(self, now: float) -> float:
        return max(0.0, self.next_at - now)


class HourlyBudget:
    """At most ``per_hour`` requests in any sliding hour; memory bounded by ``per_hour``."""

    def __init__(self, per_hour: int, *, carried: int = 0, now: float = 0.0) -> None:
        if per_hour < 1:
            raise UsageError("--budget-per-hour must be at least 1")
        self.per_hour = per_hour
        self.carried = min(carried, per_hour)
        self._spent: deque[tuple[float, int]] = deque()
        if self.carried:
            self._spent.append((now, self.carried))
        self.total_spent = 0

    def _expire(self, now: float) -> None:
        while self._spent and now - self._spent[0][0] >= HOUR_S:
            self._spent.popleft()

    def used(self, now: float) -> int:
        self._expire(now)
        return sum(n for _, n in self._spent)

    def remaining(self, now: float) -> int:
        return max(0, self.per_hour - self.used(now))

    def spend(self, now: float, requests: int) -> None:
        """Count ``requests`` sent at ``now`` (merged with the last entry when at the same time)."""
        if requests <= 0:
            return
        self._expire(now)
        if self._spent and self._spent[-1][0] == now:
            self._spent[-1] = (now, self._spent[-1][1] + requests)
        else:
            self._spent.append((now, requests))
        self.total_spent += requests

    def seconds_until_room(self, now: float, needed: int) -> float:
        """How long until ``needed`` requests fit (0 when they fit now)."""
        self._expire(now)
        excess = self.used(now) + needed - self.per_hour
        for at, n in self._spent:
            if excess <= 0:
                break
            excess -= n
            if excess <= 0:
                return max(0.0, at + HOUR_S - now)
        return 0.0
