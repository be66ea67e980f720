"""``ResilientTransport``: the client's policy inside any httpx-based SDK (the openai SDK too),
and the one synchronous loop ``Client`` runs its calls through.

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

As ``httpx2.Client`` sits on a transport, :class:`~chatcontract.client.Client` sits on this one:
its typed calls enter :meth:`ResilientTransport.drive`, the loop an SDK's requests run through
(a ``Client`` call skips only the re-parsing of its own request body).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

import httpx2

from chatcontract.client import legacy
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Wait
from chatcontract.client.sender import Sender, StreamRead
from chatcontract.client.transport_base import (
    CallBase,
    CheckedTailBase,
    SdkCall,
    StreamBroken,
    TransportConfig,
    TransportFailure,
    TransportTimeout,
)
from chatcontract.client.watchdog import Watchdog
from chatcontract.client.wire import fail_transport
from chatcontract.tls import default_context

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ResilientTransport", "StreamBroken", "TransportFailure", "TransportTimeout"]
R = TypeVar("R")


class ResilientTransport(TransportConfig, httpx2.BaseTransport):
    """An httpx transport that applies a :class:`Policy` to chat-completions requests.

    Takes the keyword arguments of :class:`Client` (policy, fallbacks, profile, sink, names for
    records, clock, OTel providers) plus ``transport`` (the inner one; default
    ``httpx2.HTTPTransport()`` with the process's shared TLS context) and ``sleep``.
    """

    def __init__(
        self,
        *,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **config: Unpack[EngineConfig],
    ) -> None:
        super().__init__(**config)
        self.inner = transport or httpx2.HTTPTransport(verify=default_context())
        self.sleep = sleep
        self.sender = Sender(self.inner.handle_request, clock=self.clock, grace_s=self.policy.post_finish_grace_s)

    @property
    def watchdog(self) -> Watchdog:
        return self.sender.watchdog

    def close(self) -> None:
        self.sender.close()
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
        return self.drive(SdkCall(self, request, doc, body))

    def drive(self, call: CallBase[R]) -> R:
        """The one synchronous loop: every attempt of ``call`` on the engine's steps, through the
        one single-attempt driver (:class:`Sender`), until the run stops or a stream starts."""
        run = call.run
        sender = self.sender
        for step in run.steps():
            if isinstance(step, Wait):
                self.sleep(step.seconds)
                continue
            out = run.start_attempt()
            request = call.outgoing(step)
            if not call.stream:
                call.answered(sender.attempt(request, out), out)
                continue
            got = sender.open_stream(request, step, out, want_usage=call.want_usage)
            if not isinstance(got, StreamRead):  # an error, a body that is no stream, no answer
                call.answered(got, out)
                continue
            tail = _start(call, got)
            if tail is not None:
                return call.started(tail)
            run.end_attempt(out)
        return call.final()


def _start(call: CallBase[R], got: StreamRead) -> _CheckedTail | None:
    """Read a stream up to its first content event and hand the rest over as a checked tail
    when ``call.handover``; else (or when it ends first) read it to its end and close it."""
    prefix: list[bytes] = []
    try:
        for data in got.chunks:
            prefix.append(data)
            if call.handover and got.checker.first_content:
                return _CheckedTail(call, prefix, got)
    except httpx2.HTTPError as exc:
        fail_transport(got.out, exc, streaming=True)
    except BaseException:
        got.close()
        raise
    got.close()
    return None


class _CheckedTail(CheckedTailBase, httpx2.SyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    read: StreamRead

    def __iter__(self) -> Iterator[bytes]:
        yield from self._prefix
        self._prefix = []
        for data in self.read.chunks:
            if not self.bad_event():  # the checker ends the stream right after a bad event
                yield data
        if self._claim():
            self.read.response.close()
            self._verdict()

    def close(self) -> None:
        if not self._claim():
            return
        self._closed_early()
        self.read.close()
