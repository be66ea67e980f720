"""Telemetry through the global OpenTelemetry providers: none set costs nothing per call, and a
provider set after the client was made is used from the next call on (the API's set-once
globals, swapped here for the test and restored after)."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.metrics import _internal as metrics_api
from tests.client.conftest import KEY
from tests.client.otel_kit import Otel

from chatcontract.client import Client
from chatcontract.sim import SimServer

HELLO = [{"role": "user", "content": "hi"}]


def test_a_global_provider_set_after_the_client_is_used(sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    otel = Otel.make()
    with Client(base_url=sim.base_url, api_key=KEY) as client:
        assert client.telemetry.tracer() is None
        assert client.telemetry.instruments() is None
        client.chat(model="sim-ok", messages=HELLO)
        assert otel.spans() == []
        monkeypatch.setattr(trace, "_TRACER_PROVIDER", otel.tracer_provider)
        monkeypatch.setattr(metrics_api, "_METER_PROVIDER", otel.meter_provider)
        client.chat(model="sim-ok", messages=HELLO)
    assert [s.name for s in otel.roots()] == ["chat sim-ok"]
    assert otel.points("gen_ai.client.operation.duration")
