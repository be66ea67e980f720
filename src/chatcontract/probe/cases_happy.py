"""The happy-path cases: one non-streaming and one streaming chat completion.

Both send with the raw builders and judge with the one classifier, retrying once what the
classifier says is retryable (within the run's budget, waiting at most
:data:`MAX_RETRY_WAIT_S`). ``happy`` checks the answer's fields, extracts the content, captures
``finish_reason``, usage and the answering model, and keeps a sanitized shape of the response
as a fixture. ``stream`` checks every event parses, records the first-chunk latency, requires a
``finish_reason``, checks the ``[DONE]`` terminator and, when the profile says it may work, the
usage chunk (an assumption that ``needs_confirmation`` only earns a note when it does not hold).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from chatcontract.contract import requests as builders
from chatcontract.contract.profile import AssumptionStatus
from chatcontract.probe.context import CaseContext, Exchange
from chatcontract.probe.registry import DEFAULT_REGISTRY
from chatcontract.probe.results import CaseResult
from chatcontract.probe.streaming import StreamReport, read_stream
from chatcontract.probe.verdicts import chunk_id_notes, finish_notes, incomplete_answer
from chatcontract.record import ParserOutcome, Result
from chatcontract.redact import shape_of_body
from chatcontract.taxonomy import Classification

MAX_ATTEMPTS = 2
MAX_RETRY_WAIT_S = 2.0


def _fail(
    result: CaseResult, ctx: CaseContext, assumption: str, why: str, observed: str | None = None
) -> CaseResult:
    result.result = Result.FAIL
    result.assumption = assumption
    result.source_url = ctx.profile.assumption(assumption).source_url
    result.notes.insert(0, why)
    if observed is not None:
        result.observed = observed
    return result


def _observed_error(ex: Exchange, cls: Classification) -> str:
    if ex.status is None:
        return f"no response ({ex.transport_error.value if ex.transport_error else 'unknown'})"
    parts = [f"HTTP {ex.status}"]
    if cls.failure_class is not None:
        parts.append(f"classified {cls.failure_class.value}")
    if cls.observation.error_message:
        parts.append(str(ctx_free(cls.observation.error_message)))
    return ", ".join(parts)


def ctx_free(text: str) -> str:
    """A short, single-line excerpt of a server message (redacted again by the record)."""
    line = " ".join(text.split())
    return line[:160] + ("..." if len(line) > 160 else "")


def _wait(ctx: CaseContext, cls: Classification) -> None:
    wait_ms = cls.observation.retry_after_ms
    ctx.sleep(min(MAX_RETRY_WAIT_S, (wait_ms / 1000.0) if wait_ms is not None else 0.5))


P = TypeVar("P")


def _until_settled(
    ctx: CaseContext, result: CaseResult, attempt: Callable[[CaseContext, int], tuple[Exchange, Classification, P]]
) -> tuple[Exchange, Classification, P]:
    """Attempts until one succeeds, one is final, or ``MAX_ATTEMPTS`` is spent; the last one."""
    for number in range(1, MAX_ATTEMPTS + 1):
        ex, cls, payload = attempt(ctx, number)
        result.last_request = ex.request
        if cls.failure_class is None or not cls.retryable or number == MAX_ATTEMPTS:
            break
        _wait(ctx, cls)
    return ex, cls, payload


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _content(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(content, finish_reason)`` of the first choice."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None, None
    first = choices[0]
    message = first.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    reason = first.get("finish_reason")
    return (content if isinstance(content, str) else None), (
        None if reason is None else str(reason)
    )


def _usage_fields(doc: dict[str, Any] | None) -> dict[str, int]:
    usage = doc if isinstance(doc, dict) else {}
    return {
        k: usage[k]
        for k in ("prompt_tokens", "completion_tokens", "total_tokens")
        if isinstance(usage.get(k), int) and usage[k] >= 0
    }


def _happy_attempt(ctx: CaseContext, attempt: int) -> tuple[Exchange, Classification, Any]:
    request = builders.build_request("happy", ctx.base_url, ctx.credential, ctx.model, ctx.profile)
    ex = ctx.send(request)
    cls = ctx.classify(ex, attempt_number=attempt)
    doc = _parse(ex.body) if ex.status is not None else None
    fields: dict[str, Any] = {}
    if isinstance(doc, dict) and cls.failure_class is None:
        content, reason = _content(doc)
        fields = {
            "finish_reason": reason,
            "response_model": doc.get("model") if isinstance(doc.get("model"), str) else None,
            **_usage_fields(doc.get("usage")),
            "parser_outcome": ParserOutcome.OK if content else ParserOutcome.EMPTY_CONTENT,
        }
    elif ex.status is not None and 200 <= ex.status < 300:
        fields = {
            "parser_outcome": ParserOutcome.INVALID_JSON
            if doc is None
            else ParserOutcome.MISSING_FIELD
        }
    ctx.record(
        ex,
        cls,
        request_class="chat-completion-smoke",
        attempt_number=attempt,
        credential_source=ctx.credential.source if ctx.credential else None,
        assumption="response_fields",
        model=ctx.model,
        **fields,
    )
    return ex, cls, doc


def happy(ctx: CaseContext) -> CaseResult:
    """A non-streaming completion: 2xx, JSON, choices, content, finish_reason, usage, model."""
    result = CaseResult(
        name="happy",
        result=Result.PASS,
        assumption="response_fields",
        expected="HTTP 2xx chat.completion with choices[0].message.content",
        source_url=ctx.profile.assumptions.response_fields.source_url,
    )
    ex, cls, doc = _until_settled(ctx, result, _happy_attempt)
    if cls.failure_class is not None or not isinstance(doc, dict):
        return _fail(result, ctx, "response_fields", "no usable answer", _observed_error(ex, cls))
    return _judge_happy(ctx, result, doc)


def _judge_happy(ctx: CaseContext, result: CaseResult, doc: dict[str, Any]) -> CaseResult:
    missing = [f for f in ctx.profile.assumptions.response_fields.value if f not in doc]
    content, reason = _content(doc)
    result.observed = (
        f"HTTP 2xx, model {doc.get('model')!r}, finish_reason {reason!r}, "
        f"content {len(content or '')} chars, usage {'present' if doc.get('usage') else 'absent'}"
    )
    result.fixture = shape_of_body(doc)
    if missing:
        return _fail(
            result, ctx, "response_fields", f"missing response fields: {', '.join(missing)}"
        )
    if not content:
        return _fail(
            result, ctx, "response_fields", "choices[0].message.content is empty or absent"
        )
    if (broken := incomplete_answer(ctx.model, doc.get("model"), content)) is not None:
        return _fail(result, ctx, "response_fields", broken)
    if reason is None:
        result.notes.append("no finish_reason in choices[0]")
    result.notes.extend(finish_notes(reason))
    if not isinstance(doc.get("usage"), dict):
        result.notes.append("no usage object")
    return result


def _stream_fields(report: StreamReport) -> dict[str, Any]:
    usage = _usage_fields(report.usage)
    outcome = ParserOutcome.OK if report.content_chars else ParserOutcome.EMPTY_CONTENT
    if report.malformed:
        outcome = ParserOutcome.INVALID_JSON
    elif report.stalled:
        outcome = ParserOutcome.TIMEOUT
    return {
        "finish_reason": report.finish_reason,
        "response_model": report.model,
        "streaming": True,
        "first_chunk_ms": report.first_chunk_ms,
        "parser_outcome": outcome,
        **usage,
    }


def _stream_attempt(
    ctx: CaseContext, attempt: int
) -> tuple[Exchange, Classification, StreamReport]:
    request = builders.build_request("stream", ctx.base_url, ctx.credential, ctx.model, ctx.profile)
    ex, report = read_stream(ctx, request)
    is_sse = (
        ex.status is not None
        and 200 <= ex.status < 300
        and "text/event-stream" in report.content_type
    )
    cls = ctx.classify(
        ex,
        attempt_number=attempt,
        stream_state=report.state if is_sse else None,
        content_delivered=report.content_chars > 0,
    )
    ctx.record(
        ex,
        cls,
        request_class="chat-stream",
        attempt_number=attempt,
        credential_source=ctx.credential.source if ctx.credential else None,
        assumption="stream_format",
        model=ctx.model,
        **_stream_fields(report),
    )
    return ex, cls, report


def stream(ctx: CaseContext) -> CaseResult:
    """A streaming completion, every event checked."""
    result = CaseResult(
        name="stream",
        result=Result.PASS,
        assumption="stream_format",
        expected="SSE chat.completion.chunk events, content, a finish_reason, then [DONE]",
        source_url=ctx.profile.assumptions.stream_format.source_url,
    )
    ex, cls, report = _until_settled(ctx, result, _stream_attempt)
    result.first_chunk_ms = report.first_chunk_ms
    if ex.status is None or not 200 <= ex.status < 300:
        return _fail(result, ctx, "stream_format", "no stream", _observed_error(ex, cls))
    return _judge_stream(ctx, result, report)


def _judge_stream(ctx: CaseContext, result: CaseResult, report: StreamReport) -> CaseResult:
    result.observed = (
        f"{report.events} events ({report.malformed} malformed), "
        f"content {report.content_chars} chars, "
        f"finish_reason {report.finish_reason!r}, [DONE] {'seen' if report.done else 'absent'}, "
        f"usage {'present' if report.usage else 'absent'}"
    )
    result.stream_fixture = report.fixture
    if "text/event-stream" not in report.content_type:
        return _fail(
            result,
            ctx,
            "stream_format",
            f"content-type is {report.content_type!r}, not text/event-stream",
        )
    checks = [
        (report.malformed > 0, "stream_format", f"{report.malformed} event(s) are not valid JSON"),
        (
            report.error_event is not None,
            "stream_error_format",
            "an error event arrived inside the stream",
        ),
        (report.stalled, "stream_format", "the stream stalled"),
        (report.content_chars == 0, "stream_format", "no content arrived"),
        (report.finish_reason is None, "stream_format", "no finish_reason arrived"),
    ]
    for broken, assumption, why in checks:
        if broken:
            return _fail(result, ctx, assumption, why)
    if (cut := incomplete_answer(ctx.model, report.model, report.text, streamed=True)) is not None:
        return _fail(result, ctx, "stream_format", cut)
    result.notes.extend(report.problems)
    result.notes.extend(finish_notes(report.finish_reason))
    result.notes.extend(chunk_id_notes(report.chunk_ids))
    if not report.done and not _soft(ctx, result, "stream_terminator", "no [DONE] terminator"):
        return result
    if ctx.profile.supports_include_usage and report.usage is None:
        _soft(
            ctx,
            result,
            "stream_include_usage",
            "no usage chunk although stream_options.include_usage was set",
        )
    return result


def _soft(ctx: CaseContext, result: CaseResult, assumption: str, why: str) -> bool:
    """Fail on a ``supported`` assumption, note one that ``needs_confirmation`` (True if noted)."""
    if ctx.profile.assumption(assumption).status is AssumptionStatus.SUPPORTED:
        _fail(result, ctx, assumption, why)
        return False
    result.notes.append(f"{why} (assumption '{assumption}' needs confirmation)")
    return True


DEFAULT_REGISTRY.register(
    "happy",
    title="A chat completion works",
    assumption="response_fields",
    max_requests=MAX_ATTEMPTS,
    request_class="chat-completion-smoke",
)(happy)
DEFAULT_REGISTRY.register(
    "stream",
    title="A streamed chat completion works",
    assumption="stream_format",
    max_requests=MAX_ATTEMPTS,
    request_class="chat-stream",
)(stream)
