"""What the sync and async resilient transports share: configuration, targets, the exceptions,
and the non-I/O half of one call (outgoing requests, giving up, buffered responses)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from chatcontract.client.attempt import Outcome, RecordContext, read_answer
from chatcontract.client.engine import Engine, Send
from chatcontract.client.errors import CallFailed
from chatcontract.client.otel import Telemetry
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.contract.profile import Profile, load_profile
from chatcontract.record import AttemptRecord, FailureClass
from chatcontract.sinks import RecordSink

_DROP = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})
_TIMEOUT_CLASSES = frozenset({FailureClass.TIMEOUT, FailureClass.DEADLINE_EXCEEDED, FailureClass.STREAM_STALLED})


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


class TransportConfig:
    """Policy, routes, records and the engine of one resilient transport."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        fallbacks: Sequence[Route] = (),
        profile: str | Path | Profile = "cometapi",
        sink: RecordSink | None = None,
        credential_source: str | None = None,
        service: str | None = None,
        deployment: str | None = None,
        run_id: str | None = None,
        incident_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        tracer_provider: Any = None,
        meter_provider: Any = None,
    ) -> None:
        self.policy = policy or Policy()
        self.fallbacks = tuple(fallbacks)
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.sink = sink
        self.ctx = {"service": service, "deployment": deployment, "run_id": run_id, "incident_id": incident_id}
        self.credential_source = credential_source
        self.clock = clock
        self._telemetry = Telemetry(tracer_provider, meter_provider)
        self.engine = Engine(self.policy, clock=clock, on_record=self._on_record)
        self._suffix = "/" + self.profile.chat_route

    def _on_record(self, record: AttemptRecord) -> None:
        if self.sink is not None:
            self.sink.append(record)
        self._telemetry.emit(record)

    def chat_doc(self, request: httpx.Request, body: bytes) -> dict[str, Any] | None:
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
                credential_source=self.credential_source,
                profile=self.profile,
                max_request_chars=None,
            )
            for i, route in enumerate((Route(), *self.fallbacks))
        )


class CallBase:
    """The non-I/O half of one chat-completions request through the engine."""

    def __init__(self, owner: TransportConfig, request: httpx.Request, doc: dict[str, Any], body: bytes) -> None:
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
            **owner.ctx,
        )
        self.run_ = owner.engine.begin(owner.targets(request, doc["model"]), ctx, messages=messages)
        self.last_response: httpx.Response | None = None

    def give_up(self, error: CallFailed) -> httpx.Response:
        """The last HTTP error response as it came, else an httpx error carrying ``error``."""
        if self.last_response is not None:
            return self.last_response
        last = error.last
        if last is not None and last.failure_class in _TIMEOUT_CLASSES:
            raise TransportTimeout(error, request=self.request) from error
        raise TransportFailure(error, request=self.request) from error

    def outgoing(self, step: Send) -> httpx.Request:
        """The request of one attempt: the caller's, with the route's model, URL and key."""
        target = step.target
        headers = httpx.Headers(self.request.headers)
        if target.index and target.route.api_key is not None:
            auth = self.owner.profile.assumptions.auth.value
            headers[auth.header] = f"{auth.scheme} {target.route.api_key}".strip()
        same = target.model == self.doc["model"]
        body = self.body if same else json.dumps({**self.doc, "model": target.model}).encode()
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

    def report(self, out: Outcome) -> None:
        out.elapsed_s = self.owner.clock() - out.started
        self.run_.report(out)

    def buffered(self, response: httpx.Response, out: Outcome) -> None:
        """A whole (non-stream or error) body was read: keep a copy to hand over, then report."""
        if out.status is not None and 200 <= out.status < 300:
            read_answer(out)
        self.last_response = rebuilt(response, out.body)
        self.report(out)


def started_response(response: httpx.Response, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> httpx.Response:
    """The response handed over once a stream started: its headers, our checked stream."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx.Response(response.status_code, headers=headers, stream=stream, extensions=extensions)


def rebuilt(response: httpx.Response, body: bytes | None) -> httpx.Response:
    """A buffered copy of ``response`` whose body is already decoded."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROP]
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx.Response(response.status_code, headers=headers, content=body or b"", extensions=extensions)
