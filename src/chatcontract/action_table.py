"""The action table: what to do about each failure class.

One row per :class:`FailureClass`: whether the same route may be retried, whether a fallback
route may be tried, what an operator should do, and where the class goes in incident review
(review category and its owner) and in escalation. :mod:`chatcontract.taxonomy` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chatcontract.record import FailureClass, OperatorAction, RetryDecision


class RetryRule(StrEnum):
    YES = "yes"
    NO = "no"
    ONCE = "once"
    BEFORE_SEND = "before_send"  # only when the request never reached the provider
    BEFORE_CONTENT = "before_content"  # only before any content reached the caller
    NOT_SAME_ROUTE = "not_same_route"  # a silent route: the next try goes to a fallback route


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


@dataclass(frozen=True, kw_only=True)
class ClassAction:
    """What to do about one failure class (one row of the table; columns by name).

    ``header_may_retry``: an ``x-should-retry`` header may override ``retry`` (never for a
    stall, nor for a failure that asking again cannot mend). ``escalate``: when not retried, a person outside
    the call must act (credentials, billing, configuration); the record says ``escalate``.
    """

    retry: RetryRule
    fallback: FallbackRule
    operator_action: OperatorAction
    review_category: ReviewCategory
    escalation_category: EscalationCategory
    header_may_retry: bool = True
    escalate: bool = False

    @property
    def owner(self) -> str:
        return REVIEW_OWNERS[self.review_category]


_R, _F, _O, _C, _E = RetryRule, FallbackRule, OperatorAction, ReviewCategory, EscalationCategory
ACTIONS: dict[FailureClass, ClassAction] = {
    FailureClass.ENDPOINT_MISMATCH: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.FIX_CONFIG, review_category=_C.ENDPOINT,
        escalation_category=_E.CONTRACT_MISMATCH, header_may_retry=False, escalate=True,
    ),
    FailureClass.AUTH: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.REFRESH_CREDENTIALS, review_category=_C.AUTH,
        escalation_category=_E.AUTH_ACCOUNT, header_may_retry=False, escalate=True,
    ),
    FailureClass.REQUEST_INVALID: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.FIX_REQUEST, review_category=_C.REQUEST_SCHEMA,
        escalation_category=_E.CONTRACT_MISMATCH, header_may_retry=False,
    ),
    FailureClass.MODEL_UNKNOWN: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.CHECK_CONFIG_DRIFT, review_category=_C.REQUEST_SCHEMA,
        escalation_category=_E.CONTRACT_MISMATCH, header_may_retry=False,
    ),
    FailureClass.CONTEXT_EXCEEDED: ClassAction(
        retry=_R.NO, fallback=_F.YES, operator_action=_O.FIX_TOKEN_BUDGET, review_category=_C.REQUEST_SCHEMA,
        escalation_category=_E.CONTRACT_MISMATCH, header_may_retry=False,
    ),
    FailureClass.CONTENT_FILTERED: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.APPLICATION_OUTCOME, review_category=_C.REQUEST_SCHEMA,
        escalation_category=_E.CONTRACT_MISMATCH, header_may_retry=False,
    ),
    FailureClass.QUOTA_EXHAUSTED: ClassAction(
        retry=_R.NO, fallback=_F.OTHER_CREDENTIALS, operator_action=_O.PAGE_OWNER_BILLING,
        review_category=_C.USAGE_BILLING, escalation_category=_E.QUOTA_BILLING, header_may_retry=False, escalate=True,
    ),
    FailureClass.RATE_LIMITED: ClassAction(
        retry=_R.YES, fallback=_F.YES, operator_action=_O.RETRY_BRIEFLY, review_category=_C.USAGE_BILLING,
        escalation_category=_E.QUOTA_BILLING,
    ),
    FailureClass.SERVER_ERROR: ClassAction(
        retry=_R.YES, fallback=_F.YES, operator_action=_O.RETRY_THEN_FALLBACK, review_category=_C.UNKNOWN_EXTERNAL,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.CONNECT_ERROR: ClassAction(
        retry=_R.YES, fallback=_F.YES, operator_action=_O.RETRY_ONCE, review_category=_C.UNKNOWN_EXTERNAL,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.TIMEOUT: ClassAction(
        retry=_R.BEFORE_SEND, fallback=_F.UNLESS_SIDE_EFFECTS, operator_action=_O.CHECK_COMPLETION_STATUS,
        review_category=_C.TIMEOUT_RETRY, escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.INVALID_RESPONSE: ClassAction(
        retry=_R.ONCE, fallback=_F.YES, operator_action=_O.KEEP_FIXTURE, review_category=_C.RESPONSE_PARSER,
        escalation_category=_E.CONTRACT_MISMATCH,
    ),
    FailureClass.SCHEMA_MISMATCH: ClassAction(
        retry=_R.NO, fallback=_F.YES, operator_action=_O.REPORT_CONTRACT_DRIFT, review_category=_C.RESPONSE_PARSER,
        escalation_category=_E.CONTRACT_MISMATCH,
    ),
    FailureClass.STREAM_INTERRUPTED: ClassAction(
        retry=_R.BEFORE_CONTENT, fallback=_F.YES, operator_action=_O.NEVER_REPORT_SUCCESS,
        review_category=_C.UNKNOWN_EXTERNAL, escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.STREAM_STALLED: ClassAction(
        retry=_R.NOT_SAME_ROUTE, fallback=_F.YES, operator_action=_O.NEVER_REPORT_SUCCESS,
        review_category=_C.TIMEOUT_RETRY, escalation_category=_E.AVAILABILITY, header_may_retry=False,
    ),
    FailureClass.STREAM_ERROR: ClassAction(
        retry=_R.BEFORE_CONTENT, fallback=_F.YES, operator_action=_O.INVESTIGATE, review_category=_C.UNKNOWN_EXTERNAL,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.CIRCUIT_OPEN: ClassAction(
        retry=_R.NO, fallback=_F.YES, operator_action=_O.WAIT_FOR_RECOVERY, review_category=_C.TIMEOUT_RETRY,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.DEADLINE_EXCEEDED: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.CHECK_COMPLETION_STATUS, review_category=_C.TIMEOUT_RETRY,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.BUDGET_EXHAUSTED: ClassAction(
        retry=_R.NO, fallback=_F.YES, operator_action=_O.WAIT_FOR_RECOVERY, review_category=_C.TIMEOUT_RETRY,
        escalation_category=_E.AVAILABILITY,
    ),
    FailureClass.UNKNOWN: ClassAction(
        retry=_R.NO, fallback=_F.NO, operator_action=_O.INVESTIGATE, review_category=_C.UNKNOWN_EXTERNAL,
        escalation_category=_E.AVAILABILITY,
    ),
}  # fmt: skip

NEVER_RETRY = frozenset(fc for fc, row in ACTIONS.items() if not row.header_may_retry)
"""Classes no ``x-should-retry`` header makes retryable (derived from the table)."""
ESCALATE = frozenset(fc for fc, row in ACTIONS.items() if row.escalate)
"""Classes whose not-retried attempts are recorded as ``escalate`` (derived from the table)."""


def decision_for(failure_class: FailureClass | None, *, retried: bool) -> RetryDecision | None:
    """The record's ``retry_decision``, one meaning for every writer: ``retry`` when this
    attempt's request is sent again on the same route; else ``escalate`` for a class a person
    must act on, else ``do_not_retry``; none for a success."""
    if failure_class is None:
        return None
    if retried:
        return RetryDecision.RETRY
    return RetryDecision.ESCALATE if failure_class in ESCALATE else RetryDecision.DO_NOT_RETRY


def action_for(failure_class: FailureClass) -> ClassAction:
    """The action row for ``failure_class``."""
    return ACTIONS[failure_class]
