"""The fallback promotion check: a fallback lacking a field the primary's fixture has is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatcontract.cli.app import main


def _probe(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["probe", "--cases", "happy", *args])
    code = exc.value.code if isinstance(exc.value.code, int) else 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def primary(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    code, _ = _probe(["--out", str(tmp_path / "primary")], capsys)
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
