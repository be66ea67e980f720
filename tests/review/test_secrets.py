"""A key in the logs never reaches a report: bad-line examples, exemplars and HAR headers are redacted."""

from __future__ import annotations

import json
from pathlib import Path

from chatcontract.report.review_html import render_html
from chatcontract.report.review_md import render_json, render_markdown
from chatcontract.review import ReviewOptions, run_review

KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"


def test_keys_in_logs_never_reach_the_report(tmp_path: Path) -> None:
    failed = {"schema_version": 1, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z", "elapsed_ms": 50,
              "http_method": "POST", "route_template": "/v1/chat/completions", "http_status": 401,
              "attempt_number": 1, "failure_class": "auth", "error_summary": f"invalid key {KEY}"}
    ok = {**failed, "request_id": "r2", "http_status": 200, "failure_class": None, "error_summary": None,
          "finish_reason": "stop"}
    log = tmp_path / "attempts.jsonl"
    lines = [json.dumps(failed), json.dumps({k: v for k, v in ok.items() if v is not None}),
             f'{{"broken": "Authorization: Bearer {KEY}"']
    log.write_text("\n".join(lines) + "\n")
    har = tmp_path / "capture.har"
    entry = {"startedDateTime": "2026-11-22T14:00:00Z", "time": 10,
             "request": {"method": "POST", "url": f"https://api.cometapi.com/v1/chat/completions?key={KEY}",
                         "headers": [{"name": "Authorization", "value": f"Bearer {KEY}"}],
                         "postData": {"text": json.dumps({"model": "m", "messages": [{"role": "user",
                                                                                      "content": KEY}]})}},
             "response": {"status": 401, "headers": [], "content": {"mimeType": "application/json",
                                                                     "text": json.dumps({"error": {"message": KEY}})}}}
    har.write_text(json.dumps({"log": {"entries": [entry]}}))
    result = run_review(ReviewOptions(paths=(log, har)))
    assert result.bad_input.total == 1
    assert result.exemplars["failure"]["error_summary"] is not None
    for text in (render_markdown(result), render_json(result), render_html(result)):
        assert KEY not in text
        assert KEY[:20] not in text
