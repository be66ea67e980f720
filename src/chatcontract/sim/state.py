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
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from chatcontract.redact import redact_free_text, redact_path
from chatcontract.sim.clock import iso_utc
from chatcontract.sim.config import SimConfig

MAX_ATTEMPTS_KEPT = 100_000
_MAX_LOGGED_CHARS = 256
_CHAT_PATH = "/v1/chat/completions"
MAX_RUNS_KEPT = 10_000
REQUEST_METHOD: ContextVar[str] = ContextVar("sim_request_method", default="POST")  # set per request when logging


class SimState:
    """Counters and the attempt log of one simulator instance."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._attempts: deque[tuple[Any, ...]] = deque(maxlen=MAX_ATTEMPTS_KEPT)
        self._counters: dict[str, int] = {}
        self._run_started: dict[str, float] = {}
        self.reset_at = config.clock.monotonic()
        seed = config.seed if config.seed is not None else int.from_bytes(os.urandom(4), "big")
        self._seed = seed
        self._prefix = f"{random.Random(seed).getrandbits(40):010x}"
        self._ids = itertools.count(1)
        self._stopping: asyncio.Event | None = None
        self.on_record: Callable[[dict[str, Any]], None] | None = None  # the foreground server's request log
        self._loop: asyncio.AbstractEventLoop | None = None

    def next_attempt(self, key: str, run: str = "") -> int:
        """Count one more attempt of ``key`` (a model, or model|fault) in ``run``; its number.

        A run (a client run under test, named in the URL or ``x-sim-run``) has its own counters
        and its own start time, so two clients graded on one simulator do not share faults.
        """
        with self._lock:
            if run and run not in self._run_started:
                if len(self._run_started) >= MAX_RUNS_KEPT:
                    self._run_started.pop(next(iter(self._run_started)))
                self._run_started[run] = self.config.clock.monotonic()
            counter = f"{run}\x00{key}"
            n = self._counters.get(counter, 0) + 1
            self._counters[counter] = n
            return n

    def since_reset(self, run: str = "") -> float:
        """Unscaled seconds since start/reset, or since the run's first request (``time_scale``
        divides the clock's reading)."""
        started = self._run_started.get(run, self.reset_at) if run else self.reset_at
        elapsed = self.config.clock.monotonic() - started
        scale = self.config.time_scale
        return elapsed / scale if scale > 0 else float("inf")

    def new_ids(self) -> tuple[str, str]:
        """A fresh (request id, completion id) pair; deterministic for a given seed."""
        n = next(self._ids)
        return f"req_{self._prefix}{n:08x}", f"chatcmpl-{self._prefix}{n:08x}"

    def rng(self, *parts: object) -> random.Random:
        """A RNG seeded from the sim seed and ``parts`` (model, attempt): order-independent."""
        return random.Random(f"{self._seed}:" + ":".join(map(str, parts)))

    def record(
        self,
        model: str,
        attempt: int,
        behaviour: str,
        *,
        stream: bool,
        path: str,
        status: int | None,
        run: str = "",
        prefill: bool = False,
    ) -> None:
        """Append one attempt to the log (bounded: beyond the limit the oldest are dropped).

        The path and the model are redacted as they are recorded: a key pasted into either is
        never kept nor served back by ``GET /_sim/attempts``.
        """
        if path != _CHAT_PATH:
            path = redact_path(path[:_MAX_LOGGED_CHARS])
        model = redact_free_text(model[:_MAX_LOGGED_CHARS])
        clock = self.config.clock
        self._attempts.append(
            (clock.wall(), model, attempt, behaviour, stream, path, status, run, prefill, clock.monotonic())
        )
        if self.on_record is not None:
            self.on_record({"method": REQUEST_METHOD.get(), "path": path, "model": model, "fault": behaviour,
                            "status": status})

    def attempts(self, run: str | None = None) -> list[dict[str, Any]]:
        """A copy of the attempt log as dicts (timestamps formatted here, not per request).

        ``run`` keeps one run's attempts; ``t`` is seconds on the simulator's monotonic clock
        (for gaps between attempts, which wall-clock ``time`` cannot give to the millisecond).
        """
        with self._lock:
            rows = self._attempts.copy()
        keys = ("model", "attempt", "behaviour", "stream", "path", "status", "run", "prefill", "t")
        return [
            {"time": iso_utc(row[0]), **dict(zip(keys, row[1:], strict=True))}
            for row in rows
            if run is None or row[7] == run
        ]

    def reset(self, run: str | None = None) -> None:
        """Clear attempts and counters; restart flap timers (of one run only, if given)."""
        with self._lock:
            if run is not None:
                kept = [row for row in self._attempts if row[7] != run]
                self._attempts.clear()
                self._attempts.extend(kept)
                prefix = f"{run}\x00"
                self._counters = {k: v for k, v in self._counters.items() if not k.startswith(prefix)}
                self._run_started.pop(run, None)
                return
            self._attempts.clear()
            self._counters.clear()
            self._run_started.clear()
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
