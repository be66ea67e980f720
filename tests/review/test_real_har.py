"""HAR exports from Chrome and Firefox: _resourceType, preflights, other hosts, timezone offsets,
base64 bodies, mixed-case headers, SSE bodies, failed connections (status 0 with _error)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.review.conftest import FAKE_KEYS, load_raw

from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.readers import choose_reader

COLS = ("started_at", "status", "host", "path", "latency_ms", "provider_request_id", "model", "response_model",
        "error_type", "error_code", "finish_reason", "total_tokens", "retry_count", "streaming", "transport_error")
OUT = "route outside the chat API (other page, asset, health check or service)"
CHAT = "/v1/chat/completions"
HOST = "api.cometapi.com"


def _pick(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in COLS) for r in rows]


def test_chrome_export(samples: Path) -> None:
    path = samples / "chrome.har"
    assert choose_reader(path).name == "har"
    rows, sources, bad = load_raw([path])
    assert _pick(rows) == [
        # base64 error body, mixed-case headers, key in the query string
        (datetime(2026, 11, 22, 14, 5, 0, 50000), 401, HOST, CHAT, 143.25, "req_401a", "gpt-4o", None,
         "invalid_request_error", "invalid_api_key", None, None, 0, False, None),
        (datetime(2026, 11, 22, 14, 5, 1), 200, HOST, CHAT, 900.0, "req_200b", "gpt-4o", "gpt-4o-2024-08-06", None,
         None, "stop", 13, 1, False, None),
        (datetime(2026, 11, 22, 14, 5, 2), None, HOST, CHAT, 3.5, None, "gpt-4o", None, None, None, None, None, None,
         False, "connect_error"),
    ]
    assert sources[0].skipped == {"HAR entry that is not an API call": 2, OUT: 2,
                                  "HAR entry that is a CORS preflight (OPTIONS)": 1}
    assert bad.total == 0
    assert sources[0].records + sum(sources[0].skipped.values()) == sources[0].lines == 8


def test_firefox_export_with_offsets_and_a_stream(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "firefox.har"])
    assert _pick(rows) == [
        (datetime(2026, 11, 22, 14, 10, 0, 250000), 200, HOST, CHAT, 751.0, "req_sse1", "gpt-4o-mini", "gpt-4o-mini",
         None, None, "stop", None, None, True, None),
        (datetime(2026, 11, 22, 14, 10, 5), 429, HOST, CHAT, 88.0, None, "gpt-4o", None, "rate_limit_error",
         "rate_limit_exceeded", None, None, None, False, None),
    ]
    assert sources[0].skipped == {OUT: 1}
    assert bad.total == 0


def test_review_of_browser_captures_counts_other_hosts_as_skipped(samples: Path) -> None:
    result = run_review(ReviewOptions(paths=(samples / "chrome.har", samples / "firefox.har")))
    assert result.finding("failures.by_class").numbers["by_class"] == {"auth": 1, "connect_error": 1,
                                                                       "rate_limited": 1}
    assert result.totals["attempts"] == 5
    assert "analytics" not in json.dumps(result.to_dict(), default=str)  # a beacon is no failure, no route drift
    dumped = json.dumps(result.to_dict(), default=str)
    assert all(key not in dumped for key in FAKE_KEYS.values())
