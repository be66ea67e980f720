"""``chatcontract probe`` end to end: embedded default, reports, exit codes, bad input, budget."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.cputime import children_cpu

from chatcontract.cli.app import main
from chatcontract.probe.registry import DEFAULT_CASES
from chatcontract.probe.render import OUTPUT_FILES

from .conftest import KEY, MODEL, simulator

REAL_LOOKING_KEY = "sk-real-environment-key-must-not-be-used-0123"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["probe", *args])
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COMETAPI_BASE_URL", "COMETAPI_API_KEY", "COMETAPI_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_readme_command_runs_the_suite_on_the_embedded_simulator(tmp_path: Path) -> None:
    """The done-when: a fresh process, no configuration, under 10 s of CPU, exit 0, five files."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COMETAPI_API_KEY": REAL_LOOKING_KEY}
    out_dir = tmp_path / "report"
    with children_cpu() as spent:  # the work done, which the machine's load does not stretch
        proc = subprocess.run(
            [sys.executable, "-m", "chatcontract.cli.app", "probe", "--out", str(out_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert spent.seconds < 10
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith(
        "Probing the embedded simulator at http://127.0.0.1:"
    )
    for name in OUTPUT_FILES:
        assert (out_dir / name).stat().st_size > 0
    everything = (
        proc.stdout
        + proc.stderr
        + "".join(p.read_text() for p in out_dir.rglob("*") if p.is_file())
    )
    assert REAL_LOOKING_KEY not in everything
    assert "ignoring COMETAPI_API_KEY: the embedded simulator only accepts the key minted for it" in proc.stderr
    assert "sk-chatcontract-embedded-" not in everything  # the minted key is never written either
    doc = json.loads((out_dir / "results.json").read_text())
    assert doc["profile"] == "cometapi"
    assert doc["target"].startswith("embedded simulator http://127.0.0.1:")
    assert [c["name"] for c in doc["cases"]] == list(DEFAULT_CASES)
    assert {c["result"] for c in doc["cases"]} == {"pass"}
    assert all(
        {"name", "result", "expected", "observed", "source_url"} <= set(c) for c in doc["cases"]
    )
    lines = (out_dir / "attempts.jsonl").read_text().splitlines()
    assert len(lines) == len(DEFAULT_CASES)
    assert (out_dir / "fixtures" / "happy.response.json").exists()


def test_failures_show_a_redacted_curl_and_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with simulator("cometapi", ["key-ignored"]) as base_url:
        monkeypatch.setenv("COMETAPI_API_KEY", KEY)
        code, out, err = run_cli(
            ["--base-url", base_url, "--model", MODEL, "--out", str(tmp_path)], capsys
        )
    assert code == 1
    assert out.splitlines()[0] == f"Probing {base_url} with profile cometapi."
    assert "reproduce missing-auth (fail)" in out
    assert KEY not in out + err
    doc = json.loads((tmp_path / "results.json").read_text())
    failed = {c["name"]: c for c in doc["cases"] if c["result"] == "fail"}
    assert set(failed) == {"missing-auth", "invalid-key"}
    assert failed["missing-auth"]["assumption"] == "auth"
    assert "Authorization" not in failed["missing-auth"]["curl"]
    assert "Bearer chatcontract-invalid-key-" in failed["invalid-key"]["curl"]
    md = (tmp_path / "report.md").read_text()
    assert "```sh" in md
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")  # noqa: S314 - our own file
    assert suite is not None
    assert suite.get("failures") == "2"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--base-url", "api.cometapi.com/v1"],
            "scheme and host",
            id="url-without-scheme",
        ),
        pytest.param(["--profile", "no-such-profile"], "unknown profile", id="unknown-profile"),
        pytest.param(
            ["--profile", "/nonexistent/profile.yaml"], "does not exist", id="missing-profile-file"
        ),
        pytest.param(["--cases", "happy,nope"], "unknown probe case 'nope'", id="unknown-case"),
        pytest.param(["--cases", " , "], "selected no case", id="empty-case-list"),
        pytest.param(["--max-requests", "-1"], "max-requests", id="negative-budget"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("chatcontract: error:")
    assert message in lines[0]
    assert "Traceback" not in err


def test_out_that_is_a_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    code, out, err = run_cli(["--out", str(target)], capsys)
    assert (code, out) == (2, "")
    assert "exists and is not a directory" in err


def test_invalid_profile_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: x\nassumptions: {}\n")
    code, _, err = run_cli(["--profile", str(bad)], capsys)
    assert code == 2
    assert "invalid profile" in err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_target_is_one_line_not_a_list_of_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", KEY)
    port = _closed_port()
    base = f"http://127.0.0.1:{port}/v1"
    code, out, err = run_cli(["--base-url", base, "--model", MODEL, "--out", str(tmp_path)], capsys)
    assert code == 3
    assert f"http://127.0.0.1:{port} does not answer: connection refused" in err
    assert not (tmp_path / "results.json").exists()  # no case ran, so no contract verdict
    assert "fail" not in out
    assert "Traceback" not in out + err


def test_no_key_runs_auth_cases_and_leaves_the_rest_inconclusive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with simulator("cometapi") as base_url:
        code, out, _ = run_cli(["--base-url", base_url, "--model", MODEL], capsys)
    assert code == 3
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert "pass" in rows["missing-auth"]
    assert "pass" in rows["invalid-key"]
    for name in (
        "happy",
        "stream",
        "missing-model",
        "empty-messages",
        "invalid-role",
        "oversized",
        "unknown-model",
    ):
        assert "inconclusive" in rows[name], rows[name]


def test_budget_ends_the_run_early_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["--max-requests", "3", "--out", str(tmp_path)], capsys)
    assert code == 3
    assert "budget was spent" in err
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["requests_sent"] == 3
    assert doc["budget_spent"] is True
    outcome = [(c["name"], c["result"]) for c in doc["cases"]]
    assert outcome[:3] == [("happy", "pass"), ("stream", "pass"), ("missing-auth", "pass")]
    assert all(result == "inconclusive" for _, result in outcome[3:])
    assert all(c["missing"].startswith("budget spent") for c in doc["cases"][3:])


def test_cases_selects_and_list_lists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--list"], capsys)
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == list(DEFAULT_CASES)
    code, out, _ = run_cli(["--cases", "wrong-path,happy"], capsys)
    assert code == 0
    assert "2 passed, 0 failed, 0 inconclusive" in out


def test_store_receives_every_attempt_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chatcontract.evidence.store import open_store

    db = tmp_path / "evidence.db"
    code, _, _ = run_cli(["--cases", "happy,missing-auth,wrong-path", "--store", str(db)], capsys)
    assert code == 0
    with open_store(db) as store:
        assert store.count_attempts() == 3
        assert {r.request_class for r in store.attempts()} == {
            "chat-completion-smoke",
            "negative-missing-auth",
            "negative-wrong-path",
        }


def test_missing_key_file_is_bad_input_even_for_the_embedded_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["probe", "--api-key-file", str(tmp_path / "no-such-key")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist" in err
