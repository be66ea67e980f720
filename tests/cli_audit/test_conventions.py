"""Conventions users of pytest, Schemathesis and httpie expect: -q/-v, --color/--no-color,
readable help placeholders with a help line for every option, shell completion."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chatcontract.cli.app import _command

from .conftest import run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")  # a foreground colour, not bold or italic
CALL = ["call", "--model", "sim-ok"]


def test_quiet_silences_notes_and_keeps_results(capsys: pytest.CaptureFixture[str]) -> None:
    loud = run_cli(CALL, capsys)
    assert "embedded simulator" in loud.err  # a note
    for args in (["-q", *CALL], [*CALL, "--quiet"]):  # before or after the command
        run = run_cli(args, capsys)
        assert run.code == 0
        assert run.err == ""
        assert "answered by sim-ok" in run.out


def test_quiet_keeps_errors(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(["-q", "call", "--fallback", ""], capsys)
    assert run.code == 2
    assert run.err.startswith("chatcontract: error: --fallback")


def test_verbose_says_where_the_configuration_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chatcontract.toml").write_text('model = "sim-ok"\n')
    assert "configuration:" not in run_cli(CALL, capsys).err
    assert f"configuration: {tmp_path / 'chatcontract.toml'}" in run_cli(["-v", *CALL], capsys).err


@pytest.mark.parametrize(
    ("env", "flag", "coloured"),
    [
        pytest.param({}, [], False, id="piped-plain"),
        pytest.param({"FORCE_COLOR": "1"}, [], True, id="FORCE_COLOR"),
        pytest.param({"FORCE_COLOR": "1"}, ["--no-color"], False, id="no-color-beats-FORCE_COLOR"),
        pytest.param({"NO_COLOR": "1"}, ["--color"], True, id="color-beats-NO_COLOR"),
        pytest.param({}, ["--color"], True, id="color-when-piped"),
    ],
)
def test_colour_flags_and_variables(
    env: dict[str, str], flag: list[str], coloured: bool, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    run = run_cli(["probe", "--cases", "happy", *flag], capsys)  # "pass" is green
    assert run.code == 0
    assert bool(COLOUR.search(run.out)) is coloured


def _walk() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    pending: list[tuple[str, Any]] = [("chatcontract", _command())]
    while pending:
        path, cmd = pending.pop()
        found.append((path, cmd))
        pending.extend((f"{path} {name}", sub) for name, sub in getattr(cmd, "commands", {}).items())
    return found


COMMANDS = [path.split()[1:] for path, _ in _walk()]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "(root)" for c in COMMANDS])
def test_help_has_readable_placeholders_and_a_line_per_option(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli([*command, "--help"], capsys)
    assert run.code == 0, run.err
    assert not re.search(r"(--[\w-]+|^ +[A-Z_]+) <[^>]+>", run.out, re.MULTILINE), run.out  # <str>, <list[Path]>
    assert not re.search(r"\b(TEXT|PATH|INTEGER|FLOAT)\b", run.out.split("Options:")[0]), run.out
    for opt in ("--quiet", "--verbose", "--no-color", "--config"):
        assert opt in run.out


@pytest.mark.parametrize(("path", "cmd"), _walk(), ids=[p for p, _ in _walk()])
def test_every_option_has_a_help_line(path: str, cmd: Any) -> None:
    missing = [p.name for p in cmd.params if getattr(p, "param_type_name", "") == "option" and not p.help]
    assert missing == [], path


@pytest.mark.parametrize(("shell", "marker"), [("bash", "COMPREPLY"), ("zsh", "#compdef chatcontract"),
                                                ("fish", "complete --command chatcontract")])
def test_shell_completion_is_typers_and_documented(
    shell: str, marker: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the script for a named shell, whatever shell runs the tests (--show-completion detects the
    # calling shell from the process tree, so it cannot be tested from an unknown parent)
    monkeypatch.setenv("_CHATCONTRACT_COMPLETE", f"source_{shell}")
    run = run_cli([], capsys)
    assert run.code == 0
    assert marker in run.out
    assert "_CHATCONTRACT_COMPLETE" in run.out
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()
    assert "--install-completion" in docs
    assert f"_CHATCONTRACT_COMPLETE=source_{shell} chatcontract" in docs


def test_json_output_is_one_plain_document(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(["--color", "config", "show", "--json"], capsys)
    assert run.code == 0
    assert not ANSI.search(run.out)
    assert json.loads(run.out)["settings"]


def test_quiet_probe_prints_its_tables_only(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(["-q", "probe", "--cases", "happy"], capsys)
    assert run.code == 0
    assert run.err == ""  # no "probe [1/1]" progress, no notes
    assert not run.out.startswith("Probing")
    assert "happy" in run.out
