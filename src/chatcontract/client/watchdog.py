"""A watchdog thread that cuts a blocking stream read when a time limit passes (sync only).

httpx applies one read timeout per response body, but a stream has three limits: the first
content event, the idle gap since the last data event (a keep-alive comment resets a socket
read timeout, so that cannot be it), and the call's deadline. This watchdog enforces all three
by shutting the socket down, which wakes the blocked read at once. One thread per client serves
every stream; arming or moving a limit earlier is a heap push, moving it later is free.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from typing import Any


class Guard:
    """One armed stream. ``fired`` tells the reader why its read failed."""

    __slots__ = ("_dog", "at", "fired", "sock", "token")

    def __init__(self, dog: Watchdog, sock: socket.socket | None, at: float) -> None:
        self._dog = dog
        self.sock = sock
        self.at = at
        self.fired = False
        self.token = 0

    def rearm(self, at: float) -> None:
        """Move the limit: later is one attribute write (the watchdog re-checks ``at`` when the
        old time comes, so a reader making progress costs no lock); earlier is rescheduled."""
        if at > self.at:
            self.at = at
        elif at < self.at:
            self._dog.schedule(self, at)

    def disarm(self) -> None:
        self._dog.schedule(self, None)


class Watchdog:
    """Shuts down sockets whose guard time passed (``clock`` is ``time.monotonic``-like)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Guard]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def arm(self, network_stream: Any, at: float) -> Guard:
        sock = None
        if network_stream is not None:
            try:
                sock = network_stream.get_extra_info("socket")
            except Exception:  # noqa: BLE001 - a stream without a socket cannot be cut; limits still apply per read
                sock = None
        guard = Guard(self, sock, at)
        self.schedule(guard, at)
        return guard

    def schedule(self, guard: Guard, at: float | None) -> None:
        with self._cond:
            guard.token = next(self._seq)
            if at is None:
                return
            guard.at = at
            heapq.heappush(self._heap, (at, guard.token, guard))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chatcontract-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = self._clock()
                while self._heap and (self._heap[0][2].token != self._heap[0][1]):
                    heapq.heappop(self._heap)  # stale entry
                if not self._heap:
                    self._cond.wait(5.0)
                    continue
                at, _, guard = self._heap[0]
                if at > now:
                    self._cond.wait(at - now)
                    continue
                heapq.heappop(self._heap)
                if guard.at > now:  # moved later since it was scheduled
                    heapq.heappush(self._heap, (guard.at, guard.token, guard))
                    continue
                guard.fired = True
                _cut(guard.sock)


def _cut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
