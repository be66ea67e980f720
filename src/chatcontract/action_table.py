"""The action table: what to do about each failure class.

One row per :class:`FailureClass`: whether the same route may be retried, whether a fallback
route may be tried, what an operator should do, and where the class goes in incident review
(review category and its owner) and in escalation. :mod:`chatcontract.taxonomy` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chatcontract.record import FailureClass, OperatorAction


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
    FailureClass.ENDPOINT_MISMATCH: _a(
        _R.NO, _F.NO, _O.FIX_CONFIG, _C.ENDPOINT, _E.CONTRACT_MISMATCH
    ),
    FailureClass.AUTH: _a(_R.NO, _F.NO, _O.REFRESH_CREDENTIALS, _C.AUTH, _E.AUTH_ACCOUNT),
    FailureClass.REQUEST_INVALID: _a(
        _R.NO, _F.NO, _O.FIX_REQUEST, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH
    ),
    FailureClass.MODEL_UNKNOWN: _a(
        _R.NO, _F.NO, _O.CHECK_CONFIG_DRIFT, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH
    ),
    FailureClass.CONTEXT_EXCEEDED: _a(
        _R.NO, _F.YES, _O.FIX_TOKEN_BUDGET, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH
    ),
    FailureClass.CONTENT_FILTERED: _a(
        _R.NO, _F.NO, _O.APPLICATION_OUTCOME, _C.REQUEST_SCHEMA, _E.CONTRACT_MISMATCH
    ),
    FailureClass.QUOTA_EXHAUSTED: _a(
        _R.NO, _F.OTHER_CREDENTIALS, _O.PAGE_OWNER_BILLING, _C.USAGE_BILLING, _E.QUOTA_BILLING
    ),
    FailureClass.RATE_LIMITED: _a(
        _R.YES, _F.YES, _O.RETRY_BRIEFLY, _C.USAGE_BILLING, _E.QUOTA_BILLING
    ),
    FailureClass.SERVER_ERROR: _a(
        _R.YES, _F.YES, _O.RETRY_THEN_FALLBACK, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY
    ),
    FailureClass.CONNECT_ERROR: _a(
        _R.YES, _F.YES, _O.RETRY_ONCE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY
    ),
    FailureClass.TIMEOUT: _a(
        _R.BEFORE_SEND,
        _F.UNLESS_SIDE_EFFECTS,
        _O.CHECK_COMPLETION_STATUS,
        _C.TIMEOUT_RETRY,
        _E.AVAILABILITY,
    ),
    FailureClass.INVALID_RESPONSE: _a(
        _R.ONCE, _F.YES, _O.KEEP_FIXTURE, _C.RESPONSE_PARSER, _E.CONTRACT_MISMATCH
    ),
    FailureClass.SCHEMA_MISMATCH: _a(
        _R.NO, _F.YES, _O.REPORT_CONTRACT_DRIFT, _C.RESPONSE_PARSER, _E.CONTRACT_MISMATCH
    ),
    FailureClass.STREAM_INTERRUPTED: _a(
        _R.BEFORE_CONTENT, _F.YES, _O.NEVER_REPORT_SUCCESS, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY
    ),
    FailureClass.STREAM_STALLED: _a(
        _R.BEFORE_CONTENT, _F.YES, _O.NEVER_REPORT_SUCCESS, _C.TIMEOUT_RETRY, _E.AVAILABILITY
    ),
    FailureClass.STREAM_ERROR: _a(
        _R.BEFORE_CONTENT, _F.YES, _O.INVESTIGATE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY
    ),
    FailureClass.CIRCUIT_OPEN: _a(
        _R.NO, _F.YES, _O.WAIT_FOR_RECOVERY, _C.TIMEOUT_RETRY, _E.AVAILABILITY
    ),
    FailureClass.DEADLINE_EXCEEDED: _a(
        _R.NO, _F.NO, _O.CHECK_COMPLETION_STATUS, _C.TIMEOUT_RETRY, _E.AVAILABILITY
    ),
    FailureClass.BUDGET_EXHAUSTED: _a(
        _R.NO, _F.YES, _O.WAIT_FOR_RECOVERY, _C.TIMEOUT_RETRY, _E.AVAILABILITY
    ),
    FailureClass.UNKNOWN: _a(_R.NO, _F.NO, _O.INVESTIGATE, _C.UNKNOWN_EXTERNAL, _E.AVAILABILITY),
}


def action_for(failure_class: FailureClass) -> ClassAction:
    """The action row for ``failure_class``."""
    return ACTIONS[failure_class]
