"""The simulator's mutable state: attempt log, per-model counters, reset time, ids.

The server thread writes it, the test thread reads it (``SimServer.attempts``), so every
access goes through one lock.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import threading
from collections import deque
from typing import Any

from chatcontract.redact import redact_free_text, redact_path
from chatcontract.sim.clock import iso_utc
from chatcontract.sim.config import SimConfig

MAX_ATTEMPTS_KEPT = 100_000
_MAX_LOGGED_CHARS = 256
_CHAT_PATH = "/v1/chat/completions"


class SimState:
    """Counters and the attempt log of one simulator instance."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._attempts: deque[tuple[Any, ...]] = deque(maxlen=MAX_ATTEMPTS_KEPT)
        self._counters: dict[str, int] = {}
        self.reset_at = config.clock.monotonic()
        seed = config.seed if config.seed is not None else int.from_bytes(os.urandom(4), "big")
        self._seed = seed
        self._prefix = f"{random.Random(seed).getrandbits(40):010x}"
        self._ids = itertools.count(1)
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def next_attempt(self, key: str) -> int:
        """Count one more attempt of ``key`` (a model, or model|fault) and return its number."""
        with self._lock:
            n = self._counters.get(key, 0) + 1
            self._counters[key] = n
            return n

    def since_reset(self) -> float:
        """Unscaled seconds since start/reset (``time_scale`` divides the clock's reading)."""
        elapsed = self.config.clock.monotonic() - self.reset_at
        scale = self.config.time_scale
        return elapsed / scale if scale > 0 else float("inf")

    def new_ids(self) -> tuple[str, str]:
        """A fresh (request id, completion id) pair; deterministic for a given seed."""
        n = next(self._ids)
        return f"req_{self._prefix}{n:08x}", f"chatcmpl-{self._prefix}{n:08x}"

    def rng(self, *parts: object) -> random.Random:
        """A RNG seeded from the sim seed and ``parts`` (model, attempt): order-independent."""
        return random.Random(f"{self._seed}:" + ":".join(map(str, parts)))

    def record(self, model: str, attempt: int, behaviour: str, *, stream: bool, path: str, status: int | None) -> None:
        """Append one attempt to the log (bounded: beyond the limit the oldest are dropped).

        The path and the model are redacted as they are recorded: a key pasted into either is
        never kept nor served back by ``GET /_sim/attempts``.
        """
        if path != _CHAT_PATH:
            path = redact_path(path[:_MAX_LOGGED_CHARS])
        model = redact_free_text(model[:_MAX_LOGGED_CHARS])
        self._attempts.append((self.config.clock.wall(), model, attempt, behaviour, stream, path, status))

    def attempts(self) -> list[dict[str, Any]]:
        """A copy of the attempt log as dicts (timestamps formatted here, not per request)."""
        with self._lock:
            rows = self._attempts.copy()
        keys = ("model", "attempt", "behaviour", "stream", "path", "status")
        return [{"time": iso_utc(row[0]), **dict(zip(keys, row[1:], strict=True))} for row in rows]

    def reset(self) -> None:
        """Clear attempts and counters; restart flap timers."""
        with self._lock:
            self._attempts.clear()
            self._counters.clear()
            self.reset_at = self.config.clock.monotonic()

    def stopping(self) -> asyncio.Event:
        """An event set when the server stops (created in the server's loop on first use)."""
        if self._stopping is None:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
        return self._stopping

    def release(self) -> None:
        """From any thread: wake every held request so the server can stop at once."""
        loop, event = self._loop, self._stopping
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)
