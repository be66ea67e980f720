"""Optional OpenTelemetry spans and metrics, with the HTTP and GenAI semantic-convention names.

Uses the OpenTelemetry API only. When no SDK tracer or meter provider is configured, nothing is
built per attempt (one ``isinstance`` check), so the hot path pays nothing.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace

from chatcontract.record import AttemptRecord

_SCOPE = "chatcontract.client"
_instruments: dict[str, Any] = {}


def _tracing() -> bool:
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def _metering() -> bool:
    provider = metrics.get_meter_provider()
    return type(provider).__name__ not in ("_ProxyMeterProvider", "NoOpMeterProvider")


def emit_record(record: AttemptRecord) -> None:
    """One span per attempt (``chat {model}``) and the duration histograms, if configured."""
    tracing, metering = _tracing(), _metering()
    if not (tracing or metering):
        return
    attrs = record.to_otel_attributes()
    start_ns = int(record.started_at.timestamp() * 1e9)
    duration_s = (record.elapsed_ms or 0.0) / 1000.0
    if tracing:
        tracer = trace.get_tracer(_SCOPE)
        span = tracer.start_span(
            f"chat {record.model or ''}".strip(),
            start_time=start_ns,
            attributes=attrs,
            kind=trace.SpanKind.CLIENT,
        )
        if record.failure_class is not None:
            span.set_status(trace.Status(trace.StatusCode.ERROR, record.failure_class.value))
        span.end(end_time=start_ns + int(duration_s * 1e9))
    if metering:
        if not _instruments:
            meter = metrics.get_meter(_SCOPE)
            _instruments["http"] = meter.create_histogram("http.client.request.duration", unit="s")
            _instruments["genai"] = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
        small = {k: v for k, v in attrs.items() if k in _METRIC_KEYS}
        _instruments["http"].record(duration_s, small)
        _instruments["genai"].record(duration_s, small)


_METRIC_KEYS = frozenset(
    {
        "http.request.method",
        "http.response.status_code",
        "server.address",
        "error.type",
        "gen_ai.request.model",
        "gen_ai.operation.name",
    }
)
