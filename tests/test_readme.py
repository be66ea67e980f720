"""The README stays true: its client example runs against the simulator, its commands exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from chatcontract.cli.app import app
from chatcontract.sim import serve

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_client_example_runs_against_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    (example,) = [b for b in _blocks("python") if "Client(" in b]
    with serve(api_key="sk-sim-local-test-key") as sim:
        code = example.replace("http://127.0.0.1:8000/v1", sim.base_url)
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("sim-ok [")  # the fallback answered, after the primary's failures
    assert out[-1] == "sim-ok"


def test_every_documented_subcommand_exists() -> None:
    registered = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    documented = set()
    for block in _blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if len(words) >= 2 and words[0] == "chatcontract":
                documented.add(words[1])
    documented.discard("--help")
    assert documented
    assert documented <= registered, documented - registered
