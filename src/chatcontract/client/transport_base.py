"""What the sync and async resilient transports share: configuration, targets, the exceptions,
the non-I/O half of one call (:class:`CallBase`: an SDK's request, or a ``Client`` call) and of
a started stream's checked tail (its verdict). The two transports only do I/O: one sync loop
and one async loop, which ``Client`` and ``AsyncClient`` run their calls through."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx2

from chatcontract.client.attempt import Outcome
from chatcontract.client.common import EngineConfig, EngineOwner
from chatcontract.client.engine import CallRun, Send, Stop
from chatcontract.client.errors import FAILURE_EXTENSION, CallFailed
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.client.sender import AsyncStreamRead, StreamRead
from chatcontract.client.wire import finish_stream
from chatcontract.record import FailureClass
from chatcontract.taxonomy import StreamState

if TYPE_CHECKING:
    from typing_extensions import Unpack

R = TypeVar("R")
_DROP = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})
_BAD_EVENT = frozenset({StreamState.MALFORMED, StreamState.ERROR_EVENT})
_TIMEOUT_CLASSES = frozenset({FailureClass.TIMEOUT, FailureClass.DEADLINE_EXCEEDED, FailureClass.STREAM_STALLED})


class TransportFailure(httpx2.TransportError):
    """A call failed without an HTTP error response to return; ``call_failed`` has the attempts."""

    def __init__(self, call_failed: CallFailed, *, request: httpx2.Request | None = None) -> None:
        super().__init__(str(call_failed), request=request)
        self.call_failed = call_failed


class TransportTimeout(httpx2.ReadTimeout):
    """A call timed out (no first chunk, silent route, deadline); ``call_failed`` says more."""

    def __init__(self, call_failed: CallFailed, *, request: httpx2.Request | None = None) -> None:
        super().__init__(str(call_failed), request=request)
        self.call_failed = call_failed


class StreamBroken(httpx2.RemoteProtocolError):
    """A stream that already delivered content stalled, was cut or carried an error."""

    def __init__(self, call_failed: CallFailed) -> None:
        super().__init__(str(call_failed))
        self.call_failed = call_failed


class TransportConfig(EngineOwner):
    """Policy, routes, records and the engine of one resilient transport (the keyword arguments
    of :class:`EngineOwner`)."""

    def __init__(self, **config: Unpack[EngineConfig]) -> None:
        super().__init__(**config)
        self._suffix = "/" + self.profile.chat_route

    def chat_doc(self, request: httpx2.Request, body: bytes) -> dict[str, Any] | None:
        """The JSON body of a chat-completions POST, or ``None``: pass the request through."""
        if request.method != "POST" or not request.url.path.rstrip("/").endswith(self._suffix):
            return None
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("model"), str):
            return None
        return doc

    def targets(self, request: httpx2.Request, model: str) -> tuple[Target, ...]:
        url = str(request.url.copy_with(query=None))
        base = url.rstrip("/")[: -len(self._suffix)]
        auth = request.headers.get(self.profile.assumptions.auth.value.header, "")
        key = auth.split(" ", 1)[1] if " " in auth else (auth or None)
        return tuple(
            resolve_target(
                i,
                route,
                model=model,
                base_url=base,
                api_key=key,
                credential_source=self.credential_source,
                profile=self.profile,
                max_request_chars=None,
            )
            for i, route in enumerate((Route(), *self.fallbacks))
        )


class CallBase(Generic[R]):
    """The non-I/O half of one call through a resilient transport's loop (``R``: what the
    caller gets). An SDK's request (:class:`SdkCall`) and a :class:`~chatcontract.client.Client`
    call (:class:`~chatcontract.client.base.ClientCall`) differ only here: how each attempt's
    request is made, what a read answer is kept as, and what the caller gets in the end."""

    run: CallRun
    stream: bool
    want_usage: bool
    handover: bool
    """A started stream is handed to the caller at its first content event (else it is read
    whole inside the loop, and a break after content is still retried)."""

    def outgoing(self, step: Send) -> httpx2.Request:
        """The request of one attempt."""
        raise NotImplementedError

    def answered(self, response: httpx2.Response | None, out: Outcome) -> None:
        """An attempt ended without a started stream (``response``: read whole; ``None``: the
        transport failed): report it (a subclass keeps what it hands over first)."""
        self.run.end_attempt(out)

    def final(self) -> R:
        """What the caller gets once the run stopped without a started stream."""
        raise NotImplementedError

    def started(self, tail: CheckedTailBase) -> R:
        """What the caller gets for a stream handed over at its first content (``tail``: the
        transport's checked tail)."""
        raise NotImplementedError


class SdkCall(CallBase[httpx2.Response]):
    """One chat-completions request an SDK sent through the transport."""

    def __init__(self, owner: TransportConfig, request: httpx2.Request, doc: dict[str, Any], body: bytes) -> None:
        self.owner = owner
        self.request = request
        self.doc = doc
        self.body = body
        self.stream = self.handover = bool(doc.get("stream"))
        options = doc.get("stream_options")
        self.want_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        raw_messages = doc.get("messages")
        messages: list[dict[str, Any]] = (
            [m for m in raw_messages if isinstance(m, dict)] if isinstance(raw_messages, list) else []
        )
        ctx = owner.record_context(messages, streaming=self.stream)
        self.run = owner.engine.begin(owner.targets(request, doc["model"]), ctx, messages=messages)
        self.last_response: httpx2.Response | None = None

    def give_up(self, error: CallFailed) -> httpx2.Response:
        """The last HTTP error response as it came (the SDK raises its own error for it), else an
        HTTP-library error carrying ``error``: a 2xx the classifier failed (not JSON, no choices, a
        broken stream) is never handed over as if it were an answer."""
        response = self.last_response
        if response is not None and not 200 <= response.status_code < 300:
            response.extensions[FAILURE_EXTENSION] = error  # failure_of(sdk_error) finds it
            return response
        last = error.last
        if last is not None and last.failure_class in _TIMEOUT_CLASSES:
            raise TransportTimeout(error, request=self.request) from error
        raise TransportFailure(error, request=self.request) from error

    def outgoing(self, step: Send) -> httpx2.Request:
        """The request of one attempt: the caller's, with the route's model, URL and key."""
        self.last_response = None
        target = step.target
        headers = httpx2.Headers(self.request.headers)
        if target.index and target.route.api_key is not None:
            auth = self.owner.profile.assumptions.auth.value
            headers[auth.header] = f"{auth.scheme} {target.route.api_key}".strip()
        same = target.model == self.doc["model"]
        body = self.body if same else json.dumps({**self.doc, "model": target.model}).encode()
        headers["content-length"] = str(len(body))
        if self.stream:
            headers["accept-encoding"] = "identity"
        extensions = {**self.request.extensions, "timeout": step.timeouts()}
        return httpx2.Request("POST", target.url, headers=headers, content=body, extensions=extensions)

    def answered(self, response: httpx2.Response | None, out: Outcome) -> None:
        """Keep a copy of a whole body to hand over (decoded), then report."""
        if response is not None:
            self.last_response = rebuilt(response, response.content)
        self.run.end_attempt(out)

    def final(self) -> httpx2.Response:
        stop = self.run.stopped
        if stop.error is not None:
            return self.give_up(stop.error)
        assert self.last_response is not None
        return self.last_response

    def started(self, tail: CheckedTailBase) -> httpx2.Response:
        """The response handed over: its headers, the checked tail as its stream."""
        assert isinstance(tail, httpx2.SyncByteStream | httpx2.AsyncByteStream)
        return started_response(tail.read.response, tail)


class CheckedTailBase:
    """The non-I/O half of a started stream's checked tail: settling the call once it ended,
    or was closed early (sync and async tails add only the reading and the closing)."""

    def __init__(self, call: CallBase[Any], prefix: list[bytes], read: StreamRead | AsyncStreamRead) -> None:
        self._call = call
        self._prefix = prefix
        self.read = read
        self.checker = read.checker
        self.out = read.out
        self._settled = False
        if self.bad_event():  # the chunk with the first content also broke the stream
            self._prefix = prefix[:-1]

    def bad_event(self) -> bool:
        """The last chunk read held an event the checker failed (not JSON, not a chunk, an
        error object): it is not passed on, so an SDK never parses it (it would raise its own
        decoding error, or an error without our attempts); the stream ends in StreamBroken."""
        return self.checker.state in _BAD_EVENT

    def _claim(self) -> bool:
        """``True`` the first time only: one verdict per stream."""
        if self._settled:
            return False
        self._settled = True
        return True

    def _verdict(self) -> None:
        """The stream ended: report it, and raise :class:`StreamBroken` when the call failed."""
        self.out.delivered = True
        run = self._call.run
        run.end_attempt(self.out)
        step = run.next_step()
        if isinstance(step, Stop) and step.error is not None:
            raise StreamBroken(step.error)

    def _closed_early(self) -> None:
        """The caller closed the stream: report it when its verdict is known, else abandon."""
        if self.checker.state is not None:  # finished or failed: the verdict is known
            finish_stream(self.out, self.checker)
            self.out.delivered = True
            self._call.run.end_attempt(self.out)
        else:
            self._call.run.abandon()


def started_response(
    response: httpx2.Response, stream: httpx2.SyncByteStream | httpx2.AsyncByteStream
) -> httpx2.Response:
    """The response handed over once a stream started: its headers, our checked stream. The
    stream is already decoded, so the encoding and length headers are dropped (an outer httpx
    client must not decode it twice)."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx2.Response(response.status_code, headers=headers, stream=stream, extensions=extensions)


def rebuilt(response: httpx2.Response, body: bytes | None) -> httpx2.Response:
    """A buffered copy of ``response`` whose body is already decoded."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx2.Response(response.status_code, headers=headers, content=body or b"", extensions=extensions)
