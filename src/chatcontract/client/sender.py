"""The one synchronous wire: send one attempt, read its body or stream, fill its :class:`Outcome`.

``Client``, the probe and ``repro`` send every attempt through a :class:`Sender`; they differ
only in their stop rules and budgets, never in how an attempt is sent, read, timed or
translated. A stream is read by the client's :class:`StreamChecker` under the first-chunk, idle
and deadline limits of the attempt's :class:`Send` step (the watchdog cuts a blocked read).

A transport error on a reused keep-alive connection before any response byte (the server closed
an idle connection as the request went out) is resent once at once: the pool drops the dead
connection, so the resend opens a fresh one. The request never reached the provider, so this
is not a retry; :attr:`Sender.resends` counts them and the observer hears of each.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx2

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
    """An httpcore ``trace`` hook that notes whether the attempt opened a new connection."""

    __slots__ = ("fresh", "inner")

    def __init__(self, inner: Callable[[str, dict[str, Any]], Any] | None) -> None:
        self.fresh = False
        self.inner = inner

    def __call__(self, name: str, info: dict[str, Any]) -> Any:
        if ".connect_" in name:
            self.fresh = True
        return None if self.inner is None else self.inner(name, info)


class AsyncConnectionWatch:
    """:class:`ConnectionWatch` for async transports (httpcore awaits an async ``trace`` hook)."""

    __slots__ = ("fresh", "inner")

    def __init__(self, inner: Callable[[str, dict[str, Any]], Awaitable[Any]] | None) -> None:
        self.fresh = False
        self.inner = inner

    async def __call__(self, name: str, info: dict[str, Any]) -> Any:
        if ".connect_" in name:
            self.fresh = True
        return None if self.inner is None else await self.inner(name, info)


def open_fresh(
    send: SendFn, request: httpx2.Request, on_resend: Callable[[httpx2.Request], None] | None
) -> httpx2.Response:
    """Send ``request`` and return once headers came; resend once at once when the attempt
    failed on a stale keep-alive connection before any response byte (see the module doc)."""
    watch = ConnectionWatch(request.extensions.get("trace"))
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
    watch = AsyncConnectionWatch(request.extensions.get("trace"))
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

    def attempt(self, request: httpx2.Request, out: Outcome) -> None:
        """One non-streaming attempt, read whole."""
        response: httpx2.Response | None = None
        try:
            response = self.open(request)
            received(out, response)
            whole_body(out, response.read())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
        finally:
            if response is not None:
                response.close()

    def stream_attempt(
        self, request: httpx2.Request, step: Limits, out: Outcome, *, live: bool, want_usage: bool, keep: bool = False
    ) -> Iterator[str]:
        """One streaming attempt; yields text deltas as they arrive when ``live``. ``keep``
        keeps the decoded event-stream bytes on ``out.body`` (capped) for an evidence reader."""
        try:
            response = self.open(request)
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            return
        try:
            if received(out, response) and event_stream(out):
                yield from self._read_stream(request, response, step, out, live=live, want_usage=want_usage, keep=keep)
            else:  # an error, or a 2xx that is no event stream: read whole, the classifier judges it
                whole_body(out, response.read())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
        finally:
            response.close()

    def _read_stream(
        self,
        request: httpx2.Request,
        response: httpx2.Response,
        step: Limits,
        out: Outcome,
        *,
        live: bool,
        want_usage: bool,
        keep: bool,
    ) -> Iterator[str]:
        checker = StreamChecker()
        deltas = Deltas(checker, out)
        kept: list[bytes] = []
        size = 0
        for data in checked_stream(
            response.iter_bytes(), checker, out, step, watchdog=self.watchdog, request=request, response=response,
            clock=self.clock, grace_s=self.grace_s, want_usage=want_usage, to_eof=keep,
        ):  # fmt: skip
            if keep and size < STREAM_BODY_CAP_BYTES:
                kept.append(data)
                size += len(data)
            if live:
                yield from deltas.take()
        if keep:
            out.body = b"".join(kept)
