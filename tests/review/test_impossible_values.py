"""Impossible values are bad lines counted by reason: never a crash, never silently kept or dropped.

A status of 999 or 503.7, a failure class or record schema version this project never wrote, a
timestamp that is not one: each line is counted under its reason, and the good lines around it
are reviewed as usual.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatcontract.review import ReviewOptions, run_review

GOOD: dict[str, Any] = {
    "schema_version": 2, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z", "elapsed_ms": 10,
    "http_method": "POST", "route_template": "/v1/chat/completions", "http_status": 200, "attempt_number": 1,
}
STATUS = "status: not an HTTP status code"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"http_status": 999}, STATUS, id="status-999"),
        pytest.param({"http_status": 600}, STATUS, id="status-600"),
        pytest.param({"http_status": 99}, STATUS, id="status-99"),
        pytest.param({"http_status": 503.7}, STATUS, id="status-fraction"),
        pytest.param({"http_status": "503.7"}, STATUS, id="status-fraction-text"),
        pytest.param({"http_status": 1e300}, STATUS, id="status-huge"),
        pytest.param({"http_status": True}, STATUS, id="status-bool"),
        pytest.param({"failure_class": "melted"}, "failure_class: not a known failure class", id="class-unknown"),
        pytest.param({"schema_version": 99}, "schema_version: not a known attempt-record schema version", id="v99"),
        pytest.param({"schema_version": 0}, "schema_version: not a known attempt-record schema version", id="v0"),
        pytest.param({"started_at": "yesterday"}, "time: not a timestamp", id="time-word"),
        pytest.param({"started_at": "2026-13-45T99:00:00Z"}, "time: not a timestamp", id="time-impossible"),
        pytest.param({"elapsed_ms": -5}, "latency: not a non-negative number", id="latency-negative"),
    ],
)
def test_an_impossible_attempt_value_is_a_bad_line(change: dict[str, Any], reason: str, tmp_path: Path) -> None:
    path = tmp_path / "attempts.jsonl"
    lines = [GOOD, {**GOOD, **change}, {**GOOD, "http_status": 503, "failure_class": "server_error"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_review(ReviewOptions(paths=(path,), reader="attempts"))
    assert result.bad_input.counts == {reason: 1}
    assert (result.sources[0].records, result.sources[0].bad) == (2, 1)
    assert result.totals["attempts"] == 2


@pytest.mark.parametrize(
    "status",
    [pytest.param(s, id=str(s)) for s in (100, 200, 499, 503, 599)] + [pytest.param("503", id="503-text")],
)
def test_every_real_status_and_known_version_is_kept(status: object, tmp_path: Path) -> None:
    path = tmp_path / "attempts.jsonl"
    rows = [{**GOOD, "http_status": status}, {**GOOD, "schema_version": 1}, {**GOOD, "failure_class": "timeout"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_review(ReviewOptions(paths=(path,), reader="attempts"))
    assert result.bad_input.counts == {}
    assert result.sources[0].records == 3


def test_an_access_log_status_outside_http_is_a_bad_line(tmp_path: Path) -> None:
    line = '10.0.0.1 - - [22/Nov/2026:14:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" {} 5 "-" "ua" 0.5\n'
    path = tmp_path / "access.log"
    path.write_text(line.format(200) + line.format(999) + line.format(503))
    result = run_review(ReviewOptions(paths=(path,), reader="nginx"))
    assert result.bad_input.counts == {STATUS: 1}
    assert result.sources[0].records == 2


def test_a_mapped_log_with_a_fractional_status_is_a_bad_line(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("fields: {time: t, status: s, latency: {field: d, unit: s}, path: p}\n")
    path = tmp_path / "gw.jsonl"
    rows = [{"t": "2026-11-22T14:00:00Z", "s": s, "d": 0.5, "p": "/v1/chat/completions"} for s in (200, 502.5, 777)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_review(ReviewOptions(paths=(path,), reader="jsonl", map_file=mapping))
    assert result.bad_input.counts == {STATUS: 2}
    assert result.sources[0].records == 1
