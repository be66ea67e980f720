"""Reading one SSE body synchronously under the stream limits (shared by Client and transport).

:func:`checked_stream` feeds every raw chunk to a :class:`StreamChecker` and yields it on. The
socket's read timeout is the idle gap; the watchdog cuts the socket at the first-chunk limit
(until the first content event), the post-finish grace and the call's deadline. When the
generator ends, ``out`` says how the stream ended; it never raises a transport error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import httpx

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Send
from chatcontract.client.sse import StreamChecker
from chatcontract.client.watchdog import Guard, Watchdog
from chatcontract.client.wire import finish_stream, timed_out


def checked_stream(
    raw: Iterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    step: Send,
    *,
    watchdog: Watchdog,
    request: httpx.Request,
    response: httpx.Response,
    clock: Callable[[], float],
    grace_s: float,
    want_usage: bool,
) -> Iterator[bytes]:
    """Arm ``step``'s limits on ``response`` now: the body's read timeout (the request's
    ``timeout`` extension) becomes the idle gap, the watchdog cuts at the first-chunk limit.
    Then :func:`_checked` reads."""
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        timeouts["read"] = step.idle_s
    at = min(out.started + step.first_chunk_s, step.deadline_at)
    guard = watchdog.arm(response.extensions.get("network_stream"), at)
    deadline = step.deadline_at
    return _checked(raw, checker, out, guard, clock=clock, deadline=deadline, grace_s=grace_s, want_usage=want_usage)


def _checked(
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

