"""``chatcontract conduct`` from the command line: a user's module, reports, exit codes.

The command runs in this process (the app's ``main``, as a console script calls it); the graded
callable still runs in the worker processes the command starts, from the current directory.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conduct.inprocess import Done, run_command

MODULE = """
import httpx

def ask(*, base_url, api_key, model, messages, stream, fallback_model):
    r = httpx.post(base_url + "/chat/completions", json={"model": model, "messages": messages},
                   headers={"Authorization": f"Bearer {api_key}"}, timeout=5)
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]

def cut(**kwargs):
    return "The simulator answers"

def timed(*, base_url, api_key, model, messages, stream, fallback_model, deadline_s=None):
    raise RuntimeError(f"told deadline_s={deadline_s}")
"""


Runner = Callable[[list[str], Path], Done]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    def conduct(args: list[str], cwd: Path) -> Done:
        assert Path.cwd() == cwd  # the user's module comes from the current directory
        return run_command("conduct", args, capsys)

    return conduct


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "my_module.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_grades_a_users_module_and_writes_reports(run: Runner, project: Path) -> None:
    scenarios = "500-once,http-401,stream-cut"
    done = run(["--client", "my_module:ask", "--scenarios", scenarios, "--out", "out", "--json"], project)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "chatcontract.conduct/1"
    assert doc["target"] == "my_module:ask"
    by_name = {s["name"]: s for s in doc["scenarios"]}
    assert set(by_name) == set(scenarios.split(","))
    assert by_name["http-401"]["verdict"] == "pass"
    assert by_name["500-once"]["verdict"] == "safe"  # no retry: a clean error, not a rescue
    assert "HTTPStatusError" in by_name["500-once"]["did"]
    assert all(s["checks"] and s["curl"].startswith("curl ") for s in doc["scenarios"])
    for name in ("results.json", "report.md", "report.html", "junit.xml"):
        assert (project / "out" / name).stat().st_size > 0
    assert "<testcase" in (project / "out" / "junit.xml").read_text()


def test_a_cut_answer_returned_is_exit_1(run: Runner, project: Path) -> None:
    done = run(["--client", "my_module:cut", "--scenarios", "stream-cut"], project)
    assert done.returncode == 1
    assert "fail" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--client", "not_here:ask", "--scenarios", "500-once"], "not_here", id="import-error"),
        pytest.param(["--client", "no-colon"], "MODULE:FUNCTION", id="bad-target"),
        pytest.param([], "exactly one of", id="no-target"),
        pytest.param(["--client", "openai", "--scenarios", "nope"], "unknown scenario", id="unknown-scenario"),
        pytest.param(["--gateway", "ftp://x"], "http(s) base URL", id="bad-gateway"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run: Runner, project: Path, args: list[str], message: str) -> None:
    done = run(args, project)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_callable_naming_deadline_s_is_told_the_deadline(run: Runner, project: Path) -> None:
    done = run(["--client", "my_module:timed", "--scenarios", "http-401", "--deadline", "7", "--json"], project)
    doc = json.loads(done.stdout)
    assert "told deadline_s=7.0" in doc["scenarios"][0]["did"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gateway_mode_grades_what_the_gateway_returns(run: Runner, project: Path) -> None:
    # the simulator on a fixed port stands in for a gateway that forwards to it unchanged
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    args = ["--gateway", url, "--sim-port", str(port), "--no-wait", "--scenarios", "http-401,500-once", "--json"]
    done = run(args, project)
    assert done.returncode == 0, done.stderr
    assert f"Simulator: {url}" in done.stderr
    doc = json.loads(done.stdout)
    assert doc["target"] == url
    verdicts = {s["name"]: s["verdict"] for s in doc["scenarios"]}
    assert verdicts == {"http-401": "pass", "500-once": "safe"}  # one plain request per call, no retry


def test_a_busy_sim_port_is_exit_2(run: Runner, project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = run(["--client", "my_module:ask", "--sim-port", str(busy.getsockname()[1])], project)
    assert done.returncode == 2, done.stderr
    assert "cannot listen on 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_list_and_help(run: Runner, project: Path) -> None:
    listed = run(["--list"], project)
    assert listed.returncode == 0
    assert "stream-cut\t" in listed.stdout
    helped = run(["--help"], project)
    assert "Exit codes" in helped.stdout
