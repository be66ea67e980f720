"""Access logs as real servers write them: nginx combined without request_time, the "main"
format with forwarded-for, $request_time $upstream_response_time $request_id, Envoy's and
Istio's default formats; IPv6 clients, keys in query strings, "-" fields, probes, long lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.review.conftest import load_raw

from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.readers import choose_reader

COLS = ("started_at", "status", "method", "host", "path", "latency_ms", "provider_request_id", "transport_error",
        "error_code")
OUT = "route outside the chat API (other page, asset, health check or service)"


def _pick(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in COLS) for r in rows]


def test_nginx_combined_without_request_time(samples: Path) -> None:
    path = samples / "nginx_combined.log"
    assert choose_reader(path).name == "nginx"
    rows, sources, bad = load_raw([path])
    chat = "/v1/chat/completions"
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 5), 200, "POST", None, chat, None, None, None, None),  # +0100 -> UTC
        (datetime(2026, 11, 22, 14, 5, 1), 401, "POST", None, chat, None, None, None, None),
        (datetime(2026, 11, 22, 14, 5, 4), 502, "POST", None, chat, None, None, None, None),  # 9 kB user agent
    ]
    src = sources[0]
    assert src.skipped == {OUT: 2, "nginx line without a request (probe, TLS handshake or closed connection)": 2}
    assert bad.counts == {"not a nginx access-log line": 1}
    assert src.records + src.bad + sum(src.skipped.values()) == src.lines == 8
    assert "sk-" not in str(rows) + str(bad.examples)


def test_nginx_timed_format_with_upstream_time_and_request_id(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "nginx_timed.log"])
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 5), 200, "POST", None, "/v1/chat/completions", 500.0, None, None, None),  # iso8601
        (datetime(2026, 11, 22, 14, 6), 429, "POST", None, "/v1/chat/completions", 12.0,
         "4f1c2a9be0d14c7fa6b1d1f4a3c0e9d2", None, None),
        (datetime(2026, 11, 22, 14, 6, 1), 200, "POST", None, "/v1/chat/completions", 1250.0,
         "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", None, None),
        # absolute-form target from a forward proxy; "-" request time
        (datetime(2026, 11, 22, 14, 6, 2), 404, "POST", None, "/v1/chat/completion", None,
         "0123456789abcdef0123456789abcdef", None, None),
    ]
    assert rows[0]["request_id"] is None  # nginx's $request_id is per attempt: grouping stays heuristic
    assert bad.total == 0
    assert sources[0].lines == 4


def test_envoy_and_istio_default_formats(samples: Path) -> None:
    path = samples / "envoy.log"
    assert choose_reader(path).name == "envoy"
    rows, sources, bad = load_raw([path])
    host, chat = "api.cometapi.com", "/v1/chat/completions"
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 8, 0, 310000), 200, "POST", host, chat, 1200.0,
         "9f3b1c2e-4a5d-4e6f-8a7b-1c2d3e4f5a6b", None, None),
        (datetime(2026, 11, 22, 14, 8, 1), None, "POST", host, chat, 30.0, "9f3b1c2e-0000-4e6f-8a7b-1c2d3e4f5a6b",
         "connect_error", "UF,URX"),
        (datetime(2026, 11, 22, 14, 8, 2, 500000), 503, "POST", host, chat, 15000.0,
         "7d1e0c4b-1111-4e6f-8a7b-1c2d3e4f5a6b", None, "UT"),
        (datetime(2026, 11, 22, 14, 8, 4), 400, "POST", None, chat, 0.0, None, None, None),  # "-" fields
    ]
    assert sources[0].skipped == {OUT: 1}
    assert bad.counts == {"not a envoy access-log line": 1}
    assert "AIzaSy" not in str(rows)


def test_review_of_real_access_logs(samples: Path) -> None:
    result = run_review(ReviewOptions(paths=(samples / "envoy.log", samples / "nginx_timed.log")))
    assert result.totals["attempts"] == 8
    assert result.finding("failures.by_class").numbers["by_class"] == {
        "connect_error": 1, "server_error": 1, "rate_limited": 1, "endpoint_mismatch": 1, "request_invalid": 1}
    assert result.totals["bad_lines"] == 1
