"""OpenTelemetry spans exported as JSON (OTLP/JSON), one document or JSON lines of documents.

A span with HTTP attributes (current ``http.request.method``, ``http.response.status_code``,
``url.full``, ``server.address`` or the older ``http.method``, ``http.status_code``, ``http.url``,
``http.target``, ``net.peer.name``) or GenAI attributes (``gen_ai.*``, including the older
``gen_ai.usage.prompt_tokens`` names and OpenLLMetry's ``openai.chat`` spans) is one attempt.
``intValue`` may be a string (OTLP/JSON writes int64 so), as may the span times. A GenAI-only
span with a response (id, model, finish reason or output tokens) and no error counts as a 2xx;
``exception`` and ``gen_ai.choice`` span events give the error type and finish reason.
Retries of one logical call are the spans under one
parent with ``http.request.resend_count`` (absent on the first attempt, as the semantic
conventions say). Resource attributes (``service.name``, ``k8s.deployment.name``) name the
caller; they are expected before the spans, as exporters write them. This project's own attempt
spans (``chatcontract.*``, see docs/telemetry.md) add the logical call's id, the attempt number,
the route a fallback replaced and the server's Retry-After, so a review of our exported spans
finds the same calls, retries and fallbacks as a review of our attempt records.

One call is counted once. Instrumentation that emits a GenAI span (``chat gpt-4o``) with HTTP
client spans under it (one per attempt) would otherwise count the call twice: the HTTP child
spans are kept (each is one attempt, with its own status and resend count) and a GenAI-only
span with at least one HTTP child span is dropped, counted under "skipped". A GenAI-only span
is held back until its children are seen or the file ends (exporters usually write children
first, so few are held); the reader keeps one short id per HTTP span for this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chatcontract.inputs import loads
from chatcontract.record import FailureClass
from chatcontract.review.reach import OTLP_REACH
from chatcontract.review.readers.base import OUT_OF_SCOPE, PythonRead, ReadContext, in_api_scope, open_binary
from chatcontract.review.readers.streamjson import TruncatedDocumentError, objects_at

_RESOURCE_SPANS = "resourceSpans.item"
_RESOURCE = "resourceSpans.item.resource"
_SPAN = "resourceSpans.item.scopeSpans.item.spans.item"
_OLD_SPAN = "resourceSpans.item.instrumentationLibrarySpans.item.spans.item"  # OTLP before 0.15
_CLASSES = frozenset(c.value for c in FailureClass)
_DEDUPED = "GenAI span with HTTP child spans (counted once, as its HTTP attempts)"
_DEPLOYMENT_KEYS = ("k8s.deployment.name", "deployment.name", "deployment.environment.name", "deployment.environment")


def attribute_value(value: Any) -> Any:
    """The Python value of an OTLP ``AnyValue``."""
    if not isinstance(value, dict):
        return None
    for key in ("stringValue", "boolValue", "intValue", "doubleValue"):
        if key in value:
            raw = value[key]
            return int(raw) if key == "intValue" and isinstance(raw, str) and raw.lstrip("-").isdigit() else raw
    array = value.get("arrayValue")
    if isinstance(array, dict):
        return [attribute_value(v) for v in array.get("values", []) or []]
    return None


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {str(a["key"]): attribute_value(a.get("value")) for a in items if isinstance(a, dict) and "key" in a}


def _nanos_iso(value: Any) -> tuple[str | None, int | None]:
    try:
        ns = int(value)
    except (TypeError, ValueError):
        return None, None
    if not 0 < ns < 4_102_444_800 * 10**9:
        return None, None
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(), ns


def _first(attrs: dict[str, Any], *keys: str) -> Any:
    return next((attrs[k] for k in keys if attrs.get(k) is not None), None)


def _int(value: Any) -> int | None:
    """A non-negative integer, also from a digit string or an integral double (as some exporters write)."""
    if (isinstance(value, str) and value.isdigit()) or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _event_facts(events: Any) -> dict[str, Any]:
    """From span events: the exception type (``exception`` events) and a finish reason
    (``gen_ai.choice`` events, attribute ``finish_reason`` or in ``gen_ai.event.content``)."""
    facts: dict[str, Any] = {}
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        attrs = attributes(event.get("attributes"))
        if event.get("name") == "exception" and isinstance(attrs.get("exception.type"), str):
            facts.setdefault("error_type", attrs["exception.type"])
        elif event.get("name") == "gen_ai.choice":
            reason = attrs.get("finish_reason")
            content = attrs.get("gen_ai.event.content")
            if reason is None and isinstance(content, str) and '"finish_reason"' in content:
                try:
                    doc = loads(content)
                except ValueError:
                    doc = None
                reason = doc.get("finish_reason") if isinstance(doc, dict) else None
            if isinstance(reason, str):
                facts.setdefault("finish_reason", reason)
    return facts


def _path_host(attrs: dict[str, Any]) -> tuple[str | None, str | None]:
    path = _first(attrs, "url.template", "url.path", "http.route", "http.target")
    host = _first(attrs, "server.address", "net.peer.name", "http.host")
    full = _first(attrs, "url.full", "http.url")
    if isinstance(full, str) and (path is None or host is None):
        parts = urlsplit(full)
        path = path or parts.path
        host = host or parts.hostname
    if isinstance(path, str):
        path = path.split("?", 1)[0]
    return (path if isinstance(path, str) else None), (host if isinstance(host, str) else None)


def _genai_facts(attrs: dict[str, Any], events: dict[str, Any]) -> dict[str, Any]:
    """Model, finish reason, usage, stream flag and response id from GenAI attributes (current
    and older names) and span events."""
    reasons = _first(attrs, "gen_ai.response.finish_reasons", "gen_ai.completion.0.finish_reason")
    reasons = [reasons] if isinstance(reasons, str) else reasons
    inp = _int(_first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"))
    out = _int(_first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"))
    streaming = _first(attrs, "gen_ai.request.stream", "llm.is_streaming")
    return {
        "model": _first(attrs, "gen_ai.request.model"),
        "response_model": _first(attrs, "gen_ai.response.model"),
        "finish_reason": reasons[0] if isinstance(reasons, list) and reasons else events.get("finish_reason"),
        "streaming": streaming if isinstance(streaming, bool) else None,
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out if inp is not None and out is not None else _int(attrs.get("llm.usage.total_tokens")),
        "provider_request_id": _first(attrs, "gen_ai.response.id"),
    }


def _our_facts(attrs: dict[str, Any]) -> dict[str, Any]:
    """The facts chatcontract's own attempt spans carry under ``chatcontract.*``."""
    after = attrs.get("chatcontract.retry_after_ms")
    return {
        "request_id": _str(attrs.get("chatcontract.request_id")),
        "attempt": _int(attrs.get("chatcontract.attempt_number")),
        "fallback_of": _str(attrs.get("chatcontract.fallback_of")),
        "retry_after": after if isinstance(after, int | float) and not isinstance(after, bool) else None,
    }


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def span_row(span: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any] | None:
    """The canonical row of one span, or ``None`` when it is not an HTTP/GenAI attempt."""
    attrs = attributes(span.get("attributes"))
    is_http = any(k in attrs for k in ("http.request.method", "http.method", "http.response.status_code"))
    if not is_http and not any(k.startswith("gen_ai.") for k in attrs):
        return None
    start_iso, start_ns = _nanos_iso(span.get("startTimeUnixNano"))
    _, end_ns = _nanos_iso(span.get("endTimeUnixNano"))
    path, host = _path_host(attrs)
    events = _event_facts(span.get("events"))
    genai = _genai_facts(attrs, events)
    raw_status = span.get("status")
    status: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
    parent = f"{span.get('traceId', '')}:{span.get('parentSpanId', '')}"
    resend = _int(attrs.get("http.request.resend_count"))
    error_type = attrs.get("error.type") or events.get("error_type")
    http_status = _int(_first(attrs, "http.response.status_code", "http.status_code"))
    ttfc = attrs.get("gen_ai.response.time_to_first_chunk")
    if error_type is None and http_status is None and status.get("code") in (2, "STATUS_CODE_ERROR"):
        error_type = "span_error"
    answered = genai["provider_request_id"] or genai["response_model"] or genai["finish_reason"] or (
        genai["completion_tokens"] is not None)
    if not is_http and error_type is None and answered:
        http_status = 200  # a GenAI span with a response and no error: the call succeeded (a 2xx)
    return {
        "_kind": "http" if is_http else "genai",
        "time": start_iso,
        "latency": (end_ns - start_ns) / 1e6 if start_ns and end_ns and end_ns >= start_ns else None,
        "method": _first(attrs, "http.request.method", "http.method"),
        "path": path,
        "host": host,
        "status": http_status,
        "resend_count": resend if resend is not None or not is_http else 0,
        "error_type": str(error_type) if error_type is not None else None,
        # chatcontract exports its class as error.type: keep it as the recorded class
        "failure_class": error_type if isinstance(error_type, str) and error_type in _CLASSES else None,
        **genai,
        **_our_facts(attrs),
        "first_chunk": ttfc * 1000.0 if isinstance(ttfc, int | float) and not isinstance(ttfc, bool) else None,
        "service": resource.get("service.name"),
        "deployment": _first(resource, *_DEPLOYMENT_KEYS),
        "client": hashlib.sha1(parent.encode()).hexdigest()[:16],  # noqa: S324 - a grouping key
    }


class OtlpReader:
    """OTLP/JSON trace exports (``resourceSpans``/``scopeSpans``/``spans``)."""

    name = "otlp"
    description = "OpenTelemetry spans as OTLP/JSON (HTTP and GenAI attributes)"
    reach = OTLP_REACH

    def sniff(self, head: bytes) -> int:
        start = head.lstrip()[:1]
        return 80 if start == b"{" and b'"resourceSpans"' in head else 0

    def rows(self, path: Path, ctx: ReadContext, out: PythonRead) -> Iterator[dict[str, Any]]:
        calls = _OneCallOnce(out)
        resource: dict[str, Any] = {}
        index = 0
        with open_binary(path) as fh:
            try:
                spans = frozenset({_RESOURCE, _SPAN, _OLD_SPAN})
                for prefix, obj in objects_at(fh, spans, marks=frozenset({_RESOURCE_SPANS})):
                    if prefix == _RESOURCE_SPANS:  # a new resource: the previous one's attributes end here
                        resource = {}
                        continue
                    if prefix == _RESOURCE:
                        resource = attributes(obj.get("attributes")) if isinstance(obj, dict) else {}
                        continue
                    index += 1
                    out.lines += 1
                    row = span_row(obj, resource) if isinstance(obj, dict) else None
                    if row is None:
                        out.skip("span without HTTP or GenAI attributes")
                    elif not in_api_scope(row["path"]):
                        out.skip(OUT_OF_SCOPE)
                    elif row["time"] is None:
                        out.bad.add("span without a valid startTimeUnixNano", path.name, index, str(obj)[:300])
                    else:
                        row["source_line"] = index
                        yield from calls.add(row, obj)
            except TruncatedDocumentError as exc:
                out.bad.add("document truncated or invalid JSON", path.name, index + 1, str(exc))
        yield from calls.rest()


class _OneCallOnce:
    """Drops a GenAI-only span that has HTTP child spans (see the module docstring)."""

    def __init__(self, out: PythonRead) -> None:
        self.out = out
        self.http_parents: set[str] = set()
        self.pending: dict[str, dict[str, Any]] = {}

    def add(self, row: dict[str, Any], span: dict[str, Any]) -> Iterator[dict[str, Any]]:
        trace = str(span.get("traceId") or "")
        own, parent = span.get("spanId"), span.get("parentSpanId")
        if row.pop("_kind") == "http":
            if parent:
                key = f"{trace}:{parent}"
                self.http_parents.add(key)
                if self.pending.pop(key, None) is not None:
                    self.out.skip(_DEDUPED)
            yield row
        elif not own:
            yield row
        elif f"{trace}:{own}" in self.http_parents:
            self.out.skip(_DEDUPED)
        else:
            self.pending[f"{trace}:{own}"] = row

    def rest(self) -> Iterator[dict[str, Any]]:
        """The GenAI-only spans no HTTP span was found under."""
        yield from self.pending.values()
        self.pending.clear()
