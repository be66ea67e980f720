"""OTLP/JSON from real instrumentations: current and older HTTP semantic conventions, int64 as
strings, span status codes, GenAI attributes (old and new names), span events, resources."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.review.conftest import load_raw

from chatcontract.review import ReviewOptions, run_review

COLS = ("started_at", "status", "method", "host", "path", "latency_ms", "model", "error_type", "finish_reason",
        "prompt_tokens", "completion_tokens", "total_tokens", "resend_count", "service", "deployment")


def _pick(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in COLS) for r in rows]


def test_current_conventions_openai_v2_with_httpx_children(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "otlp_current.json"])
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 5), 429, "POST", "api.cometapi.com", "/v1/chat/completions", 250.0, None, "429",
         None, None, None, None, 0, "support-bot", "prod-eu"),
        (datetime(2026, 11, 22, 14, 5, 1), 200, "POST", "api.cometapi.com", "/v1/chat/completions", 1500.0, None,
         None, None, None, None, None, 1, "support-bot", "prod-eu"),
        # GenAI-only span, finish reason from its gen_ai.choice event: a response, so a 2xx
        (datetime(2026, 11, 22, 14, 5, 10), 200, None, None, None, 1000.0, "gpt-4o-mini", None, "length", 5, 7, 12,
         None, "support-bot", "prod-eu"),
    ]
    assert rows[2]["provider_request_id"] == "chatcmpl-AbC123"
    assert sources[0].lines == 6
    assert sources[0].skipped == {"GenAI span with HTTP child spans (counted once, as its HTTP attempts)": 1,
                                  "span without HTTP or GenAI attributes": 1,
                                  "route outside the chat API (other page, asset, health check or service)": 1}
    assert bad.total == 0
    assert all("sk-" not in str(r) for r in rows)


def test_legacy_conventions_instrumentation_library_spans_and_openllmetry(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "otlp_legacy.json"])
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 6, 40), 404, "POST", "api.cometapi.com", "/v1/chat/completion", 500.0, None, None,
         None, None, None, None, 0, "legacy-gateway", "staging"),
        (datetime(2026, 11, 22, 14, 6, 41), 200, "POST", "api.cometapi.com", "/v1/chat/completions", 2000.0, None,
         None, None, None, None, None, 0, "legacy-gateway", "staging"),
        # OpenLLMetry "openai.chat": error status with an exception event, older usage names
        (datetime(2026, 11, 22, 14, 6, 45), None, None, None, None, 300.0, "gpt-3.5-turbo",
         "openai.APIConnectionError", None, 9, 0, 9, None, "legacy-gateway", "staging"),
    ]
    assert bad.counts == {"span without a valid startTimeUnixNano": 1}
    assert sources[0].records + sources[0].bad + sum(sources[0].skipped.values()) == sources[0].lines == 4


def test_review_of_real_spans_classifies_them(samples: Path) -> None:
    current = run_review(ReviewOptions(paths=(samples / "otlp_current.json",)))
    assert current.finding("failures.by_class").numbers["by_class"] == {"rate_limited": 1}
    assert current.totals["attempts"] == 3
    legacy = run_review(ReviewOptions(paths=(samples / "otlp_legacy.json",)))
    assert legacy.finding("failures.by_class").numbers["by_class"] == {"connect_error": 1, "endpoint_mismatch": 1}
    assert legacy.totals["bad_lines"] == 1


def test_collector_file_exporter_lines_and_resources_do_not_leak(samples: Path) -> None:
    """One document per line (the collector's file exporter); a resourceSpans entry without a
    resource does not inherit the previous entry's service or deployment."""
    rows, sources, bad = load_raw([samples / "otlp_collector.jsonl"])
    assert sources[0].reader == "otlp"
    keys = ("started_at", "status", "path", "latency_ms", "service", "deployment")
    assert [tuple(r[k] for k in keys) for r in rows] == [
        (datetime(2026, 11, 22, 14, 5), 200, "/v1/chat/completions", 100.0, "svc-a", "chat-v2"),
        (datetime(2026, 11, 22, 14, 5, 1), 500, "/v1/chat/completions", 100.0, None, None),
        (datetime(2026, 11, 22, 14, 5, 2), 503, "/v1/chat/completions", 100.0, "svc-b", None),
    ]
    assert bad.total == 0
