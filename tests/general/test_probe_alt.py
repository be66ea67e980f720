"""The probe against an independent, faithful-but-different server, and against its breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.general.altserver import UNFAITHFUL, AltConfig, serve_alt

import chatcontract.probe.cases_happy
import chatcontract.probe.cases_negative  # noqa: F401 - registers the default cases
from chatcontract.cli.app import main
from chatcontract.config import Credential
from chatcontract.contract.profile import load_profile
from chatcontract.probe.registry import DEFAULT_REGISTRY
from chatcontract.probe.runner import Target, run_probe
from chatcontract.record import Result

ALL = {
    "happy",
    "stream",
    "missing-auth",
    "invalid-key",
    "missing-model",
    "empty-messages",
    "invalid-role",
    "oversized",
    "unknown-model",
    "wrong-path",
}
ENVELOPE_CASES = ALL - {"happy", "stream", "wrong-path"}


def _verdicts(cfg: AltConfig, profile: str) -> dict[str, Result]:
    with serve_alt(cfg) as alt:
        target = Target(
            alt.base_url, load_profile(profile), Credential(key=cfg.api_key, source="env:ALT_KEY"), cfg.models[0]
        )
        run = run_probe(DEFAULT_REGISTRY.select(None), target, max_requests=40)
    for record in run.records:
        assert cfg.api_key not in record.to_json()
    return {r.name: r.result for r in run.results}


@pytest.mark.parametrize("profile", ["openai-compatible", "openai"])
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({}, id="default"),
        pytest.param({"event_names": True}, id="event-lines"),
        pytest.param({"keepalive": False, "ids": False}, id="bare-sse"),
        pytest.param({"split_data": True, "event_names": True}, id="multi-line-data"),
        pytest.param({"eol": b"\n", "early_413": True}, id="lf-early-413"),
    ],
)
def test_faithful_variant_passes_every_case(profile: str, variant: dict[str, bool]) -> None:
    verdicts = _verdicts(AltConfig(**variant), profile)
    assert set(verdicts) == ALL
    assert {n: v for n, v in verdicts.items() if v is not Result.PASS} == {}


BREAKS = [
    pytest.param("ignore-key", {"missing-auth", "invalid-key"}, id="ignore-key"),
    pytest.param("accept-empty-messages", {"empty-messages"}, id="empty-messages-accepted"),
    pytest.param("no-envelope", ENVELOPE_CASES, id="no-envelope"),
    pytest.param("message-not-string", ENVELOPE_CASES, id="message-not-string"),
    pytest.param("wrong-path-200-html", {"wrong-path"}, id="wrong-path-html-200"),
    pytest.param("stream-no-finish", {"stream"}, id="stream-without-finish"),
    pytest.param("stream-as-json", {"stream"}, id="stream-not-sse"),
    pytest.param("missing-choices", {"happy"}, id="missing-choices"),
    pytest.param("invalid-role-500", {"invalid-role"}, id="invalid-role-500"),
    pytest.param("unknown-model-200", {"unknown-model"}, id="unknown-model-200"),
]


def test_breaks_cover_every_unfaithful_mode() -> None:
    assert {p.values[0] for p in BREAKS} == UNFAITHFUL


@pytest.mark.parametrize(("mode", "failing"), BREAKS)
def test_unfaithful_mode_fails_the_matching_cases_only(mode: str, failing: set[str]) -> None:
    verdicts = _verdicts(AltConfig(unfaithful=frozenset({mode})), "openai-compatible")
    assert {n for n, v in verdicts.items() if v is Result.FAIL} == failing
    assert all(v is Result.PASS for n, v in verdicts.items() if n not in failing)


@pytest.mark.parametrize(
    ("unfaithful", "code"),
    [
        pytest.param(frozenset(), 0, id="faithful-exit-0"),
        pytest.param(frozenset({"ignore-key"}), 1, id="broken-exit-1"),
    ],
)
def test_cli_probe_against_altserver(
    unfaithful: frozenset[str], code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = AltConfig(unfaithful=unfaithful)
    monkeypatch.setenv("ALT_KEY", cfg.api_key)
    with serve_alt(cfg) as alt:
        args = ["probe", "--base-url", alt.base_url, "--profile", "openai-compatible"]
        args += ["--api-key-env", "ALT_KEY", "--model", cfg.models[0], "--out", str(tmp_path)]
        try:
            rc = main(args)
        except SystemExit as exc:
            rc = exc.code
    assert rc == code
    written = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert cfg.api_key not in written
    results = json.loads((tmp_path / "results.json").read_text())
    assert {c["name"] for c in results["cases"] if c["result"] == "fail"} == (
        {"missing-auth", "invalid-key"} if unfaithful else set()
    )
