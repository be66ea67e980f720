"""The OTLP round trip: the client's spans, exported by the OTel SDK's own OTLP exporter to a
loopback receiver writing OTLP/JSON, are read back by ``review``, which finds the same logical
calls, attempts, retries and fallbacks as a review of the client's own attempt records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tests.client.conftest import FAST, KEY, MESSAGES
from tests.client.otlp_receiver import receiver

from chatcontract.client import Client, Route
from chatcontract.review import ReviewOptions, ReviewResult, run_review
from chatcontract.sim import SimServer
from chatcontract.sinks import JsonlSink

COMPARED = ("failures.by_class", "retry.amplification", "retry.no_spacing", "retry.retry_after_ignored",
            "fallbacks.model_changed", "models.seen")


def _numbers(result: ReviewResult) -> dict[str, Any]:
    return {f.key: f.numbers for f in result.findings if f.key in COMPARED}


def test_review_of_exported_spans_matches_review_of_records(sim: SimServer, tmp_path: Path) -> None:
    spans, records = tmp_path / "spans.json", tmp_path / "attempts.jsonl"
    with receiver(spans) as endpoint:
        provider = TracerProvider(resource=Resource.create({"service.name": "chat-api"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        sink = JsonlSink(records)
        with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, fallbacks=[Route(model="sim-ok")],
                    tracer_provider=provider, sink=sink, sleep=lambda s: None) as client:  # fmt: skip
            client.chat(model="sim-503", messages=MESSAGES)  # 3 attempts, then the fallback answers
            client.chat(model="sim-429-retry-after-1", messages=MESSAGES)  # Retry-After, then answered
            client.chat(model="sim-ok", messages=MESSAGES)
        sink.close()
        provider.shutdown()
    from_spans = run_review(ReviewOptions(paths=(spans,)))
    from_records = run_review(ReviewOptions(paths=(records,)))
    assert from_spans.sources[0].reader == "otlp"
    assert from_spans.totals == from_records.totals == {
        "attempts": 7, "failures": 4, "logical_requests": 3, "bad_lines": 0}
    assert from_spans.grouping == from_records.grouping
    assert from_spans.grouping["methods"] == {"request id": 7}
    assert _numbers(from_spans) == _numbers(from_records)
    fallback = from_spans.finding("fallbacks.model_changed").numbers
    assert fallback == {"requests": 1, "answered_by_fallback": 1, "fallback_of": 1}
    assert from_spans.finding("retry.amplification").numbers["max_attempts"] == 4
    assert from_spans.finding("failures.by_class").numbers["by_class"] == {"server_error": 3, "rate_limited": 1}
    # the call spans are counted once, as their attempts
    assert sum(from_spans.sources[0].skipped.values()) == 3
