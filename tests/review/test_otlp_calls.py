"""OTLP: a GenAI span with HTTP client spans under it is one call, counted as its HTTP attempts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatcontract.review import ReviewOptions, run_review

T0 = 1_795_356_000_000_000_000  # 2026-11-22 (ns)


def _attrs(**values: Any) -> list[dict[str, Any]]:
    def wrap(v: Any) -> dict[str, Any]:
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}
    return [{"key": k.replace("__", "."), "value": wrap(v)} for k, v in values.items()]


def _span(trace: str, span: str, parent: str, start_s: float, attrs: list[dict[str, Any]]) -> dict[str, Any]:
    start = T0 + int(start_s * 1e9)
    return {"traceId": trace, "spanId": span, "parentSpanId": parent, "name": "x", "kind": 3,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 200_000_000), "attributes": attrs}


def _genai(trace: str, span: str, start_s: float) -> dict[str, Any]:
    return _span(trace, span, "", start_s, _attrs(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o"))


def _http(
    trace: str, span: str, parent: str, start_s: float, status: int, *, resend: int | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {"http__request__method": "POST", "url__path": "/v1/chat/completions",
                              "server__address": "api.cometapi.com", "http__response__status_code": status}
    if resend is not None:
        values["http__request__resend_count"] = resend
    return _span(trace, span, parent, start_s, _attrs(**values))


def _write(tmp_path: Path, spans: list[dict[str, Any]]) -> Path:
    doc = {"resourceSpans": [{"resource": {"attributes": _attrs(service__name="chat-api")},
                              "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}]}
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("children_first", [pytest.param(True, id="children-first"),
                                            pytest.param(False, id="parent-first")])
def test_genai_parent_with_http_children_counts_once(tmp_path: Path, children_first: bool) -> None:
    call = [_http("t1", "h1", "g1", 0.1, 503), _http("t1", "h2", "g1", 0.5, 200, resend=1)]
    parent = _genai("t1", "g1", 0.0)
    lone = _genai("t2", "g2", 5.0)  # GenAI-only instrumentation: the span is the attempt
    spans = [*call, parent, lone] if children_first else [parent, *call, lone]
    result = run_review(ReviewOptions(paths=(_write(tmp_path, spans),)))
    assert result.totals["attempts"] == 3
    assert result.finding("failures.by_class").numbers["by_class"].get("server_error") == 1  # the 503, once
    assert result.grouping["methods"]["http.request.resend_count"] == 2
    assert result.sources[0].skipped == {"GenAI span with HTTP child spans (counted once, as its HTTP attempts)": 1}


def test_http_spans_of_another_trace_do_not_hide_a_genai_span(tmp_path: Path) -> None:
    spans = [_genai("t1", "g1", 0.0), _http("t2", "h1", "g1", 0.1, 200)]  # same span id, other trace
    result = run_review(ReviewOptions(paths=(_write(tmp_path, spans),)))
    assert result.totals["attempts"] == 2
    assert result.sources[0].skipped == {}
