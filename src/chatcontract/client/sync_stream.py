"""Reading one SSE body synchronously under the stream limits (shared by Client and transport).

:func:`checked_stream` feeds every raw chunk to a :class:`StreamChecker` and yields it on. The
socket's read timeout is the idle gap; the watchdog cuts the socket at the first-chunk limit
(until the first content event), the post-finish grace and the call's deadline. When the
generator ends, ``out`` says how the stream ended; it never raises a transport error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from chatcontract.client.attempt import Outcome
from chatcontract.client.sse import StreamChecker
from chatcontract.client.watchdog import Guard, Watchdog
from chatcontract.client.wire import finish_stream, timed_out


def arm(
    watchdog: Watchdog,
    timeouts: Any,
    network_stream: Any,
    out: Outcome,
    *,
    first_chunk_s: float,
    idle_s: float,
    deadline: float,
) -> Guard:
    """Switch the body's read timeout (the request's ``timeout`` extension) to the idle gap and
    arm the watchdog at the first-chunk limit."""
    if isinstance(timeouts, dict):
        timeouts["read"] = idle_s
    return watchdog.arm(network_stream, min(out.started + first_chunk_s, deadline))


def checked_stream(
    raw: Iterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    guard: Guard,
    *,
    clock: Callable[[], float],
    deadline: float,
    grace_s: float,
    want_usage: bool,
) -> Iterator[bytes]:
    """Yield ``raw`` chunks once checked; settle ``out`` when the stream ends, however it ends."""
    try:
        for data in raw:
            checker.feed(data)
            if out.first_chunk_s is None and checker.first_content:
                out.first_chunk_s = clock() - out.started
                guard.rearm(deadline)
            yield data
            if checker.state is not None:
                if checker.settled(want_usage):
                    break
                guard.rearm(min(clock() + grace_s, deadline))
        else:
            checker.eof()
    except httpx.TimeoutException:
        timed_out(checker, out, deadline_passed=clock() >= deadline)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        if guard.fired:
            timed_out(checker, out, deadline_passed=clock() >= deadline)
        else:
            checker.eof()
    finally:
        guard.disarm()
    if out.transport_error is None:
        finish_stream(out, checker)

