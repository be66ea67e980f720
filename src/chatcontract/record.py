"""The attempt record: one HTTP attempt, already redacted.

Every part of chatcontract speaks this record. The live client writes it, the probe and
``repro`` write it, and ``review`` turns gateway logs into it; notes, packets and reports are
views over it. Free-text fields are redacted by a validator when the record is made, so a
record that exists is a record that is safe to store or show.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chatcontract.redact import (
    MASK,
    active_redactor,
    looks_random,
    redact_mapping,
    strip_url_secrets,
)

SCHEMA_VERSION = 2  # 2: retry_decision has one documented meaning for every writer


class FailureClass(StrEnum):
    """Low-cardinality failure classes (exported as OTel ``error.type``)."""

    ENDPOINT_MISMATCH = "endpoint_mismatch"
    AUTH = "auth"
    REQUEST_INVALID = "request_invalid"
    MODEL_UNKNOWN = "model_unknown"
    CONTEXT_EXCEEDED = "context_exceeded"
    CONTENT_FILTERED = "content_filtered"
    QUOTA_EXHAUSTED = "quota_exhausted"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    CONNECT_ERROR = "connect_error"
    TIMEOUT = "timeout"
    INVALID_RESPONSE = "invalid_response"
    SCHEMA_MISMATCH = "schema_mismatch"
    STREAM_INTERRUPTED = "stream_interrupted"
    STREAM_STALLED = "stream_stalled"
    STREAM_ERROR = "stream_error"
    CIRCUIT_OPEN = "circuit_open"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    BUDGET_EXHAUSTED = "budget_exhausted"
    UNKNOWN = "unknown"


class RetryDecision(StrEnum):
    """What followed a failed attempt; one meaning for every writer (client, probe, repro).

    ``retry``: the same request was sent again on the same route (after ``backoff_ms``).
    ``do_not_retry``: the same route was not tried again for this request (a fallback route
    may follow, or the call or run ended). ``escalate``: not retried, and asking again cannot
    help: a person must act (credentials, billing, configuration) — the action table's
    ``escalate`` column. A success has no decision.
    """

    RETRY = "retry"
    DO_NOT_RETRY = "do_not_retry"
    ESCALATE = "escalate"


class OperatorAction(StrEnum):
    """What an operator should do about an attempt's outcome."""

    NONE = "none"
    FIX_CONFIG = "fix_config"
    REFRESH_CREDENTIALS = "refresh_credentials"
    FIX_REQUEST = "fix_request"
    CHECK_CONFIG_DRIFT = "check_config_drift"
    FIX_TOKEN_BUDGET = "fix_token_budget"  # noqa: S105 - an action name, not a password
    APPLICATION_OUTCOME = "application_outcome"
    PAGE_OWNER_BILLING = "page_owner_billing"
    RETRY_BRIEFLY = "retry_briefly"
    RETRY_THEN_FALLBACK = "retry_then_fallback"
    RETRY_ONCE = "retry_once"
    CHECK_COMPLETION_STATUS = "check_completion_status"
    KEEP_FIXTURE = "keep_fixture"
    REPORT_CONTRACT_DRIFT = "report_contract_drift"
    NEVER_REPORT_SUCCESS = "never_report_success"
    WAIT_FOR_RECOVERY = "wait_for_recovery"
    INVESTIGATE = "investigate"


class ResponseShape(StrEnum):
    PARSEABLE_JSON = "parseable_json"
    ERROR_JSON = "error_json"
    STREAM = "stream"
    EMPTY = "empty"
    OTHER = "other"
    CLIENT_ERROR = "client_error"


class ParserOutcome(StrEnum):
    OK = "ok"
    INVALID_JSON = "invalid_json"
    MISSING_FIELD = "missing_field"
    EMPTY_CONTENT = "empty_content"
    TIMEOUT = "timeout"


class Result(StrEnum):
    PASS = "pass"  # noqa: S105 - a result, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


# Every text field is redacted when a record is made; ids and model names pass unchanged.
_FREE_TEXT = (
    "error_summary",
    "service",
    "deployment",
    "source_reference",
    "source_accessed",
    "request_class",
    "credential_source",
    "incident_id",
    "run_id",
    "request_id",
    "model",
    "response_model",
    "finish_reason",
    "fallback_of",
    "circuit_state",
)

# Exported names for the operator reproduction-note template.
EXPORT_ALIASES = {"result": "operator_result", "error_summary": "sanitary_error_summary"}


class AttemptRecord(BaseModel):
    """One HTTP attempt. Frozen; free text is redacted when the record is made."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    schema_version: int = SCHEMA_VERSION
    incident_id: str | None = None
    run_id: str | None = None
    request_id: str = Field(default_factory=new_id, description="client-generated logical call id")
    provider_request_id: str | None = None
    request_class: str | None = None
    source_reference: str | None = None
    source_accessed: str | None = None
    started_at: datetime = Field(default_factory=utc_now)
    elapsed_ms: float | None = Field(default=None, ge=0)
    first_chunk_ms: float | None = Field(default=None, ge=0)
    service: str | None = None
    deployment: str | None = None
    credential_source: str | None = None
    parser_outcome: ParserOutcome | None = None
    http_method: str = "POST"
    route_template: str | None = None
    server_address: str | None = None
    http_status: int | None = Field(default=None, ge=100, le=999)
    attempt_number: int = Field(default=1, ge=1)
    failure_class: FailureClass | None = None
    retry_decision: RetryDecision | None = Field(
        default=None,
        description="retry: sent again on the same route; do_not_retry: not sent again on this route "
        "(a fallback may follow); escalate: not retried, a person must act (credentials, billing, "
        "configuration). Absent for a success.",
    )
    operator_action: OperatorAction | None = None
    backoff_ms: float | None = Field(default=None, ge=0)
    retry_after_ms: float | None = Field(default=None, ge=0)
    response_shape: ResponseShape | None = None
    model: str | None = None
    response_model: str | None = None
    streaming: bool = False
    finish_reason: str | None = None
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    total_tokens: int | None = Field(default=None, ge=0)
    fallback_of: str | None = None
    circuit_state: str | None = None
    error_summary: str | None = None
    result: Result | None = None
    request_shape: dict[str, Any] | None = Field(
        default=None, description="the request body reduced to a shape: roles, lengths, fields"
    )

    @field_validator("started_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @field_validator(*_FREE_TEXT)
    @classmethod
    def _redact_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return active_redactor().redact(value)

    @field_validator("credential_source")
    @classmethod
    def _source_not_key(cls, value: str | None) -> str | None:
        """A source name (``env:NAME``, ``file:NAME``), never a key pasted in its place."""
        if value is not None and looks_random(value.rsplit(":", 1)[-1]):
            return MASK
        return value

    @field_validator("error_summary")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        """Short, and free of bare generated values and passwords an upstream echoed."""
        if value is None:
            return None
        value = active_redactor().redact(value, free_text=True)
        return value[:497] + "..." if len(value) > 500 else value

    @field_validator("server_address", "route_template")
    @classmethod
    def _no_url_secrets(cls, value: str | None) -> str | None:
        return None if value is None else strip_url_secrets(value)

    @field_validator("provider_request_id")
    @classmethod
    def _maybe_drop_id(cls, value: str | None) -> str | None:
        if value is None or active_redactor().drop_ids:
            return None
        return active_redactor().redact(value)

    @field_validator("request_shape")
    @classmethod
    def _redact_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else redact_mapping(value)

    @property
    def ok(self) -> bool:
        """True when the attempt produced a usable answer."""
        return self.failure_class is None and self.http_status is not None

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> AttemptRecord:
        return cls.model_validate_json(text)

    def export(self, *, operator_names: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; ``operator_names`` maps to the operator template's field names."""
        data = self.model_dump(mode="json", exclude_none=True)
        if operator_names:
            for ours, theirs in EXPORT_ALIASES.items():
                if ours in data:
                    data[theirs] = data.pop(ours)
        return data

    def to_otel_attributes(self) -> dict[str, str | int | float | bool | list[str]]:
        """The record under OpenTelemetry HTTP and GenAI semantic-convention names."""
        attrs: dict[str, str | int | float | bool | list[str]] = {
            "http.request.method": self.http_method,
            "http.request.resend_count": self.attempt_number - 1,
            "gen_ai.operation.name": "chat",
        }
        optional: dict[str, Any] = {
            "url.template": self.route_template,
            "server.address": self.server_address,
            "http.response.status_code": self.http_status,
            "error.type": self.failure_class.value if self.failure_class else None,
            "gen_ai.request.model": self.model,
            "gen_ai.response.model": self.response_model,
            "gen_ai.usage.input_tokens": self.prompt_tokens,
            "gen_ai.usage.output_tokens": self.completion_tokens,
        }
        attrs.update({k: v for k, v in optional.items() if v is not None})
        if self.finish_reason is not None:
            attrs["gen_ai.response.finish_reasons"] = [self.finish_reason]
        if self.first_chunk_ms is not None:
            attrs["gen_ai.response.time_to_first_chunk"] = self.first_chunk_ms / 1000.0
        return attrs


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`AttemptRecord` (kept in ``schemas/`` by a test)."""
    schema = AttemptRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://chatcontract.dev/schemas/attempt-record.schema.json"
    return schema


def record_json_schema_text() -> str:
    """The schema as the exact text stored in ``schemas/attempt-record.schema.json``."""
    return json.dumps(record_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
