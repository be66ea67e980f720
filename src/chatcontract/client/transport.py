"""``ResilientTransport``: the client's policy inside any httpx-based SDK (the openai SDK too).

``openai.OpenAI(http_client=httpx2.Client(transport=ResilientTransport(...)), max_retries=0)``
sends every chat-completions request through the same engine as :class:`Client`: classified
attempts, retries within the deadline, budget, breaker, fallbacks (by rewriting the model, the
base URL or the key). A streamed answer is read up to its first content event before the
response is handed over (so a silent or broken stream is retried or failed over invisibly);
after that, the transport keeps checking every event and raises :class:`StreamBroken` when the
stream stalls or ends without a ``finish_reason`` — it never looks complete when it was cut.

When a call fails for good, the last HTTP error response is returned as it came (the SDK raises
its own error for it); without one, a :class:`TransportFailure` or :class:`TransportTimeout`
(httpx errors, so SDKs map them to connection/timeout errors) carries the :class:`CallFailed`.
Other requests pass through untouched. The openai SDK 3.x runs on ``httpx2`` but accepts a
legacy ``httpx2.Client`` as ``http_client`` and sends through it unchanged (tested).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client import legacy
from chatcontract.client.attempt import Outcome
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Send, Wait
from chatcontract.client.sender import event_stream, open_fresh
from chatcontract.client.sse import StreamChecker
from chatcontract.client.sync_stream import checked_stream
from chatcontract.client.transport_base import (
    CallBase,
    CheckedTailBase,
    StreamBroken,
    TransportConfig,
    TransportFailure,
    TransportTimeout,
    started_response,
)
from chatcontract.client.watchdog import Watchdog
from chatcontract.client.wire import received

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ResilientTransport", "StreamBroken", "TransportFailure", "TransportTimeout"]


class ResilientTransport(TransportConfig, httpx2.BaseTransport):
    """An httpx transport that applies a :class:`Policy` to chat-completions requests.

    Takes the keyword arguments of :class:`Client` (policy, fallbacks, profile, sink, names for
    records, clock, OTel providers) plus ``transport`` (the inner one; default
    ``httpx2.HTTPTransport()``) and ``sleep``.
    """

    def __init__(
        self,
        *,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **config: Unpack[EngineConfig],
    ) -> None:
        super().__init__(**config)
        self.inner = transport or httpx2.HTTPTransport()
        self.sleep = sleep
        self.watchdog = Watchdog(self.clock)

    def close(self) -> None:
        self.watchdog.close()
        self.inner.close()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if not isinstance(request, httpx2.Request):  # an httpx client (an SDK still on httpx)
            return legacy.handle(self._handle, request)
        return self._handle(request)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        doc = self.chat_doc(request, body)
        if doc is None:
            return self.inner.handle_request(request)
        return _Call(self, request, doc, body).run()


class _Call(CallBase):
    owner: ResilientTransport

    def run(self) -> httpx2.Response:
        for step in self.run_.steps():
            if isinstance(step, Wait):
                self.owner.sleep(step.seconds)
                continue
            ready = self._send(step)
            if ready is not None:
                return ready
        return self.final()

    def _send(self, step: Send) -> httpx2.Response | None:
        """One attempt; returns the response to hand over now (a started stream), else ``None``."""
        out, outgoing = self.begin_attempt(step)
        try:
            response = open_fresh(self.owner.inner.handle_request, outgoing, None)
        except httpx2.HTTPError as exc:
            self.failed(out, exc, streaming=self.stream)
            return None
        if received(out, response) and self.stream and event_stream(out):  # else read whole, as Client
            return self._start_stream(step, outgoing, response, out)
        try:
            body = response.read()
        except httpx2.HTTPError as exc:
            self.failed(out, exc, streaming=False)
            return None
        finally:
            response.close()
        self.buffered(response, out, body)
        return None

    def _start_stream(
        self, step: Send, outgoing: httpx2.Request, response: httpx2.Response, out: Outcome
    ) -> httpx2.Response | None:
        owner = self.owner
        checker = StreamChecker()
        # The decoded body (gzip, deflate, br): the checker reads SSE, not compressed bytes, and
        # the response handed over no longer claims an encoding (see ``started_response``).
        chunks = checked_stream(
            response.iter_bytes(), checker, out, step, watchdog=owner.watchdog, request=outgoing, response=response,
            clock=owner.clock, grace_s=owner.policy.post_finish_grace_s, want_usage=self.want_usage,
        )  # fmt: skip
        prefix: list[bytes] = []
        for data in chunks:
            prefix.append(data)
            if checker.first_content:
                tail = _CheckedTail(self, prefix, chunks, response, out=out, checker=checker)
                return started_response(response, tail)
        response.close()
        self.report(out)
        return None


class _CheckedTail(CheckedTailBase, httpx2.SyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    def __init__(
        self, call: _Call, prefix: list[bytes], chunks: Iterator[bytes], response: httpx2.Response, **kw: Any
    ) -> None:
        super().__init__(call, prefix, response, **kw)
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._prefix
        self._prefix = []
        for data in self._chunks:
            if not self.bad_event():  # the checker ends the stream right after a bad event
                yield data
        if self._claim():
            self._response.close()
            self._verdict()

    def close(self) -> None:
        if not self._claim():
            return
        self._closed_early()
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._response.close()
