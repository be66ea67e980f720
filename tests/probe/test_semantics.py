"""Provider reliability semantics: each behaviour counted only over responses that could show it."""

from __future__ import annotations

import json

import pytest
from tests.probe.conftest import KEY, simulator

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import default_registry
from chatcontract.probe.render import junit_report, markdown_report
from chatcontract.probe.runner import Target, run_probe
from chatcontract.probe.semantics import Seen, Semantics

ENVELOPE = json.dumps({"error": {"message": "no", "type": "invalid_request_error", "code": "x"}}).encode()
OK = json.dumps({"id": "c", "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}).encode()
STREAM_REQ = json.dumps({"stream": True, "stream_options": {"include_usage": True}}).encode()
SSE = {"content-type": "text/event-stream"}
USAGE_STREAM = b'data: {"choices":[]}\n\ndata: {"choices":[],"usage":{"total_tokens":3}}\n\ndata: [DONE]\n\n'
PLAIN_STREAM = b'data: {"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

Response = tuple[int | None, dict[str, str], bytes, bytes]


@pytest.mark.parametrize(
    ("responses", "name", "status", "detail"),
    [
        pytest.param([(429, {"retry-after": "2"}, ENVELOPE, b"")], "retry_after_on_429", Seen.OBSERVED,
                     "observed in 1 of 1 429 responses", id="retry-after"),
        pytest.param([(429, {"retry-after-ms": "250"}, ENVELOPE, b""), (429, {}, ENVELOPE, b"")],
                     "retry_after_on_429", Seen.OBSERVED, "observed in 1 of 2 429 responses", id="retry-after-ms"),
        pytest.param([(429, {}, ENVELOPE, b"")], "retry_after_on_429", Seen.NOT_OBSERVED,
                     "not observed in 1 429 responses", id="429-without-retry-after"),
        pytest.param([(503, {"retry-after": "2"}, ENVELOPE, b"")], "retry_after_on_429", Seen.NOT_ASSESSED,
                     "not assessed: no 429 response in this run", id="no-429-is-not-assessed"),
        pytest.param([(200, {"x-request-id": "req_1"}, OK, b"")], "request_id", Seen.OBSERVED,
                     "observed in 1 of 1 responses", id="request-id-header"),
        pytest.param([(500, {}, json.dumps({"error": {"message": "boom (request id: abc123def)"}}).encode(), b"")],
                     "request_id", Seen.OBSERVED, "observed in 1 of 1 responses", id="request-id-in-message"),
        pytest.param([(200, {}, OK, b"")], "request_id", Seen.NOT_OBSERVED, "not observed in 1 responses",
                     id="no-request-id"),
        pytest.param([(200, {"x-should-retry": "false"}, OK, b"")], "x_should_retry", Seen.OBSERVED,
                     "observed in 1 of 1 responses", id="x-should-retry"),
        pytest.param([(200, {"x-ratelimit-remaining-requests": "9"}, OK, b"")], "rate_limit_headers",
                     Seen.OBSERVED, "observed in 1 of 1 responses", id="x-ratelimit"),
        pytest.param([(200, {"RateLimit": '"default";r=9;t=30'}, OK, b"")], "rate_limit_headers", Seen.OBSERVED,
                     "observed in 1 of 1 responses", id="ietf-ratelimit"),
        pytest.param([(200, SSE, USAGE_STREAM, STREAM_REQ)], "include_usage_honoured", Seen.OBSERVED,
                     "observed in 1 of 1 2xx streams that asked for usage", id="usage-chunk"),
        pytest.param([(200, SSE, PLAIN_STREAM, STREAM_REQ)], "include_usage_honoured", Seen.NOT_OBSERVED,
                     "not observed in 1 2xx streams that asked for usage", id="no-usage-chunk"),
        pytest.param([(200, SSE, PLAIN_STREAM, b'{"stream": true}')], "include_usage_honoured", Seen.NOT_ASSESSED,
                     "not assessed: no 2xx stream asked for usage in this run", id="usage-not-asked"),
        pytest.param([(401, {}, ENVELOPE, b""), (400, {}, ENVELOPE, b"")], "error_envelope_on_refusals",
                     Seen.OBSERVED, "observed in 2 of 2 refusals (HTTP 4xx/5xx)", id="envelope-on-every-refusal"),
        pytest.param([(401, {}, ENVELOPE, b""), (502, {"content-type": "text/html"}, b"<html>bad gateway</html>", b"")],
                     "error_envelope_on_refusals", Seen.NOT_OBSERVED,
                     "not observed in 1 of 2 refusals (HTTP 4xx/5xx)", id="one-refusal-without-envelope"),
        pytest.param([(None, {}, b"", b"")], "request_id", Seen.NOT_ASSESSED,
                     "not assessed: no response in this run", id="no-response-shows-nothing"),
    ],
)
def test_each_behaviour_is_counted_over_what_could_show_it(
    responses: list[Response], name: str, status: Seen, detail: str
) -> None:
    semantics = Semantics()
    for code, headers, body, request in responses:
        semantics.see(code, headers, body, request)
    row = next(r for r in semantics.rows() if r.behaviour.name == name)
    assert (row.status, row.detail) == (status, detail)


@pytest.mark.parametrize(
    ("model", "detail"),
    [
        pytest.param("sim-429-retry-after-1", "observed in 1 of 1 429 responses", id="retry-after-sent"),
        pytest.param("sim-429", "not observed in 2 429 responses", id="retry-after-absent"),
    ],
)
def test_the_probe_reports_retry_after_as_the_simulator_sends_it(model: str, detail: str) -> None:
    with simulator() as base_url:
        target = Target(base_url, load_profile("cometapi"), Credential(KEY, "env:TEST_KEY"), model)
        run = run_probe(default_registry().select(["happy"]), target, max_requests=2, sleep=lambda _s: None)
    row = next(r for r in run.semantics.to_list() if r["name"] == "retry_after_on_429")
    assert row["detail"] == detail
    assert row in run.results_document()["reliability_semantics"]
    assert detail in markdown_report(run)
    assert "semantics.retry_after_on_429" in junit_report(run)
