"""Which profile assumption states the expected behaviour for a failure, and the support topic.

A reproduction note and an escalation packet both cite the contract: "expected: a 503 is
retryable (source, read on)". This module is the one table from failure class (or probe
negative case) to the assumption that says what should have happened, and from failure class
to the provider help-centre topic a support request belongs under.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chatcontract.contract.profile import Profile
from chatcontract.record import FailureClass

_FC = FailureClass
_BY_CLASS: dict[FailureClass, str] = {
    _FC.ENDPOINT_MISMATCH: "chat_route",
    _FC.AUTH: "auth",
    _FC.REQUEST_INVALID: "required_request_fields",
    _FC.MODEL_UNKNOWN: "status_semantics",
    _FC.CONTEXT_EXCEEDED: "status_semantics",
    _FC.CONTENT_FILTERED: "status_semantics",
    _FC.QUOTA_EXHAUSTED: "retry_stance",
    _FC.RATE_LIMITED: "retry_stance",
    _FC.SERVER_ERROR: "retry_stance",
    _FC.CONNECT_ERROR: "base_url",
    _FC.TIMEOUT: "base_url",
    _FC.INVALID_RESPONSE: "response_fields",
    _FC.SCHEMA_MISMATCH: "response_fields",
    _FC.STREAM_INTERRUPTED: "stream_terminator",
    _FC.STREAM_STALLED: "stream_format",
    _FC.STREAM_ERROR: "stream_error_format",
}
_BY_NEGATIVE: dict[str, str] = {
    "missing-auth": "auth",
    "invalid-key": "auth",
    "missing-model": "required_request_fields",
    "empty-messages": "required_request_fields",
    "invalid-role": "roles",
    "oversized": "status_semantics",
    "unknown-model": "status_semantics",
    "wrong-path": "wrong_path",
}
# What a negative case is expected to produce (used as the default --class).
NEGATIVE_CLASS: dict[str, FailureClass] = {
    "missing-auth": _FC.AUTH,
    "invalid-key": _FC.AUTH,
    "missing-model": _FC.REQUEST_INVALID,
    "empty-messages": _FC.REQUEST_INVALID,
    "invalid-role": _FC.REQUEST_INVALID,
    "oversized": _FC.CONTEXT_EXCEEDED,
    "unknown-model": _FC.MODEL_UNKNOWN,
    "wrong-path": _FC.ENDPOINT_MISMATCH,
}
STREAM_CLASSES = frozenset({_FC.STREAM_INTERRUPTED, _FC.STREAM_STALLED, _FC.STREAM_ERROR})
REQUEST_SHAPE_CLASSES = frozenset({_FC.REQUEST_INVALID, _FC.MODEL_UNKNOWN, _FC.CONTEXT_EXCEEDED, _FC.CONTENT_FILTERED})


@dataclass(frozen=True)
class Expectation:
    """The cited assumption: its key, what it says, where and when it was read, its status."""

    key: str
    statement: str
    source_url: str
    accessed: str
    status: str

    def cited(self) -> str:
        """The statement with its source in the same sentence (so lint sees the citation)."""
        text = self.statement.rstrip().rstrip(".")
        return f"{text} (source: {self.source_url}, read {self.accessed}, status {self.status})."


def expectation_for(profile: Profile, failure_class: FailureClass | None, negative: str | None = None) -> Expectation:
    """The assumption that states what should have happened."""
    key = _BY_NEGATIVE.get(negative or "") or _BY_CLASS.get(failure_class or _FC.UNKNOWN)
    key = key or "status_semantics"
    a = profile.assumption(key)
    return Expectation(key, a.statement, a.source_url, a.accessed.isoformat(), a.status.value)


class SupportTopic(StrEnum):
    """Help-centre topics a support request is filed under."""

    ERROR_HANDLING = "error handling"
    MAINTENANCE = "maintenance"
    PRIVACY_LOGGING = "privacy/logging"
    ABNORMAL_CHARGES = "abnormal charges"


_MAINTENANCE = frozenset({_FC.SERVER_ERROR, _FC.CONNECT_ERROR, _FC.TIMEOUT} | STREAM_CLASSES)


def support_topic(failure_class: FailureClass | None) -> SupportTopic | None:
    """The help-centre topic for a failure class (``None`` when no failure was seen)."""
    if failure_class is None:
        return None
    if failure_class is _FC.QUOTA_EXHAUSTED:
        return SupportTopic.ABNORMAL_CHARGES
    if failure_class in _MAINTENANCE:
        return SupportTopic.MAINTENANCE
    return SupportTopic.ERROR_HANDLING


# What the API should have answered (not what our retry policy does about it), per failure class:
# a provider-side failure should have been a chat.completion (or a stream that ends properly);
# a request-side class cites the rule the request broke.
_ANSWER_BY_CLASS: dict[FailureClass, str] = {
    **dict.fromkeys((_FC.SERVER_ERROR, _FC.TIMEOUT, _FC.CONNECT_ERROR, _FC.INVALID_RESPONSE, _FC.SCHEMA_MISMATCH,
                     _FC.RATE_LIMITED, _FC.QUOTA_EXHAUSTED), "response_fields"),
    _FC.STREAM_INTERRUPTED: "stream_terminator",
    _FC.STREAM_STALLED: "stream_format",
    _FC.STREAM_ERROR: "stream_format",
}


def answer_expected(profile: Profile, failure_class: FailureClass | None, negative: str | None = None) -> Expectation:
    """The assumption that says what the API should have answered for this request."""
    if negative is None and failure_class in _ANSWER_BY_CLASS:
        a = profile.assumption(_ANSWER_BY_CLASS[failure_class])
        key = _ANSWER_BY_CLASS[failure_class]
        return Expectation(key, a.statement, a.source_url, a.accessed.isoformat(), a.status.value)
    return expectation_for(profile, failure_class, negative)


def topic_reason(failure_class: FailureClass | None) -> str:
    """Why :func:`support_topic` chose its topic (or none), in words."""
    topic = support_topic(failure_class)
    if failure_class is None or topic is None:
        return "no failure was recorded, so no help-centre topic fits"
    if topic is SupportTopic.ABNORMAL_CHARGES:
        return f"the dominant failure {failure_class.value} is about quota or billing"
    if topic is SupportTopic.MAINTENANCE:
        return (f"the dominant failure {failure_class.value} is an availability failure (server errors, timeouts "
                "or broken streams)")
    return f"the dominant failure {failure_class.value} is an error answer to a request"
