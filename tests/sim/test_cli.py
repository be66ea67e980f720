"""``chatcontract sim`` as a user runs it: start-up, first line, --list, bad input exits 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from tests.cputime import running_cpu_s
from tests.loopback import TLS

from chatcontract.cli.app import main
from chatcontract.sim import FAULTS, MODES

CLI = [sys.executable, "-m", "chatcontract.cli.app"]


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """The command in this process (its exit code, output and one-line errors are the point here;
    the subprocess tests below cover starting, serving and SIGINT)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return Result(code if isinstance(code, int) else 0, out, err)


def test_list_documents_every_fault_and_mode(capsys: pytest.CaptureFixture[str]) -> None:
    result = _run(capsys, "sim", "--list")
    assert result.returncode == 0
    for spec in FAULTS:
        assert spec.pattern in result.stdout
    for mode in MODES:
        assert mode in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--mode", "bogus"], "unknown sim mode 'bogus'", id="mode"),
        pytest.param(["--error-style", "xml"], "unknown error style", id="style"),
        pytest.param(["--wrong-path", "500"], "wrong-path", id="wrong-path"),
        pytest.param(["--stream-variation", "odd"], "stream variation", id="variation"),
        pytest.param(
            ["--api-key-env", "CHATCONTRACT_TEST_UNSET_VAR"],
            "CHATCONTRACT_TEST_UNSET_VAR",
            id="key-env",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = _run(capsys, "sim", "--port", "0", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_bad_scenario_exits_2_naming_the_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("models:\n  m: [{fault: sim-imaginary}]\n")
    result = _run(capsys, "sim", "--port", "0", "--scenario", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"chatcontract: error: scenario {path}: models.m[0].fault: unknown fault 'sim-imaginary' "
        "(see 'chatcontract sim --list')"
    )


def test_port_0_starts_fast_prints_the_url_and_serves() -> None:
    """Fast means the work of starting and serving one request: the child's CPU time, which the
    machine's load does not stretch (a wall-clock bound failed whenever the two cores were busy)."""
    env = {**os.environ, "SIM_TEST_KEY": "sk-cli-test-789"}
    proc = subprocess.Popen(
        [*CLI, "sim", "--port", "0", "--api-key-env", "SIM_TEST_KEY", "--admin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/v1")
        response = httpx.post(
            url + "/chat/completions",
            json={"model": "sim-ok", "messages": [{"role": "user", "content": "x"}]},
            headers={"Authorization": "Bearer sk-cli-test-789"},
            timeout=5, verify=TLS,
        )
        assert running_cpu_s(proc.pid) < 2.0
        assert response.status_code == 200
        admin = {"Authorization": "Bearer sk-cli-test-789"}
        assert httpx.get(url.removesuffix("/v1") + "/_sim/attempts", headers=admin,
                         verify=TLS).json()[0]["status"] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "sk-cli-test-789" not in err
