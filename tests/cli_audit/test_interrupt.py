"""Ctrl-C, for real: a SIGINT to a running ``chatcontract`` subprocess.

Each run waits (bounded) for a line that proves the work is under way, sends SIGINT, and checks:
exit 130, one line ``chatcontract: error: interrupted``, no traceback, gone within the bound, and what
was finished is written (probe --out keeps the finished cases; repro stores its note; the store
still opens). Subprocesses are the only way to send a real signal; there are three.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.sim import serve

from .conftest import CANARY, run_cli

EXIT_BOUND_S = 3.0  # the goal is one second (0.1-0.9 s measured on an idle machine); room for a loaded 2-core CI box
WAIT_BOUND_S = 30.0


@pytest.fixture(scope="module")
def sim() -> Iterator[str]:
    with serve(api_key=CANARY) as server:
        yield server.base_url


def _interrupt(args: list[str], ready: str, cwd: Path) -> tuple[int, str, str, float]:
    """Start ``chatcontract ARGS``, wait for ``ready`` on stderr, SIGINT; (code, out, err, seconds to exit)."""
    env = {**os.environ, "COMETAPI_API_KEY": CANARY, "CHATCONTRACT_STORE": str(cwd / "default.sqlite")}
    env.pop("COMETAPI_BASE_URL", None)
    # SIGINT as a terminal leaves it: a test run started in the background (`pytest &`, nohup)
    # passes SIGINT on ignored, and Python then never raises KeyboardInterrupt
    proc = subprocess.Popen([sys.executable, "-m", "chatcontract.cli.app", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    assert proc.stderr is not None
    err = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + WAIT_BOUND_S
        while ready.encode() not in err:
            assert time.monotonic() < deadline, err.decode()
            if sel.select(timeout=0.5):
                chunk = os.read(proc.stderr.fileno(), 65536)
                assert chunk, f"exited before {ready!r}: {err.decode()}"
                err += chunk
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, rest = proc.communicate(timeout=WAIT_BOUND_S)
    took = time.monotonic() - sent
    return proc.returncode, out.decode(), (err + rest).decode(), took


def _assert_interrupted(code: int, err: str, took: float) -> None:
    assert code == 130, err
    assert err.rstrip().splitlines()[-1] == "chatcontract: error: interrupted", err
    assert err.count("interrupted\n") == 1
    assert "Traceback" not in err
    assert took < EXIT_BOUND_S, took


def test_probe_keeps_the_finished_cases(sim: str, tmp_path: Path) -> None:
    # happy finishes at once; stream stalls for 30 s (longer than the test waits)
    args = ["probe", "--base-url", sim, "--model", "sim-stream-stall-30", "--out", "out"]
    code, _out, err, took = _interrupt(args, "probe [1/", tmp_path)
    _assert_interrupted(code, err, took)
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [c["name"] for c in doc["cases"]] == ["happy"]
    assert (tmp_path / "out" / "attempts.jsonl").read_text().count("\n") == 1
    assert CANARY not in err + (tmp_path / "out" / "results.json").read_text()


def test_repro_stores_its_note_for_the_attempts_made(
    sim: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "ev.sqlite"
    args = ["repro", "--incident", "INT-1", "--class", "server_error", "--base-url", sim, "--model", "sim-503",
            "--wait-s", "20", "--attempts", "5", "--store", str(store)]
    code, out, err, took = _interrupt(args, "repro [1/5]", tmp_path)
    _assert_interrupted(code, err, took)
    assert "interrupted after 1 attempt(s)" in err
    assert "INT-1" in out  # the note was printed
    monkeypatch.setenv("CHATCONTRACT_STORE", str(store))
    shown = run_cli(["incidents", "show", "INT-1", "--json"], capsys)  # the store opens and holds the note
    fields = json.loads(shown.out)
    assert fields["repro stop reason"] == "interrupted"
    assert fields["attempts stored"] == "1"


def test_review_is_interrupted_not_an_internal_error(tmp_path: Path) -> None:
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, str(root / "bench" / "gen_logs.py"), str(tmp_path / "logs"), "--records",
                    "200000"], check=True, capture_output=True, timeout=60)
    code, _out, err, took = _interrupt(["-v", "review", "logs/attempts.jsonl"], "review: reading", tmp_path)
    _assert_interrupted(code, err, took)
    assert "internal error" not in err


def test_conduct_stops_its_workers_at_once(tmp_path: Path) -> None:
    """The worker processes get the signal too; no fresh one is started for the scenarios left."""
    args = ["conduct", "--client", "chatcontract", "--workers", "2"]
    code, _out, err, took = _interrupt(args, "conduct [1/", tmp_path)
    _assert_interrupted(code, err, took)
