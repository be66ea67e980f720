"""The classifier, one observed case per row: class, retry, fallback and operator action."""

# ruff: noqa: E501  (one case per line keeps the table readable as a table)

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcontract.record import FailureClass, OperatorAction
from chatcontract.taxonomy import (
    ACTIONS,
    REVIEW_OWNERS,
    ReviewCategory,
    StreamState,
    TransportError,
    classify,
    classify_observation,
    observe,
    parse_retry_after,
)

F, A = FailureClass, OperatorAction
NOW = datetime(2026, 11, 22, 4, 8, 0, tzinfo=UTC)
JSON = {"content-type": "application/json"}


def env(message: str, type_: str | None = None, code: str | None = None, **extra: Any) -> str:
    """An OpenAI-style error envelope."""
    return json.dumps({"error": {"message": message, "type": type_, "param": None, "code": code, **extra}})


def comet(message: str, code: str = "") -> str:
    """CometAPI's envelope: type comet_api_error, code often empty, request id in the message."""
    return json.dumps(
        {
            "error": {
                "message": f"{message} (request id: 20251122040812345678901234)",
                "type": "comet_api_error",
                "param": "",
                "code": code,
            }
        }
    )


def anthropic(type_: str, message: str) -> str:
    return json.dumps({"type": "error", "error": {"type": type_, "message": message}})


OK_BODY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }
)
FILTERED_BODY = OK_BODY.replace('"stop"', '"content_filter"')
HTML = "<!DOCTYPE html><html><head><title>Docs</title></head><body>Welcome</body></html>"
SSE_OK = (
    'data: {"choices":[{"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
    'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
SSE_CUT = 'data: {"choices":[{"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
SSE_ERROR = SSE_CUT + 'data: {"error": {"message": "upstream overloaded", "type": "server_error"}}\n\n'
SSE_MALFORMED = SSE_CUT + "data: {not json\n\n"
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["error", "choices", "message", "code", "type", "finish_reason", "delta"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@dataclass(frozen=True)
class Case:
    """One observed attempt and the decision expected for it."""

    status: int | None
    body: str | None
    cls: FailureClass | None
    retry: bool
    fallback: bool
    action: OperatorAction
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    transport: TransportError | None = None
    stream: StreamState | None = None
    delivered: bool = False
    attempt: int = 1


def case(id_: str, *args: Any, **kwargs: Any) -> Any:
    return pytest.param(Case(*args, **kwargs), id=id_)


# fmt: off
CASES = [
    # --- success ---
    case("200-ok", 200, OK_BODY, None, False, False, A.NONE),
    case("200-content-filter-is-an-answer", 200, FILTERED_BODY, None, False, False, A.NONE),
    case("200-stream-complete", 200, SSE_OK, None, False, False, A.NONE, stream=StreamState.COMPLETE),
    # --- CometAPI envelope ---
    case("comet-500-server", 500, comet("upstream error"), F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK),
    case("comet-500-invalid-request", 500, comet("bad param", "invalid_request"), F.REQUEST_INVALID, False, False, A.FIX_REQUEST),
    case("comet-401-invalid-token", 401, comet("invalid token"), F.AUTH, False, False, A.REFRESH_CREDENTIALS),
    case("comet-400-bad-role", 400, comet("invalid role: robot"), F.REQUEST_INVALID, False, False, A.FIX_REQUEST),
    case("comet-429", 429, comet("rate limited, try again later"), F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY),
    case("comet-503-no-channel", 503, comet("当前分组 default 下对于模型 gpt-x 无可用渠道", "model_not_found"), F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    case("comet-524", 524, comet("timeout"), F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK),
    case("comet-403-quota-chinese", 403, comet("用户额度不足"), F.QUOTA_EXHAUSTED, False, True, A.PAGE_OWNER_BILLING),
    # --- quota and rate limits ---
    case("429-insufficient-quota", 429, env("You exceeded your current quota", "insufficient_quota", "insufficient_quota"), F.QUOTA_EXHAUSTED, False, True, A.PAGE_OWNER_BILLING),
    case("429-quota-even-if-header-says-retry", 429, env("quota", "insufficient_quota", "insufficient_quota"), F.QUOTA_EXHAUSTED, False, True, A.PAGE_OWNER_BILLING, headers={"x-should-retry": "true"}),
    case("429-retry-after-seconds", 429, env("Rate limit reached", "requests", "rate_limit_exceeded"), F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY, headers={"retry-after": "7"}),
    case("429-retry-after-date", 429, env("slow down"), F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY, headers={"retry-after": "Sun, 22 Nov 2026 04:08:30 GMT"}),
    case("429-retry-after-ms", 429, env("slow down"), F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY, headers={"retry-after-ms": "250"}),
    case("429-should-retry-false", 429, env("slow down"), F.RATE_LIMITED, False, True, A.RETRY_BRIEFLY, headers={"x-should-retry": "false"}),
    case("402-payment-required", 402, env("Insufficient credits", code="402"), F.QUOTA_EXHAUSTED, False, True, A.PAGE_OWNER_BILLING),
    case("400-anthropic-credit-balance", 400, anthropic("invalid_request_error", "Your credit balance is too low to access the API."), F.QUOTA_EXHAUSTED, False, True, A.PAGE_OWNER_BILLING),
    # --- server errors ---
    case("500-plain", 500, env("The server had an error", "server_error"), F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK),
    case("502-html", 502, "<html><body>502 Bad Gateway</body></html>", F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK, headers={"content-type": "text/html"}),
    case("502-empty-body", 502, "", F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK, headers={}),
    case("503-overloaded", 503, env("overloaded"), F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK),
    case("504-gateway-timeout", 504, "upstream request timeout", F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK, headers={"content-type": "text/plain"}),
    case("500-should-retry-false", 500, env("boom"), F.SERVER_ERROR, False, True, A.RETRY_THEN_FALLBACK, headers={"x-should-retry": "false"}),
    case("529-anthropic-overloaded", 529, anthropic("overloaded_error", "Overloaded"), F.SERVER_ERROR, True, True, A.RETRY_THEN_FALLBACK),
    # --- endpoint mismatch ---
    case("404-plain", 404, env("Invalid URL (POST /v1/chat/completion)", "invalid_request_error"), F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG),
    case("404-fastapi-detail", 404, '{"detail": "Not Found"}', F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG),
    case("405", 405, "", F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={}),
    case("301-redirect", 301, "", F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={"location": "https://docs.example.com/"}),
    case("200-html-instead-of-json", 200, HTML, F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={"content-type": "text/html; charset=utf-8"}),
    case("200-html-unlabelled", 200, HTML, F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={}),
    case("404-html", 404, HTML, F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={"content-type": "text/html"}),
    case("404-should-retry-true-ignored", 404, "", F.ENDPOINT_MISMATCH, False, False, A.FIX_CONFIG, headers={"x-should-retry": "true"}),
    # --- model ---
    case("404-model-not-found", 404, env("The model `gpt-9` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"), F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    case("400-unknown-model-message", 400, env("Unknown model: gpt-9"), F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    case("404-anthropic-model", 404, anthropic("not_found_error", "model: claude-9"), F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    case("404-azure-deployment", 404, env("The API deployment for this resource does not exist.", code="DeploymentNotFound"), F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    # --- auth ---
    case("401-invalid-api-key", 401, env("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), F.AUTH, False, False, A.REFRESH_CREDENTIALS),
    case("401-should-retry-true-ignored", 401, env("no"), F.AUTH, False, False, A.REFRESH_CREDENTIALS, headers={"x-should-retry": "true"}),
    case("403-forbidden", 403, env("Forbidden"), F.AUTH, False, False, A.REFRESH_CREDENTIALS),
    case("400-gateway-bad-key", 400, env("invalid api key"), F.AUTH, False, False, A.REFRESH_CREDENTIALS),
    case("401-anthropic", 401, anthropic("authentication_error", "invalid x-api-key"), F.AUTH, False, False, A.REFRESH_CREDENTIALS),
    # --- request ---
    case("400-missing-messages", 400, env("'messages' is a required property", "invalid_request_error"), F.REQUEST_INVALID, False, False, A.FIX_REQUEST),
    case("400-should-retry-true-ignored", 400, env("bad"), F.REQUEST_INVALID, False, False, A.FIX_REQUEST, headers={"x-should-retry": "true"}),
    case("422-validation", 422, '{"detail": [{"loc": ["body", "model"], "msg": "field required"}]}', F.REQUEST_INVALID, False, False, A.FIX_REQUEST),
    case("400-context-length", 400, env("This model's maximum context length is 128000 tokens.", "invalid_request_error", "context_length_exceeded"), F.CONTEXT_EXCEEDED, False, True, A.FIX_TOKEN_BUDGET),
    case("400-anthropic-prompt-too-long", 400, anthropic("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"), F.CONTEXT_EXCEEDED, False, True, A.FIX_TOKEN_BUDGET),
    case("413-payload-too-large", 413, "", F.CONTEXT_EXCEEDED, False, True, A.FIX_TOKEN_BUDGET, headers={}),
    case("400-content-policy", 400, env("Your request was rejected as a result of our safety system.", "invalid_request_error", "content_policy_violation"), F.CONTENT_FILTERED, False, False, A.APPLICATION_OUTCOME),
    case("400-azure-content-filter", 400, env("The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", code="content_filter"), F.CONTENT_FILTERED, False, False, A.APPLICATION_OUTCOME),
    # --- timeouts ---
    case("408", 408, env("Request timed out"), F.TIMEOUT, True, True, A.CHECK_COMPLETION_STATUS),
    case("connect-timeout", None, None, F.TIMEOUT, True, True, A.CHECK_COMPLETION_STATUS, transport=TransportError.CONNECT_TIMEOUT),
    case("read-timeout-after-send", None, None, F.TIMEOUT, False, True, A.CHECK_COMPLETION_STATUS, transport=TransportError.READ_TIMEOUT),
    case("first-chunk-timeout", 200, None, F.TIMEOUT, False, True, A.CHECK_COMPLETION_STATUS, transport=TransportError.FIRST_CHUNK_TIMEOUT),
    # --- transport ---
    case("connect-refused", None, None, F.CONNECT_ERROR, True, True, A.RETRY_ONCE, transport=TransportError.CONNECT_ERROR),
    case("connection-reset", None, None, F.CONNECT_ERROR, True, True, A.RETRY_ONCE, transport=TransportError.RESET),
    case("write-error", None, None, F.CONNECT_ERROR, True, True, A.RETRY_ONCE, transport=TransportError.WRITE_ERROR),
    case("protocol-error", None, None, F.INVALID_RESPONSE, True, True, A.KEEP_FIXTURE, transport=TransportError.PROTOCOL_ERROR),
    # --- 2xx that is not an answer ---
    case("200-not-json-first", 200, "Service temporarily unavailable", F.INVALID_RESPONSE, True, True, A.KEEP_FIXTURE, headers={"content-type": "text/plain"}),
    case("200-not-json-second", 200, "{truncated", F.INVALID_RESPONSE, False, True, A.KEEP_FIXTURE, attempt=2),
    case("200-empty", 200, "", F.INVALID_RESPONSE, True, True, A.KEEP_FIXTURE),
    case("200-missing-choices", 200, '{"id": "chatcmpl-1", "object": "chat.completion"}', F.SCHEMA_MISMATCH, False, True, A.REPORT_CONTRACT_DRIFT),
    case("200-empty-choices", 200, '{"choices": []}', F.SCHEMA_MISMATCH, False, True, A.REPORT_CONTRACT_DRIFT),
    case("200-choice-without-message", 200, '{"choices": [{"index": 0, "finish_reason": "stop"}]}', F.SCHEMA_MISMATCH, False, True, A.REPORT_CONTRACT_DRIFT),
    case("200-json-array", 200, "[1, 2]", F.INVALID_RESPONSE, True, True, A.KEEP_FIXTURE),
    case("200-error-envelope-context", 200, env("maximum context length exceeded", code="context_length_exceeded"), F.CONTEXT_EXCEEDED, False, True, A.FIX_TOKEN_BUDGET),
    case("200-error-envelope-unnamed", 200, env("something odd"), F.SCHEMA_MISMATCH, False, True, A.REPORT_CONTRACT_DRIFT),
    # --- streams ---
    case("stream-cut-before-content", 200, "", F.STREAM_INTERRUPTED, True, True, A.NEVER_REPORT_SUCCESS, stream=StreamState.CUT),
    case("stream-cut-after-content", 200, SSE_CUT, F.STREAM_INTERRUPTED, False, True, A.NEVER_REPORT_SUCCESS, stream=StreamState.CUT, delivered=True),
    case("stream-cut-inferred-from-body", 200, SSE_CUT, F.STREAM_INTERRUPTED, True, True, A.NEVER_REPORT_SUCCESS, headers={"content-type": "text/event-stream"}),
    case("stream-complete-inferred", 200, SSE_OK, None, False, False, A.NONE, headers={"content-type": "text/event-stream"}),
    case("stream-stalled-not-on-the-same-route", 200, "", F.STREAM_STALLED, False, True, A.NEVER_REPORT_SUCCESS, stream=StreamState.STALLED),
    case("stream-stalled-after-content", 200, "", F.STREAM_STALLED, False, True, A.NEVER_REPORT_SUCCESS, stream=StreamState.STALLED, delivered=True),
    case("stream-error-event", 200, SSE_ERROR, F.STREAM_ERROR, True, True, A.INVESTIGATE, stream=StreamState.ERROR_EVENT),
    case("stream-error-event-inferred", 200, SSE_ERROR, F.STREAM_ERROR, True, True, A.INVESTIGATE, headers={"content-type": "text/event-stream"}),
    case("stream-error-context-not-retried", 200, env("context_length_exceeded", code="context_length_exceeded"), F.STREAM_ERROR, False, True, A.INVESTIGATE, stream=StreamState.ERROR_EVENT),
    case("stream-error-auth-no-fallback", 200, env("bad key", code="invalid_api_key"), F.STREAM_ERROR, False, False, A.INVESTIGATE, stream=StreamState.ERROR_EVENT),
    case("stream-malformed-before-content", 200, SSE_MALFORMED, F.INVALID_RESPONSE, True, True, A.KEEP_FIXTURE, stream=StreamState.MALFORMED),
    case("stream-malformed-after-content", 200, SSE_MALFORMED, F.INVALID_RESPONSE, False, True, A.KEEP_FIXTURE, stream=StreamState.MALFORMED, delivered=True),
    case("stream-error-status-wins", 429, env("slow down"), F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY, stream=StreamState.CUT),
    # --- other gateways ---
    case("gemini-list-envelope", 429, '[{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}]', F.RATE_LIMITED, True, True, A.RETRY_BRIEFLY),
    case("openrouter-flat-error", 400, '{"message": "invalid model id", "code": 400}', F.MODEL_UNKNOWN, False, False, A.CHECK_CONFIG_DRIFT),
    case("409-conflict", 409, env("conflict"), F.REQUEST_INVALID, False, False, A.FIX_REQUEST),
    case("no-status-no-error", None, None, F.UNKNOWN, False, False, A.INVESTIGATE, headers={}),
    case("304-unexpected", 304, "", F.UNKNOWN, False, False, A.INVESTIGATE, headers={}),
]
# fmt: on


@pytest.mark.parametrize("c", CASES)
def test_classify(c: Case) -> None:
    result = classify(
        c.status,
        c.headers,
        c.body,
        transport_error=c.transport,
        stream_state=c.stream,
        content_delivered=c.delivered,
        attempt_number=c.attempt,
        now=NOW,
    )
    assert result.failure_class is c.cls
    assert result.retryable is c.retry
    assert result.fallback_allowed is c.fallback
    assert result.operator_action is c.action
    if c.cls is not None:
        assert result.action is ACTIONS[c.cls]


def test_every_failure_class_is_observed_in_the_table() -> None:
    """The table covers every class the classifier itself can produce."""
    local = {F.CIRCUIT_OPEN, F.DEADLINE_EXCEEDED, F.BUDGET_EXHAUSTED}  # decided by the client
    seen = {c.values[0].cls for c in CASES}
    assert set(FailureClass) - local <= seen


def test_comet_request_id_is_extracted_from_message() -> None:
    obs = observe(500, JSON, comet("upstream error"))
    assert obs.provider_request_id == "20251122040812345678901234"
    assert obs.error_type == "comet_api_error"
    assert obs.error_code is None  # the empty code is absent, not ""


def test_request_id_header_wins_over_message() -> None:
    obs = observe(500, {"X-Request-Id": "req_abc"}, comet("upstream error"))
    assert obs.provider_request_id == "req_abc"


@pytest.mark.parametrize(
    ("headers", "expected_ms"),
    [
        pytest.param({"retry-after": "7"}, 7000.0, id="seconds"),
        pytest.param({"retry-after": "1.5"}, 1500.0, id="fractional"),
        pytest.param({"retry-after": "Sun, 22 Nov 2026 04:08:30 GMT"}, 30000.0, id="http-date"),
        pytest.param({"retry-after": "Sun, 22 Nov 2026 04:07:00 GMT"}, 0.0, id="date-in-past"),
        pytest.param({"retry-after-ms": "250", "retry-after": "9"}, 250.0, id="ms-wins"),
        pytest.param({"retry-after-ms": "nan", "retry-after": "2"}, 2000.0, id="ms-nan-falls-back"),
        pytest.param({"retry-after-ms": "inf", "retry-after": "2"}, 2000.0, id="ms-infinite-falls-back"),
        pytest.param({"retry-after-ms": "-5"}, None, id="ms-negative"),
        pytest.param({"retry-after": "-5"}, 0.0, id="negative-seconds"),
        pytest.param({"retry-after": "soon"}, None, id="garbage"),
        pytest.param({"retry-after": "inf"}, None, id="infinite"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected_ms: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected_ms


def test_retry_after_reaches_the_observation() -> None:
    result = classify(429, {"Retry-After": "3"}, env("slow"), now=NOW)
    assert result.observation.retry_after_ms == 3000.0


def test_finish_reason_is_observed() -> None:
    assert observe(200, JSON, FILTERED_BODY).finish_reason == "content_filter"


def test_classify_accepts_string_kinds() -> None:
    result = classify(None, transport_error="read_timeout")
    assert result.failure_class is F.TIMEOUT
    assert classify(200, JSON, "", stream_state="cut").failure_class is F.STREAM_INTERRUPTED


def test_classify_observation_works_without_a_body() -> None:
    """``review`` classifies log lines that have a status and nothing else."""
    from chatcontract.observation import Observation

    assert classify_observation(Observation(status=503)) is F.SERVER_ERROR
    assert classify_observation(Observation(status=401)) is F.AUTH


def test_action_table_has_a_row_per_class() -> None:
    assert set(ACTIONS) == set(FailureClass)


def test_every_review_category_has_an_owner() -> None:
    assert set(REVIEW_OWNERS) == set(ReviewCategory)
    for action in ACTIONS.values():
        assert action.owner


@pytest.mark.parametrize(
    ("cls", "retry", "fallback", "action"),
    [
        pytest.param(F.ENDPOINT_MISMATCH, "no", "no", A.FIX_CONFIG, id="endpoint"),
        pytest.param(F.AUTH, "no", "no", A.REFRESH_CREDENTIALS, id="auth"),
        pytest.param(F.QUOTA_EXHAUSTED, "no", "other_credentials", A.PAGE_OWNER_BILLING, id="quota"),
        pytest.param(F.RATE_LIMITED, "yes", "yes", A.RETRY_BRIEFLY, id="rate"),
        pytest.param(F.SERVER_ERROR, "yes", "yes", A.RETRY_THEN_FALLBACK, id="server"),
        pytest.param(F.INVALID_RESPONSE, "once", "yes", A.KEEP_FIXTURE, id="invalid-response"),
        pytest.param(F.STREAM_INTERRUPTED, "before_content", "yes", A.NEVER_REPORT_SUCCESS, id="stream"),
    ],
)
def test_action_rows_match_the_design(cls: FailureClass, retry: str, fallback: str, action: OperatorAction) -> None:
    row = ACTIONS[cls]
    assert (row.retry.value, row.fallback.value, row.operator_action) == (retry, fallback, action)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.integers(min_value=100, max_value=599)),
    st.dictionaries(
        st.sampled_from(["content-type", "retry-after", "retry-after-ms", "x-should-retry", "x-request-id"]),
        st.text(max_size=30),
    ),
    st.one_of(st.binary(max_size=200), st.text(max_size=200), st.builds(json.dumps, JSONISH)),
    st.one_of(st.none(), st.sampled_from(list(StreamState))),
    st.booleans(),
)
def test_classify_is_total_and_consistent(
    status: int | None, headers: dict[str, str], body: bytes | str, stream: StreamState | None, delivered: bool
) -> None:
    result = classify(status, headers, body, stream_state=stream, content_delivered=delivered, now=NOW)
    if result.failure_class is None:
        assert status is not None
        assert 200 <= status < 300
        assert not result.retryable
    if delivered:
        assert not result.retryable
    if result.failure_class in {F.AUTH, F.REQUEST_INVALID, F.QUOTA_EXHAUSTED, F.ENDPOINT_MISMATCH}:
        assert not result.retryable
