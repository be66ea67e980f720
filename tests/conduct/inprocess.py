"""Run a ``chatcontract`` command in the test's own process (the CLI tests of conduct and replay)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chatcontract.cli.app import main


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def run_command(command: str, args: list[str], capsys: pytest.CaptureFixture[str]) -> Done:
    """``chatcontract COMMAND ARGS``: its exit code and what it printed."""
    with pytest.raises(SystemExit) as exc:
        main([command, *args])
    out, err = capsys.readouterr()
    code = exc.value.code
    return Done(code if isinstance(code, int) else (0 if code is None else 1), out, err)


