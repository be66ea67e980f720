"""``watch`` events worded for a terminal: every event kind says what its JSON says."""

from __future__ import annotations

from typing import Any

import pytest

from chatcontract.report.watch_lines import event_lines

BUDGET = {"per_hour": 600, "used_last_hour": 4, "remaining": 596, "carried_from_before_start": 0}
ATTEMPT = {"request_class": "chat-stream", "attempt_number": 2, "http_status": 503, "error_type": "server_error",
           "provider_request_id": "req_9", "error_summary": "upstream unavailable"}


@pytest.mark.parametrize(
    ("event", "expect"),
    [
        pytest.param({"event": "run", "kind": "contract", "started_at": "2026-01-02T03:04:05+00:00", "state": "fail",
                      "cases": {"happy": "pass", "stream": "fail"}, "stream_verdict": "cut",
                      "failures": {"stream_interrupted": 2}, "requests": 3, "budget": BUDGET},
                     ["03:04:05 contract FAIL: happy pass, stream fail (stream cut); failures: stream_interrupted x2; "
                      "3 request(s), 596 of 600 left this hour"], id="run"),
        pytest.param({"event": "state_change", "target": "t", "from": "pass", "to": "down", "run_id": "r1",
                      "attempts": [ATTEMPT, {**ATTEMPT, "http_status": None, "error_type": "connect_error",
                                             "provider_request_id": None, "error_summary": None}]},
                     ["STATE CHANGE t: pass -> down (2 attempt(s) in run r1)",
                      "  chat-stream #2: HTTP 503, server_error, request id req_9, upstream unavailable",
                      "  chat-stream #2: no response, connect_error"], id="state-change"),
        pytest.param({"event": "skipped", "kind": "negatives", "reason": "no room", "room_in_s": 12.5,
                      "budget": BUDGET}, ["negatives run skipped: no room; room again in 12.5 s"], id="skipped"),
        pytest.param({"event": "stopped", "runs": 3, "requests": 6, "abandoned_run": "r9"},
                     ["stopped after 3 run(s), 6 request(s); run r9 abandoned at shutdown"], id="stopped-abandoned"),
        pytest.param({"event": "later", "x": 1}, ["event=later x=1"], id="unknown-event-shown-as-is"),
    ],
)
def test_event_lines(event: dict[str, Any], expect: list[str]) -> None:
    assert event_lines(event) == expect
