"""Reading one SSE body synchronously under the stream limits (shared by Client and transport).

:func:`checked_stream` feeds every chunk of the (decoded) body to a :class:`StreamChecker` and
yields it on. :class:`StreamLimits` says when the current limit falls (first content, idle gap
since the last data event, post-finish grace, deadline); the watchdog cuts the socket then. The
socket's own read timeout is only a backstop (a keep-alive comment would reset it). When the
generator ends, ``out`` says how the stream ended; it never raises a transport error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import httpx2

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits
from chatcontract.client.sse import StreamChecker
from chatcontract.client.watchdog import Guard, Watchdog
from chatcontract.client.wire import StreamLimits, finish_stream, timed_out


def checked_stream(
    raw: Iterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    step: Limits,
    *,
    watchdog: Watchdog,
    request: httpx2.Request,
    response: httpx2.Response,
    clock: Callable[[], float],
    grace_s: float,
    want_usage: bool,
    to_eof: bool = False,
) -> Iterator[bytes]:
    """Arm ``step``'s limits on ``response`` now, then :func:`_checked` reads. The body's read
    timeout (the request's ``timeout`` extension) stays the idle gap when the watchdog cannot cut
    this stream's socket, else it is widened to stay outside the watchdog's limits."""
    limits = StreamLimits(out, step, grace_s)
    guard = watchdog.arm(response.extensions.get("network_stream"), limits.at)
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        timeouts["read"] = step.idle_s if guard.sock is None else max(step.first_chunk_s, step.idle_s) + 1.0
    return _checked(raw, checker, out, guard, limits, clock=clock, want_usage=want_usage, to_eof=to_eof)


def _checked(
    raw: Iterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    guard: Guard,
    limits: StreamLimits,
    *,
    clock: Callable[[], float],
    want_usage: bool,
    to_eof: bool,
) -> Iterator[bytes]:
    """Yield ``raw`` chunks once checked; settle ``out`` when the stream ends, however it ends
    (``to_eof``: read on after the answer settled, for an evidence reader, within the grace)."""
    deadline = limits.deadline
    try:
        for data in raw:
            checker.feed(data)
            guard.rearm(limits.update(checker, clock()))
            yield data
            if not to_eof and checker.state is not None and checker.settled(want_usage):
                break
        else:
            checker.eof()
    except httpx2.TimeoutException:
        timed_out(checker, out, deadline_passed=clock() >= deadline)
    except (httpx2.RemoteProtocolError, httpx2.ReadError):
        if guard.fired:
            timed_out(checker, out, deadline_passed=clock() >= deadline)
        else:
            checker.eof()
    except httpx2.DecodingError:
        checker.undecodable()
    finally:
        guard.disarm()
    if out.transport_error is None:
        finish_stream(out, checker)
