"""A repro run is one span with one call span per attempt (each attempt is its own request), the
wait before the next attempt as an event, through the client's observer hook (real OTel SDK)."""

from __future__ import annotations

from pathlib import Path

from tests.client.otel_kit import Otel, attrs
from tests.evidence.test_repro import FC, _plan, sim, target  # noqa: F401 - fixtures

from chatcontract.client.otel import Telemetry
from chatcontract.evidence.repro import Target, run_repro
from chatcontract.evidence.store import EvidenceStore


def test_repro_run_span_with_one_call_per_attempt(tmp_path: Path, target: Target) -> None:  # noqa: F811
    otel = Otel.make()
    store = EvidenceStore(tmp_path / "s.db")
    note = run_repro(_plan(FC.SERVER_ERROR, "sim-503"), target, store, sleep=lambda _s: None,
                     telemetry=Telemetry(**otel.providers))  # fmt: skip
    [root] = otel.roots()
    assert root.name == "repro server_error"
    calls = otel.children(root)
    assert len(calls) == len(note.attempts) == 3
    assert {attrs(c)["chatcontract.result"] for c in calls} == {"fail"}
    assert all(attrs(c)["error.type"] == "server_error" for c in calls)
    attempts = [otel.children(c) for c in calls]
    assert [len(a) for a in attempts] == [1, 1, 1]
    assert [a[0].attributes["http.response.status_code"] for a in attempts] == [503, 503, 503]  # type: ignore[index]
    waits = [[e.name for e in a[0].events] for a in attempts]
    assert waits == [["chatcontract.wait"], ["chatcontract.wait"], []]  # the last attempt stopped the run
