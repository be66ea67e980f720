"""Reading one attempt's response into an :class:`Observation` (no class decided yet).

:func:`observe` parses status, headers and body bytes — an OpenAI or CometAPI error envelope,
a gateway's variant of it, an HTML page, a whole event stream — into the facts the classifier
needs: shape, error type/code/message, the provider request id (header, or the id CometAPI
puts in ``error.message``), Retry-After, ``x-should-retry``. ``review`` builds observations from
logs without bodies; :mod:`chatcontract.taxonomy` decides the class.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from chatcontract.record import ResponseShape

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Observation:
    """What one attempt's response said, independent of how it was read (wire or log)."""

    status: int | None = None
    shape: ResponseShape | None = None
    is_html: bool = False
    error_type: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_param: str | None = None
    has_choices: bool | None = None
    finish_reason: str | None = None
    provider_request_id: str | None = None
    retry_after_ms: float | None = None
    should_retry: bool | None = None  # the ``x-should-retry`` header, when present
    location: str | None = None
    stream_done: bool | None = None  # an event stream ended with ``[DONE]``
    stream_malformed: bool = False  # an event stream held an event that is not a JSON object


_REQUEST_ID_IN_MESSAGE = re.compile(
    r"[(（]request[ _-]?id[:：=]\s*([^)）\s]+)\s*[)）]"  # CometAPI / one-api: "(request id: ...)"
    r"|\brequest[ _-]?id[:：=]\s*[`'\"]?([A-Za-z0-9][\w.:-]{5,})",  # "... Request ID: abc123"
    re.I,
)
# Where servers put their id for a request (OpenAI, Anthropic, gateways, Azure, AWS, tracing).
_REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-oneapi-request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "apim-request-id",
    "x-ms-request-id",
    "x-correlation-id",
    "x-trace-id",
    "trace-id",
)


def header_map(headers: Headers | None) -> dict[str, str]:
    """Headers as a dict with lower-case names (the last value wins)."""
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(k).lower(): str(v) for k, v in items}


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Milliseconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms)
        except ValueError:
            value = -1.0
        if value >= 0 and math.isfinite(value):
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds * 1000.0)


def _error_fields(doc: Any) -> tuple[str | None, str | None, str | None, str | None] | None:
    """``(type, code, message, param)`` of an error envelope, or ``None`` when there is none."""
    if isinstance(doc, list) and len(doc) == 1:
        doc = doc[0]  # some gateways wrap the envelope in a list
    if not isinstance(doc, Mapping):
        return None
    err = doc.get("error")
    if isinstance(err, Mapping):

        def text(key: str) -> str | None:
            value = err.get(key)
            return None if value in (None, "") else str(value)

        return text("type"), text("code"), text("message"), text("param")
    if isinstance(err, str) and err:
        return None, None, err, None
    if "message" in doc and "choices" not in doc and isinstance(doc.get("message"), str):
        return (
            str(doc["type"]) if doc.get("type") else None,
            str(doc["code"]) if doc.get("code") not in (None, "") else None,
            str(doc["message"]),
            None,
        )
    return None


def _finish_reason(doc: Mapping[str, Any]) -> str | None:
    choices = doc.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        reason = choices[0].get("finish_reason")
        return str(reason) if reason is not None else None
    return None


def _has_choices(doc: Mapping[str, Any]) -> bool:
    """A non-empty ``choices`` list whose first entry carries a message, delta or text."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return False
    return any(isinstance(choices[0].get(k), Mapping | str) for k in ("message", "delta", "text"))


def sse_payloads(text: str) -> list[str]:
    """The ``data`` of each server-sent event: its ``data:`` lines joined by newlines (an event
    may spread its JSON over several lines); ``event:``/``id:``/``retry:`` and comments skipped."""
    payloads: list[str] = []
    data: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if data:
                payloads.append("\n".join(data))
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        payloads.append("\n".join(data))
    return payloads


def _observe_stream(base: Observation, raw: bytes) -> Observation:
    """An event stream read as a whole (logs, fixtures): its error, finish reason and end."""
    obs = replace(base, shape=ResponseShape.STREAM, stream_done=False)
    for data in sse_payloads(raw.decode("utf-8", "replace")):
        payload = data.strip()
        if payload == "[DONE]":
            return replace(obs, stream_done=True)
        try:
            doc = json.loads(payload)
        except ValueError:
            doc = None
        if not isinstance(doc, Mapping):
            obs = replace(obs, stream_malformed=True)
            continue
        err = _error_fields(doc) if "error" in doc else None
        if err is not None and obs.error_message is None and obs.error_code is None:
            obs = _with_error(obs, err)
            obs = replace(obs, shape=ResponseShape.STREAM)
        reason = _finish_reason(doc)
        if reason is not None:
            obs = replace(obs, finish_reason=reason, has_choices=True)
    return obs


def _with_error(obs: Observation, err: tuple[str | None, str | None, str | None, str | None]) -> Observation:
    """``obs`` carrying an error envelope, with the request id CometAPI puts in the message."""
    etype, code, message, param = err
    if obs.provider_request_id is None and message:
        m = _REQUEST_ID_IN_MESSAGE.search(message)
        if m:
            obs = replace(obs, provider_request_id=(m.group(1) or m.group(2)).rstrip(".:"))
    return replace(
        obs,
        shape=ResponseShape.ERROR_JSON,
        error_type=etype,
        error_code=code,
        error_message=message,
        error_param=param,
    )


UNPARSED: Any = object()  # no body parsed yet (see ``observe``'s ``doc``)


def observe(
    status: int | None,
    headers: Headers | None = None,
    body: bytes | str | None = None,
    *,
    now: datetime | None = None,
    doc: Any = UNPARSED,
) -> Observation:
    """Parse one response into an :class:`Observation` (no class decided yet). ``doc``: the
    body already parsed as JSON by the caller (``json.loads(body)``), so it is not parsed twice."""
    h = header_map(headers)
    should = h.get("x-should-retry")
    common: dict[str, Any] = {
        "status": status,
        "provider_request_id": next((h[k] for k in _REQUEST_ID_HEADERS if h.get(k)), None),
        "retry_after_ms": parse_retry_after(h, now=now),
        "should_retry": None if should is None else should.strip().lower() == "true",
        "location": h.get("location"),
    }
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else (body or b"")
    content_type = h.get("content-type", "").lower()
    stripped = raw.lstrip()[:512].lower()
    if not raw.strip():
        return Observation(**common, shape=ResponseShape.EMPTY)
    if "text/html" in content_type or stripped.startswith((b"<!doctype html", b"<html")):
        return Observation(**common, shape=ResponseShape.OTHER, is_html=True)
    if "text/event-stream" in content_type or stripped.startswith((b"data:", b":", b"event:", b"id:", b"retry:")):
        return _observe_stream(Observation(**common), raw)
    if doc is UNPARSED:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Observation(**common, shape=ResponseShape.OTHER)
    err = _error_fields(doc)
    if err is not None:
        return _with_error(Observation(**common), err)
    if not isinstance(doc, Mapping):
        return Observation(**common, shape=ResponseShape.OTHER)
    return Observation(
        **common,
        shape=ResponseShape.PARSEABLE_JSON,
        has_choices=_has_choices(doc),
        finish_reason=_finish_reason(doc),
    )
