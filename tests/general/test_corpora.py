"""Fresh corpora: secrets and clean text through redaction, claims through lint, bodies of
other servers through the classifier."""

from __future__ import annotations

import json

import pytest
from tests.general.corpus_claims import ACCEPTABLE, UNSUPPORTED
from tests.general.corpus_secrets import CLEAN, MAPPINGS, SECRETS

from chatcontract.evidence.lint import lint_claims
from chatcontract.record import AttemptRecord
from chatcontract.redact import redact, redact_mapping
from chatcontract.taxonomy import classify


@pytest.mark.parametrize(("text", "needles"), [pytest.param(t, n, id=i) for i, t, n in SECRETS])
def test_secret_is_redacted_in_text_and_records(text: str, needles: list[str]) -> None:
    summary = AttemptRecord(error_summary=text).error_summary or ""
    for needle in needles:
        assert needle not in redact(text)
        assert needle not in summary


@pytest.mark.parametrize(("data", "needles"), [pytest.param(d, n, id=i) for i, d, n in MAPPINGS])
def test_secret_is_redacted_in_mappings(data: dict[str, object], needles: list[str]) -> None:
    out = json.dumps(redact_mapping(data))
    for needle in needles:
        assert needle not in out


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_lint_precision_and_recall_on_fresh_corpus() -> None:
    assert len(UNSUPPORTED) >= 30
    assert len(ACCEPTABLE) >= 30
    caught = sum(1 for s in UNSUPPORTED if lint_claims(s))
    false = sum(1 for s in ACCEPTABLE if lint_claims(s))
    precision = caught / (caught + false)
    recall = caught / len(UNSUPPORTED)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


def _body(status: int, doc: object) -> bytes:
    return json.dumps(doc).encode()


FOREIGN = [
    (200, {"error": {"message": "upstream timed out", "type": "server_error", "code": None}}, "server_error"),
    (200, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "server_error"),
    (200, {"error": {"message": "slow down", "type": "rate_limit_error"}}, "rate_limited"),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "server_error"),
    (
        400,
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "prompt is too long: 250000 tokens > 200000 maximum"},
        },
        "context_exceeded",
    ),
    (
        400,
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
            }
        },
        "auth",
    ),
    (400, {"error": {"message": "Missing bearer authentication in header", "type": "invalid_request_error"}}, "auth"),
    (
        404,
        {
            "object": "error",
            "message": "The model `x` does not exist.",
            "type": "NotFoundError",
            "param": None,
            "code": 404,
        },
        "model_unknown",
    ),
    (
        404,
        {
            "error": {
                "message": "The model `x` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
        "model_unknown",
    ),
    (400, {"error": {"message": "abc is not a valid model ID", "type": "invalid_request_error"}}, "model_unknown"),
    (
        403,
        {
            "error": {
                "message": "Project does not have access to model gpt-5",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        },
        "model_unknown",
    ),
    (
        403,
        {
            "error": {
                "message": "Incorrect API key provided: alt********0000.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
        "auth",
    ),
    (
        400,
        {
            "error": {
                "message": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000",
                "type": "validation",
            }
        },
        "context_exceeded",
    ),
    (
        422,
        {
            "error": {
                "message": "1 validation error: body.model field required",
                "type": "invalid_request_error",
                "param": "model",
                "code": None,
            }
        },
        "request_invalid",
    ),
    (
        422,
        {"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "value_error.missing"}]},
        "request_invalid",
    ),
    (
        413,
        {"error": {"message": "Request body too large", "type": "invalid_request_error", "code": None}},
        "context_exceeded",
    ),
    (429, {"type": "error", "error": {"type": "rate_limit_error", "message": "per-minute rate limit"}}, "rate_limited"),
    (
        400,
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the API."},
        },
        "quota_exhausted",
    ),
    (401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}, "auth"),
]


@pytest.mark.parametrize(("status", "doc", "expected"), FOREIGN)
def test_other_servers_bodies_are_classified(status: int, doc: object, expected: str) -> None:
    got = classify(status, {"content-type": "application/json"}, _body(status, doc))
    assert got.failure_class is not None
    assert got.failure_class.value == expected


WHOLE_STREAMS = [
    pytest.param(
        b'event:completion\r\nid:0\r\ndata:{"id":"c",\r\ndata:"choices":[{"index":0,"delta":{"content":"x"},'
        b'"finish_reason":"stop"}]}\r\n\r\ndata:[DONE]\r\n\r\n',
        "stop",
        True,
        id="multi-line-data-crlf",
    ),
    pytest.param(
        b': keep-alive\n\nid:1\ndata:{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"length"}]}\n\n',
        "length",
        False,
        id="comment-first-no-done",
    ),
]


@pytest.mark.parametrize(("body", "reason", "done"), WHOLE_STREAMS)
def test_whole_streams_of_other_servers_are_read(body: bytes, reason: str, done: bool) -> None:
    got = classify(200, {}, body)
    assert got.failure_class is None
    assert got.observation.finish_reason == reason
    assert got.observation.stream_done is done


def _interleaved() -> list[tuple[str, bool]]:
    bad = [(s, True) for s in UNSUPPORTED]
    ok = [(s, False) for s in ACCEPTABLE]
    return [item for pair in zip(bad, ok, strict=False) for item in pair]


@pytest.mark.parametrize("style", ["as-written", "bullets", "full-stops"])
def test_lint_a_document_of_one_statement_per_line(style: str) -> None:
    """Chat-style notes without full stops are one statement per line, not one long sentence."""
    items = _interleaved()
    if style == "bullets":
        lines = ["- " + s.lstrip("-*•> 0123456789.").strip() for s, _ in items]
    elif style == "full-stops":
        lines = [s if s.endswith((".", "?", "!")) else s + "." for s, _ in items]
    else:
        lines = [s for s, _ in items]
    flagged = {f.line for f in lint_claims("\n".join(lines) + "\n", "notes.md")}
    assert [s for n, (s, bad) in enumerate(items, 1) if bad and n not in flagged] == []
    assert [s for n, (s, bad) in enumerate(items, 1) if not bad and n in flagged] == []


WRAPPED = """\
Between 14:02 and 14:19 UTC, 41 of 300 calls from the checkout service returned
HTTP 503. We have not verified the provider's pricing, so this note makes no
claim about cost. The probe run at 14:30 UTC passed all 10 cases against the
staging base URL.

We measured a p95 first-chunk time of 1.8 s in run 5e1d2c3b, against 0.9 s the
day before. The outage was caused by OpenAI's infrastructure, not by anything
on our side. Three attempts to the fallback model returned 200.
"""


def test_lint_hard_wrapped_prose_is_read_as_sentences() -> None:
    found = lint_claims(WRAPPED, "review.md")
    assert {f.line for f in found} == {7}


@pytest.mark.parametrize(
    ("headers", "message", "expected"),
    [
        pytest.param({"x-ms-request-id": "ms-42"}, "boom", "ms-42", id="azure-header"),
        pytest.param({"x-amz-request-id": "amz-42"}, "boom", "amz-42", id="aws-header"),
        pytest.param(
            {}, "The server had an error. Request ID: req_9f8e7d6c5b. Retry.", "req_9f8e7d6c5b", id="in-message"
        ),
        pytest.param({}, "upstream failed (request id: 20261122ABC)", "20261122ABC", id="comet-style"),
        pytest.param({}, "a request id was not given", None, id="prose-only"),
    ],
)
def test_provider_request_ids_of_other_servers(headers: dict[str, str], message: str, expected: str | None) -> None:
    body = json.dumps({"error": {"message": message, "type": "server_error"}}).encode()
    assert classify(500, headers, body).observation.provider_request_id == expected
