"""Packets never escalate our own mistake; titles that contradict the evidence are warnings; the
packet cites what the API should have answered and says how to send the request again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chatcontract.cli.app import main
from chatcontract.evidence.store import EvidenceStore
from chatcontract.record import AttemptRecord, FailureClass, ResponseShape, Result

META = {
    "title": "503 on chat completions",
    "scope": "Requests from the checkout service to one model; others were not measured.",
    "mitigation": "Routed checkout to the fallback model.",
    "escalation_id": "CASE-1",
    "owner": "platform on-call",
    "support_route": "docs_help_center",
    "support_url": "https://apidoc.cometapi.com/",
    "support_accessed": "2026-11-22T14:30:00Z",
    "first_observed": "2026-11-22T13:55:00Z",
}

_CLASS = {401: FailureClass.AUTH, 404: FailureClass.MODEL_UNKNOWN, 400: FailureClass.REQUEST_INVALID,
          503: FailureClass.SERVER_ERROR}


def _seed(path: Path, status: int, verdict: str = "reproducible", *, outside_repro: bool = False) -> None:
    with EvidenceStore(path) as store:
        store.ensure_incident("INC-1")
        if outside_repro:  # the incident's own evidence, recorded before anyone reproduced it
            live = store.start_run("client", incident_id="INC-1", meta={"profile": "cometapi"})
            store.append(AttemptRecord(incident_id="INC-1", run_id=live, http_status=status,
                                       failure_class=_CLASS[status], started_at="2026-11-22T13:50:00Z",
                                       route_template="/v1/chat/completions", server_address="api.cometapi.com"))
        run = store.start_run("repro", incident_id="INC-1", meta={"profile": "cometapi"})
        for n in (1, 2):
            store.append(AttemptRecord(
                incident_id="INC-1", run_id=run, attempt_number=n, http_status=status, failure_class=_CLASS[status],
                provider_request_id=f"req_x{n}", route_template="/v1/chat/completions",
                server_address="api.cometapi.com", response_shape=ResponseShape.ERROR_JSON, elapsed_ms=50.0,
                model="gpt-4o-mni", credential_source="env:MY_TEAM_KEY", started_at=f"2026-11-22T14:3{n}:00Z",
                request_shape={"model": "gpt-4o-mni", "messages": [{"role": "user", "content": {"chars": 5}}]},
                error_summary=f"{status} error", result=Result.FAIL))
        store.add_note("repro", {"run_id": run, "verdict": verdict, "stop_reason": "non_retryable_class"},
                       incident_id="INC-1", run_id=run)


def _packet(tmp_path: Path, capsys: pytest.CaptureFixture[str], meta: dict[str, object],
            *args: str) -> tuple[int, dict[str, object], str]:
    meta_path = tmp_path / "meta.yaml"
    meta_path.write_text(yaml.safe_dump(meta))
    argv = ["packet", "INC-1", "--store", str(tmp_path / "s.db"), "--format", "json", "--meta", str(meta_path)]
    with pytest.raises(SystemExit) as info:
        main([*argv, *args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), json.loads(out), err


@pytest.mark.parametrize(
    ("status", "verdict", "owner"),
    [
        pytest.param(401, "reproducible", "credential owner", id="auth"),
        pytest.param(404, "request_shape", "application team", id="model-typo"),
        pytest.param(400, "request_shape", "application team", id="request-invalid"),
        pytest.param(503, "request_shape", "on-call, with the provider", id="request-shape-verdict"),
    ],
)
def test_our_own_mistake_is_not_addressed_to_support_and_fails_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status: int, verdict: str, owner: str
) -> None:
    _seed(tmp_path / "s.db", status, verdict)
    code, packet, err = _packet(tmp_path, capsys, {**META, "title": f"{status} on chat completions"}, "--strict")
    assert code == 1
    assert packet["addressed_to"] == owner
    assert packet["addressed_to"] != "provider support"
    assert packet["our_mistake"]
    assert packet["completeness"]["complete"]  # it fails --strict for being ours, not for a gap
    assert "ours to fix" in str(packet["summary"])
    assert "Could you check" not in str(packet["summary"])
    assert packet["support"]["topic"] is None  # type: ignore[index]
    assert "not for support:" in err
    code, _, _ = _packet(tmp_path, capsys, {**META, "title": f"{status} on chat completions"})
    assert code == 0  # without --strict the packet is still written


def test_provider_failure_goes_to_support_and_passes_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db", 503)
    code, packet, err = _packet(tmp_path, capsys, META, "--strict")
    assert code == 0, err
    assert packet["addressed_to"] == "provider support"
    assert packet["our_mistake"] is None
    support = packet["support"]
    assert support["topic"] == "maintenance"  # type: ignore[index]
    assert "server_error" in support["topic_why"]  # type: ignore[index]
    # what the API should have answered, not our retry policy
    assert str(packet["expected_behaviour"]).startswith("A chat.completion carries")
    assert "retry" not in str(packet["expected_behaviour"]).lower()
    summary = str(packet["summary"])
    assert "for model gpt-4o-mni" in summary
    assert "the server answered with an error status (HTTP 503)" in summary
    curl = str(packet["reproduce"])
    assert '--oauth2-bearer "$MY_TEAM_KEY"' in curl  # the variable the key came from
    assert "https://api.cometapi.com/v1/chat/completions" in curl
    assert packet["lint"] == []


def test_title_that_contradicts_the_evidence_is_a_warning(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db", 503)
    _, packet, err = _packet(tmp_path, capsys, {**META, "title": "404 storm on chat completions"})
    assert packet["warnings"] == ["the title names 404 but the failed attempts show 503 (2x)"]
    assert "warning: the title names 404" in err


def test_first_observed_is_the_incidents_not_the_reproductions(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db", 503, outside_repro=True)
    _, packet, _ = _packet(tmp_path, capsys, {k: v for k, v in META.items() if k != "first_observed"})
    assert str(packet["first_observed"]).startswith("2026-11-22T13:50:00")
    window = packet["reproduction_window"]
    assert str(window["first"]).startswith("2026-11-22T14:31:00")  # type: ignore[index]
    _, packet, _ = _packet(tmp_path, capsys, {**META, "first_observed": "2026-11-22T13:00:00Z"})
    assert packet["first_observed"] == "2026-11-22T13:00:00Z"  # the human's word for when it began


def test_repro_only_evidence_leaves_first_observed_missing(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db", 503)
    _, packet, _ = _packet(tmp_path, capsys, {k: v for k, v in META.items() if k != "first_observed"})
    assert packet["first_observed"] is None
    assert "first_observed" in {m["field"] for m in packet["completeness"]["missing"]}  # type: ignore[index]


def test_a_stream_that_delivered_chunks_is_shape_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EvidenceStore(tmp_path / "s.db") as store:
        store.ensure_incident("INC-1")
        run = store.start_run("client", incident_id="INC-1", meta={"profile": "cometapi"})
        for shape, first_chunk in ((ResponseShape.EMPTY, 120.0), (None, 80.0), (ResponseShape.EMPTY, None)):
            store.append(AttemptRecord(incident_id="INC-1", run_id=run, http_status=200, streaming=True,
                                       failure_class=FailureClass.STREAM_INTERRUPTED, response_shape=shape,
                                       first_chunk_ms=first_chunk, route_template="/v1/chat/completions",
                                       server_address="api.cometapi.com"))
    _, packet, _ = _packet(tmp_path, capsys, META)
    assert packet["observed"]["error_shapes"] == {"stream": 2, "empty": 1}  # type: ignore[index]
    assert "the stream ended without finish_reason" in str(packet["summary"])
