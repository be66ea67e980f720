"""Reading one SSE body on asyncio under the stream limits (shared by AsyncClient and transport).

Each read runs under its own ``asyncio.timeout`` (never spanning a yield to the caller) at the
time :class:`StreamLimits` names: until the first content event the first-chunk limit, then the
idle gap since the last data event (comments do not count), after a finish_reason the short
grace, always capped by the call's deadline. When the generator ends, ``out`` says how the
stream ended; it never raises a transport error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable

import httpx2

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits
from chatcontract.client.sse import StreamChecker
from chatcontract.client.wire import StreamLimits, finish_stream, timed_out


def checked_astream(
    raw: AsyncIterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    step: Limits,
    *,
    request: httpx2.Request,
    clock: Callable[[], float],
    grace_s: float,
    want_usage: bool,
) -> AsyncIterator[bytes]:
    """Let the per-read asyncio limits of ``step`` govern the body (httpx's own read limit, the
    request's ``timeout`` extension, is widened to stay outside them); :func:`_checked` reads."""
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        timeouts["read"] = max(step.first_chunk_s, step.idle_s) + 1.0
    return _checked(raw, checker, out, StreamLimits(out, step, grace_s), clock=clock, want_usage=want_usage)


async def _checked(
    raw: AsyncIterable[bytes],
    checker: StreamChecker,
    out: Outcome,
    limits: StreamLimits,
    *,
    clock: Callable[[], float],
    want_usage: bool,
) -> AsyncIterator[bytes]:
    """Yield ``raw`` chunks once checked; settle ``out`` when the stream ends, however it ends."""
    loop = asyncio.get_running_loop()
    offset = loop.time() - clock()  # engine clock -> loop clock
    end = limits.deadline + offset
    limit = limits.at + offset
    chunks = aiter(raw)
    try:
        while True:
            async with asyncio.timeout_at(limit):
                data = await anext(chunks, None)
            if data is None:
                checker.eof()
                break
            checker.feed(data)
            limit = limits.update(checker, clock()) + offset
            yield data
            if checker.state is not None and checker.settled(want_usage):
                break
    except (TimeoutError, httpx2.TimeoutException):
        timed_out(checker, out, deadline_passed=loop.time() >= end)
    except (httpx2.RemoteProtocolError, httpx2.ReadError):
        checker.eof()
    except httpx2.DecodingError:
        checker.undecodable()
    if out.transport_error is None:
        finish_stream(out, checker)
