"""OpenTelemetry metrics for ``watch``, with the GenAI client names (API only; SDK in ``otel``).

Per attempt: ``gen_ai.client.operation.duration`` and, for streams,
``gen_ai.client.operation.time_to_first_chunk`` (histograms, seconds), with ``error.type`` set to
the failure class when the attempt failed. Attributes stay low-cardinality: the operation, the
request model, ``server.address``, the case and the target alias.

:func:`otlp_meter_provider` builds an SDK provider that pushes to an OTLP/HTTP endpoint; it
needs the ``otel`` extra and says so when it is missing.
"""

from __future__ import annotations

from typing import Any

from chatcontract.errors import UsageError
from chatcontract.monitor.outcome import RunOutcome

SCOPE = "chatcontract.monitor"
EXPORT_INTERVAL_MS = 15_000


class OtelExporter:
    """Records run outcomes on a meter provider (any implementation of the OTel metrics API)."""

    def __init__(self, meter_provider: Any, target: str) -> None:
        meter = meter_provider.get_meter(SCOPE)
        self.target = target
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s", description="GenAI operation duration"
        )
        self.ttfc = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time from issuing the request to the first chunk of the response stream",
        )

    def observe(self, outcome: RunOutcome) -> None:
        for result in outcome.run.results:
            for record in result.records:
                attributes: dict[str, Any] = {
                    "gen_ai.operation.name": "chat",
                    "chatcontract.case": result.name,
                    "chatcontract.target": self.target,
                }
                if record.model:
                    attributes["gen_ai.request.model"] = record.model
                if record.server_address:
                    attributes["server.address"] = record.server_address
                if record.failure_class is not None:
                    attributes["error.type"] = record.failure_class.value
                if record.elapsed_ms is not None:
                    self.duration.record(record.elapsed_ms / 1000.0, attributes)
                if record.streaming and record.first_chunk_ms is not None:
                    self.ttfc.record(record.first_chunk_ms / 1000.0, attributes)

    def budget(self, remaining: int) -> None:
        """The budget is a Prometheus gauge only."""


def otlp_meter_provider(endpoint: str) -> Any:
    """An SDK meter provider exporting to ``endpoint`` (OTLP over HTTP) every 15 s."""
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    except ImportError:
        raise UsageError(
            "--otlp-endpoint needs the OpenTelemetry SDK and OTLP exporter: pip install 'chatcontract[otel]'"
        ) from None
    url = endpoint.rstrip("/")
    if not url.endswith("/v1/metrics"):
        url += "/v1/metrics"
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=url), export_interval_millis=EXPORT_INTERVAL_MS)
    return MeterProvider(metric_readers=[reader])
