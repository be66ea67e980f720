"""``--json`` on every command that reports: exactly one JSON document on stdout, nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatcontract.cli.app import _command, main

from .conftest import run_cli

NOT_REPORTING = {"chatcontract sim"}  # a server: its stdout is its URL


def _leaves() -> list[tuple[str, Any]]:
    found, pending = [], [("chatcontract", _command())]
    while pending:
        path, cmd = pending.pop()
        subs = getattr(cmd, "commands", {})
        if not subs:
            found.append((path, cmd))
        pending.extend((f"{path} {name}", sub) for name, sub in subs.items())
    return found


def test_every_reporting_command_has_json() -> None:
    missing = [path for path, cmd in _leaves() if path not in NOT_REPORTING
               and not any("--json" in getattr(p, "opts", []) for p in cmd.params)]
    assert missing == []


REPRO = ["repro", "--class", "server_error", "--model", "sim-503", "--wait-s", "0", "--attempts", "2"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with two incidents and a probe's --out directory (run once for the module)."""
    root = tmp_path_factory.mktemp("json")
    store = str(root / "ev.sqlite")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHATCONTRACT_STORE", store)
        for incident in ("J-1", "J-2"):
            with pytest.raises(SystemExit):
                main(["-q", *REPRO, "--incident", incident])
        with pytest.raises(SystemExit):
            main(["-q", "probe", "--out", str(root / "probe")])
    (root / "note.md").write_text("We saw 2 of 2 requests return 503.\n")
    return root


COMMANDS = [
    pytest.param(["probe", "--cases", "happy"], dict, id="probe"),
    pytest.param(["call", "--model", "sim-ok"], dict, id="call"),
    pytest.param([*REPRO, "--incident", "J-3"], dict, id="repro"),
    pytest.param(["review", "{root}/probe/attempts.jsonl"], dict, id="review"),
    pytest.param(["replay", "{root}/probe/attempts.jsonl"], dict, id="replay"),
    pytest.param(["drift", "{root}/probe/fixtures/happy.response.json"], dict, id="drift"),
    pytest.param(["lint", "{root}/note.md"], list, id="lint"),
    pytest.param(["packet", "J-1"], dict, id="packet"),
    pytest.param(["incidents", "list"], list, id="incidents-list"),
    pytest.param(["incidents", "show", "J-1"], dict, id="incidents-show"),
    pytest.param(["incidents", "compare", "J-1", "J-2"], dict, id="incidents-compare"),
    pytest.param(["profile", "list"], list, id="profile-list"),
    pytest.param(["profile", "show", "openai"], dict, id="profile-show"),
    pytest.param(["ready", "--probe-results", "{root}/probe/results.json"], dict, id="ready"),
    pytest.param(["config", "show"], dict, id="config-show"),
    pytest.param(["conduct", "--client", "chatcontract", "--scenarios", "http-401", "--workers", "1"], dict,
                 id="conduct"),
]


@pytest.mark.parametrize(("args", "kind"), COMMANDS)
def test_json_is_one_document_on_stdout(
    args: list[str], kind: type, made: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCONTRACT_STORE", str(made / "ev.sqlite"))
    monkeypatch.setenv("FORCE_COLOR", "1")  # even when colour is forced, the document is plain
    run = run_cli([a.format(root=made) for a in args] + ["--json"], capsys)
    assert run.code in (0, 1, 3), run.err
    assert isinstance(json.loads(run.out), kind)  # raises on anything but one JSON document
    assert "\x1b[" not in run.out


def test_watch_json_is_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(["watch", "--every", "1s", "--max-runs", "1", "--json"], capsys)
    events = [json.loads(line) for line in run.out.splitlines()]
    assert events[0]["event"] == "started"
    assert events[-1]["event"] == "stopped"


def test_out_is_a_directory_everywhere() -> None:
    """``--out`` names a directory on every command; a single file is ``--output``/``-o``."""
    outs = [(path, p) for path, cmd in _leaves() for p in cmd.params if "--out" in getattr(p, "opts", [])]
    assert len(outs) >= 6
    for path, param in outs:
        assert "director" in (param.help or "").lower(), path
        assert param.metavar == "DIR", path


def test_packet_out_creates_the_directory_and_output_names_a_file(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCONTRACT_STORE", str(made / "ev.sqlite"))
    assert run_cli(["packet", "J-1", "--out", str(tmp_path / "a" / "b"), "--format", "json"], capsys).code == 0
    assert json.loads((tmp_path / "a" / "b" / "J-1-packet.json").read_text())["incident_id"] == "J-1"
    assert run_cli(["packet", "J-1", "-o", str(tmp_path / "p.md")], capsys).code == 0
    assert (tmp_path / "p.md").read_text().startswith("#")
    both = run_cli(["packet", "J-1", "--out", str(tmp_path), "-o", str(tmp_path / "p.md")], capsys)
    assert both.code == 2
