"""The one single-attempt driver: send one attempt, read its body or stream, fill its
:class:`Outcome` (:class:`Sender`; :class:`AsyncSender` on asyncio).

The resilient transports' loops (and so ``Client``, ``AsyncClient`` and an SDK on the
transport), the probe and ``repro`` send every attempt through one; they differ only in their
stop rules and budgets, never in how an attempt is sent, read, timed or translated. A stream
is read by the client's :class:`StreamChecker` under the first-chunk, idle and deadline limits
of the attempt's :class:`Send` step (the watchdog cuts a blocked read; on asyncio, per-read
timeouts).

A transport error on a reused keep-alive connection before any response byte (the server closed
an idle connection as the request went out) is resent once at once: the pool drops the dead
connection, so the resend opens a fresh one. The request never reached the provider, so this
is not a retry; :attr:`Sender.resends` counts them and the observer hears of each.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx2

from chatcontract.client.aio_stream import checked_astream
from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits
from chatcontract.client.sse import StreamChecker
from chatcontract.client.sync_stream import checked_stream
from chatcontract.client.watchdog import Watchdog
from chatcontract.client.wire import Deltas, fail_transport, received, whole_body
from chatcontract.taxonomy import TransportError
from chatcontract.wire_errors import transport_kind

SendFn = Callable[[httpx2.Request], httpx2.Response]
_STALE = frozenset({TransportError.RESET, TransportError.WRITE_ERROR})
STREAM_BODY_CAP_BYTES = 1024 * 1024


class ConnectionWatch:
    """An httpcore ``trace`` hook that notes whether the attempt opened a new connection.

    The first decisive event settles it: a ``connect_`` event (a new connection) or the request
    headers going out (no connect before them: a reused one). Then, unless it forwards to the
    caller's own hook, it takes itself off the request, so httpcore stops tracing the attempt
    (tracing every event costs time on every call)."""

    __slots__ = ("extensions", "fresh", "inner")

    def __init__(self, inner: Callable[[str, dict[str, Any]], Any] | None, extensions: dict[str, Any]) -> None:
        self.fresh = False
        self.inner = inner
        self.extensions = extensions

    def __call__(self, name: str, info: dict[str, Any]) -> Any:
        if ".connect_" in name:
            self.fresh = True
            _detach(self)
        elif ".send_request_headers." in name:
            _detach(self)
        return None if self.inner is None else self.inner(name, info)


class AsyncConnectionWatch:
    """:class:`ConnectionWatch` for async transports (httpcore awaits an async ``trace`` hook)."""

    __slots__ = ("extensions", "fresh", "inner")

    def __init__(
        self, inner: Callable[[str, dict[str, Any]], Awaitable[Any]] | None, extensions: dict[str, Any]
    ) -> None:
        self.fresh = False
        self.inner = inner
        self.extensions = extensions

    async def __call__(self, name: str, info: dict[str, Any]) -> Any:
        if ".connect_" in name:
            self.fresh = True
            _detach(self)
        elif ".send_request_headers." in name:
            _detach(self)
        return None if self.inner is None else await self.inner(name, info)


def _detach(watch: ConnectionWatch | AsyncConnectionWatch) -> None:
    if watch.inner is None and watch.extensions.get("trace") is watch:
        del watch.extensions["trace"]


def open_fresh(
    send: SendFn, request: httpx2.Request, on_resend: Callable[[httpx2.Request], None] | None
) -> httpx2.Response:
    """Send ``request`` and return once headers came; resend once at once when the attempt
    failed on a stale keep-alive connection before any response byte (see the module doc)."""
    watch = ConnectionWatch(request.extensions.get("trace"), request.extensions)
    request.extensions["trace"] = watch
    try:
        return send(request)
    except httpx2.HTTPError as exc:
        if not stale_connection(exc, watch):
            raise
    finally:
        _restore(request, watch.inner)
    if on_resend is not None:
        on_resend(request)
    return send(request)


async def aopen_fresh(
    send: Callable[[httpx2.Request], Awaitable[httpx2.Response]],
    request: httpx2.Request,
    on_resend: Callable[[httpx2.Request], None] | None,
) -> httpx2.Response:
    """:func:`open_fresh` for async transports and clients."""
    watch = AsyncConnectionWatch(request.extensions.get("trace"), request.extensions)
    request.extensions["trace"] = watch
    try:
        return await send(request)
    except httpx2.HTTPError as exc:
        if not stale_connection(exc, watch):
            raise
    finally:
        _restore(request, watch.inner)
    if on_resend is not None:
        on_resend(request)
    return await send(request)


def _restore(request: httpx2.Request, inner: object) -> None:
    if inner is None:
        request.extensions.pop("trace", None)
    else:
        request.extensions["trace"] = inner


def stale_connection(exc: BaseException, watch: ConnectionWatch | AsyncConnectionWatch) -> bool:
    """A reset or write failure, before any response byte, on a connection this attempt reused."""
    return not watch.fresh and transport_kind(exc) in _STALE


def event_stream(out: Outcome) -> bool:
    """A 2xx that says it is an event stream, or says nothing (then the checker judges it)."""
    kind = (out.headers or {}).get("content-type")
    return kind is None or "event-stream" in kind


class StreamRead:
    """A started 2xx event stream: its response, its checker and its checked chunks (see
    :func:`~chatcontract.client.sync_stream.checked_stream`); the reader closes it."""

    __slots__ = ("checker", "chunks", "out", "response")

    def __init__(
        self, response: httpx2.Response, checker: StreamChecker, out: Outcome, chunks: Iterator[bytes]
    ) -> None:
        self.response = response
        self.checker = checker
        self.out = out
        self.chunks = chunks

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()
        self.response.close()


class AsyncStreamRead:
    """:class:`StreamRead` on asyncio."""

    __slots__ = ("checker", "chunks", "out", "response")

    def __init__(
        self, response: httpx2.Response, checker: StreamChecker, out: Outcome, chunks: AsyncIterator[bytes]
    ) -> None:
        self.response = response
        self.checker = checker
        self.out = out
        self.chunks = chunks

    async def aclose(self) -> None:
        close = getattr(self.chunks, "aclose", None)
        if close is not None:
            await close()
        await self.response.aclose()


class Sender:
    """Sends single attempts through ``send`` (a transport's ``handle_request`` or a client's
    ``send(..., stream=True)``); ``clock`` is the engine's."""

    def __init__(
        self,
        send: SendFn,
        *,
        clock: Callable[[], float] = time.monotonic,
        grace_s: float = 0.5,
        on_resend: Callable[[httpx2.Request], None] | None = None,
    ) -> None:
        self._send = send
        self.clock = clock
        self.grace_s = grace_s
        self.watchdog = Watchdog(clock)
        self.on_resend = on_resend
        self.resends = 0

    def close(self) -> None:
        self.watchdog.close()

    def open(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` and return once headers came; resend once on a stale connection."""
        return open_fresh(self._send, request, self._resent)

    def _resent(self, request: httpx2.Request) -> None:
        self.resends += 1
        if self.on_resend is not None:
            self.on_resend(request)

    def attempt(self, request: httpx2.Request, out: Outcome) -> httpx2.Response | None:
        """One non-streaming attempt, read whole; returns the (closed, read) response, or
        ``None`` when the transport failed (``out`` says how)."""
        response: httpx2.Response | None = None
        try:
            response = self.open(request)
            received(out, response)
            whole_body(out, response.read())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
            return None
        finally:
            if response is not None:
                response.close()
        return response

    def open_stream(
        self, request: httpx2.Request, step: Limits, out: Outcome, *, want_usage: bool, to_eof: bool = False
    ) -> StreamRead | httpx2.Response | None:
        """Send a streaming attempt. A 2xx event stream comes back as a :class:`StreamRead` to
        read (under ``step``'s limits) and close; any other answer is read whole and comes back
        closed, for the classifier to judge; ``None`` when the transport failed."""
        try:
            response = self.open(request)
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            return None
        try:
            if received(out, response) and event_stream(out):
                checker = StreamChecker()
                chunks = checked_stream(
                    response.iter_bytes(), checker, out, step, watchdog=self.watchdog, request=request,
                    response=response, clock=self.clock, grace_s=self.grace_s, want_usage=want_usage, to_eof=to_eof,
                )  # fmt: skip
                return StreamRead(response, checker, out, chunks)
            whole_body(out, response.read())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            response.close()
            return None
        response.close()
        return response

    def stream_attempt(
        self, request: httpx2.Request, step: Limits, out: Outcome, *, live: bool, want_usage: bool, keep: bool = False
    ) -> Iterator[str]:
        """One streaming attempt read to its end; yields text deltas as they arrive when
        ``live``. ``keep`` keeps the decoded event-stream bytes on ``out.body`` (capped) for an
        evidence reader."""
        read = self.open_stream(request, step, out, want_usage=want_usage, to_eof=keep)
        if not isinstance(read, StreamRead):
            return
        deltas = Deltas(read.checker, out)
        kept: list[bytes] = []
        size = 0
        try:
            for data in read.chunks:
                if keep and size < STREAM_BODY_CAP_BYTES:
                    kept.append(data)
                    size += len(data)
                if live:
                    yield from deltas.take()
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
        finally:
            read.close()
        if keep:
            out.body = b"".join(kept)


class AsyncSender:
    """:class:`Sender` on asyncio: the one async single-attempt driver. Stream limits are
    per-read asyncio timeouts (see :mod:`~chatcontract.client.aio_stream`)."""

    def __init__(
        self,
        send: Callable[[httpx2.Request], Awaitable[httpx2.Response]],
        *,
        clock: Callable[[], float] = time.monotonic,
        grace_s: float = 0.5,
        on_resend: Callable[[httpx2.Request], None] | None = None,
    ) -> None:
        self._send = send
        self.clock = clock
        self.grace_s = grace_s
        self.on_resend = on_resend
        self.resends = 0

    def _resent(self, request: httpx2.Request) -> None:
        self.resends += 1
        if self.on_resend is not None:
            self.on_resend(request)

    async def attempt(self, request: httpx2.Request, out: Outcome) -> httpx2.Response | None:
        """:meth:`Sender.attempt`."""
        response: httpx2.Response | None = None
        try:
            response = await aopen_fresh(self._send, request, self._resent)
            received(out, response)
            whole_body(out, await response.aread())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
            return None
        finally:
            if response is not None:
                await response.aclose()
        return response

    async def open_stream(
        self, request: httpx2.Request, step: Limits, out: Outcome, *, want_usage: bool
    ) -> AsyncStreamRead | httpx2.Response | None:
        """:meth:`Sender.open_stream`."""
        try:
            response = await aopen_fresh(self._send, request, self._resent)
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            return None
        try:
            if received(out, response) and event_stream(out):
                checker = StreamChecker()
                chunks = checked_astream(
                    response.aiter_bytes(), checker, out, step, request=request, clock=self.clock,
                    grace_s=self.grace_s, want_usage=want_usage,
                )  # fmt: skip
                return AsyncStreamRead(response, checker, out, chunks)
            whole_body(out, await response.aread())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            await response.aclose()
            return None
        await response.aclose()
        return response
