"""Reading one streamed answer as the probe sees it: every event, checked.

:func:`read_stream` sends a streaming request through the case context (budgeted), reads the
server-sent events line by line and returns the :class:`Exchange` plus a :class:`StreamReport`:
how many events parsed, which did not, when the first content arrived, the ``finish_reason``,
the usage chunk, whether ``[DONE]`` arrived, and the :class:`StreamState` the stream ended in.
A non-2xx answer is read whole so the classifier sees its error body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

from chatcontract.probe.context import CaseContext, Exchange, transport_error_of
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

    @property
    def state(self) -> StreamState:
        if self.error_event is not None:
            return StreamState.ERROR_EVENT
        if self.malformed:
            return StreamState.MALFORMED
        if self.finish_reason is not None:
            return StreamState.COMPLETE
        return StreamState.STALLED if self.stalled else StreamState.CUT


TEXT_LIMIT = 1 << 20


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


def _read_events(
    ctx: CaseContext, response: httpx2.Response, ex: Exchange, report: StreamReport
) -> None:
    data: list[str] = []
    try:
        for line in response.iter_lines():
            if line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
            elif not line.strip() and data:
                _take_event(report, "\n".join(data), (ctx.clock() - ex.started) * 1000.0)
                data.clear()
        if data:
            _take_event(report, "\n".join(data), (ctx.clock() - ex.started) * 1000.0)
    except httpx2.ReadTimeout:
        report.stalled = True
    except httpx2.TransportError as exc:
        report.problems.append(f"the connection broke mid-stream ({transport_error_of(exc).value})")


def read_stream(ctx: CaseContext, request: httpx2.Request) -> tuple[Exchange, StreamReport]:
    """Send ``request`` as a stream and read it to the end (or until it breaks)."""
    ctx.budget.take()
    body = request.read()
    ex = Exchange(request=request, request_body=body, started=ctx.clock())
    report = StreamReport()
    try:
        with ctx.http.stream(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            follow_redirects=False,
        ) as response:
            ex.status = response.status_code
            ex.headers = {k.lower(): v for k, v in response.headers.items()}
            report.content_type = ex.headers.get("content-type", "")
            if (
                not 200 <= response.status_code < 300
                or "text/event-stream" not in report.content_type
            ):
                ex.body = response.read()
            else:
                _read_events(ctx, response, ex, report)
    except httpx2.TransportError as exc:
        if ex.status is None:
            ex.transport_error = transport_error_of(exc)
            ex.error_text = f"{type(exc).__name__}: {exc}"
        else:
            report.problems.append(f"the connection broke ({transport_error_of(exc).value})")
    ex.elapsed_ms = (ctx.clock() - ex.started) * 1000.0
    if ex.transport_error is TransportError.READ_TIMEOUT and ex.status is not None:
        report.stalled = True
    return ex, report
