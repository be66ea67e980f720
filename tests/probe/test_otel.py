"""A probe run is one span with one call span per case, the case's attempts beneath it, through
the client's observer hook (real OTel SDK, in memory; real simulator on loopback)."""

from __future__ import annotations

from opentelemetry import trace
from tests.client.otel_kit import Otel, attrs
from tests.probe.conftest import KEY, MODEL, simulator

from chatcontract.client.otel import Telemetry
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import default_registry
from chatcontract.probe.runner import Target, run_probe


def test_probe_run_span_with_one_child_per_case() -> None:
    otel = Otel.make()
    registry = default_registry()
    cases = registry.select(["happy", "stream", "invalid-key"])
    profile = load_profile("openai")
    with simulator(profile.error_style) as base_url:
        target = Target(base_url, profile, Credential(KEY, "env:TEST_KEY"), MODEL)
        run = run_probe(cases, target, max_requests=registry.budget(cases), sleep=lambda _s: None,
                        telemetry=Telemetry(**otel.providers))  # fmt: skip
    [root] = otel.roots()
    assert root.name == "probe openai"
    assert root.kind is trace.SpanKind.INTERNAL
    case_spans = otel.children(root)
    assert [attrs(s)["chatcontract.request_class"] for s in case_spans] == [c.name for c in cases]
    assert [attrs(s)["chatcontract.result"] for s in case_spans] == [r.result.value for r in run.results]
    for span, result in zip(case_spans, run.results, strict=True):
        assert span.name == f"chat {MODEL}"
        assert attrs(span)["gen_ai.provider.name"] == "openai"
        assert len(otel.children(span)) == len(result.records) >= 1
    invalid = attrs(case_spans[2])
    assert invalid["error.type"] == "auth"
    assert attrs(otel.children(case_spans[2])[0])["http.response.status_code"] == 401
    assert attrs(case_spans[1])["chatcontract.stream.verdict"] == "complete"
    assert otel.points("gen_ai.client.operation.duration")[0].count >= 1
