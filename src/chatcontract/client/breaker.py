"""A circuit breaker per route: closed, open, half-open with a limited number of probes.

``failure_threshold`` consecutive route-health failures open the circuit. While open, calls
skip the route (recorded as ``circuit_open``). After ``reprobe_s`` the circuit is half-open and
lets ``half_open_probes`` calls through at a time; a success closes it, a failure opens it again
for another ``reprobe_s``. Only failures that say something about the route's health count
(server errors, connect errors, timeouts, rate limiting, broken streams); a bad request does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

from chatcontract.record import FailureClass

Clock = Callable[[], float]
Change = tuple["CircuitState", "CircuitState"]  # (old, new)

HEALTH_FAILURES = frozenset(
    {
        FailureClass.SERVER_ERROR,
        FailureClass.CONNECT_ERROR,
        FailureClass.TIMEOUT,
        FailureClass.RATE_LIMITED,
        FailureClass.STREAM_INTERRUPTED,
        FailureClass.STREAM_STALLED,
        FailureClass.STREAM_ERROR,
        FailureClass.INVALID_RESPONSE,
    }
)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """The breaker of one route. Thread-safe; time comes from ``clock``."""

    def __init__(self, *, failure_threshold: int, reprobe_s: float, half_open_probes: int, clock: Clock) -> None:
        self._threshold = failure_threshold
        self._reprobe_s = reprobe_s
        self._probes = half_open_probes
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._in_flight = 0

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._current()

    def _current(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self._clock() - self._opened_at >= self._reprobe_s:
            self._state = CircuitState.HALF_OPEN
            self._in_flight = 0
        return self._state

    def acquire(self) -> CircuitState | None:
        """Permission to send: the state it was granted in, or ``None``: skip the route."""
        return self.acquire_noting()[0]

    def acquire_noting(self) -> tuple[CircuitState | None, Change | None]:
        """:meth:`acquire`, and the state change it caused (open to half-open once the reprobe
        time passed), if any."""
        with self._lock:
            before = self._state
            state = self._current()
            change = (before, state) if state is not before else None
            if state is CircuitState.CLOSED:
                return state, change
            if state is CircuitState.HALF_OPEN and self._in_flight < self._probes:
                self._in_flight += 1
                return state, change
            return None, change

    def release(self, granted: CircuitState) -> None:
        """Give back a permit whose attempt ended without a verdict (the caller walked away)."""
        with self._lock:
            if granted is CircuitState.HALF_OPEN and self._in_flight > 0:
                self._in_flight -= 1

    def record(self, failure_class: FailureClass | None, granted: CircuitState) -> Change | None:
        """The outcome of an attempt sent with permission ``granted``; returns the state change
        it caused, if any."""
        with self._lock:
            before = self._state
            if granted is CircuitState.HALF_OPEN and self._in_flight > 0:
                self._in_flight -= 1
            if failure_class is None:
                self._state = CircuitState.CLOSED
                self._failures = 0
            elif failure_class in HEALTH_FAILURES:
                self._failures += 1
                if self._state is CircuitState.HALF_OPEN or self._failures >= self._threshold:
                    self._state = CircuitState.OPEN
                    self._opened_at = self._clock()
                    self._in_flight = 0
            return (before, self._state) if self._state is not before else None
