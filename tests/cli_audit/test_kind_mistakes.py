"""Mistakes a newcomer makes, answered kindly: one line that says what to do, never the key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from chatcontract.sim import serve
from chatcontract.sim.config import default_key

from .conftest import CANARY, run_cli

TARGET = ["--base-url", "http://127.0.0.1:9/v1", "--model", "m"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["call", *TARGET, "--api-key-file", CANARY], "looks like a key, not a file path", id="key-file"),
        pytest.param(["probe", *TARGET, "--api-key-env", CANARY], "looks like a key, not a variable name",
                     id="key-env"),
        pytest.param(["sim", "--api-key-env", CANARY], "looks like a key, not a variable name", id="sim-key-env"),
        pytest.param(["call", "--api-key", CANARY], "keys are not taken on the command line", id="api-key"),
        pytest.param(["probe", f"--api-key={CANARY}"], "shell history", id="api-key-equals"),
        pytest.param(["call", "--api-key-env", "MY VAR"], "not an environment variable name", id="bad-env-name"),
    ],
)
def test_a_key_where_a_name_or_path_belongs_is_refused_unshown(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(args, capsys)
    assert run.code == 2
    assert needle in run.err
    assert len(run.err.splitlines()) == 1
    assert "CANARY" not in run.out + run.err
    assert "[REDACTED]" not in run.err  # the message itself carries nothing to mask


def test_since_after_until_is_a_usage_error_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "missing.jsonl"  # never read: the window is checked first
    run = run_cli(["review", str(log), "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"], capsys)
    assert run.code == 2
    assert "--since 2026-01-02T00:00:00Z is not before --until" in run.err


def test_review_of_a_directory_says_it_wants_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(["review", str(tmp_path)], capsys)
    assert run.code == 2
    assert "is a directory; pass log files" in run.err


def test_simulator_logs_one_line_per_request(capsys: pytest.CaptureFixture[str]) -> None:
    """The foreground sim's hook, exercised on a served simulator: method, path, model, fault, status."""
    import httpx2

    from chatcontract.cli.sim import _log_request

    with serve(api_key=default_key()) as sim:
        sim.simulator.state.on_record = _log_request
        headers = {"Authorization": f"Bearer {default_key()}"}
        body = {"model": "sim-503", "messages": [{"role": "user", "content": "hi"}]}
        httpx2.post(f"{sim.base_url}/chat/completions", json=body, headers=headers, timeout=5)
        httpx2.delete(f"{sim.base_url}/nowhere", timeout=5)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "sim: POST /v1/chat/completions model=sim-503 fault=sim-503 status=503",
        "sim: DELETE /v1/nowhere model=- fault=wrong_path status=404",
    ]


REPRO = ["repro", "--incident", "INC-1", "--class", "server_error", "--model", "sim-503", "--wait-s", "0",
         "--attempts", "2"]


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "new" / "ev.sqlite"
    assert run_cli([*REPRO, "--store", str(path)], capsys).code == 0
    return path


def test_store_and_packet_have_the_same_private_mode(store: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    packet = tmp_path / "packet.md"
    assert run_cli(["packet", "INC-1", "--store", str(store), "-o", str(packet)], capsys).code == 0
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (store, packet)}
    assert set(modes.values()) == {0o600}, modes


def test_support_route_none_is_an_answer_and_meta_is_remembered(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = tmp_path / "meta.yaml"
    meta.write_text("title: Slow answers after the deploy\nsupport_route: none\nowner: team-a\n")
    first = run_cli(["packet", "INC-1", "--store", str(store), "--meta", str(meta)], capsys)
    assert "missing: support_route" not in first.err
    assert "missing: owner" not in first.err
    listed = run_cli(["incidents", "list", "--store", str(store), "--json"], capsys)
    assert '"title": "Slow answers after the deploy"' in listed.out
    again = run_cli(["packet", "INC-1", "--store", str(store)], capsys)  # no --meta: the stored fields
    assert "missing: owner" not in again.err
    assert "missing: support_route" not in again.err


def test_meta_yaml_errors_name_the_line(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = tmp_path / "meta.yaml"
    meta.write_text("title: ok\nowner: [unclosed\n")
    run = run_cli(["packet", "INC-1", "--store", str(store), "--meta", str(meta)], capsys)
    assert run.code == 2
    assert "line 3" in run.err or "line 2" in run.err


def test_gen_logs_creates_its_output_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).parents[2]
    out = tmp_path / "a" / "b"
    proc = subprocess.run([sys.executable, str(root / "bench" / "gen_logs.py"), str(out), "--records", "10"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert any(out.iterdir())
