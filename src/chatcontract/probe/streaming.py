"""Reading one streamed answer as the probe sees it: every event, checked.

:func:`read_stream` sends a streaming request through the case context (budgeted) on the one
wire (the client's stream checker, limits and exception translation) and returns the
:class:`Exchange` plus a :class:`StreamReport`:
how many events parsed, which did not, when the first content arrived, the ``finish_reason``,
the usage chunk, whether ``[DONE]`` arrived, and the :class:`StreamState` the stream ended in.
A non-2xx answer is read whole so the classifier sees its error body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

from chatcontract.observation import sse_payloads
from chatcontract.probe.context import CaseContext, Exchange
from chatcontract.redact import shape_of_body
from chatcontract.taxonomy import StreamState, TransportError


@dataclass
class StreamReport:
    events: int = 0
    malformed: int = 0
    error_event: dict[str, Any] | None = None
    first_chunk_ms: float | None = None
    content_chars: int = 0
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    done: bool = False
    after_done: int = 0
    stalled: bool = False
    content_type: str = ""
    problems: list[str] = field(default_factory=list)
    text: str = ""  # the content deltas joined (up to TEXT_LIMIT chars), for self-checking answers
    chunk_ids: list[str] = field(default_factory=list)  # distinct chunk ``id`` values, in order
    checked: StreamState | None = None  # how the wire's stream checker saw the stream end
    chunks: list[Any] = field(default_factory=list)  # sanitized shapes of the first and the closing chunks

    @property
    def fixture(self) -> list[Any] | None:
        """The stream's sanitized chunk shapes (``fixtures/stream.chunks.jsonl``), None when none parsed."""
        return list(self.chunks) or None

    @property
    def state(self) -> StreamState:
        if self.checked is not None:
            return self.checked
        if self.error_event is not None:
            return StreamState.ERROR_EVENT
        if self.malformed:
            return StreamState.MALFORMED
        if self.finish_reason is not None:
            return StreamState.COMPLETE
        return StreamState.STALLED if self.stalled else StreamState.CUT


TEXT_LIMIT = 1 << 20
FIRST_CHUNKS = 4  # kept as the fixture, with every chunk carrying a finish_reason or usage
MAX_CHUNKS = 16


def _keep_chunk(report: StreamReport, doc: dict[str, Any]) -> None:
    choices = doc.get("choices")
    closing = isinstance(doc.get("usage"), dict) or (
        isinstance(choices, list) and any(isinstance(c, dict) and c.get("finish_reason") for c in choices)
    )
    if len(report.chunks) < MAX_CHUNKS and (report.events <= FIRST_CHUNKS or closing):
        report.chunks.append(shape_of_body(doc))


def _take_event(report: StreamReport, payload: str, started_ms: float) -> None:
    """Account for one ``data:`` payload."""
    if report.done:
        report.after_done += 1
        return
    if payload.strip() == "[DONE]":
        report.done = True
        return
    report.events += 1
    try:
        doc = json.loads(payload)
    except ValueError:
        report.malformed += 1
        return
    if not isinstance(doc, dict):
        report.malformed += 1
        return
    if isinstance(doc.get("error"), dict | str):
        report.error_event = doc
        return
    _keep_chunk(report, doc)
    report.model = report.model or (doc.get("model") if isinstance(doc.get("model"), str) else None)
    if isinstance(doc.get("id"), str) and doc["id"] not in report.chunk_ids[-1:] and len(report.chunk_ids) < 16:
        report.chunk_ids.append(doc["id"])
    if isinstance(doc.get("usage"), dict):
        report.usage = doc["usage"]
    choices = doc.get("choices")
    if not isinstance(choices, list):
        report.problems.append("a chunk without a choices list")
        return
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            if report.first_chunk_ms is None:
                report.first_chunk_ms = started_ms
            report.content_chars += len(content)
            if len(report.text) < TEXT_LIMIT:
                report.text += content[: TEXT_LIMIT - len(report.text)]
        if choice.get("finish_reason") is not None:
            report.finish_reason = str(choice["finish_reason"])


def read_stream(ctx: CaseContext, request: httpx2.Request) -> tuple[Exchange, StreamReport]:
    """Send ``request`` as a stream on the one wire and read it to the end (or until it breaks).

    The wire's stream checker decides how the stream ended (``report.checked``: the state the
    client would see); the report's counts come from the events the wire kept.
    """
    out, limits, body = ctx.begin(request)
    assert ctx.sender is not None
    for _ in ctx.sender.stream_attempt(request, limits, out, live=False, want_usage=True, keep=True):
        pass
    ex = ctx.end(request, body, out)
    report = StreamReport(content_type=(out.headers or {}).get("content-type", ""))
    report.checked = out.stream_state
    if out.stream_state is not None:
        for payload in sse_payloads((out.body or b"").decode("utf-8", "replace")):
            _take_event(report, payload, 0.0)
        report.first_chunk_ms = None if out.first_chunk_s is None else out.first_chunk_s * 1000.0
        report.stalled = out.stream_state is StreamState.STALLED
        if out.stream_state in (StreamState.CUT, StreamState.STALLED) and out.problem:
            report.problems.append(out.problem)
    elif out.transport_error is TransportError.FIRST_CHUNK_TIMEOUT:
        report.stalled = True
    return ex, report
