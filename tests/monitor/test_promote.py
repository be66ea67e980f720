"""The fallback promotion check: a fallback lacking a field the primary's fixture has is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatcontract.cli.app import main
from chatcontract.client import Client, Route
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.errors import UsageError
from chatcontract.monitor.promote import check_promotion, load_primary, load_promotion
from chatcontract.probe.registry import default_registry
from chatcontract.probe.runner import Target, run_probe
from chatcontract.sim import serve

KEY = "sk-promote-tests-0123456789abcdef"


def _probe(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["probe", *args] if "--cases" in args else ["probe", "--cases", "happy,stream", *args])
    code = exc.value.code if isinstance(exc.value.code, int) else 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def primary(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    code, _ = _probe(["--cases", "happy,stream", "--out", str(tmp_path / "primary")], capsys)
    assert code == 0
    return tmp_path / "primary"


def test_a_matching_fallback_is_promoted(primary: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _probe(["--promote-from", str(primary)], capsys)
    assert code == 0
    assert "the fallback matches" in out


@pytest.mark.parametrize(
    ("field", "value", "expect"),
    [
        pytest.param("x_primary_only", "string", "$.x_primary_only: field removed", id="primary-only-field"),
        pytest.param("usage", "string", "$.usage: type changed", id="type-changed"),
    ],
)
def test_a_fallback_lacking_a_primary_field_is_refused(
    primary: Path, field: str, value: str, expect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = primary / "fixtures" / "happy.response.json"
    doc = json.loads(fixture.read_text())
    doc[field] = value
    fixture.write_text(json.dumps(doc))
    code, out = _probe(["--promote-from", str(primary)], capsys)
    assert code == 1
    assert "REFUSED" in out
    assert expect in out


def test_no_primary_fixture_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _probe(["--promote-from", str(tmp_path)], capsys)
    assert code == 2
    assert "happy.response.json" in out


def test_a_fallback_stream_lacking_a_primary_chunk_field_is_refused(
    primary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chunks = primary / "fixtures" / "stream.chunks.jsonl"
    lines = [json.loads(line) for line in chunks.read_text().splitlines()]
    lines[-1]["x_primary_chunk_field"] = "string"
    chunks.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out = _probe(["--promote-from", str(primary)], capsys)
    assert code == 1
    assert "stream $.x_primary_chunk_field: field removed" in out


def test_no_stream_fixture_is_a_note_not_a_refusal(primary: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (primary / "fixtures" / "stream.chunks.jsonl").unlink()
    code, out = _probe(["--promote-from", str(primary)], capsys)
    assert code == 0
    assert "stream shape not compared" in out


@pytest.mark.parametrize(
    ("model", "expect"),
    [
        pytest.param("sim-stream-cut-3", "probe case stream failed", id="cut-stream"),
        pytest.param("sim-stream-no-done", "probe case stream failed", id="no-terminator"),
    ],
)
def test_a_fallback_whose_stream_breaks_is_refused(primary: Path, model: str, expect: str) -> None:
    with serve(api_key=KEY, models=("primary",)) as sim:
        target = Target(sim.base_url, load_profile("cometapi"), Credential(KEY, "env:TEST_KEY"), model)
        run = run_probe(default_registry().select(["happy", "stream"]), target, max_requests=4,
                        sleep=lambda _s: None)
    result = check_promotion(run, load_primary(primary), load_profile("cometapi"))
    assert not result.ok
    assert any(d.startswith(expect) for d in result.differences), result.differences


def _promotion_file(primary: Path, out: Path, capsys: pytest.CaptureFixture[str], *, tamper: bool) -> Path:
    if tamper:
        fixture = primary / "fixtures" / "happy.response.json"
        fixture.write_text(json.dumps({**json.loads(fixture.read_text()), "x_primary_only": "string"}))
    _probe(["--promote-from", str(primary), "--out", str(out)], capsys)
    return out / "promotion.json"


def test_the_client_refuses_a_fallback_whose_last_check_failed(
    primary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check = load_promotion(_promotion_file(primary, tmp_path / "fallback", capsys, tamper=True))
    assert not check.ok
    with pytest.raises(UsageError, match=r"refused: its last promotion check failed .*x_primary_only"):
        Client(base_url="http://127.0.0.1:9/v1", api_key="k", fallbacks=[Route(model=check.model, last_check=check)])


def test_the_client_takes_a_fallback_whose_last_check_passed(
    primary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check = load_promotion(_promotion_file(primary, tmp_path / "fallback", capsys, tamper=False))
    assert check.ok
    assert check.model
    client = Client(base_url="http://127.0.0.1:9/v1", api_key="k", fallbacks=[Route(model=check.model,
                                                                                   last_check=check)])
    client.close()
    with pytest.raises(UsageError, match="was of model"):
        Route(model="another-model", last_check=check)


@pytest.mark.parametrize(
    "content",
    [pytest.param("{not json", id="not-json"), pytest.param('{"ok": true}', id="not-a-promotion"),
     pytest.param('{"schema": "chatcontract.promotion/1", "differences": 3, "surprise": 1}', id="malformed")],
)
def test_a_bad_promotion_file_is_a_usage_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "promotion.json"
    path.write_text(content)
    with pytest.raises(UsageError):
        load_promotion(path)


@pytest.mark.parametrize(
    "content",
    [pytest.param(b"\x00\x01junk", id="binary"), pytest.param(b"[1, 2]", id="no-object"),
     pytest.param(b'{"started_at": 1, "attempt_number": 1}', id="an-attempts-log")],
)
def test_a_bad_primary_fixture_is_exit_2_before_any_request(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = tmp_path / "happy.response.json"
    fixture.write_bytes(content)
    code, out = _probe(["--promote-from", str(fixture)], capsys)
    assert code == 2
    assert "probe [" not in out  # no case ran
    assert "Traceback" not in out
