"""Every planted finding of the generated incident, reproduced exactly, from two log formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatcontract.review import Label, ReviewOptions, ReviewResult, run_review


def _review(directory: Path, fmt: str) -> ReviewResult:
    if fmt == "attempts":
        return run_review(ReviewOptions(paths=(directory / "attempts.jsonl",), deadline_ms=30_000))
    return run_review(ReviewOptions(paths=(directory / "generic.jsonl",), map_file=directory / "generic-map.yaml",
                                    deadline_ms=30_000))


@pytest.fixture(scope="module", params=["attempts", "generic"])
def reviewed(
    request: pytest.FixtureRequest, incident: tuple[Path, dict[str, Any]]
) -> tuple[ReviewResult, dict[str, Any]]:
    directory, truth = incident
    return _review(directory, request.param), truth


def test_totals_and_classes(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    f = result.finding("failures.by_class")
    assert f.numbers["attempts"] == truth["attempts"]
    assert f.numbers["failures"] == truth["failures"]
    assert f.numbers["by_class"] == truth["by_class"]
    assert result.totals["logical_requests"] == truth["requests"]
    assert result.grouping["methods"] == {"request id": truth["attempts"]}
    assert result.bad_input.total == 0


def test_categories_have_owners(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    f = result.finding("failures.by_category")
    assert f.numbers["by_category"]["auth"] == truth["by_class"]["auth"]
    assert f.numbers["by_category"]["endpoint"] == truth["by_class"]["endpoint_mismatch"]
    assert all(row["owner"] for row in f.table)


def test_incident_window(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    n = result.finding("incident.window").numbers
    assert n["first_failure"] == truth["first_failure"]
    assert n["last_failure"] == truth["last_failure"]
    assert n["peak_minute"] == truth["peak_minute"]
    assert (n["peak_failures"], n["peak_attempts"]) == (truth["peak_failures"], truth["peak_attempts"])
    assert sum(m["attempts"] for m in result.timeline) == truth["attempts"]
    assert sum(m["failures"] for m in result.timeline) == truth["failures"]


def test_stale_route_from_one_deployment(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    f = result.finding(f"routes.off_profile:{truth['stale_path']}")
    assert f.label is Label.DEPLOYMENT_DRIFT
    assert f.numbers["attempts"] == truth["stale_attempts"]
    assert f.numbers["deployment"] == truth["stale_deployment"]
    assert f.numbers["documented_failed"] == truth["failed_on_documented_path"]
    share = 100.0 * truth["failed_on_documented_path"] / truth["failures"]
    assert f.statement.startswith(f"{share:.1f}% of failed attempts")
    assert "all from one deployment (web-3)" in f.statement


def test_auth_storm_retried_2x_each(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    f = result.finding("retry.non_retryable:auth")
    assert f.label is Label.CLIENT_BUG
    assert (f.numbers["requests"], f.numbers["retries"]) == (truth["auth_requests"], truth["auth_retries"])
    assert f.numbers["min_each"] == f.numbers["max_each"] == 2
    assert f.numbers["first_retry"] == truth["auth_first_retry"]
    assert f.numbers["first_failure"] == truth["auth_first_failure"]
    assert f.statement.startswith(f"auth failures began at {truth['auth_first_failure']} and were retried 2x each")
    assert f.numbers["recovered"] == 0
    auth_row = next(r for r in result.finding("incident.window").table if r["class"] == "auth")
    assert auth_row["first"] == truth["auth_first_failure"]


def test_amplification(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    n = result.finding("retry.amplification").numbers
    assert (n["attempts"], n["requests"]) == (truth["attempts"], truth["requests"])
    assert (n["failing_requests"], n["failing_attempts"]) == (truth["failing_requests"], truth["failing_attempts"])
    assert n["max_attempts"] == truth["max_attempts"]


def test_spacing_and_jitter(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    spacing = result.finding("retry.no_spacing").numbers
    assert spacing == {"retries": truth["retries"], "no_spacing": truth["no_spacing"]}
    jitter = result.finding("retry.no_jitter")
    assert jitter.numbers == {"retries": truth["jitterless_retries"], "groups": truth["jitterless_groups"]}
    assert {row["deployment"] for row in jitter.table} == {"batch-1"}


def test_retry_after_and_deadline(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    ra = result.finding("retry.retry_after_ignored").numbers
    assert ra["retries_after_retry_after"] == truth["retry_after_retries"]
    assert ra["ignored"] == truth["retry_after_ignored"]
    late = result.finding("retry.after_deadline")
    assert late.numbers["retries"] == truth["after_deadline"]
    assert late.label is Label.CLIENT_BUG


def test_streams_and_partial_success(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    n = result.finding("streams.cut").numbers
    assert (n["streams"], n["cut"], n["counted_as_success"]) == (
        truth["streams"], truth["cut_streams"], truth["cut_counted_as_success"])
    assert result.finding("streams.partial_success").label is Label.CLIENT_BUG


def test_usage_and_fallbacks(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, truth = reviewed
    u = result.finding("usage.absent").numbers
    assert (u["responses"], u["absent"]) == (truth["ok_2xx"], truth["usage_absent"])
    assert u["by_streaming"]["True"]["absent"] == truth["usage_absent_streamed"]
    fb = result.finding("fallbacks.model_changed").numbers
    assert fb["requests"] == fb["answered_by_fallback"] == truth["fallback_requests"]
    assert result.finding("models.seen").numbers["models"] == truth["models"]


def test_contract_assumptions(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, _ = reviewed
    verdicts = {row["assumption"]: row["logs"] for row in result.assumptions}
    assert verdicts["chat_route"] == "supported"
    assert verdicts["base_url"] == "supported"
    assert verdicts["wrong_path"] == "supported"  # the stale route answered 404
    assert verdicts["retry_stance"] == "supported"  # retried 401s never recovered
    assert verdicts["retry_after_header"] == "unsupported"  # 429s carried Retry-After
    assert verdicts["auth"] == "not_assessed"  # the review reads no request headers
    assert set(verdicts.values()) <= {"supported", "unsupported", "needs_confirmation", "not_assessed"}
    expected = {row["assumption"]: row["expected"] for row in result.assumptions}
    assert expected["retry_after_header"] == "no"  # the profile's value beside what the logs show
    assert expected["chat_route"] == "chat/completions"


def test_exemplars_side_by_side(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, _ = reviewed
    ex = result.exemplars
    assert ex["success"]["failure_class"] is None
    assert ex["success"]["status"] == 200
    assert ex["failure"]["failure_class"] is not None
    assert ex["expected"]["path"] == "/v1/chat/completions"


def test_no_vague_statements(reviewed: tuple[ReviewResult, dict[str, Any]]) -> None:
    result, _ = reviewed
    for f in result.findings:
        assert any(ch.isdigit() for ch in f.statement) or f.statement.startswith("Not assessed"), f.key
        assert "was down" not in f.statement


def test_since_until_window(incident: tuple[Path, dict[str, Any]]) -> None:
    from datetime import UTC, datetime

    directory, truth = incident
    result = run_review(ReviewOptions(paths=(directory / "attempts.jsonl",),
                                      since=datetime(2026, 11, 22, 14, 8, tzinfo=UTC),
                                      until=datetime(2026, 11, 22, 14, 20, tzinfo=UTC)))
    assert 0 < result.totals["attempts"] < truth["attempts"]
    assert all("14:08" <= m["minute"][-5:] < "14:20" for m in result.timeline)
