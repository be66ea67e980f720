"""The README stays true: its client example runs against the simulator, its commands exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
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
    assert out[-2:] == ["sim-ok", "invalid_response"]  # the SDK example, then the SDK raising a failure


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


def _command(marker: str) -> str:
    found = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)\n```\n<!-- /{marker} -->", README, flags=re.S)
    assert found, marker
    return found.group(1)


def test_test_command_installs_system_packages_first() -> None:
    steps = [s.strip() for s in _command("test-command").split("&&")]
    assert steps[0] == ".ci/system-deps"
    assert "pip install -e '.[test]'" in steps
    assert steps[-1] == "pytest"  # the whole suite, every marker


def test_system_deps_is_quiet_when_everything_is_installed(repo_root: Path) -> None:
    # The test command ran .ci/system-deps before pytest: nothing is missing now, and a second
    # run is a no-op that prints nothing.
    listed = subprocess.run(
        [repo_root / ".ci" / "system-deps", "--list"], capture_output=True, text=True, check=True
    )
    assert listed.stdout == ""
    again = subprocess.run([repo_root / ".ci" / "system-deps"], capture_output=True, text=True, check=True)
    assert (again.stdout, again.stderr) == ("", "")


def test_apt_packages_are_debian_names(repo_root: Path) -> None:
    lines = (repo_root / ".ci" / "apt-packages").read_text("utf-8").splitlines()
    names = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert {"chromium", "wrk"} <= set(names)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", n) for n in names), names


def test_main_command_installs_what_the_python_example_imports(repo_root: Path) -> None:
    (example,) = [b for b in _blocks("python") if "Client(" in b]
    imported = set(re.findall(r"^import ([\w, ]+)$", example, flags=re.M)[0].replace(" ", "").split(","))
    project = tomllib.loads((repo_root / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert "pip install -e '.[all]'" in _command("main-command")
    everything = " ".join(project["dependencies"])
    for extra in re.findall(r"chatcontract\[([\w,]+)\]", extras["all"][0])[0].split(","):
        everything += " " + " ".join(extras[extra])
    for module in imported:
        assert re.search(rf"\b{module}\b", everything, flags=re.I), module
