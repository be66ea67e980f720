"""The light core: ``Client`` works without the toolkit's extras; a missing extra is one line naming it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chatcontract.extras import MODULE_EXTRAS, extra_for
from chatcontract.sim import serve

# Every module an extra installs is hidden from the child interpreter, as if never installed.
BLOCKER = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""

CLIENT_ONLY = """
from chatcontract import Client, Policy, Route
with Client(base_url={base!r}, api_key="sk-sim-local-test-key", policy=Policy(deadline_s=20),
            fallbacks=[Route(model="sim-ok")]) as client:
    c = client.chat(model="sim-503", messages=[{{"role": "user", "content": "hi"}}])
    print(c.model, len(c.attempts))
print(sorted(m for m in {blocked!r} if m in sys.modules))
"""

def child(code: str, blocked: set[str]) -> subprocess.CompletedProcess[str]:
    script = BLOCKER.format(blocked=sorted(blocked)) + code
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)

def test_client_runs_with_no_extra_installed() -> None:
    blocked = set(MODULE_EXTRAS)
    with serve(api_key="sk-sim-local-test-key") as sim:
        proc = child(CLIENT_ONLY.format(base=sim.base_url, blocked=sorted(blocked)), blocked)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["sim-ok 4", "[]"]

@pytest.mark.parametrize(
    ("args", "blocked", "extra"),
    [
        pytest.param(["review", "x.log"], {"duckdb"}, "review", id="review-without-duckdb"),
        pytest.param(["sim", "--list"], {"starlette", "uvicorn"}, "sim", id="sim-without-starlette"),
        pytest.param(["probe", "--list"], {"matplotlib", "jinja2"}, "report", id="probe-without-charts"),
    ],
)
def test_missing_extra_is_one_line_naming_it(args: list[str], blocked: set[str], extra: str) -> None:
    proc = child(f"from chatcontract.cli.app import main\nmain({args!r})\n", blocked)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("chatcontract: error: ")
    assert f"chatcontract[{extra}]" in proc.stderr
    assert "Traceback" not in proc.stderr

def test_help_lists_commands_whose_extra_is_missing() -> None:
    proc = child("from chatcontract.cli.app import main\nmain(['--help'])\n", set(MODULE_EXTRAS))
    assert proc.returncode == 0, proc.stderr
    assert "review" in proc.stdout
    assert "not installed" in proc.stdout

@pytest.mark.parametrize(
    ("module", "extra"),
    [
        pytest.param("duckdb", "review", id="top-level"),
        pytest.param("uvicorn.protocols.http", "sim", id="submodule"),
        pytest.param("opentelemetry.sdk.trace", "otel", id="dotted-key"),
        pytest.param("opentelemetry.trace", None, id="core-api-is-not-an-extra"),
        pytest.param(None, None, id="no-name"),
    ],
)
def test_extra_for(module: str | None, extra: str | None) -> None:
    assert extra_for(module) == extra

def test_every_mapped_extra_is_declared(repo_root: Path) -> None:
    project = tomllib.loads((repo_root / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert set(MODULE_EXTRAS.values()) <= set(extras)
    core = " ".join(project["dependencies"]).lower()
    for heavy in ("duckdb", "matplotlib", "uvicorn", "starlette", "numpy"):
        assert heavy not in core
    assert "chatcontract[all]" in extras["test"]
