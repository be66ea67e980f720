"""Logical requests without request ids (retry counter, heuristic) and one classification per key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatcontract.review import ReviewOptions, run_review
from chatcontract.review import classify as classify_module

MAP = "fields: {time: t, status: s, path: p, latency: l, deployment: d, model: m, retry_count: r}\n"


def _write(tmp_path: Path, rows: list[dict[str, Any]], mapping: str = MAP) -> ReviewOptions:
    log = tmp_path / "gateway.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "map.yaml").write_text(mapping)
    return ReviewOptions(paths=(log,), map_file=tmp_path / "map.yaml")


def _row(second: float, status: int, deployment: str = "web-1", retry: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"t": f"2026-11-22T14:00:{second:06.3f}Z", "s": status, "p": "/v1/chat/completions",
                           "l": 100, "d": deployment, "m": "gpt-4o-mini"}
    if retry is not None:
        row["r"] = retry
    return row


def test_heuristic_groups_by_client_and_gap(tmp_path: Path) -> None:
    rows = [
        _row(0, 503), _row(1, 503), _row(2, 200),  # one request, retried twice, then answered
        _row(3, 200),  # a new request: the previous one succeeded
        _row(4, 503, "web-2"), _row(5, 200, "web-2"),  # another client
    ]
    result = run_review(_write(tmp_path, rows))
    assert result.grouping["methods"] == {"heuristic": 6}
    assert "gap over 60 s" in result.grouping["heuristic"]
    assert result.totals["logical_requests"] == 3
    assert result.finding("retry.amplification").numbers["max_attempts"] == 3


def test_heuristic_window_splits_long_gaps(tmp_path: Path) -> None:
    rows = [_row(0, 503), _row(50, 503)]
    options = _write(tmp_path, rows)
    assert run_review(options).totals["logical_requests"] == 1
    narrow = ReviewOptions(paths=options.paths, map_file=options.map_file, group_window_s=10)
    assert run_review(narrow).totals["logical_requests"] == 2


def test_retry_counter_restarts_a_request(tmp_path: Path) -> None:
    rows = [_row(0, 401, retry=0), _row(1, 401, retry=1), _row(2, 401, retry=0), _row(3, 401, retry=1)]
    result = run_review(_write(tmp_path, rows))
    assert result.grouping["methods"] == {"x-stainless-retry-count": 4}
    assert result.totals["logical_requests"] == 2
    auth = result.finding("retry.non_retryable:auth").numbers
    assert (auth["requests"], auth["retries"]) == (2, 2)


def test_deployment_absent_is_said(tmp_path: Path) -> None:
    rows = [{"t": "2026-11-22T14:00:00Z", "s": 404, "p": "/v1/chat/completion"},
            {"t": "2026-11-22T14:00:01Z", "s": 200, "p": "/v1/chat/completions"}]
    result = run_review(_write(tmp_path, rows, "fields: {time: t, status: s, path: p}\n"))
    assert "fields.deployment_absent" in {f.key for f in result.findings}
    drift = result.finding("routes.off_profile:/v1/chat/completion")
    assert "no deployment field" in drift.statement
    assert drift.numbers["deployment"] is None


def test_each_distinct_key_is_classified_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = classify_module.classify_observation

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(classify_module, "classify_observation", counting)
    rows = [_row(i % 60, status) for i in range(300) for status in (200, 503, 429)]
    result = run_review(_write(tmp_path, rows))
    assert result.totals["attempts"] == 900
    assert len(calls) == 3


def test_many_off_profile_paths_are_capped_and_queries_stripped(tmp_path: Path) -> None:
    rows = [{"t": f"2026-11-22T14:00:{i % 60:02d}Z", "s": 404, "p": f"/v1/other/{i}?key=abc"} for i in range(25)]
    rows.append({"t": "2026-11-22T14:01:00Z", "s": 200, "p": "/v1/chat/completions?x=1"})
    result = run_review(_write(tmp_path, rows, "fields: {time: t, status: s, path: p}\n"))
    keys = [f.key for f in result.findings if f.key.startswith("routes.off_profile:")]
    assert len(keys) == 10
    assert all("?" not in k for k in keys)
    assert result.finding("routes.off_profile_more").numbers == {"paths": 15, "attempts": 15}
    verdicts = {row["assumption"]: row["logs"] for row in result.assumptions}
    assert verdicts["chat_route"] == "supported"  # the query string was stripped
