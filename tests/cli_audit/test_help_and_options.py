"""Every command documents its exit codes in ``--help``; no option can take a key on argv."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from chatcontract.cli.app import app

from .conftest import run_cli

COMMANDS = [
    ["probe"],
    ["watch"],
    ["ready"],
    ["sim"],
    ["call"],
    ["repro"],
    ["packet"],
    ["lint"],
    ["incidents"],
    ["incidents", "list"],
    ["incidents", "show"],
    ["incidents", "compare"],
    ["drift"],
    ["profile"],
    ["profile", "show"],
    ["profile", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_documents_exit_codes(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli([*command, "--help"], capsys)
    assert run.code == 0
    text = " ".join(run.out.split())
    assert "Exit code" in text, run.out
    assert run.err == ""


def _all_commands() -> list[tuple[str, Any]]:
    """Every command and group in the app (Typer's vendored Click objects, duck-typed)."""
    found: list[tuple[str, Any]] = []
    pending: list[tuple[str, Any]] = [("chatcontract", typer.main.get_command(app))]
    while pending:
        path, cmd = pending.pop()
        found.append((path, cmd))
        pending.extend((f"{path} {name}", sub) for name, sub in getattr(cmd, "commands", {}).items())
    return found


def test_no_option_takes_a_key_value() -> None:
    """Keys come from an env var (named by --api-key-env) or a file (--api-key-file), never argv."""
    allowed = {"--api-key-env", "--api-key-file"}
    suspicious = ("key", "token", "secret", "password", "bearer", "auth")
    offenders = [
        (path, opt)
        for path, cmd in _all_commands()
        for param in cmd.params
        for opt in getattr(param, "opts", [])
        if opt.startswith("--") and any(w in opt.lower() for w in suspicious) and opt not in allowed
        and not (opt == "--api-key" and param.hidden and not param.expose_value)  # only there to refuse
    ]
    assert offenders == []
    names = {opt for _, cmd in _all_commands() for p in cmd.params for opt in getattr(p, "opts", [])}
    assert allowed <= names  # the two sanctioned ways exist (and the check above saw options)
