"""Gateway readers: each format auto-detected on its hand-written sample (built from the format's
published field list) and reviewed with the findings its records support, and only those.

Every sample holds five calls: two successes (one streamed, or retried inside the gateway), a 429,
a 5xx and a success that the format may mark as a fallback.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.review.conftest import load_raw

from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.gateway_formats import FORMATS
from chatcontract.review.readers import READERS, choose_reader
from chatcontract.review.readers.gateway import GatewayReader, lookup, to_time

SAMPLES = Path(__file__).resolve().parent / "samples_gateways"
BOTH_CLASSES = {"rate_limited": 1, "server_error": 1}


CASES = [
    # sample, reader, (failure classes, gateway retries (calls), fallback rows, statuses)
    pytest.param("litellm.jsonl", "litellm", (BOTH_CLASSES, (4, 2), 1, [200, 200, 429, 503, 200]), id="litellm"),
    pytest.param("litellm-spend.jsonl", "litellm-spend", (BOTH_CLASSES, (1, 1), 1, [200, 429, 500, 200, 200]),
                 id="litellm-spend"),
    pytest.param("portkey.jsonl", "portkey", (BOTH_CLASSES, (2, 1), 0, [200, 200, 429, 503, 200]), id="portkey"),
    pytest.param("helicone.jsonl", "helicone", (BOTH_CLASSES, (1, 1), 0, [200, 200, 429, 500, 200]), id="helicone"),
    pytest.param("langfuse.jsonl", "langfuse", ({"unknown": 2}, (0, 0), 0, [200, 200, None, None, 200]),
                 id="langfuse-no-http-status"),
    pytest.param("cloudflare.json", "cloudflare", (BOTH_CLASSES, (0, 0), 1, [200, 200, 429, 503, 200]),
                 id="cloudflare-api-answer"),
    pytest.param("kong.jsonl", "kong", (BOTH_CLASSES, (1, 1), 0, [200, 200, 429, 503, 200]), id="kong"),
    pytest.param("envoy-ai.jsonl", "envoy-ai", (BOTH_CLASSES, (3, 2), 0, [200, 200, 429, 503, 200]), id="envoy-ai"),
]


@pytest.mark.parametrize(("sample", "reader", "expect"), CASES)
def test_sample_is_detected_and_reviewed(sample: str, reader: str, expect: tuple[Any, ...]) -> None:
    classes, retries, fallbacks, statuses = expect
    path = SAMPLES / sample
    assert choose_reader(path).name == reader
    result = run_review(ReviewOptions(paths=(path,)))
    by_class = result.finding("failures.by_class").numbers
    assert (by_class["attempts"], by_class["failures"], by_class["by_class"]) == (5, 2, classes)
    assert result.bad_input.total == 0
    amplification = result.finding("retry.amplification")
    assert amplification.numbers["attempts"] == amplification.numbers["requests"] == 5
    assert (amplification.numbers.get("gateway_retries", 0),
            amplification.numbers.get("calls_with_gateway_retries", 0)) == retries
    if retries[0]:
        assert "retries of its own" in amplification.statement
    marked = [f.numbers["fallback_of"] for f in result.findings if f.key == "fallbacks.model_changed"]
    assert marked == ([fallbacks] if fallbacks else [])
    assert "models.swapped" not in {f.key for f in result.findings}  # gateway fallbacks are not vendor swaps
    rows, _, _ = load_raw([path])
    assert [r["status"] for r in rows] == statuses
    assert result.sources[0].reader == reader
    declared = {f.value for f in READERS[reader].reach.declared()}
    assert set(result.sources[0].shows) <= declared


def test_litellm_payload_fields() -> None:
    rows, _, _ = load_raw([SAMPLES / "litellm.jsonl"])
    first, streamed, limited = rows[0], rows[1], rows[2]
    assert first["started_at"] == datetime(2026, 11, 28, 14, 0, 0, 100000)
    assert first["latency_ms"] == pytest.approx(1250, abs=1)
    assert (first["model"], first["response_model"], first["host"]) == (
        "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "api.cometapi.com")
    assert (first["request_id"], first["deployment"], first["service"]) == ("chatcmpl-a1", "dep-a", "checkout-team")
    assert (streamed["streaming"], streamed["total_tokens"]) == (True, 40)
    assert (limited["status"], limited["error_type"]) == (429, "RateLimitError")
    fallback = rows[4]
    assert (fallback["model"], fallback["response_model"]) == ("claude-3-5-haiku", "claude-3-5-haiku-20241022")


def test_litellm_renamed_retry_after_and_first_chunk_are_read() -> None:
    reader = READERS["litellm"]
    assert isinstance(reader, GatewayReader)
    docs = [json.loads(line) for line in (SAMPLES / "litellm.jsonl").read_text().splitlines()]
    limited = reader.row(docs[2])
    assert limited is not None
    assert limited["retry_after"] == 7000  # llm_provider-retry-after: 7 (seconds)
    streamed = reader.row(docs[1])
    assert streamed is not None
    assert streamed["first_chunk"] == pytest.approx(400, abs=1)
    assert "first_chunk" not in (reader.row(docs[0]) or {})  # completionStartTime == endTime: not a stream
    assert (reader.row(docs[4]) or {})["fallback_of"].startswith("an earlier model group (1 fallback")


def test_kong_retry_after_tries_and_provider_id() -> None:
    reader = READERS["kong"]
    assert isinstance(reader, GatewayReader)
    docs = [json.loads(line) for line in (SAMPLES / "kong.jsonl").read_text().splitlines()]
    rows = [reader.row(d) or {} for d in docs]
    assert [r.get("gateway_retries") for r in rows] == [0, 1, 0, 0, 0]
    assert rows[2]["retry_after"] == 5000
    assert rows[0]["provider_request_id"] == "prov-1"


def test_cloudflare_logpush_shape_names_the_model_that_answered() -> None:
    reader = READERS["cloudflare"]
    assert isinstance(reader, GatewayReader)
    event = {"Timestamp": 1795874400123, "Gateway": "gw", "Endpoint": "/v1/chat/completions", "Provider": "openai",
             "Model": "gpt-4o-mini-2024-07-18", "RequestedModel": "cloudflare/auto", "StatusCode": 200,
             "Cached": False, "RateLimited": False, "Metrics": {"durationMs": 812, "cost": 0.0001}}
    assert reader.matches(event)
    row = reader.row(event)
    assert row is not None
    assert (row["model"], row["response_model"], row["status"], row["latency"]) == (
        "cloudflare/auto", "gpt-4o-mini-2024-07-18", 200, 812)
    assert row["time"].startswith("2026-11-28T")


def test_langfuse_says_what_it_cannot_show() -> None:
    result = run_review(ReviewOptions(paths=(SAMPLES / "langfuse.jsonl",)))
    cannot = set(result.sources[0].cannot_show)
    assert {"response headers", "the request path", "the server address"} <= cannot
    assert result.finding("routes.drift").statement.startswith("Not assessed")


def test_error_text_is_redacted_when_the_row_is_made() -> None:
    key = "sk-" + "Zx9" * 10
    doc = {"traceId": "t", "type": "GENERATION", "startTime": "2026-11-22T14:00:00Z", "level": "ERROR",
           "statusMessage": f"AuthenticationError: Incorrect API key provided: {key}", "model": "m", "id": "o"}
    row = READERS["langfuse"].row(doc)  # type: ignore[attr-defined]
    assert key not in json.dumps(row)


@pytest.mark.parametrize(
    ("doc", "path", "expected"),
    [
        pytest.param({"a": {"b": 1}}, "a.b", 1, id="nested"),
        pytest.param({"request.body": {"model": "m"}}, "request.body.model", "m", id="dotted-key"),
        pytest.param({"h": {"x-litellm-attempted-retries": 2}}, "h.x-litellm-attempted-retries", 2, id="dashes"),
        pytest.param({"c": [{"f": "stop"}]}, "c.0.f", "stop", id="list-index"),
    ],
)
def test_lookup(doc: dict[str, Any], path: str, expected: Any) -> None:
    assert lookup(doc, path) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1795874400.1, id="epoch-s"),
        pytest.param(1795874400100, id="epoch-ms"),
        pytest.param("1795874400.1", id="epoch-s-string"),
        pytest.param("2026-11-28T14:00:00.100Z", id="iso"),
    ],
)
def test_times(value: Any) -> None:
    when = to_time(value)
    assert when is not None
    assert when.isoformat().startswith("2026-11-28T14:00:00.1")


def test_every_format_is_registered_and_documented(repo_root: Path) -> None:
    doc = (repo_root / "docs" / "gateway-readers.md").read_text()
    for fmt in FORMATS:
        assert fmt.name in READERS
        assert f"`{fmt.name}`" in doc
        for field in fmt.fields:
            assert f"`{field}`" in doc, (fmt.name, field)


def test_bad_lines_are_counted_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "kong.jsonl"
    text = (SAMPLES / "kong.jsonl").read_text()
    path.write_text(text + '{"truncated": \n' + '{"ai": {}, "latencies": {}, "request": {"method": "GET"}}\n')
    result = run_review(ReviewOptions(paths=(path,), reader="kong"))
    assert result.bad_input.counts == {"invalid JSON (malformed or truncated line)": 1,
                                       "time: missing or not a timestamp": 1}
    assert result.finding("failures.by_class").numbers["attempts"] == 5
