"""probe -x/--exitfirst, --max-time, --baseline/--write-baseline and --json."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.sim import serve

from .conftest import CANARY, run_cli

CASES = "happy,missing-auth,invalid-key,wrong-path"


@pytest.fixture(scope="module")
def lax_sim() -> Iterator[str]:
    """A simulator that accepts any key: missing-auth and invalid-key fail, happy and wrong-path pass."""
    with serve(api_key=CANARY, modes=["key-ignored"]) as sim:
        yield sim.base_url


@pytest.fixture
def target(lax_sim: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COMETAPI_API_KEY", CANARY)
    return ["probe", "--base-url", lax_sim, "--model", "sim-ok", "--cases", CASES]


def _doc(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    run = run_cli([*args, "--json"], capsys)
    assert CANARY not in run.out + run.err
    return run.code, json.loads(run.out)


def test_json_is_one_document_with_every_case(target: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _doc(target, capsys)
    assert code == 1
    results = {c["name"]: c["result"] for c in doc["cases"]}  # type: ignore[attr-defined]
    assert results == {"happy": "pass", "missing-auth": "fail", "invalid-key": "fail", "wrong-path": "pass"}
    assert doc["stopped"] is None
    assert doc["exit_code"] == 1


def test_exitfirst_stops_after_the_first_failure(target: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _doc([*target, "-x"], capsys)
    assert code == 1
    assert [c["name"] for c in doc["cases"]] == ["happy", "missing-auth"]  # type: ignore[attr-defined]
    assert doc["not_run"] == ["invalid-key", "wrong-path"]
    assert "first failure (missing-auth)" in str(doc["stopped"])


def test_max_time_starts_no_case_after_the_limit(
    target: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticks = itertools.count(0, 10)  # a fake clock: ten seconds pass at each look
    monkeypatch.setattr("chatcontract.cli.probe_rules.now", lambda: float(next(ticks)))
    code, doc = _doc([*target, "--max-time", "25s", "--cases", "happy,wrong-path,stream"], capsys)
    assert [c["name"] for c in doc["cases"]] == ["happy", "stream"]  # type: ignore[attr-defined]
    assert doc["not_run"] == ["wrong-path"]  # cases run in the registry's order
    assert code == 3  # nothing failed, but not everything ran


def test_bad_max_time_is_a_usage_error(target: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli([*target, "--max-time", "soon"], capsys)
    assert run.code == 2
    assert "--max-time 'soon'" in run.err


def test_baseline_accepts_known_failures_and_fails_on_new_ones(
    target: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "ci" / "probe-baseline.json"
    first = run_cli([*target, "--cases", "happy,missing-auth", "--write-baseline", str(baseline)], capsys)
    assert first.code == 1
    written = json.loads(baseline.read_text())
    assert [(e["case"], e["result"]) for e in written["accepted"]] == [("missing-auth", "fail")]
    assert CANARY not in baseline.read_text()

    code, doc = _doc([*target, "--cases", "happy,missing-auth", "--baseline", str(baseline)], capsys)
    assert code == 0  # the only failure is accepted
    assert doc["baseline"]["accepted"] == ["missing-auth"]  # type: ignore[index]

    code, doc = _doc([*target, "--baseline", str(baseline)], capsys)
    assert code == 1  # invalid-key fails and is not in the baseline
    assert doc["baseline"]["new"] == [{"case": "invalid-key", "result": "fail"}]  # type: ignore[index]


def test_a_baseline_case_that_now_passes_is_reported_fixed(
    target: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"version": 1, "accepted": [{"case": "happy", "result": "fail"}]}))
    run = run_cli([*target, "--cases", "happy", "--baseline", str(baseline)], capsys)
    assert run.code == 0
    assert "now passing (remove from the baseline): happy" in run.err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param("[]", "'accepted' list", id="not-an-object"),
        pytest.param('{"accepted": [{"case": "happy", "result": "pass"}]}', "fail or inconclusive", id="pass-entry"),
        pytest.param("{", "baseline file", id="not-json"),
    ],
)
def test_bad_baseline_is_a_usage_error_before_any_request(
    content: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text(content)
    run = run_cli(["probe", "--baseline", str(baseline)], capsys)
    assert run.code == 2
    assert needle in run.err
    assert "probe [" not in run.err
