"""Attempt records: the fast success path equals full validation; failures carry redacted text."""

from __future__ import annotations

import pytest
from tests.client.engine_kit import ok, targets

from chatcontract.client.attempt import RecordContext, build_record, success_record
from chatcontract.record import AttemptRecord
from chatcontract.redact import Redactor, active_redactor, use_redactor
from chatcontract.taxonomy import classify

HEADERS = {"content-type": "application/json", "x-request-id": "req_0123456789"}


def _pair(ctx: RecordContext) -> tuple[AttemptRecord, AttemptRecord]:
    target = targets()[0]
    out = ok()
    out.finish_reason = "stop"
    out.usage = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    cls = classify(200, HEADERS, out.body)
    kwargs = {"attempt_number": 2, "fallback_of": None, "circuit_state": "closed"}
    fast = success_record(ctx, target, out, cls, **kwargs)  # type: ignore[arg-type]
    full = build_record(ctx, target, out, cls, decision=None, backoff_s=None, **kwargs)  # type: ignore[arg-type]
    return fast, full


@pytest.mark.parametrize(
    "ctx",
    [
        pytest.param(RecordContext(request_id="0123456789abcdef0123456789abcdef"), id="plain"),
        pytest.param(
            RecordContext(
                request_id="r-1",
                service="billing api_key=sk-proj-abcdefghijklmnopqrstuvwx",
                deployment="eu",
                run_id="run-1",
                incident_id="INC-7",
                request_class="chat-completion",
            ),
            id="client-names-with-a-secret",
        ),
    ],
)
def test_fast_success_record_equals_validated_record(ctx: RecordContext) -> None:
    fast, full = _pair(ctx)
    assert fast == full
    assert fast.to_json() == full.to_json()
    assert AttemptRecord.model_validate(fast.model_dump()) == fast
    assert "sk-proj" not in fast.to_json()


def test_fast_path_follows_a_reconfigured_redactor() -> None:
    previous = active_redactor()
    try:
        use_redactor(Redactor(drop_ids=True, extra_patterns=(r"eu",)))
        fast, full = _pair(RecordContext(request_id="0123456789abcdef0123456789abcdef", deployment="eu"))
        assert fast == full
        assert fast.provider_request_id is None
        assert fast.deployment == "[REDACTED]"
    finally:
        use_redactor(previous)
