"""The retry budget: retries stay a small fraction of calls, so an outage does not multiply load.

A token bucket shared by every call of one client. Each logical call deposits
``retry_budget_ratio`` tokens; each retry withdraws one. A floor of ``retry_budget_floor``
tokens per ``retry_budget_window_s`` refills with time, so a quiet client can still retry.
The bucket holds at most the floor, so a long healthy spell never banks a retry storm.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Clock = Callable[[], float]


class RetryBudget:
    """Thread-safe token bucket of retries (one per client)."""

    def __init__(self, *, ratio: float, floor: float, window_s: float, clock: Clock) -> None:
        self._ratio = ratio
        self._cap = max(floor, 1.0)
        self._refill_per_s = floor / window_s if window_s > 0 else 0.0
        self._clock = clock
        self._balance = self._cap
        self._stamp = clock()
        self._lock = threading.Lock()
        self.calls = 0
        self.retries = 0
        self.refused = 0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._stamp
        self._stamp = now
        if elapsed > 0:
            self._balance = min(self._cap, self._balance + elapsed * self._refill_per_s)

    def on_call(self) -> None:
        """A logical call started: deposit its share of retries."""
        with self._lock:
            self.calls += 1
            self._refill()
            self._balance = min(self._cap, self._balance + self._ratio)

    def try_spend(self) -> bool:
        """Withdraw one retry; ``False`` when the budget is exhausted."""
        with self._lock:
            self._refill()
            if self._balance >= 1.0:
                self._balance -= 1.0
                self.retries += 1
                return True
            self.refused += 1
            return False

    @property
    def balance(self) -> float:
        with self._lock:
            self._refill()
            return self._balance
