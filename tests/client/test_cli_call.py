"""``chatcontract call``: one request through the client from the shell, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.client.conftest import KEY

from chatcontract.cli.app import main
from chatcontract.sim import SimServer


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_embedded_simulator_fallback_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["call", "--model", "sim-503", "--fallback", "sim-ok", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["model"] == "sim-ok"
    assert [a.get("failure_class") for a in doc["attempts"]] == ["server_error"] * 3 + [None]


def test_failed_call_exits_1_with_its_class(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["call", "--model", "sim-content-filter", "--fallback", "sim-ok", "--json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["failure_class"] == "content_filtered"
    assert len(doc["attempts"]) == 1


def test_stream_against_a_base_url_with_a_key_file(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    code, out, _ = run(
        ["call", "--base-url", sim.base_url, "--api-key-file", str(key_file), "--model", "sim-ok", "--stream"],
        capsys,
    )
    assert code == 0
    assert "answered by sim-ok" in out
    assert KEY not in out


def test_missing_key_is_a_usage_error(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COMETAPI_API_KEY", raising=False)
    code, _, err = run(["call", "--base-url", sim.base_url, "--model", "sim-ok"], capsys)
    assert code == 2
    assert err.startswith("chatcontract: error: no API key")
    assert "Traceback" not in err
