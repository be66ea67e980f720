"""Packets: derived fields, completeness, meta validation, redaction, lint, bad input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from chatcontract.cli.app import main
from chatcontract.errors import UsageError
from chatcontract.evidence.facts import compare_facts, incident_facts
from chatcontract.evidence.packet import load_meta
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


def _seed(path: Path, incident: str = "INC-1", status: int = 503) -> EvidenceStore:
    store = EvidenceStore(path)
    store.ensure_incident(incident)
    run = store.start_run("repro", incident_id=incident, meta={"profile": "cometapi"})
    cls = FailureClass.SERVER_ERROR if status >= 500 else FailureClass.AUTH
    for n in (1, 2, 3):
        store.append(
            AttemptRecord(
                incident_id=incident,
                run_id=run,
                attempt_number=n,
                http_status=status,
                failure_class=cls,
                provider_request_id=f"req_abc12345{n}",
                route_template="/v1/chat/completions",
                server_address="https://api.cometapi.com",
                response_shape=ResponseShape.ERROR_JSON,
                elapsed_ms=100.0 * n,
                credential_source="env:COMETAPI_API_KEY",
                request_shape={"model": "m", "messages": [{"role": "user", "content": {"chars": 5}}]},
                error_summary=f"{status} overloaded (request id: req_abc12345{n})",
                result=Result.FAIL,
            )
        )
    store.add_note(
        "repro",
        {"run_id": run, "verdict": "reproducible", "stop_reason": "identical_outcomes"},
        incident_id=incident,
        run_id=run,
    )
    return store


def _packet(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["packet", "INC-1", "--store", str(tmp_path / "s.db"), *args])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _meta(tmp_path: Path, data: Mapping[str, object]) -> Path:
    import yaml

    path = tmp_path / "meta.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_packet_derives_fields_and_is_complete_with_meta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db").close()
    meta = _meta(tmp_path, META)
    code, out, err = _packet(tmp_path, capsys, "--meta", str(meta), "--format", "json", "--strict")
    assert code == 0, err
    p = json.loads(out)
    assert p["completeness"] == {"complete": True, "missing": []}
    assert p["observed"]["statuses"] == {"503": 3}
    assert p["observed"]["latency_ms"] == {"n": 3, "median": 200.0, "max": 300.0}
    assert p["provider_request_ids"] == ["req_abc123451", "req_abc123452", "req_abc123453"]
    assert p["endpoint"]["route_template"] == "/v1/chat/completions"
    assert p["escalation_category"] == "availability_latency_degradation"
    assert p["support"]["topic"] == "maintenance"
    assert "source: https://apidoc.cometapi.com/" in p["expected_behaviour"]
    assert "env:COMETAPI_API_KEY" in p["auth_format"]
    assert p["lint"] == []


def test_incomplete_packet_lists_missing_and_strict_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db").close()
    code, _out, err = _packet(tmp_path, capsys)
    assert code == 0
    for field in ("title", "scope", "mitigation", "escalation_id", "owner", "support_route"):
        assert f"missing: {field}:" in err
    code, _out, _err = _packet(tmp_path, capsys, "--strict")
    assert code == 1


def test_drop_ids_and_extra_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db").close()
    meta = _meta(tmp_path, {**META, "owner": "tenant-4471 on-call"})
    code, out, _err = _packet(tmp_path, capsys, "--meta", str(meta), "--drop-ids", "--redact-pattern", r"tenant-\d+")
    assert code == 0
    assert "req_abc" not in out
    assert "tenant-4471" not in out
    stored = EvidenceStore(tmp_path / "s.db").packets("INC-1")[-1]["body"]
    assert "req_abc" not in json.dumps(stored)


def test_claims_in_human_fields_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db").close()
    meta = _meta(tmp_path, {**META, "scope": "This is a global outage affecting all customers."})
    code, _out, err = _packet(tmp_path, capsys, "--meta", str(meta), "--strict")
    assert code == 1
    assert "lint:" in err
    assert "overbroad_scope" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("title: x\ncolour: red\n", r"unknown key\(s\) colour", id="unknown-key"),
        pytest.param("title: 123\n", "key 'title'", id="wrong-type"),
        pytest.param("support_route: email\n", "key 'support_route'", id="bad-route"),
        pytest.param("- a\n- b\n", "expected a mapping", id="list"),
        pytest.param("title: [unclosed\n", "not valid YAML", id="yaml"),
    ],
)
def test_bad_meta_is_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    _seed(tmp_path / "s.db").close()
    meta = tmp_path / "meta.yaml"
    meta.write_text(content)
    out = tmp_path / "packet.md"
    out.write_text("previous packet")
    with pytest.raises(UsageError, match=message):
        load_meta(meta)
    code, _o, err = _packet(tmp_path, capsys, "--meta", str(meta), "--output", str(out))
    assert code == 2
    assert err.startswith("chatcontract: error:")
    assert err.strip().count("\n") == 0
    assert out.read_text() == "previous packet"
    assert EvidenceStore(tmp_path / "s.db").packets("INC-1") == []


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("missing-incident", id="missing-incident"),
        pytest.param("not-a-database", id="not-a-database"),
        pytest.param("store-parent-is-file", id="store-parent-is-file"),
        pytest.param("out-parent-is-file", id="out-parent-is-file"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    _seed(tmp_path / "good.db").close()
    blocker = tmp_path / "blocker"
    blocker.write_text("keep")
    store, incident, extra = str(tmp_path / "good.db"), "INC-1", []
    if case == "missing-incident":
        incident = "INC-404"
    elif case == "not-a-database":
        store = str(tmp_path / "notes.txt")
        Path(store).write_text("not a database\n")
    elif case == "store-parent-is-file":
        store = str(blocker / "s.db")
    else:
        extra = ["--output", str(blocker / "packet.md")]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(SystemExit) as info:
        main(["packet", incident, "--store", store, *extra])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.startswith("chatcontract: error:")
    assert err.strip().count("\n") == 0
    if case != "out-parent-is-file":  # that case stores the packet first, then refuses the file
        after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        assert after == before


def test_compare_two_incidents_field_by_field(tmp_path: Path) -> None:
    _seed(tmp_path / "s.db", "INC-1", 503).close()
    store = _seed(tmp_path / "s.db", "INC-2", 401)
    rows = {
        k: (a, b, same)
        for k, a, b, same in compare_facts(incident_facts(store, "INC-1"), incident_facts(store, "INC-2"))
    }
    assert rows["statuses"] == ("503: 3", "401: 3", False)
    assert rows["routes"][2] is True
    assert rows["escalation category"][:2] == ("availability_latency_degradation", "auth_account")


def test_incidents_cli_list_show_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(tmp_path / "s.db", "INC-1", 503).close()
    _seed(tmp_path / "s.db", "INC-2", 401).close()
    store = ["--store", str(tmp_path / "s.db")]
    for args in (["list"], ["show", "INC-1"], ["compare", "INC-1", "INC-2"]):
        with pytest.raises(SystemExit) as info:
            main(["incidents", *args, *store])
        assert info.value.code == 0
    out = capsys.readouterr().out
    assert "INC-2" in out
    assert "DIFFERS" in out
    with pytest.raises(SystemExit) as info:
        main(["incidents", "show", "INC-404", *store])
    assert info.value.code == 2
    assert "no incident 'INC-404'" in capsys.readouterr().err


def test_packet_for_a_store_that_does_not_exist_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(SystemExit) as info:
        main(["packet", "INC-1", "--store", str(missing)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist" in err
    assert not missing.exists()
