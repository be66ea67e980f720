"""Optional OpenTelemetry spans and metrics, with the HTTP and GenAI semantic-convention names.

Uses the OpenTelemetry API only (the SDK is the ``[otel]`` extra). A client takes explicit
``tracer_provider`` / ``meter_provider`` (as OTel instrumentations do) or uses the global ones;
when neither is configured, nothing is built per attempt (a type check), so the hot path pays
nothing. One span per attempt, ``chat {model}`` (kind CLIENT), carries the record's attributes
(``http.request.method``, ``http.response.status_code``, ``http.request.resend_count``,
``error.type``, ``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.usage.*`` ...);
histograms ``http.client.request.duration`` and ``gen_ai.client.operation.duration`` (seconds).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace

from chatcontract.record import AttemptRecord

SCOPE = "chatcontract.client"
_NOOP_TRACERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
_NOOP_METERS = ("_ProxyMeterProvider", "NoOpMeterProvider")
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


class Telemetry:
    """Emits one span and two histogram points per attempt record, when configured."""

    def __init__(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._instruments: dict[int, tuple[Any, Any]] = {}

    def _tracer(self) -> Any:
        provider = self._tracer_provider or trace.get_tracer_provider()
        return None if isinstance(provider, _NOOP_TRACERS) else provider.get_tracer(SCOPE)

    def _histograms(self) -> tuple[Any, Any] | None:
        provider = self._meter_provider or metrics.get_meter_provider()
        if type(provider).__name__ in _NOOP_METERS:
            return None
        found = self._instruments.get(id(provider))
        if found is None:
            meter = provider.get_meter(SCOPE)
            found = (
                meter.create_histogram("http.client.request.duration", unit="s"),
                meter.create_histogram("gen_ai.client.operation.duration", unit="s"),
            )
            self._instruments[id(provider)] = found
        return found

    def emit(self, record: AttemptRecord) -> None:
        tracer = self._tracer()
        histograms = self._histograms()
        if tracer is None and histograms is None:
            return
        attrs = record.to_otel_attributes()
        start_ns = int(record.started_at.timestamp() * 1e9)
        duration_s = (record.elapsed_ms or 0.0) / 1000.0
        if tracer is not None:
            name = f"chat {record.model}" if record.model else "chat"
            span = tracer.start_span(name, start_time=start_ns, attributes=attrs, kind=trace.SpanKind.CLIENT)
            if record.failure_class is not None:
                span.set_status(trace.Status(trace.StatusCode.ERROR, record.failure_class.value))
            span.end(end_time=start_ns + int(duration_s * 1e9))
        if histograms is not None:
            small = {k: v for k, v in attrs.items() if k in _METRIC_KEYS}
            for histogram in histograms:
                histogram.record(duration_s, small)
