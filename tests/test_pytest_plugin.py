"""The pytest plugin in a sample project, loaded by its real ``pytest11`` entry point (no ``-p``).

The plugin must come from the installed package's metadata, as a user's ``pip install`` gives it:
a fresh ``pip install -e '.[test]'`` (what CI does) registers it.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib

import pytest
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.timeout(600)

CLIENT = """
import httpx2 as httpx

def cut(*, base_url, api_key, model, messages, stream, fallback_model):
    if stream:
        return "The simulator answers"  # the start of a stream returned as the answer
    r = httpx.post(base_url + "/chat/completions", json={"model": model, "messages": messages},
                   headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]
"""
TESTS = """
import httpx2 as httpx

def ask(sim, model):
    r = httpx.post(sim.base_url + "/chat/completions", headers={"Authorization": f"Bearer {sim.api_key}"},
                   json={"model": model, "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    return r.status_code

def test_once_only_fault_counts_in_this_test(chatcontract_sim):
    assert [ask(chatcontract_sim, "sim-500-once") for _ in range(2)] == [500, 200]
    assert chatcontract_sim.statuses() == [500, 200]
    assert chatcontract_sim.curl("sim-500-once").startswith("curl ")

def test_and_again_in_the_next(chatcontract_sim):
    assert ask(chatcontract_sim, "sim-500-once") == 500
    assert [a["model"] for a in chatcontract_sim.attempts()] == ["sim-500-once"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(my_client=CLIENT, test_sample=TESTS)
    return pytester


def test_pyproject_registers_the_plugin_and_the_install_has_it() -> None:
    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {"chatcontract": "chatcontract.pytest_plugin"}
    installed = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert installed.get("chatcontract") == "chatcontract.pytest_plugin", (
        "the environment's chatcontract metadata predates the entry point: reinstall with pip install -e '.[test]'"
    )


def test_sim_fixture_gives_each_test_its_own_run(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "test_sample.py")
    result.assert_outcomes(passed=2)


def test_conduct_scenarios_are_test_items_with_evidence(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--chatcontract-conduct", "my_client:cut", "-k", "stream-cut or http-401", "-v"
    )
    result.assert_outcomes(passed=1, failed=1, deselected=2 + 27)  # the sample's tests and 27 scenarios
    text = result.stdout.str()
    assert "collected 31 items / 29 deselected / 2 selected" in text
    assert "chatcontract-conduct[http-401] PASSED" in text
    assert "chatcontract-conduct[stream-cut] FAILED" in text
    assert "FAIL no-cut-as-whole" in text
    assert "what the client did:" in text
    assert "curl -sS" in text
    assert "chatcontract conduct my_client:cut: 1 pass, 0 safe, 1 fail" in text


def test_a_replayed_incident_runs_as_items(project: pytest.Pytester) -> None:
    project.makefile(".yaml", incident="""
models:
  replay-01: [{status: 429, retry_after: 1}, {status: 200}]
scenarios:
  - {name: replay-01-rate-limited, model: replay-01, expect: {retry_after_s: 1}, recorded: ["m: 429", "m: 200"]}
""")
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--chatcontract-conduct", "chatcontract", "--chatcontract-only-files",
        "--chatcontract-scenario-file", "incident.yaml", "-k", "replay",
    )
    result.assert_outcomes(passed=1, deselected=2)


def test_probe_cases_are_test_items(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--chatcontract-probe", "sim", "-k", "probe",
                                          "-rA")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 5, result.stdout.str()
    assert "failed" not in outcomes, result.stdout.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--chatcontract-conduct", "no-colon"], "MODULE:FUNCTION", id="bad-target"),
        pytest.param(["--chatcontract-conduct", "missing_mod:ask"], "missing_mod", id="import-error"),
        pytest.param(["--chatcontract-conduct", "chatcontract", "--chatcontract-scenario-file", "nope.yaml"],
                     "nope.yaml", id="missing-scenario-file"),
    ],
)
def test_bad_options_are_a_one_line_usage_error(project: pytest.Pytester, args: list[str], message: str) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "FAILED" not in result.stdout.str()  # one usage error, not one failure per scenario
    assert message in result.stderr.str() + result.stdout.str()
    assert "Traceback" not in result.stderr.str()


def test_plugin_module_imports_nothing_heavy() -> None:
    heavy = "('starlette', 'uvicorn', 'openai', 'duckdb')"
    code = f"import sys, chatcontract.pytest_plugin; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"
