"""Prometheus metrics for ``watch`` (prometheus-client, the ``monitor`` extra), on its own registry.

Names are prefixed ``chatcontract_``; labels stay low-cardinality: ``target`` (the alias the user
chose), ``case``, ``error_type`` (the failure class), ``verdict``, ``result``. Every series a
scrape can show is created at start-up with a zero value, so a dashboard sees ``0`` rather than
"no data" before the first failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatcontract.errors import UsageError
from chatcontract.monitor.outcome import STREAM_VERDICTS, RunOutcome, RunState
from chatcontract.record import FailureClass, Result

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

CASE_RESULTS = (*(r.value for r in Result), RunState.DOWN.value)
# Seconds: first chunks arrive in tens of ms to tens of s; whole calls up to minutes.
TTFC_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0)
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


class PrometheusExporter:
    """Turns run outcomes into metric updates on a private ``CollectorRegistry``."""

    def __init__(self, target: str, cases: list[str], *, budget_per_hour: int) -> None:
        try:
            import prometheus_client as pc
        except ImportError:
            raise UsageError(
                "watch needs prometheus-client for its metrics: pip install 'chatcontract[monitor]'"
            ) from None
        self.target = target
        self.registry: CollectorRegistry = pc.CollectorRegistry()
        r = self.registry
        self.case_result = pc.Gauge(
            "chatcontract_case_result", "1 for the last result of each case, 0 for the others",
            ["target", "case", "result"], registry=r)
        self.up = pc.Gauge("chatcontract_target_up", "0 when the last run found the target unreachable",
                           ["target"], registry=r)
        self.ttfc = pc.Histogram(
            "chatcontract_time_to_first_chunk_seconds", "Time to the first content chunk of a stream",
            ["target", "case"], buckets=TTFC_BUCKETS, registry=r)
        self.duration = pc.Histogram(
            "chatcontract_call_duration_seconds", "Whole-call duration of one attempt",
            ["target", "case"], buckets=DURATION_BUCKETS, registry=r)
        self.failures = pc.Counter("chatcontract_failures", "Failed attempts by failure class",
                                   ["target", "case", "error_type"], registry=r)
        self.verdicts = pc.Counter("chatcontract_stream_verdicts", "Streams by how they ended",
                                   ["target", "verdict"], registry=r)
        self.runs = pc.Counter("chatcontract_runs", "Watch runs by state", ["target", "state"], registry=r)
        self.spent = pc.Counter("chatcontract_budget_requests_spent", "Requests sent (counted against the budget)",
                                ["target"], registry=r)
        self.limit = pc.Gauge("chatcontract_budget_requests_per_hour", "The hourly request budget",
                              ["target"], registry=r)
        self.remaining = pc.Gauge("chatcontract_budget_requests_remaining", "Requests left in the sliding hour",
                                  ["target"], registry=r)
        self._zero(cases, budget_per_hour)

    def _zero(self, cases: list[str], budget_per_hour: int) -> None:
        t = self.target
        for case in cases:
            for result in CASE_RESULTS:
                self.case_result.labels(t, case, result).set(0)
            self.duration.labels(t, case)
            for cls in FailureClass:
                self.failures.labels(t, case, cls.value)
        if "stream" in cases:
            self.ttfc.labels(t, "stream")
        for verdict in STREAM_VERDICTS:
            self.verdicts.labels(t, verdict.value)
        for state in RunState:
            self.runs.labels(t, state.value)
        self.spent.labels(t)
        self.limit.labels(t).set(budget_per_hour)
        self.remaining.labels(t).set(budget_per_hour)
        self.up.labels(t).set(1)

    def observe(self, outcome: RunOutcome) -> None:
        t = self.target
        self.runs.labels(t, outcome.state.value).inc()
        self.spent.labels(t).inc(outcome.run.requests_sent)
        self.up.labels(t).set(0 if outcome.state is RunState.DOWN else 1)
        if outcome.stream is not None:
            self.verdicts.labels(t, outcome.stream.value).inc()
        for result in outcome.run.results:
            shown = RunState.DOWN.value if outcome.state is RunState.DOWN else result.result.value
            for value in CASE_RESULTS:
                self.case_result.labels(t, result.name, value).set(1 if value == shown else 0)
            for record in result.records:
                if record.elapsed_ms is not None:
                    self.duration.labels(t, result.name).observe(record.elapsed_ms / 1000.0)
                if record.first_chunk_ms is not None:
                    self.ttfc.labels(t, result.name).observe(record.first_chunk_ms / 1000.0)
                if record.failure_class is not None:
                    self.failures.labels(t, result.name, record.failure_class.value).inc()

    def budget(self, remaining: int) -> None:
        self.remaining.labels(self.target).set(remaining)

    def exposition(self) -> bytes:
        """The text exposition format of every metric."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
