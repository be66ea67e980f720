"""``chatcontract ready``: ten criteria from four sources; missing evidence is unknown, never yes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatcontract.cli.app import main

OWNERS = "credential: platform-team\nmodel: ml-platform\nquota: finops\nbilling: finops-oncall\n"
CONDUCT = {
    "checks": [
        {"name": "auth-401-does-not-fall-back", "result": "pass"},
        {"name": "retries-bounded-with-jitter", "result": "pass"},
        {"name": "fallback-only-within-deadline", "result": "pass"},
    ]
}
SOURCES = {
    "probe": ["endpoint_auth_contract", "minimal_completion", "malformed_not_retried", "stream_and_nonstream"],
    "conduct": ["auth_no_fallback", "retries_bounded_jitter", "fallback_when_safe"],
    "fixtures": ["fixtures_sanitized", "parser_tolerance"],
    "owners": ["owners_assigned"],
}


@dataclass
class Inputs:
    root: Path
    probe_results: Path

    def args(self, without: str | None = None) -> list[str]:
        given = {
            "probe": ["--probe-results", str(self.probe_results)],
            "conduct": ["--conduct", str(self.root / "conduct.json")],
            "fixtures": ["--fixtures", str(self.root / "fixtures")],
            "owners": ["--owners", str(self.root / "owners.yaml")],
        }
        args = [a for name, pair in given.items() if name != without for a in pair]
        return [*args, "--no-probe"] if without == "probe" else args


@pytest.fixture(scope="module")
def probe_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("probe") / "out"
    with pytest.raises(SystemExit) as exc:
        main(["probe", "--out", str(out)])
    assert exc.value.code == 0
    return out


@pytest.fixture
def inputs(tmp_path: Path, probe_out: Path, monkeypatch: pytest.MonkeyPatch) -> Inputs:
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    shutil.copytree(probe_out / "fixtures", tmp_path / "fixtures")
    (tmp_path / "owners.yaml").write_text(OWNERS)
    (tmp_path / "conduct.json").write_text(json.dumps(CONDUCT))
    return Inputs(tmp_path, probe_out / "results.json")


def ready(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    with pytest.raises(SystemExit) as exc:
        main(["ready", "--json", *args])
    out, err = capsys.readouterr()
    code = exc.value.code if isinstance(exc.value.code, int) else 0
    if code == 2:
        return code, {}, err
    doc = json.loads(out)
    return code, {c["id"]: c["answer"] for c in doc["criteria"]}, err


def test_all_ten_yes_against_the_embedded_simulator(inputs: Inputs, capsys: pytest.CaptureFixture[str]) -> None:
    """The done-when: a live probe of the embedded simulator plus the three files."""
    args = [a for a in inputs.args() if a != "--probe-results" and a != str(inputs.probe_results)]
    code, answers, _ = ready(args, capsys)
    assert answers == {cid: "yes" for ids in SOURCES.values() for cid in ids}
    assert code == 0


@pytest.mark.parametrize("removed", list(SOURCES))
def test_removing_an_input_turns_its_criteria_unknown(
    inputs: Inputs, removed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answers, _ = ready(inputs.args(without=removed), capsys)
    assert {cid for cid, a in answers.items() if a == "unknown"} == set(SOURCES[removed])
    assert {a for cid, a in answers.items() if cid not in SOURCES[removed]} == {"yes"}
    assert code == 3


def _owner_missing(root: Path) -> None:
    (root / "owners.yaml").write_text("credential: platform-team\nmodel: ml-platform\nquota: finops\n")


def _conduct_fails(root: Path) -> None:
    checks = [*CONDUCT["checks"][:2], {"name": "fallback-only-within-deadline", "result": "fail"}]
    (root / "conduct.json").write_text(json.dumps({"checks": checks}))


def _secret_fixture(root: Path) -> None:
    (root / "fixtures" / "leaky.json").write_text(
        json.dumps({"id": "x", "headers": {"authorization": "Bearer sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"}})
    )


def _fixture_lacks_choices(root: Path) -> None:
    for path in (root / "fixtures").glob("*.json"):  # the happy answer (the stream's chunks stay whole)
        doc = json.loads(path.read_text())
        doc.pop("choices")
        path.write_text(json.dumps(doc))


def _no_fixtures(root: Path) -> None:
    for path in (root / "fixtures").iterdir():
        path.unlink()


@pytest.mark.parametrize(
    ("spoil", "criterion"),
    [
        pytest.param(_owner_missing, "owners_assigned", id="billing-owner-missing"),
        pytest.param(_conduct_fails, "fallback_when_safe", id="conduct-check-failed"),
        pytest.param(_secret_fixture, "fixtures_sanitized", id="fixture-holds-a-key"),
        pytest.param(_fixture_lacks_choices, "parser_tolerance", id="fixture-lacks-required-field"),
        pytest.param(_no_fixtures, "fixtures_sanitized", id="no-fixture-checked-in"),
    ],
)
def test_evidence_against_a_criterion_is_no(
    inputs: Inputs, spoil: object, criterion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spoil(inputs.root)  # type: ignore[operator]
    code, answers, _ = ready(inputs.args(), capsys)
    assert answers[criterion] == "no"
    assert code == 1


def test_a_failed_probe_case_is_no(inputs: Inputs, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(inputs.probe_results.read_text())
    for case in doc["cases"]:
        if case["name"] == "invalid-key":
            case["result"] = "fail"
        if case["name"] == "stream":
            case["result"] = "inconclusive"
    spoiled = inputs.root / "results.json"
    spoiled.write_text(json.dumps(doc))
    inputs.probe_results = spoiled
    code, answers, _ = ready(inputs.args(), capsys)
    assert answers["endpoint_auth_contract"] == "no"
    assert answers["stream_and_nonstream"] == "unknown"  # inconclusive is never yes
    assert code == 1


@pytest.mark.parametrize(
    ("name", "content", "option"),
    [
        pytest.param("conduct.json", "{not json", "--conduct", id="conduct-not-json"),
        pytest.param("conduct.json", '{"summary": {}}', "--conduct", id="conduct-without-checks"),
        pytest.param("owners.yaml", "- a\n- b\n", "--owners", id="owners-not-a-mapping"),
        pytest.param("owners.yaml", "a: [\n", "--owners", id="owners-not-yaml"),
    ],
)
def test_bad_input_is_exit_2(inputs: Inputs, name: str, content: str, option: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    (inputs.root / name).write_text(content)
    code, _, err = ready(inputs.args(), capsys)
    assert code == 2
    assert option in err
    assert "Traceback" not in err


def test_missing_files_are_exit_2(inputs: Inputs, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--no-probe", "--fixtures", str(inputs.root / "nope")],
                 ["--probe-results", str(inputs.root / "nope.json")],
                 ["--no-probe", "--owners", str(inputs.root)],
                 ["--no-probe", "--probe-results", str(inputs.probe_results)]):
        code, _, err = ready(args, capsys)
        assert code == 2, args
        assert "nope" in err or "directory" in err or "contradict" in err


def test_reports_in_every_format(inputs: Inputs, capsys: pytest.CaptureFixture[str]) -> None:
    out = inputs.root / "report"
    _owner_missing(inputs.root)
    code, _, _ = ready([*inputs.args(without="conduct"), "--out", str(out)], capsys)
    assert code == 1
    doc = json.loads((out / "ready.json").read_text())
    assert doc["ready"] == "no"
    assert doc["summary"] == {"yes": 6, "no": 1, "unknown": 3}
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")  # noqa: S314 - our own report
    assert suite is not None
    assert suite.get("tests") == "10"
    assert "Owners of credential, model, quota and billing failures are named | no" in (out / "ready.md").read_text()
    html = (out / "ready.html").read_text()
    assert "billing failures: no owner named" in html
