"""``ResilientTransport``: the client's policy inside any httpx-based SDK (the openai SDK too).

``openai.OpenAI(http_client=httpx.Client(transport=ResilientTransport(...)), max_retries=0)``
sends every chat-completions request through the same engine as :class:`Client`: classified
attempts, retries within the deadline, budget, breaker, fallbacks (by rewriting the model, the
base URL or the key). A streamed answer is read up to its first content event before the
response is handed over (so a silent or broken stream is retried or failed over invisibly);
after that, the transport keeps checking every event and raises :class:`StreamBroken` when the
stream stalls or ends without a ``finish_reason`` — it never looks complete when it was cut.

When a call fails for good, the last HTTP error response is returned as it came (the SDK raises
its own error for it); without one, a :class:`TransportFailure` or :class:`TransportTimeout`
(httpx errors, so SDKs map them to connection/timeout errors) carries the :class:`CallFailed`.
Other requests pass through untouched.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from chatcontract.client.attempt import Outcome, RecordContext, read_answer
from chatcontract.client.engine import Engine, Send, Stop, Wait
from chatcontract.client.errors import CallFailed
from chatcontract.client.otel import Telemetry
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.client.sse import StreamChecker
from chatcontract.client.sync_stream import arm, checked_stream
from chatcontract.client.watchdog import Watchdog
from chatcontract.client.wire import fail_transport, finish_stream, header_dict
from chatcontract.contract.profile import Profile, load_profile
from chatcontract.record import AttemptRecord, utc_now
from chatcontract.sinks import RecordSink
from chatcontract.taxonomy import TransportError

_DROP = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


class TransportFailure(httpx.TransportError):
    """A call failed without an HTTP error response to return; ``call_failed`` has the attempts."""

    def __init__(self, call_failed: CallFailed, *, request: httpx.Request | None = None) -> None:
        super().__init__(str(call_failed), request=request)
        self.call_failed = call_failed


class TransportTimeout(httpx.ReadTimeout):
    """A call timed out (no first chunk, silent route, deadline); ``call_failed`` says more."""

    def __init__(self, call_failed: CallFailed, *, request: httpx.Request | None = None) -> None:
        super().__init__(str(call_failed), request=request)
        self.call_failed = call_failed


class StreamBroken(httpx.RemoteProtocolError):
    """A stream that already delivered content stalled, was cut or carried an error."""

    def __init__(self, call_failed: CallFailed) -> None:
        super().__init__(str(call_failed))
        self.call_failed = call_failed


class ResilientTransport(httpx.BaseTransport):
    """An httpx transport that applies a :class:`Policy` to chat-completions requests."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        fallbacks: Sequence[Route] = (),
        profile: str | Path | Profile = "cometapi",
        sink: RecordSink | None = None,
        transport: httpx.BaseTransport | None = None,
        credential_source: str | None = None,
        service: str | None = None,
        deployment: str | None = None,
        run_id: str | None = None,
        incident_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        tracer_provider: Any = None,
        meter_provider: Any = None,
    ) -> None:
        self.policy = policy or Policy()
        self.fallbacks = tuple(fallbacks)
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.sink = sink
        self._inner = transport or httpx.HTTPTransport()
        self._ctx = {
            "service": service,
            "deployment": deployment,
            "run_id": run_id,
            "incident_id": incident_id,
        }
        self._credential_source = credential_source
        self._clock = clock
        self._telemetry = Telemetry(tracer_provider, meter_provider)
        self._sleep = sleep
        self.engine = Engine(self.policy, clock=clock, on_record=self._on_record)
        self._watchdog = Watchdog(clock)
        self._suffix = "/" + self.profile.chat_route

    def _on_record(self, record: AttemptRecord) -> None:
        if self.sink is not None:
            self.sink.append(record)
        self._telemetry.emit(record)

    def close(self) -> None:
        self._watchdog.close()
        self._inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not request.url.path.rstrip("/").endswith(self._suffix):
            return self._inner.handle_request(request)
        body = request.read()
        try:
            doc = json.loads(body)
        except ValueError:
            return self._inner.handle_request(request)
        if not isinstance(doc, dict) or not isinstance(doc.get("model"), str):
            return self._inner.handle_request(request)
        return _Call(self, request, doc, body).run()

    def targets(self, request: httpx.Request, model: str) -> tuple[Target, ...]:
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
                credential_source=self._credential_source,
                profile=self.profile,
                max_request_chars=None,
            )
            for i, route in enumerate((Route(), *self.fallbacks))
        )


class _Call:
    """One chat-completions request through the engine."""

    def __init__(self, owner: ResilientTransport, request: httpx.Request, doc: dict[str, Any], body: bytes) -> None:
        self.owner = owner
        self.request = request
        self.doc = doc
        self.body = body
        self.stream = bool(doc.get("stream"))
        options = doc.get("stream_options")
        self.want_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        raw_messages = doc.get("messages")
        messages: list[dict[str, Any]] = (
            [m for m in raw_messages if isinstance(m, dict)] if isinstance(raw_messages, list) else []
        )
        ctx = RecordContext(
            request_id=uuid.uuid4().hex,
            request_class="chat-stream" if self.stream else "chat-completion",
            streaming=self.stream,
            messages=messages,
            **owner._ctx,
        )
        self.run_ = owner.engine.begin(owner.targets(request, doc["model"]), ctx, messages=messages)
        self.last_response: httpx.Response | None = None
        self.last_exc: httpx.HTTPError | None = None

    def run(self) -> httpx.Response:
        run = self.run_
        while True:
            step = run.next_step()
            if isinstance(step, Send):
                ready = self._send(step)
                if ready is not None:
                    return ready
            elif isinstance(step, Wait):
                self.owner._sleep(step.seconds)
            elif step.error is not None:
                return self._give_up(step.error)
            else:
                assert self.last_response is not None
                return self.last_response

    def _give_up(self, error: CallFailed) -> httpx.Response:
        if self.last_response is not None:
            return self.last_response
        last = error.last
        timed_out = (
            last is not None
            and last.failure_class is not None
            and last.failure_class.value in ("timeout", "deadline_exceeded", "stream_stalled")
        )
        if timed_out:
            raise TransportTimeout(error, request=self.request) from error
        raise TransportFailure(error, request=self.request) from error

    def _outgoing(self, step: Send) -> httpx.Request:
        target = step.target
        headers = httpx.Headers(self.request.headers)
        if target.index and target.route.api_key is not None:
            auth = self.owner.profile.assumptions.auth.value
            headers[auth.header] = f"{auth.scheme} {target.route.api_key}".strip()
        body = (
            self.body if target.model == self.doc["model"] else json.dumps({**self.doc, "model": target.model}).encode()
        )
        headers["content-length"] = str(len(body))
        if self.stream:
            headers["accept-encoding"] = "identity"
        timeouts = {
            "connect": step.connect_s,
            "read": step.first_chunk_s,
            "write": step.first_chunk_s,
            "pool": step.connect_s,
        }
        extensions = {**self.request.extensions, "timeout": timeouts}
        return httpx.Request("POST", target.url, headers=headers, content=body, extensions=extensions)

    def _send(self, step: Send) -> httpx.Response | None:
        """One attempt; returns the response to hand over now (a started stream), else ``None``."""
        clock = self.owner._clock
        out = Outcome(started=clock(), wall=utc_now())
        self.last_response = None
        outgoing = self._outgoing(step)
        try:
            response = self.owner._inner.handle_request(outgoing)
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=self.stream)
            self.last_exc = exc
            self._report(out)
            return None
        out.status, out.headers = response.status_code, header_dict(response)
        if not self.stream or not 200 <= response.status_code < 300:
            try:
                out.body = response.read()
            except httpx.HTTPError as exc:
                fail_transport(out, exc, streaming=False)
                self._report(out)
                return None
            finally:
                response.close()
            if 200 <= response.status_code < 300:
                read_answer(out)
            self.last_response = _rebuilt(response, out.body)
            self._report(out)
            return None
        return self._start_stream(step, outgoing, response, out)

    def _report(self, out: Outcome) -> None:
        out.elapsed_s = self.owner._clock() - out.started
        self.run_.report(out)

    def _start_stream(
        self, step: Send, outgoing: httpx.Request, response: httpx.Response, out: Outcome
    ) -> httpx.Response | None:
        owner = self.owner
        guard = arm(
            owner._watchdog,
            outgoing.extensions["timeout"],
            response.extensions.get("network_stream"),
            out,
            first_chunk_s=step.first_chunk_s,
            idle_s=step.idle_s,
            deadline=step.deadline_at,
        )
        checker = StreamChecker()
        raw = response.stream
        assert isinstance(raw, httpx.SyncByteStream)
        chunks = checked_stream(
            raw,
            checker,
            out,
            guard,
            clock=owner._clock,
            deadline=step.deadline_at,
            grace_s=owner.policy.post_finish_grace_s,
            want_usage=self.want_usage,
        )
        prefix: list[bytes] = []
        for data in chunks:
            prefix.append(data)
            if checker.first_content:
                tail = _CheckedTail(self, prefix, chunks, response, out=out, checker=checker)
                headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
                return httpx.Response(
                    response.status_code,
                    headers=headers,
                    stream=tail,
                    extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
                )
        response.close()
        if out.transport_error is TransportError.FIRST_CHUNK_TIMEOUT:
            self.last_exc = httpx.ReadTimeout("no content event within the first-chunk limit")
        self._report(out)
        return None


class _CheckedTail(httpx.SyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    def __init__(
        self,
        call: _Call,
        prefix: list[bytes],
        chunks: Iterator[bytes],
        response: httpx.Response,
        *,
        out: Outcome,
        checker: StreamChecker,
    ) -> None:
        self._checker = checker
        self._call = call
        self._prefix = prefix
        self._chunks = chunks
        self._response = response
        self._out = out
        self._settled = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self._prefix
        self._prefix = []
        yield from self._chunks
        self._settle()

    def _settle(self) -> None:
        if self._settled:
            return
        self._settled = True
        out = self._out
        self._response.close()
        out.delivered = True
        self._call._report(out)
        step = self._call.run_.next_step()
        if isinstance(step, Stop) and step.error is not None:
            raise StreamBroken(step.error)

    def close(self) -> None:
        if not self._settled:
            self._settled = True
            if self._checker.state is not None:  # finished or failed: the verdict is known
                finish_stream(self._out, self._checker)
                self._out.delivered = True
                self._call._report(self._out)
            else:
                self._call.run_.abandon()
            getattr(self._chunks, "close", lambda: None)()
            self._response.close()


def _rebuilt(response: httpx.Response, body: bytes | None) -> httpx.Response:
    """A buffered copy of ``response`` whose body is already decoded."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx.Response(response.status_code, headers=headers, content=body or b"", extensions=extensions)
