"""What the sync and async drivers share: request bodies, exception mapping, stream progress,
and the :class:`Completion` a successful call returns. No I/O here."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import httpx2

from chatcontract.client.attempt import Outcome, read_answer
from chatcontract.client.engine import Limits
from chatcontract.client.route import Route, Target
from chatcontract.client.sse import StreamChecker
from chatcontract.record import AttemptRecord, ParserOutcome
from chatcontract.taxonomy import StreamState, TransportError
from chatcontract.wire_errors import NOT_SENT, transport_kind

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Recorded(Protocol):
    """Where a :class:`Completion` reads its attempts (the call's run)."""

    @property
    def attempts(self) -> list[AttemptRecord]: ...


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole, checked answer. ``model`` is the model of the route that answered;
    ``response_model`` is what the provider said it was. ``attempts``: every attempt's record
    (the answering attempt's is made when first read, unless a sink or telemetry observed it)."""

    content: str | None
    model: str
    finish_reason: str | None
    usage: Mapping[str, Any] | None
    recorded: Recorded = field(repr=False, compare=False)
    route: Route
    requested_model: str
    response_id: str | None = None
    response_model: str | None = None
    message: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def attempts(self) -> list[AttemptRecord]:
        return self.recorded.attempts

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (and copied) with its records made, not with the call's run."""
        values = [getattr(self, f.name) for f in fields(self)]
        values[[f.name for f in fields(self)].index("recorded")] = Records(self.attempts)
        return (Completion, tuple(values))

    @property
    def provider_request_id(self) -> str | None:
        attempts = self.attempts
        return attempts[-1].provider_request_id if attempts else None

    @property
    def fell_back(self) -> bool:
        attempts = self.attempts
        return bool(attempts and attempts[-1].fallback_of)


class Records:
    """Attempt records already made (a :class:`Recorded` that is plain data)."""

    __slots__ = ("attempts",)

    def __init__(self, attempts: list[AttemptRecord]) -> None:
        self.attempts = attempts


class RequestMaker:
    """Builds each attempt's ``httpx2.Request`` from parts prepared once per route.

    Once per route, a template request is made the ordinary way (the client's default headers
    merged with the route's; httpx adds ``Host``); an attempt then copies its headers, sets its
    ``Content-Length`` and hands the body over as a ready stream, so httpx does not re-derive the
    same headers per call. httpcore reads per-attempt limits from the ``timeout`` extension.
    """

    def __init__(self, client_headers: httpx2.Headers) -> None:
        self._base = client_headers
        self._prepared: dict[int, tuple[Target, httpx2.Request]] = {}

    def build(self, target: Target, body: bytes, timeouts: dict[str, float]) -> httpx2.Request:
        prepared = self._prepared.get(id(target))
        if prepared is None or prepared[0] is not target:
            headers = httpx2.Headers(self._base)
            headers.update(target.headers)
            prepared = (target, httpx2.Request("POST", target.url, headers=headers, content=b""))
            self._prepared[id(target)] = prepared
        template = prepared[1]
        headers = httpx2.Headers(template.headers)
        headers["Content-Length"] = str(len(body))
        request = httpx2.Request(
            "POST", template.url, headers=headers, stream=httpx2.ByteStream(body), extensions={"timeout": timeouts}
        )
        request.read()
        return request


def header_dict(response: httpx2.Response) -> dict[str, str]:
    """Response headers as a plain dict with lower-case names (one pass, no re-decoding)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers.raw}


def received(out: Outcome, response: httpx2.Response) -> bool:
    """Note the status line and headers on ``out``; ``True`` for a 2xx (the body is an answer)."""
    status = out.status = response.status_code
    out.headers = header_dict(response)
    return 200 <= status < 300


def whole_body(out: Outcome, body: bytes) -> None:
    """A whole body was read: keep it, and parse the answer out of a 2xx."""
    out.body = body
    if out.status is not None and 200 <= out.status < 300:
        read_answer(out)


class Deltas:
    """Live text for a caller: what a stream's checker decoded since the caller last took some.

    Taking any text marks the attempt as delivered (a later break is then a partial answer).
    """

    __slots__ = ("_out", "_parts", "_seen")

    def __init__(self, checker: StreamChecker, out: Outcome) -> None:
        self._parts = checker.parts
        self._out = out
        self._seen = 0

    def take(self) -> list[str]:
        parts = self._parts
        seen = self._seen
        if len(parts) == seen:
            return []
        self._out.delivered = True
        self._seen = len(parts)
        return parts[seen:]


def request_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool,
    include_usage: bool,
    params: Mapping[str, Any],
) -> bytes:
    """The JSON body of one request to ``model`` (streams ask for usage when supported)."""
    doc: dict[str, Any] = {"model": model, "messages": messages, **params}
    if stream:
        doc["stream"] = True
        if include_usage and "stream_options" not in params:
            doc["stream_options"] = {"include_usage": True}
    return _dumps(doc).encode("utf-8")


def fail_transport(out: Outcome, exc: httpx2.HTTPError, *, streaming: bool) -> None:
    """Record a transport failure on ``out`` (the status stays what arrived, if anything)."""
    kind = transport_kind(exc, got_headers=out.status is not None, streaming=streaming) or TransportError.CONNECT_ERROR
    out.transport_error = kind
    out.sent = kind not in NOT_SENT
    out.problem = type(exc).__name__
    if out.status is not None:
        out.status = None  # a response that broke mid-body is no response
        out.headers = None


LATE_GAP_S = 1.0
"""The longest gap between data events once a stall would leave a fallback no room."""


class StreamLimits:
    """When a stream's current limit falls (engine-clock time); one rule for every driver.

    Until the first content event: the first-chunk limit, counted from the request (keep-alive
    comments and content-free events do not move it). Then the idle limit, counted from the last
    data event — a comment is not a chunk, so a server that only pings stalls all the same. After
    a ``finish_reason``: the short grace for the usage chunk or ``[DONE]``, counted the same way.
    Always capped by the call's deadline. While a fallback route remains (``step.stall_by``), a
    gap that runs past ``stall_by`` ends after at most :data:`LATE_GAP_S` (or the idle limit if
    shorter): a stall late in the call is seen while the fallback can still answer, and a stream
    that keeps flowing is never cut. Drivers call :meth:`update` after each read.
    """

    __slots__ = ("_events", "_grace_s", "_idle_s", "_out", "_stall_by", "at", "deadline")

    def __init__(self, out: Outcome, step: Limits, grace_s: float) -> None:
        self._out = out
        self._idle_s = step.idle_s
        self._grace_s = grace_s
        self._events = 0
        self._stall_by = step.stall_by
        self.deadline = step.deadline_at
        self.at = min(out.started + step.first_chunk_s, self.deadline)

    def update(self, checker: StreamChecker, now: float) -> float:
        """The limit after a read at ``now``: moved only when the read completed a data event
        once content has come (and the first content's time noted on the outcome)."""
        events = checker.chunks
        if events != self._events and checker.first_content:
            self._events = events
            if self._out.first_chunk_s is None:
                self._out.first_chunk_s = now - self._out.started
            span = self._idle_s if checker.state is None else self._grace_s
            at = min(now + span, self.deadline)
            if self._stall_by is not None and at > self._stall_by:
                at = min(at, max(self._stall_by, now + min(span, LATE_GAP_S)))
            self.at = at
        return self.at


def finish_stream(out: Outcome, checker: StreamChecker) -> None:
    """Copy a finished stream's checked state into the outcome."""
    out.stream_state = checker.state or StreamState.CUT
    out.finish_reason = checker.finish_reason
    out.response_model = checker.model
    out.response_id = checker.response_id
    out.usage = checker.usage
    out.problem = checker.problem if checker.state is not StreamState.COMPLETE else None
    if checker.state is StreamState.ERROR_EVENT and checker.error_body is not None:
        out.body = checker.error_body  # the classifier reads the class the error event names
    if checker.state is StreamState.COMPLETE:
        out.content = "".join(checker.parts)
        out.parser_outcome = ParserOutcome.OK if out.content else ParserOutcome.EMPTY_CONTENT
    elif checker.state is StreamState.MALFORMED:
        out.parser_outcome = ParserOutcome.INVALID_JSON
    elif checker.state is StreamState.STALLED:
        out.parser_outcome = ParserOutcome.TIMEOUT


def timed_out(checker: StreamChecker, out: Outcome, *, deadline_passed: bool) -> None:
    """A stream limit ran out: a stall once content came, else no first chunk in time (after a
    finish_reason only the grace ran out, and the stream stands as it finished)."""
    if checker.state is not None:
        return
    if checker.first_content:
        checker.stalled(deadline=deadline_passed)
    else:
        first_chunk_timeout(out)


def first_chunk_timeout(out: Outcome) -> None:
    """Headers came but no content event within the first-chunk limit."""
    out.status = None
    out.headers = None
    out.transport_error = TransportError.FIRST_CHUNK_TIMEOUT
    out.parser_outcome = ParserOutcome.TIMEOUT
    out.problem = "no content event within the first-chunk limit"


@functools.lru_cache(maxsize=256)
def _answered_route(model: str, base_url: str, credential_source: str | None) -> Route:
    """The route that answered, as a :class:`Completion` names it (routes are immutable, so one
    per route serves every call)."""
    return Route(model=model, base_url=base_url, credential_source=credential_source)


def completion(out: Outcome, target: Target, recorded: Recorded, requested_model: str) -> Completion:
    return Completion(
        content=out.content,
        model=target.model,
        finish_reason=out.finish_reason,
        usage=out.usage,
        recorded=recorded,
        route=_answered_route(target.model, target.base_url, target.credential_source),
        requested_model=requested_model,
        response_id=out.response_id,
        response_model=out.response_model,
        message=out.message,
    )
