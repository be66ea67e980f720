"""OpenTelemetry: one span per attempt with HTTP and GenAI names; duration histograms."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tests.client.conftest import FAST, KEY, MESSAGES

from chatcontract.client import Client, Route
from chatcontract.sim import SimServer


def test_spans_and_metrics_per_attempt(sim: SimServer) -> None:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    with Client(
        base_url=sim.base_url,
        api_key=KEY,
        policy=FAST,
        fallbacks=[Route(model="sim-ok")],
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
    ) as client:
        client.chat(model="sim-500-once", messages=MESSAGES)
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["chat sim-500-once", "chat sim-500-once"]
    first, second = (dict(s.attributes or {}) for s in spans)
    assert first["error.type"] == "server_error"
    assert first["http.response.status_code"] == 500
    assert first["http.request.resend_count"] == 0
    assert second["http.request.resend_count"] == 1
    assert second["gen_ai.request.model"] == "sim-500-once"
    assert "error.type" not in second
    assert second["gen_ai.usage.output_tokens"] > 0
    names = {m.name for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert {"http.client.request.duration", "gen_ai.client.operation.duration"} <= names


def test_no_provider_no_spans(sim: SimServer) -> None:
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST) as client:
        c = client.chat(model="sim-ok", messages=MESSAGES)
    assert c.content
