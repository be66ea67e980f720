"""The one classifier and its action table.

:func:`classify` maps what was observed about one attempt — status, headers, body bytes, a
transport exception kind, the state a stream ended in — to a :class:`FailureClass` (``None``
for a usable answer). :data:`ACTIONS` maps each class to its retry rule, fallback rule,
operator action, review category, escalation category and owner. The live client uses it per
attempt; ``review`` calls :func:`classify_observation` once per distinct key of a log.

Classification is in two steps so logs without bodies can use it too:
:func:`observe` parses the wire into an :class:`Observation` (error envelope, shape, ids,
Retry-After), then :func:`classify_observation` decides the class from the observation alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from chatcontract.record import FailureClass, OperatorAction, ResponseShape

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class TransportError(StrEnum):
    """What went wrong below HTTP, as a low-cardinality kind."""

    CONNECT_ERROR = "connect_error"  # DNS failure, refused
    CONNECT_TIMEOUT = "connect_timeout"
    RESET = "reset"  # connection reset or closed before any response byte
    WRITE_ERROR = "write_error"
    READ_TIMEOUT = "read_timeout"  # request sent, no response in time: completion status unknown
    FIRST_CHUNK_TIMEOUT = "first_chunk_timeout"  # headers came, no content event in time
    PROTOCOL_ERROR = "protocol_error"  # malformed HTTP


class StreamState(StrEnum):
    """How a streamed response ended."""

    COMPLETE = "complete"  # a finish_reason arrived
    CUT = "cut"  # closed before any finish_reason
    STALLED = "stalled"  # no event within the idle limit
    ERROR_EVENT = "error_event"  # an ``error`` object inside the stream
    MALFORMED = "malformed"  # an event that is not valid JSON


class RetryRule(StrEnum):
    YES = "yes"
    NO = "no"
    ONCE = "once"
    BEFORE_SEND = "before_send"  # only when the request never reached the provider
    BEFORE_CONTENT = "before_content"  # only before any content reached the caller


class FallbackRule(StrEnum):
    YES = "yes"
    NO = "no"
    OTHER_CREDENTIALS = "other_credentials"  # only to another key or base URL
    UNLESS_SIDE_EFFECTS = "unless_side_effects"


class ReviewCategory(StrEnum):
    ENDPOINT = "endpoint"
    AUTH = "auth"
    REQUEST_SCHEMA = "request_schema"
    RESPONSE_PARSER = "response_parser"
    TIMEOUT_RETRY = "timeout_retry"
    USAGE_BILLING = "usage_billing_assumption"
    UNKNOWN_EXTERNAL = "unknown_external"


class EscalationCategory(StrEnum):
    CONTRACT_MISMATCH = "contract_mismatch"
    AVAILABILITY = "availability_latency_degradation"
    AUTH_ACCOUNT = "auth_account"
    QUOTA_BILLING = "quota_limit_billing_uncertainty"


REVIEW_OWNERS: dict[ReviewCategory, str] = {
    ReviewCategory.ENDPOINT: "platform team (client configuration)",
    ReviewCategory.AUTH: "credential owner",
    ReviewCategory.REQUEST_SCHEMA: "application team",
    ReviewCategory.RESPONSE_PARSER: "client library owner",
    ReviewCategory.TIMEOUT_RETRY: "platform team (retry policy)",
    ReviewCategory.USAGE_BILLING: "account owner",
    ReviewCategory.UNKNOWN_EXTERNAL: "on-call, with the provider",
}


@dataclass(frozen=True)
class ClassAction:
    """What to do about one failure class."""

    retry: RetryRule
    fallback: FallbackRule
    operator_action: OperatorAction
    review_category: ReviewCategory
    escalation_category: EscalationCategory

    @property
    def owner(self) -> str:
        return REVIEW_OWNERS[self.review_category]


def _a(
    retry: RetryRule,
    fallback: FallbackRule,
    action: OperatorAction,
    review: ReviewCategory,
    escalation: EscalationCategory,
) -> ClassAction:
    return ClassAction(retry, fallback, action, review, escalation)


_R, _F, _O, _C, _E = RetryRule, FallbackRule, OperatorAction, ReviewCategory, EscalationCategory
ACTIONS: dict[FailureClass, ClassAction] = {
    FailureClass.ENDPOINT_MISMATCH: _a(_R.NO, _F.NO, _O.FIX_CONFIG, _C.ENDPOINT, _E.CONTRACT_MISMATCH),
    FailureClass.AUTH: _a(_R.NO, _F.NO, _O.REFRESH_CREDENTIALS, _C.AUTH, _E.AUTH_ACCOUNT),
    FailureClass.REQUEST_INVALID: _a(_R.NO, _F.NO, _O.FIX_REQUEST, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH),
    FailureClass.MODEL_UNKNOWN: _a(_R.NO, _F.NO, _O.CHECK_CONFIG_DRIFT, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH),
    FailureClass.CONTEXT_EXCEEDED: _a(_R.NO, _F.YES, _O.FIX_TOKEN_BUDGET, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH),
    FailureClass.CONTENT_FILTERED: _a(_R.NO, _F.NO, _O.APPLICATION_OUTCOME, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH),
    FailureClass.QUOTA_EXHAUSTED: _a(_R.NO, _F.OTHER_CREDENTIALS, _O.PAGE_OWNER_BILLING, _C.USAGE_BILLING, _E.QUOTA_BILLING),
    FailureClass.RATE_LIMITED: _a(_R.YES, _F.YES, _O.RETRY_BRIEFLY, _C.USAGE_BILLING, _E.QUOTA_BILLING),
    FailureClass.SERVER_ERROR: _a(_R.YES, _F.YES, _O.RETRY_THEN_FALLBACK, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
    FailureClass.CONNECT_ERROR: _a(_R.YES, _F.YES, _O.RETRY_ONCE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
    FailureClass.TIMEOUT: _a(_R.BEFORE_SEND, _F.UNLESS_SIDE_EFFECTS, _O.CHECK_COMPLETION_STATUS, _C.TIMEOUT_RETRY, _E.AVAILABILITY),
    FailureClass.INVALID_RESPONSE: _a(_R.ONCE, _F.YES, _O.KEEP_FIXTURE, _C.RESPONSE_PARSER, _E.CONTRACT_MISMATCH),
    FailureClass.SCHEMA_MISMATCH: _a(_R.NO, _F.YES, _O.REPORT_CONTRACT_DRIFT, _C.RESPONSE_PARSER, _E.CONTRACT_MISMATCH),
    FailureClass.STREAM_INTERRUPTED: _a(_R.BEFORE_CONTENT, _F.YES, _O.NEVER_REPORT_SUCCESS, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
    FailureClass.STREAM_STALLED: _a(_R.BEFORE_CONTENT, _F.YES, _O.NEVER_REPORT_SUCCESS, _C.TIMEOUT_RETRY, _E.AVAILABILITY),
    FailureClass.STREAM_ERROR: _a(_R.BEFORE_CONTENT, _F.YES, _O.INVESTIGATE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
    FailureClass.CIRCUIT_OPEN: _a(_R.NO, _F.YES, _O.WAIT_FOR_RECOVERY, _C.TIMEOUT_RETRY, _E.AVAILABILITY),
    FailureClass.DEADLINE_EXCEEDED: _a(_R.NO, _F.NO, _O.CHECK_COMPLETION_STATUS, _C.TIMEOUT_RETRY, _E.AVAILABILITY),
    FailureClass.BUDGET_EXHAUSTED: _a(_R.NO, _F.YES, _O.WAIT_FOR_RECOVERY, _C.TIMEOUT_RETRY, _E.AVAILABILITY),
    FailureClass.UNKNOWN: _a(_R.NO, _F.NO, _O.INVESTIGATE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
}


def action_for(failure_class: FailureClass) -> ClassAction:
    """The action row for ``failure_class``."""
    return ACTIONS[failure_class]


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


_REQUEST_ID_IN_MESSAGE = re.compile(r"\(request id:\s*([^)\s]+)\s*\)", re.I)
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-oneapi-request-id", "x-amzn-requestid")
_CONTEXT = re.compile(
    r"context[_ ]length|maximum context|context window|too many tokens|prompt is too long|"
    r"reduce the length|token limit|max_tokens.*too large|input is too long",
    re.I,
)
_CONTENT = re.compile(
    r"content[_ ]?(?:management )?(?:policy|filter)|safety system|content_policy_violation|"
    r"flagged|moderation|responsible ai|violat\w* (?:our|the) (?:usage|content) polic",
    re.I,
)
_MODEL = re.compile(
    r"model[^.]{0,80}(?:does not exist|not found|not exist|unknown|not supported|is not available|"
    r"no access)|unknown model|invalid model|no available channel|model_not_found|"
    r"no such model|unsupported model",
    re.I,
)
_QUOTA = re.compile(
    r"insufficient_quota|exceeded your current quota|quota (?:exceeded|exhausted)|"
    r"insufficient (?:balance|credit|funds)|billing|余额不足|credit balance",
    re.I,
)
_AUTH = re.compile(r"invalid[_ ](?:api[_ ])?(?:key|token)|incorrect api key|unauthori[sz]ed", re.I)
_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length", "context_window_exceeded"})
_CONTENT_CODES = frozenset({"content_filter", "content_policy_violation", "content_filtered", "prompt_blocked"})
_MODEL_CODES = frozenset({"model_not_found", "model_not_available", "invalid_model", "unknown_model"})
_QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "quota_exceeded"})
_AUTH_CODES = frozenset({"invalid_api_key", "invalid_token", "unauthorized", "authentication_error"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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
        if value >= 0 and value == value:  # excludes NaN
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
    if seconds != seconds or seconds == float("inf"):
        return None
    return max(0.0, seconds * 1000.0)


def _error_fields(doc: Any) -> tuple[str | None, str | None, str | None, str | None] | None:
    """``(type, code, message, param)`` of an error envelope, or ``None`` when there is none."""
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


def observe(
    status: int | None,
    headers: Headers | None = None,
    body: bytes | str | None = None,
    *,
    now: datetime | None = None,
) -> Observation:
    """Parse one response into an :class:`Observation` (no class decided yet)."""
    h = header_map(headers)
    should = h.get("x-should-retry")
    provider_id = next((h[k] for k in _REQUEST_ID_HEADERS if h.get(k)), None)
    base = Observation(
        status=status,
        provider_request_id=provider_id,
        retry_after_ms=parse_retry_after(h, now=now),
        should_retry=None if should is None else should.strip().lower() == "true",
        location=h.get("location"),
    )
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else (body or b"")
    content_type = h.get("content-type", "").lower()
    stripped = raw.lstrip()[:512].lower()
    if not raw.strip():
        return replace(base, shape=ResponseShape.EMPTY)
    if "text/html" in content_type or stripped.startswith((b"<!doctype html", b"<html")):
        return replace(base, shape=ResponseShape.OTHER, is_html=True)
    if "text/event-stream" in content_type or stripped.startswith((b"data:", b":")):
        return replace(base, shape=ResponseShape.STREAM)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return replace(base, shape=ResponseShape.OTHER)
    err = _error_fields(doc)
    if err is not None:
        etype, code, message, param = err
        if base.provider_request_id is None and message:
            m = _REQUEST_ID_IN_MESSAGE.search(message)
            if m:
                base = replace(base, provider_request_id=m.group(1))
        return replace(
            base,
            shape=ResponseShape.ERROR_JSON,
            error_type=etype,
            error_code=code,
            error_message=message,
            error_param=param,
        )
    if not isinstance(doc, Mapping):
        return replace(base, shape=ResponseShape.OTHER)
    return replace(
        base,
        shape=ResponseShape.PARSEABLE_JSON,
        has_choices=isinstance(doc.get("choices"), list) and bool(doc.get("choices")),
        finish_reason=_finish_reason(doc),
    )


def _error_text(obs: Observation) -> str:
    return " ".join(x for x in (obs.error_type, obs.error_code, obs.error_message) if x)


def _classify_error_body(obs: Observation) -> FailureClass | None:
    """The class an error envelope names by its code, type or message, if any."""
    codes = {c.lower() for c in (obs.error_code, obs.error_type) if c}
    text = _error_text(obs)
    if codes & _QUOTA_CODES or (obs.status == 429 and _QUOTA.search(text)):
        return FailureClass.QUOTA_EXHAUSTED
    if codes & _CONTEXT_CODES or _CONTEXT.search(text):
        return FailureClass.CONTEXT_EXCEEDED
    if codes & _CONTENT_CODES or _CONTENT.search(text):
        return FailureClass.CONTENT_FILTERED
    if codes & _MODEL_CODES or _MODEL.search(text):
        return FailureClass.MODEL_UNKNOWN
    if codes & _AUTH_CODES:
        return FailureClass.AUTH
    return None


def _classify_status(obs: Observation) -> FailureClass:
    status = obs.status or 0
    named = _classify_error_body(obs) if obs.shape is ResponseShape.ERROR_JSON else None
    if status in (401, 403):
        return FailureClass.AUTH
    if status == 429:
        return FailureClass.QUOTA_EXHAUSTED if named is FailureClass.QUOTA_EXHAUSTED else FailureClass.RATE_LIMITED
    if status == 408:
        return FailureClass.TIMEOUT
    if status == 413:
        return FailureClass.CONTEXT_EXCEEDED
    if status in (404, 405):
        if named is FailureClass.MODEL_UNKNOWN:
            return named
        return FailureClass.ENDPOINT_MISMATCH
    if 400 <= status < 500:
        if obs.is_html:
            return FailureClass.ENDPOINT_MISMATCH
        if named is not None and named is not FailureClass.QUOTA_EXHAUSTED:
            return named
        if named is None and _AUTH.search(_error_text(obs)):
            return FailureClass.AUTH
        return FailureClass.REQUEST_INVALID
    if status >= 500:
        codes = {c.lower() for c in (obs.error_code, obs.error_type) if c}
        if "invalid_request" in codes or "invalid_request_error" in codes:
            return named or FailureClass.REQUEST_INVALID
        return FailureClass.SERVER_ERROR
    return FailureClass.UNKNOWN


def classify_observation(
    obs: Observation,
    *,
    transport_error: TransportError | None = None,
    stream_state: StreamState | None = None,
) -> FailureClass | None:
    """The failure class of one attempt, or ``None`` when it produced a usable answer."""
    if transport_error is not None:
        if transport_error in (TransportError.CONNECT_ERROR, TransportError.RESET, TransportError.WRITE_ERROR):
            return FailureClass.CONNECT_ERROR
        if transport_error is TransportError.PROTOCOL_ERROR:
            return FailureClass.INVALID_RESPONSE
        return FailureClass.TIMEOUT
    status = obs.status
    if status is None:
        return FailureClass.UNKNOWN
    if status in _REDIRECTS:
        return FailureClass.ENDPOINT_MISMATCH
    if not 200 <= status < 300:
        return _classify_status(obs)
    if stream_state is not None:
        return {
            StreamState.COMPLETE: None,
            StreamState.CUT: FailureClass.STREAM_INTERRUPTED,
            StreamState.STALLED: FailureClass.STREAM_STALLED,
            StreamState.ERROR_EVENT: FailureClass.STREAM_ERROR,
            StreamState.MALFORMED: FailureClass.INVALID_RESPONSE,
        }[stream_state]
    if obs.is_html:
        return FailureClass.ENDPOINT_MISMATCH
    if obs.shape in (ResponseShape.OTHER, ResponseShape.EMPTY, ResponseShape.STREAM):
        return FailureClass.INVALID_RESPONSE
    if obs.shape is ResponseShape.ERROR_JSON:
        return _classify_error_body(obs) or FailureClass.SCHEMA_MISMATCH
    if not obs.has_choices:
        return FailureClass.SCHEMA_MISMATCH
    return None


@dataclass(frozen=True)
class Classification:
    """A classified attempt: its class, what the response said, and whether to retry it."""

    failure_class: FailureClass | None
    observation: Observation
    retryable: bool
    fallback_allowed: bool

    @property
    def action(self) -> ClassAction | None:
        return None if self.failure_class is None else ACTIONS[self.failure_class]

    @property
    def operator_action(self) -> OperatorAction:
        return OperatorAction.NONE if self.failure_class is None else ACTIONS[self.failure_class].operator_action


def may_retry(
    failure_class: FailureClass,
    obs: Observation,
    *,
    transport_error: TransportError | None = None,
    content_delivered: bool = False,
    attempt_number: int = 1,
) -> bool:
    """Whether the same route may be tried again, by the action table and ``x-should-retry``."""
    rule = ACTIONS[failure_class].retry
    if failure_class is FailureClass.TIMEOUT:
        allowed = transport_error in (TransportError.CONNECT_TIMEOUT, None) and (
            transport_error is not None or obs.status == 408
        )
    elif rule is RetryRule.YES:
        allowed = True
    elif rule is RetryRule.ONCE:
        allowed = attempt_number <= 1
    elif rule is RetryRule.BEFORE_CONTENT:
        allowed = not content_delivered
    elif rule is RetryRule.BEFORE_SEND:
        allowed = transport_error in (TransportError.CONNECT_ERROR, TransportError.CONNECT_TIMEOUT)
    else:
        allowed = False
    hard_no = failure_class in _NEVER_RETRY
    if obs.should_retry is not None and not hard_no and not content_delivered:
        return obs.should_retry
    return allowed


# Never retried on the same route, whatever a header says.
_NEVER_RETRY = frozenset(
    {
        FailureClass.AUTH,
        FailureClass.REQUEST_INVALID,
        FailureClass.MODEL_UNKNOWN,
        FailureClass.ENDPOINT_MISMATCH,
        FailureClass.QUOTA_EXHAUSTED,
        FailureClass.CONTENT_FILTERED,
        FailureClass.CONTEXT_EXCEEDED,
    }
)


def classify(
    status: int | None = None,
    headers: Headers | None = None,
    body: bytes | str | None = None,
    *,
    transport_error: TransportError | str | None = None,
    stream_state: StreamState | str | None = None,
    content_delivered: bool = False,
    attempt_number: int = 1,
    now: datetime | None = None,
) -> Classification:
    """Classify one observed attempt.

    ``status``/``headers``/``body`` are what came back (any may be missing);
    ``transport_error`` is what failed below HTTP; ``stream_state`` is how a stream ended.
    """
    te = TransportError(transport_error) if transport_error is not None else None
    ss = StreamState(stream_state) if stream_state is not None else None
    obs = observe(status, headers, body, now=now)
    failure = classify_observation(obs, transport_error=te, stream_state=ss)
    if failure is None:
        return Classification(None, obs, retryable=False, fallback_allowed=False)
    retry = may_retry(
        failure, obs, transport_error=te, content_delivered=content_delivered, attempt_number=attempt_number
    )
    fallback = ACTIONS[failure].fallback is not FallbackRule.NO
    return Classification(failure, obs, retryable=retry, fallback_allowed=fallback)
