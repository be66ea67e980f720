"""One attempt's outcome, as a driver observed it, and the attempt record made from it.

Drivers (sync, async, the transport) fill an :class:`Outcome`; the engine classifies it with
the one classifier and turns it into an :class:`AttemptRecord`, which redacts free text when it
is made. Successful attempts carry no free text, so their records stay cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from chatcontract.client.route import Target
from chatcontract.observation import UNPARSED
from chatcontract.record import (
    AttemptRecord,
    FailureClass,
    OperatorAction,
    ParserOutcome,
    ResponseShape,
    Result,
    RetryDecision,
    utc_now,
)
from chatcontract.redact import MASK, Redactor, active_redactor, shape_of_body, shape_of_messages, strip_url_secrets
from chatcontract.taxonomy import ACTIONS, Classification, StreamState, TransportError, classify


@dataclass(slots=True)
class Outcome:
    """What one attempt produced. ``sent`` is false only when the request never left."""

    started: float
    wall: datetime
    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: bytes | None = None
    transport_error: TransportError | None = None
    stream_state: StreamState | None = None
    delivered: bool = False
    sent: bool = True
    elapsed_s: float = 0.0
    first_chunk_s: float | None = None
    content: str | None = None
    finish_reason: str | None = None
    response_model: str | None = None
    response_id: str | None = None
    usage: Mapping[str, Any] | None = None
    message: Mapping[str, Any] | None = None
    parser_outcome: ParserOutcome | None = None
    problem: str | None = None
    parsed: tuple[bytes, Any] | None = None  # (body, its JSON) from ``read_answer``: parsed once


@dataclass(frozen=True, slots=True)
class RecordContext:
    """Fields every record of one writer (and one call) carries: the writer passes only these.

    ``body``: the exact request body an evidence writer (probe, repro) sent; its shape is then
    recorded on every attempt (the client records the shape of failed attempts only, from
    ``messages``). ``secret``: a key masked by value in free text (a server may echo it).
    """

    request_id: str
    service: str | None = None
    deployment: str | None = None
    run_id: str | None = None
    incident_id: str | None = None
    request_class: str | None = None
    streaming: bool = False
    messages: Sequence[Mapping[str, Any]] = ()
    source_reference: str | None = None
    source_accessed: str | None = None
    body: bytes | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)

    def request_shape(self) -> dict[str, Any] | None:
        """The request reduced to its shape (roles and lengths, never text)."""
        if self.body is not None:
            return body_shape(self.body)
        return {"messages": shape_of_messages(self.messages)} if self.messages else None

    def scrub(self, text: str | None) -> str | None:
        """``text`` with the secret masked by value (the record's validator redacts the rest)."""
        if text is None or not self.secret:
            return text
        return text.replace(self.secret, MASK)


class Where(Protocol):
    """Where an attempt went, as records name it (a client route, or a probe's request)."""

    @property
    def route_template(self) -> str: ...
    @property
    def server_address(self) -> str: ...
    @property
    def model(self) -> str | None: ...
    @property
    def credential_source(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Place:
    """A :class:`Where` for a request sent outside the client's routes (probe, repro)."""

    route_template: str
    server_address: str
    model: str | None
    credential_source: str | None

    @classmethod
    def of(cls, url: str, *, model: str | None, credential_source: str | None) -> Place:
        """The path and host of ``url`` (the host alone: the OTel ``server.address``)."""
        parts = urlsplit(url)
        return cls(parts.path or "/", parts.hostname or "", model, credential_source)


def body_shape(body: bytes) -> dict[str, Any] | None:
    """A JSON request body reduced to its shape; the size of a non-JSON one."""
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        return {"non_json_bytes": len(body)}
    if not isinstance(doc, dict):
        return None
    shaped = shape_of_body(doc)
    return shaped if isinstance(shaped, dict) else None


def read_answer(outcome: Outcome) -> None:
    """Parse a 2xx non-stream body into the outcome's answer fields (content, usage...)."""
    body = outcome.body
    if not body:
        outcome.parser_outcome = ParserOutcome.INVALID_JSON
        return
    try:
        doc = json.loads(body)
    except ValueError:
        outcome.parser_outcome = ParserOutcome.INVALID_JSON
        return
    outcome.parsed = (body, doc)
    if type(doc) is not dict:
        outcome.parser_outcome = ParserOutcome.MISSING_FIELD
        return
    outcome.response_model = doc.get("model")
    outcome.response_id = doc.get("id")
    usage = doc.get("usage")
    outcome.usage = usage if type(usage) is dict else None
    choices = doc.get("choices")
    if type(choices) is not list or not choices or type(choices[0]) is not dict:
        outcome.parser_outcome = ParserOutcome.MISSING_FIELD
        return
    choice = choices[0]
    message = choice.get("message")
    outcome.finish_reason = choice.get("finish_reason")
    if type(message) is not dict:
        outcome.parser_outcome = ParserOutcome.MISSING_FIELD
        return
    outcome.message = message
    content = message.get("content")
    outcome.content = content if isinstance(content, str) else None
    outcome.parser_outcome = ParserOutcome.OK if outcome.content else ParserOutcome.EMPTY_CONTENT


def classify_outcome(outcome: Outcome, *, attempt_number: int) -> Classification:
    """The one classifier applied to what the wire observed of one attempt (a body already
    parsed is not parsed again, unless it was since replaced)."""
    parsed = outcome.parsed
    return classify(
        outcome.status,
        outcome.headers,
        outcome.body,
        transport_error=outcome.transport_error,
        stream_state=outcome.stream_state,
        content_delivered=outcome.delivered,
        attempt_number=attempt_number,
        doc=parsed[1] if parsed is not None and parsed[0] is outcome.body else UNPARSED,
    )


def _shape(outcome: Outcome, cls: Classification) -> ResponseShape:
    if outcome.status is None:
        return ResponseShape.CLIENT_ERROR
    if outcome.stream_state is not None:
        return ResponseShape.STREAM
    return cls.observation.shape or ResponseShape.OTHER


def _summary(outcome: Outcome, cls: Classification, note: str | None) -> str | None:
    if cls.failure_class is None:
        return note
    obs = cls.observation
    bits: list[str] = []
    if outcome.transport_error is not None:
        bits.append(f"transport: {outcome.transport_error.value}")
    if outcome.transport_error in (TransportError.READ_TIMEOUT, TransportError.FIRST_CHUNK_TIMEOUT):
        bits.append("request was sent; completion status unknown")
    if obs.status is not None:
        bits.append(f"HTTP {obs.status}")
    if obs.error_code or obs.error_type:
        bits.append(f"code={obs.error_code or ''} type={obs.error_type or ''}")
    if obs.error_message:
        bits.append(obs.error_message[:200])
    if outcome.problem:
        bits.append(outcome.problem)
    if note:
        bits.append(note)
    return "; ".join(bits) or None


def _usage_int(usage: Mapping[str, Any] | None, key: str) -> int | None:
    if usage is None:
        return None
    value = usage.get(key)
    return value if type(value) is int and value >= 0 else None


def _same(value: str | None) -> str | None:
    return value


def _labels(
    ctx: RecordContext,
    target: Where,
    fallback_of: str | None,
    circuit_state: str | None,
    *,
    text: Callable[[str | None], str | None] = _same,
    url: Callable[[str | None], str | None] = _same,
) -> dict[str, Any]:
    """The names every record carries: the call's, the route's, its place among the routes.

    ``text`` and ``url`` clean them; validated records leave that to the model (the default)."""
    return {
        "incident_id": text(ctx.incident_id),
        "source_reference": url(ctx.source_reference),
        "source_accessed": text(ctx.source_accessed),
        "run_id": text(ctx.run_id),
        "request_class": text(ctx.request_class),
        "service": text(ctx.service),
        "deployment": text(ctx.deployment),
        "credential_source": text(target.credential_source),
        "route_template": url(target.route_template),
        "server_address": url(target.server_address),
        "model": text(target.model),
        "streaming": ctx.streaming,
        "fallback_of": text(fallback_of),
        "circuit_state": text(circuit_state),
    }


def _measured(outcome: Outcome, cls: Classification) -> dict[str, Any]:
    """The text-free fields measured on a sent attempt (the same in every kind of record)."""
    usage = outcome.usage
    first = outcome.first_chunk_s
    return {
        "started_at": outcome.wall,
        "elapsed_ms": outcome.elapsed_s * 1000.0,
        "first_chunk_ms": None if first is None else first * 1000.0,
        "parser_outcome": outcome.parser_outcome,
        "http_status": cls.observation.status,
        "response_shape": _shape(outcome, cls),
        "prompt_tokens": _usage_int(usage, "prompt_tokens"),
        "completion_tokens": _usage_int(usage, "completion_tokens"),
        "total_tokens": _usage_int(usage, "total_tokens"),
    }


def build_record(
    ctx: RecordContext,
    target: Where,
    outcome: Outcome,
    cls: Classification,
    *,
    attempt_number: int,
    decision: RetryDecision | None,
    backoff_s: float | None = None,
    fallback_of: str | None = None,
    circuit_state: str | None = None,
    note: str | None = None,
    result: Result | None = None,
) -> AttemptRecord:
    """The redacted record of one sent attempt: every writer (client, probe, repro) calls this,
    passing only its own context."""
    obs = cls.observation
    fc = cls.failure_class
    if fc is None and ctx.body is None and result is None and note is None:
        return success_record(
            ctx, target, outcome, cls, attempt_number=attempt_number, fallback_of=fallback_of,
            circuit_state=circuit_state,
        )  # fmt: skip
    return AttemptRecord(
        **_labels(ctx, target, fallback_of, circuit_state),
        **_measured(outcome, cls),
        request_id=ctx.request_id,
        provider_request_id=obs.provider_request_id,
        attempt_number=attempt_number,
        failure_class=fc,
        retry_decision=decision,
        operator_action=OperatorAction.NONE if fc is None else ACTIONS[fc].operator_action,
        backoff_ms=None if backoff_s is None else backoff_s * 1000.0,
        retry_after_ms=obs.retry_after_ms,
        response_model=outcome.response_model,
        finish_reason=outcome.finish_reason,
        error_summary=ctx.scrub(_summary(outcome, cls, note)),
        request_shape=None if fc is None and ctx.body is None else ctx.request_shape(),
        result=result,
    )


class _Memo:
    """Redaction results of the repeated strings of successful records (model names, states).

    Keyed by the active redactor, so a reconfigured redactor starts afresh. Bounded.
    """

    def __init__(self) -> None:
        self.owner: Redactor | None = None
        self.text: dict[str, str] = {}
        self.urls: dict[str, str] = {}

    def check(self) -> Redactor:
        redactor = active_redactor()
        if redactor is not self.owner:
            self.text, self.urls, self.owner = {}, {}, redactor
        return redactor

    def clean(self, redactor: Redactor, value: str | None) -> str | None:
        if value is None:
            return None
        found = self.text.get(value)
        if found is None:
            found = redactor.redact(value)
            if len(self.text) < 4096:
                self.text[value] = found
        return found

    def url(self, value: str | None) -> str | None:
        if value is None:
            return None
        found = self.urls.get(value)
        if found is None:
            found = self.urls[value] = strip_url_secrets(value)
        return found


_MEMO = _Memo()
# Every field in declaration order (so dumps match validated records); the two fields with a
# default factory (request_id, started_at) are always given.
_DEFAULTS: dict[str, Any] = {
    name: None if info.default_factory is not None else info.get_default(call_default_factory=False)
    for name, info in AttemptRecord.model_fields.items()
}


def _construct(**values: Any) -> AttemptRecord:
    """``AttemptRecord.model_construct`` with the defaults computed once (values are trusted:
    already redacted by the caller)."""
    record = AttemptRecord.__new__(AttemptRecord)
    data = _DEFAULTS.copy()
    data.update(values)
    object.__setattr__(record, "__dict__", data)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


_HEX_ID = re.compile(r"[0-9a-f]{32}")


def success_record(
    ctx: RecordContext,
    target: Where,
    outcome: Outcome,
    cls: Classification,
    *,
    attempt_number: int,
    fallback_of: str | None,
    circuit_state: str | None,
) -> AttemptRecord:
    """The record of a successful attempt, made without re-validating every field.

    A success has no free text of its own: every text field is one of a few repeated values
    (model, finish reason, circuit state, the client's names), redacted once by the active
    redactor and remembered; the provider's request id is redacted every time. The result is
    equal to validating the same fields (a test holds this), at a fraction of the cost.
    """
    memo = _MEMO
    redactor = memo.check()
    rid = ctx.request_id
    if redactor.extra_patterns or not _HEX_ID.fullmatch(rid):
        rid = redactor.redact(rid)
    provider_id = cls.observation.provider_request_id
    if provider_id is not None:
        provider_id = None if redactor.drop_ids else redactor.redact(provider_id)
    text = partial(memo.clean, redactor)
    return _construct(
        **_labels(ctx, target, fallback_of, circuit_state, text=text, url=memo.url),
        **_measured(outcome, cls),
        request_id=rid,
        provider_request_id=provider_id,
        attempt_number=attempt_number,
        operator_action=OperatorAction.NONE,
        response_model=text(outcome.response_model),
        finish_reason=text(outcome.finish_reason),
    )


def local_record(
    ctx: RecordContext,
    target: Target,
    failure_class: FailureClass,
    *,
    attempt_number: int,
    summary: str,
    fallback_of: str | None,
    circuit_state: str | None,
) -> AttemptRecord:
    """A record of a decision made without a network call (circuit open, deadline, size)."""
    return AttemptRecord(
        **_labels(ctx, target, fallback_of, circuit_state),
        request_id=ctx.request_id,
        started_at=utc_now(),
        elapsed_ms=0.0,
        attempt_number=attempt_number,
        failure_class=failure_class,
        retry_decision=RetryDecision.DO_NOT_RETRY,
        operator_action=ACTIONS[failure_class].operator_action,
        response_shape=ResponseShape.CLIENT_ERROR,
        error_summary=summary,
        request_shape=ctx.request_shape(),
    )
