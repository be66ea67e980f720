"""Send one request once and observe it: status, body, transport error, how a stream ended.

``repro`` needs every attempt on its own (the resilient client would retry inside one call and
hide attempts), so it sends raw :mod:`httpx` requests built by the probe's builders and reads
them here. Streams are checked with the client's SSE checker, so a cut stream is never
"complete".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx2

from chatcontract.client.sse import StreamChecker
from chatcontract.errors import UsageError
from chatcontract.taxonomy import StreamState, TransportError
from chatcontract.wire_errors import transport_kind

BODY_CAP_BYTES = 64 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Per-attempt limits, in seconds."""

    connect_s: float = 5.0
    read_s: float = 30.0
    stream_idle_s: float = 15.0

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if not 0 < value <= 600:
                raise UsageError(f"timeout {name} must be between 0 and 600 seconds, got {value:g}")

    def as_dict(self) -> dict[str, float]:
        return {
            "connect_s": self.connect_s,
            "read_s": self.read_s,
            "stream_idle_s": self.stream_idle_s,
        }


@dataclass
class Outcome:
    """What one attempt produced."""

    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    transport_error: TransportError | None = None
    stream_state: StreamState | None = None
    stream_problem: str | None = None
    content_delivered: bool = False
    finish_reason: str | None = None
    elapsed_ms: float = 0.0
    first_chunk_ms: float | None = None


def _transport_kind(exc: httpx2.TransportError, got_response: bool) -> TransportError:
    return transport_kind(exc, got_headers=got_response) or TransportError.CONNECT_ERROR


def send_once(client: httpx2.Client, request: httpx2.Request, timeouts: Timeouts) -> Outcome:
    """Send ``request`` once (no retry) and read the answer within ``timeouts``."""
    out = Outcome()
    started = time.perf_counter()
    try:
        response = client.send(request, stream=True)
    except httpx2.TransportError as exc:
        out.transport_error = _transport_kind(exc, got_response=False)
        out.elapsed_ms = (time.perf_counter() - started) * 1000
        return out
    try:
        out.status = response.status_code
        out.headers = list(response.headers.multi_items())
        is_stream = "text/event-stream" in response.headers.get("content-type", "")
        if is_stream and 200 <= response.status_code < 300:
            _read_stream(response, out, started)
        else:
            _read_body(response, out)
    finally:
        response.close()
        out.elapsed_ms = (time.perf_counter() - started) * 1000
    return out


def _read_body(response: httpx2.Response, out: Outcome) -> None:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_raw():
            if size < BODY_CAP_BYTES:
                chunks.append(chunk[: BODY_CAP_BYTES - size])
            size += len(chunk)
    except httpx2.TransportError as exc:
        out.transport_error = _transport_kind(exc, got_response=True)
    out.body = b"".join(chunks)


def _read_stream(response: httpx2.Response, out: Outcome, started: float) -> None:
    checker = StreamChecker()
    try:
        for chunk in response.iter_raw():
            if checker.feed(chunk) and out.first_chunk_ms is None:
                out.first_chunk_ms = (time.perf_counter() - started) * 1000
            if checker.settled(want_usage=False):
                break
        else:
            checker.eof()
    except httpx2.ReadTimeout:
        checker.stalled()
    except httpx2.TransportError:
        checker.eof()
    out.stream_state = checker.state
    out.stream_problem = checker.problem
    out.content_delivered = checker.first_content and bool(checker.parts)
    out.finish_reason = checker.finish_reason
    if checker.error_body is not None:
        out.body = checker.error_body[:BODY_CAP_BYTES]
