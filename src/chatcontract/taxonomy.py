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

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from chatcontract.action_table import (
    ACTIONS,
    ESCALATE,
    NEVER_RETRY,
    REVIEW_OWNERS,
    ClassAction,
    EscalationCategory,
    FallbackRule,
    RetryRule,
    ReviewCategory,
    action_for,
    decision_for,
)
from chatcontract.observation import UNPARSED, Headers, Observation, header_map, observe, parse_retry_after
from chatcontract.record import FailureClass, OperatorAction, ResponseShape

__all__ = [
    "ACTIONS",
    "ESCALATE",
    "NEVER_RETRY",
    "REVIEW_OWNERS",
    "ClassAction",
    "Classification",
    "EscalationCategory",
    "FallbackRule",
    "Headers",
    "Observation",
    "RetryRule",
    "ReviewCategory",
    "StreamState",
    "TransportError",
    "action_for",
    "classify",
    "classify_observation",
    "decision_for",
    "header_map",
    "may_retry",
    "observe",
    "parse_retry_after",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class TransportError(StrEnum):
    """What went wrong below HTTP, as a low-cardinality kind."""

    CONNECT_ERROR = "connect_error"  # DNS failure, refused
    CONNECT_TIMEOUT = "connect_timeout"
    RESET = "reset"  # connection reset or closed before any response byte
    WRITE_ERROR = "write_error"
    READ_TIMEOUT = "read_timeout"  # request sent, no response in time: completion status unknown
    FIRST_CHUNK_TIMEOUT = "first_chunk_timeout"  # headers came, no content event in time
    PROTOCOL_ERROR = "protocol_error"  # malformed HTTP or an undecodable body
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"  # a URL scheme the HTTP library cannot send to
    LOCAL_PROTOCOL_ERROR = "local_protocol_error"  # our own request is not valid HTTP: never sent


class StreamState(StrEnum):
    """How a streamed response ended."""

    COMPLETE = "complete"  # a finish_reason arrived
    CUT = "cut"  # closed before any finish_reason
    STALLED = "stalled"  # no event within the idle limit
    ERROR_EVENT = "error_event"  # an ``error`` object inside the stream
    MALFORMED = "malformed"  # an event that is not valid JSON


_CONTEXT = re.compile(
    r"context[_ ]length|maximum context|context window|too many tokens|prompt is too long|"
    r"reduce the length|token limit|max_tokens.{0,80}too large|input is too long|"
    r"max_new_tokens.{0,40}must be <=",
    re.I,
)
_CONTENT = re.compile(
    r"content[_ ]?(?:management )?(?:policy|filter)|safety system|content_policy_violation|"
    r"flagged|moderation|responsible ai|violat\w* (?:our|the) (?:usage|content) polic",
    re.I,
)
_MODEL = re.compile(
    r"model[^.]{0,80}(?:does not exist|not found|not exist|not supported|is not available|"
    r"no access)|unknown model|invalid model|no available channel|无可用渠道|model_not_found|"
    r"no such model|unsupported model|not a valid model|^model: \S+$",
    re.I,
)
_QUOTA = re.compile(
    r"insufficient_quota|exceeded your current quota|quota (?:exceeded|exhausted|is not enough)|"
    r"insufficient (?:user )?(?:quota|balance|credits?|funds)|billing|余额不足|额度不足|额度已用尽|"
    r"credit balance",
    re.I,
)
# Quota wording strong enough to name a quota failure outside a 429 (402, 400, 403).
_QUOTA_STRONG = re.compile(
    r"insufficient_quota|exceeded your current quota|credit balance is too low|"
    r"insufficient (?:user )?(?:quota|balance|credits?|funds)|余额不足|额度不足|额度已用尽",
    re.I,
)
_AUTH = re.compile(
    r"invalid[_ ](?:api[_ ])?(?:key|token)|incorrect api key|unauthori[sz]ed|api key not valid|"
    r"invalid (?:authentication|credentials|x-api-key)|authentication (?:failed|required)|"
    r"(?:missing|no) (?:bearer |api )?(?:key|token|auth\w*)|didn't provide an api key",
    re.I,
)
_CONTEXT_CODES = _words("context_length_exceeded string_above_max_length context_window_exceeded")
_CONTENT_CODES = _words("content_filter content_policy_violation content_filtered prompt_blocked")
_MODEL_CODES = _words(
    "model_not_found model_not_available invalid_model unknown_model deploymentnotfound"
)
_QUOTA_CODES = _words(
    "insufficient_quota billing_hard_limit_reached quota_exceeded insufficient_credits"
)
_AUTH_CODES = _words("invalid_api_key invalid_token unauthorized authentication_error")
_INVALID_REQUEST_CODES = _words("invalid_request invalid_request_error")
_SERVER_TYPES = _words(
    "server_error internal_error internal_server_error api_error overloaded_error overloaded "
    "service_unavailable bad_gateway upstream_error"
)
_RATE_TYPES = _words("rate_limit_error rate_limit_exceeded too_many_requests")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _error_text(obs: Observation) -> str:
    return " ".join(x for x in (obs.error_type, obs.error_code, obs.error_message) if x)


def _codes(obs: Observation) -> set[str]:
    return {c.lower() for c in (obs.error_code, obs.error_type) if c}


def _classify_error_body(obs: Observation) -> FailureClass | None:
    """The class an error envelope names by its code, type or message, if any."""
    codes = _codes(obs)
    text = _error_text(obs)
    if (
        codes & _QUOTA_CODES
        or _QUOTA_STRONG.search(text)
        or (obs.status == 429 and _QUOTA.search(text))
    ):
        return FailureClass.QUOTA_EXHAUSTED
    if codes & _CONTEXT_CODES or _CONTEXT.search(text):
        return FailureClass.CONTEXT_EXCEEDED
    if codes & _CONTENT_CODES or _CONTENT.search(text):
        return FailureClass.CONTENT_FILTERED
    if codes & _MODEL_CODES or _MODEL.search(obs.error_message or "") or _MODEL.search(text):
        return FailureClass.MODEL_UNKNOWN
    if codes & _AUTH_CODES:
        return FailureClass.AUTH
    return None


def _class_by_type(obs: Observation) -> FailureClass | None:
    """The class an error envelope's type/code names when its status does not (a 2xx error)."""
    codes = _codes(obs)
    if codes & _SERVER_TYPES:
        return FailureClass.SERVER_ERROR
    if codes & _RATE_TYPES:
        return FailureClass.RATE_LIMITED
    return None


def _classify_client_error(obs: Observation, named: FailureClass | None) -> FailureClass:
    """A 4xx other than 401/403/408/413/429."""
    status = obs.status or 0
    if obs.is_html:
        return FailureClass.ENDPOINT_MISMATCH
    if status == 402:
        return FailureClass.QUOTA_EXHAUSTED
    if status in (404, 405):
        return named if named is FailureClass.MODEL_UNKNOWN else FailureClass.ENDPOINT_MISMATCH
    if named is not None:
        return named
    if _AUTH.search(_error_text(obs)):
        return FailureClass.AUTH
    return FailureClass.REQUEST_INVALID


def _classify_status(obs: Observation) -> FailureClass:
    status = obs.status or 0
    named = _classify_error_body(obs) if obs.shape is ResponseShape.ERROR_JSON else None
    if status in (401, 403):
        if named is FailureClass.QUOTA_EXHAUSTED:
            return named
        # a 403 whose code names the model: the key works, the model is not open to it
        return FailureClass.MODEL_UNKNOWN if _codes(obs) & _MODEL_CODES else FailureClass.AUTH
    if status == 429:
        return (
            FailureClass.QUOTA_EXHAUSTED
            if named is FailureClass.QUOTA_EXHAUSTED
            else FailureClass.RATE_LIMITED
        )
    if status == 408:
        return FailureClass.TIMEOUT
    if status == 413:
        return FailureClass.CONTEXT_EXCEEDED
    if 400 <= status < 500:
        return _classify_client_error(obs, named)
    if status >= 500:
        codes = _codes(obs)
        if codes & _INVALID_REQUEST_CODES:  # CometAPI's 500 invalid_request: do not retry
            return named or FailureClass.REQUEST_INVALID
        if codes & _MODEL_CODES:  # a gateway with no channel for the model (new-api: 503)
            return FailureClass.MODEL_UNKNOWN
        return FailureClass.SERVER_ERROR
    return FailureClass.UNKNOWN


_TRANSPORT_CLASSES: dict[TransportError, FailureClass] = {
    TransportError.CONNECT_ERROR: FailureClass.CONNECT_ERROR,
    TransportError.RESET: FailureClass.CONNECT_ERROR,
    TransportError.WRITE_ERROR: FailureClass.CONNECT_ERROR,
    TransportError.CONNECT_TIMEOUT: FailureClass.TIMEOUT,
    TransportError.READ_TIMEOUT: FailureClass.TIMEOUT,
    TransportError.FIRST_CHUNK_TIMEOUT: FailureClass.TIMEOUT,
    TransportError.PROTOCOL_ERROR: FailureClass.INVALID_RESPONSE,
    TransportError.UNSUPPORTED_PROTOCOL: FailureClass.ENDPOINT_MISMATCH,
    TransportError.LOCAL_PROTOCOL_ERROR: FailureClass.REQUEST_INVALID,
}

_STREAM_CLASSES: dict[StreamState, FailureClass | None] = {
    StreamState.COMPLETE: None,
    StreamState.CUT: FailureClass.STREAM_INTERRUPTED,
    StreamState.STALLED: FailureClass.STREAM_STALLED,
    StreamState.ERROR_EVENT: FailureClass.STREAM_ERROR,
    StreamState.MALFORMED: FailureClass.INVALID_RESPONSE,
}


def _stream_state_of(obs: Observation) -> StreamState:
    """How a stream read as a whole ended (when the reader did not say)."""
    if obs.error_message is not None or obs.error_code is not None:
        return StreamState.ERROR_EVENT
    if obs.stream_malformed:
        return StreamState.MALFORMED
    return StreamState.COMPLETE if obs.finish_reason is not None else StreamState.CUT


def classify_observation(
    obs: Observation,
    *,
    transport_error: TransportError | None = None,
    stream_state: StreamState | None = None,
) -> FailureClass | None:
    """The failure class of one attempt, or ``None`` when it produced a usable answer.

    A 200 whose ``finish_reason`` is ``content_filter`` is an answer (the application decides),
    not a failure.
    """
    if transport_error is not None:
        return _TRANSPORT_CLASSES[transport_error]
    status = obs.status
    if status is None:
        return FailureClass.UNKNOWN
    if status in _REDIRECTS:
        return FailureClass.ENDPOINT_MISMATCH
    if not 200 <= status < 300:
        return _classify_status(obs)
    if stream_state is None and obs.shape is ResponseShape.STREAM:
        stream_state = _stream_state_of(obs)
    if stream_state is not None:
        return _STREAM_CLASSES[stream_state]
    if obs.is_html:
        return FailureClass.ENDPOINT_MISMATCH
    if obs.shape in (ResponseShape.OTHER, ResponseShape.EMPTY):
        return FailureClass.INVALID_RESPONSE
    if obs.shape is ResponseShape.ERROR_JSON:  # a gateway that says 200 but sends an error
        return _classify_error_body(obs) or _class_by_type(obs) or FailureClass.SCHEMA_MISMATCH
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
        if self.failure_class is None:
            return OperatorAction.NONE
        return ACTIONS[self.failure_class].operator_action


def _rule_allows(
    failure_class: FailureClass,
    obs: Observation,
    transport_error: TransportError | None,
    attempt_number: int,
) -> bool:
    """What the action table's retry rule says, before headers and delivered content."""
    rule = ACTIONS[failure_class].retry
    if failure_class is FailureClass.TIMEOUT:
        # A connect timeout or a 408 never reached the model; a silent route after sending did.
        return transport_error is TransportError.CONNECT_TIMEOUT or (
            transport_error is None and obs.status == 408
        )
    if rule is RetryRule.ONCE:
        return attempt_number <= 1
    if rule is RetryRule.BEFORE_SEND:
        return transport_error in (TransportError.CONNECT_ERROR, TransportError.CONNECT_TIMEOUT)
    return rule in (RetryRule.YES, RetryRule.BEFORE_CONTENT)  # NOT_SAME_ROUTE, NO: no


def may_retry(
    failure_class: FailureClass,
    obs: Observation,
    *,
    transport_error: TransportError | None = None,
    content_delivered: bool = False,
    attempt_number: int = 1,
) -> bool:
    """Whether the same route may be tried again.

    The action table decides; an ``x-should-retry`` header overrides it either way, except that
    it never makes auth, request, model, endpoint, quota, content or context failures retryable.
    Once content reached the caller nothing is retried (it would be delivered twice).
    """
    if content_delivered:
        return False
    if failure_class is FailureClass.STREAM_ERROR:
        inner = _classify_error_body(obs)
        if inner in NEVER_RETRY:
            return False
    allowed = _rule_allows(failure_class, obs, transport_error, attempt_number)
    if obs.should_retry is not None and failure_class not in NEVER_RETRY:
        return obs.should_retry
    return allowed


def _fallback_allowed(failure_class: FailureClass, obs: Observation) -> bool:
    """By the action table; an error inside a stream falls back by the class it names."""
    if failure_class is FailureClass.STREAM_ERROR:
        inner = _classify_error_body(obs)
        if inner is not None:
            return ACTIONS[inner].fallback is not FallbackRule.NO
    return ACTIONS[failure_class].fallback is not FallbackRule.NO


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
    doc: Any = UNPARSED,
) -> Classification:
    """Classify one observed attempt.

    ``status``/``headers``/``body`` are what came back (any may be missing; ``body`` may be a
    whole event stream); ``transport_error`` is what failed below HTTP; ``stream_state`` is how
    a stream ended; ``content_delivered`` says whether any content already reached the caller;
    ``doc``: the body already parsed as JSON (see :func:`~chatcontract.observation.observe`).
    """
    te = TransportError(transport_error) if transport_error is not None else None
    ss = StreamState(stream_state) if stream_state is not None else None
    obs = observe(status, headers, body, now=now, doc=doc)
    failure = classify_observation(obs, transport_error=te, stream_state=ss)
    if failure is None:
        return Classification(None, obs, retryable=False, fallback_allowed=False)
    retry = may_retry(
        failure,
        obs,
        transport_error=te,
        content_delivered=content_delivered,
        attempt_number=attempt_number,
    )
    return Classification(failure, obs, retry, _fallback_allowed(failure, obs))
