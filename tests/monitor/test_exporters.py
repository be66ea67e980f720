"""Prometheus and OpenTelemetry exporters fed by real watch runs; the store as the watch's sink."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from chatcontract.evidence.store import open_store
from chatcontract.monitor.otel import OtelExporter
from chatcontract.monitor.prometheus import PrometheusExporter
from chatcontract.monitor.schedule import ManualClock
from chatcontract.monitor.session import IncidentSink, carried_requests, incident_for
from chatcontract.record import AttemptRecord

from .conftest import Rig, plan


def _samples(exporter: PrometheusExporter) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = exporter.exposition().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples[(name, frozenset({"target": "t", **labels}.items()))]


def test_prometheus_metrics_follow_the_runs(rig: Rig) -> None:
    prom = PrometheusExporter("t", ["happy", "stream"], budget_per_hour=100)
    before = _samples(prom)
    assert _value(before, "chatcontract_failures_total", case="happy", error_type="server_error") == 0
    assert _value(before, "chatcontract_stream_verdicts_total", verdict="cut") == 0
    watcher = rig.watcher(plan(budget=100, max_runs=1), clock=ManualClock(), exporters=(prom,))
    watcher.run(threading.Event())
    rig.switch("sim-503")
    watcher.plan = plan(budget=100, max_runs=2)
    watcher.run(threading.Event())
    after = _samples(prom)
    assert _value(after, "chatcontract_case_result", case="happy", result="fail") == 1
    assert _value(after, "chatcontract_case_result", case="happy", result="pass") == 0
    assert _value(after, "chatcontract_failures_total", case="happy", error_type="server_error") == 2
    assert _value(after, "chatcontract_stream_verdicts_total", verdict="complete") == 1
    assert _value(after, "chatcontract_budget_requests_spent_total") == 6
    assert _value(after, "chatcontract_budget_requests_remaining") == 94
    assert _value(after, "chatcontract_time_to_first_chunk_seconds_count", case="stream") == 1
    assert _value(after, "chatcontract_call_duration_seconds_count", case="happy") == 3
    assert _value(after, "chatcontract_runs_total", state="fail") == 1
    assert _value(after, "chatcontract_target_up") == 1


def test_prometheus_labels_stay_low_cardinality(rig: Rig) -> None:
    prom = PrometheusExporter("t", ["happy", "stream"], budget_per_hour=100)
    rig.watcher(plan(budget=100, max_runs=3), clock=ManualClock(), exporters=(prom,)).run(threading.Event())
    labels = {k for _, pairs in _samples(prom) for k, _v in pairs}
    assert labels <= {"target", "case", "result", "error_type", "verdict", "state", "le"}


def test_otel_metrics_use_the_genai_names(rig: Rig) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    rig.switch("sim-503")
    rig.watcher(plan(max_runs=1), clock=ManualClock(), exporters=(OtelExporter(provider, "t"),)).run(threading.Event())
    rig.switch(None)
    rig.watcher(plan(max_runs=1), clock=ManualClock(), exporters=(OtelExporter(provider, "t"),)).run(threading.Event())
    data = reader.get_metrics_data()
    assert data is not None
    points = {
        m.name: list(m.data.data_points)
        for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    assert set(points) == {"gen_ai.client.operation.duration", "gen_ai.client.operation.time_to_first_chunk"}
    error_types = {p.attributes.get("error.type") for p in points["gen_ai.client.operation.duration"]}
    assert error_types == {"server_error", None}
    assert all(p.attributes["gen_ai.operation.name"] == "chat" for p in points["gen_ai.client.operation.duration"])
    assert {p.attributes["chatcontract.case"] for p in points["gen_ai.client.operation.time_to_first_chunk"]} == {
        "stream"
    }


def test_watch_attempts_land_in_the_store_under_one_incident(rig: Rig, store_location: str) -> None:
    """On both backends: a SQLite file and a real PostgreSQL."""
    incident = incident_for("embedded sim/1")
    assert incident == "watch-embedded-sim-1"
    with open_store(store_location) as store:
        store.ensure_incident(incident)
        sink = IncidentSink(store, incident)
        rig.watcher(plan(max_runs=2), clock=ManualClock(), sink=sink).run(threading.Event())
        sink.close()
        stored = store.attempts(incident_id=incident)
        assert len(stored) == 4 == sink.written
        assert {r.request_class for r in stored} == {"chat-completion-smoke", "chat-stream"}
        assert carried_requests(store, incident) == 4
        assert carried_requests(store, incident, now=datetime.now(UTC) + timedelta(hours=2)) == 0
        sink.append(AttemptRecord())
        assert sink.refused == 1
        assert store.count_attempts(incident_id=incident) == 4
