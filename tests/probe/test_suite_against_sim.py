"""The default suite against the simulator: faithful profiles pass, contract breaks fail exactly."""

from __future__ import annotations

import pytest

from chatcontract.probe.registry import DEFAULT_CASES
from chatcontract.record import Result

from .conftest import KEY, RunProbe


@pytest.mark.parametrize(
    ("profile", "error_style"),
    [
        pytest.param("cometapi", "cometapi", id="cometapi-profile-cometapi-errors"),
        pytest.param("cometapi", "openai", id="cometapi-profile-openai-errors"),
        pytest.param("openai", "openai", id="openai-profile-openai-errors"),
        pytest.param("openai", "cometapi", id="openai-profile-cometapi-errors"),
        pytest.param("openai-compatible", "openai", id="compatible-profile-openai-errors"),
    ],
)
def test_faithful_simulator_passes_every_case(
    probe_sim: RunProbe, profile: str, error_style: str
) -> None:
    run = probe_sim(profile, error_style=error_style)
    assert [r.name for r in run.results] == list(DEFAULT_CASES)
    assert {r.name: r.result for r in run.results} == dict.fromkeys(DEFAULT_CASES, Result.PASS), [
        (r.name, r.observed, r.notes) for r in run.results if r.result is not Result.PASS
    ]
    assert run.exit_code == 0
    assert run.requests_sent == len(DEFAULT_CASES)
    assert len(run.records) == len(DEFAULT_CASES)
    assert all(r.result is Result.PASS for r in run.records)
    assert KEY not in "".join(r.to_json() for r in run.records)


NEGATIVES_WITH_ENVELOPE = {
    "missing-auth",
    "invalid-key",
    "missing-model",
    "empty-messages",
    "invalid-role",
    "oversized",
    "unknown-model",
}


@pytest.mark.parametrize(
    ("mode", "failing"),
    [
        pytest.param("key-ignored", {"missing-auth", "invalid-key"}, id="key-ignored"),
        pytest.param("empty-messages-accepted", {"empty-messages"}, id="empty-messages-accepted"),
        pytest.param("bad-role-accepted", {"invalid-role"}, id="bad-role-accepted"),
        pytest.param("wrong-path-html-200", {"wrong-path"}, id="wrong-path-html-200"),
        pytest.param("unknown-model-served", {"unknown-model"}, id="unknown-model-served"),
        pytest.param("stream-no-finish-reason", {"stream"}, id="stream-no-finish-reason"),
        pytest.param(
            "errors-without-envelope", NEGATIVES_WITH_ENVELOPE, id="errors-without-envelope"
        ),
        pytest.param("no-choices", {"happy"}, id="no-choices"),
        pytest.param("bad-key-500", {"missing-auth", "invalid-key"}, id="bad-key-500"),
    ],
)
def test_contract_breaking_mode_fails_exactly_its_cases(
    probe_sim: RunProbe, mode: str, failing: set[str]
) -> None:
    run = probe_sim("cometapi", modes=[mode])
    outcome = {r.name: r.result for r in run.results}
    assert {n for n, r in outcome.items() if r is Result.FAIL} == failing
    assert {n for n, r in outcome.items() if r is Result.PASS} == set(DEFAULT_CASES) - failing
    assert run.exit_code == 1
    for result in run.results:
        if result.result is Result.FAIL:
            assert result.expected
            assert result.observed
            assert result.assumption
            assert result.source_url
            assert result.source_url.startswith("https://")
            assert result.curl is not None
            assert KEY not in result.curl


@pytest.mark.parametrize(
    ("wrong_path", "profile", "expected"),
    [
        pytest.param("301", "cometapi", Result.PASS, id="redirect-allowed-by-cometapi"),
        pytest.param("html", "cometapi", Result.PASS, id="html-404-allowed-by-cometapi"),
        pytest.param("301", "openai", Result.FAIL, id="redirect-not-allowed-by-openai"),
        pytest.param("html", "openai", Result.PASS, id="html-404-is-still-a-404"),
    ],
)
def test_wrong_path_answers_by_profile(
    probe_sim: RunProbe, wrong_path: str, profile: str, expected: Result
) -> None:
    run = probe_sim(profile, cases=["wrong-path"], wrong_path=wrong_path)
    assert run.result("wrong-path").result is expected


def test_stream_records_first_chunk_latency_and_usage(probe_sim: RunProbe) -> None:
    run = probe_sim("openai", cases=["stream"])
    result = run.result("stream")
    assert result.result is Result.PASS
    assert result.first_chunk_ms is not None
    assert result.first_chunk_ms > 0
    (record,) = run.records
    assert record.streaming
    assert record.finish_reason == "stop"
    assert record.first_chunk_ms == result.first_chunk_ms
    assert record.total_tokens is not None


def test_happy_keeps_a_sanitized_fixture(probe_sim: RunProbe) -> None:
    run = probe_sim("cometapi", cases=["happy"])
    result = run.result("happy")
    assert result.result is Result.PASS
    assert result.fixture is not None
    message = result.fixture["choices"][0]["message"]
    assert isinstance(message["content"], dict)  # text reduced to its shape
    assert set(message["content"]) == {"chars"}
    (record,) = run.records
    assert record.response_model == "probe-test-model"
    assert record.prompt_tokens is not None
