"""A canary key given the sanctioned way never reaches stdout, stderr, reports or the store."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.pgserver import dump_store

from .conftest import CANARY, run_cli


def _everything_written(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_canary_key_never_leaks_from_probe_call_repro_packet(
    canary_sim: str,
    tmp_path: Path,
    store_location: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On both backends: a SQLite file (its bytes searched) and PostgreSQL (every row searched)."""
    monkeypatch.setenv("COMETAPI_API_KEY", CANARY)
    store = store_location
    target = ["--base-url", canary_sim, "--model", "sim-ok"]
    runs = [
        run_cli(["probe", *target, "--out", str(tmp_path / "probe"), "--store", store], capsys),
        run_cli(["call", *target, "--json"], capsys),
        run_cli(["call", "--base-url", canary_sim, "--model", "sim-503", "--fallback", "sim-ok"], capsys),
        run_cli(
            [
                "repro",
                "--incident",
                "C-1",
                "--class",
                "server_error",
                "--base-url",
                canary_sim,
                "--model",
                "sim-503",
                "--wait-s",
                "0",
                "--store",
                store,
            ],
            capsys,
        ),
        run_cli(
            [
                "repro",
                "--incident",
                "C-2",
                "--negative",
                "invalid-key",
                *target,
                "--wait-s",
                "0",
                "--store",
                store,
                "--json",
            ],
            capsys,
        ),
        run_cli(["packet", "C-1", "--store", store, "--output", str(tmp_path / "packet.md")], capsys),
        run_cli(["incidents", "show", "C-1", "--store", store], capsys),
    ]
    assert [r.code for r in runs] == [0, 0, 0, 0, 0, 0, 0], runs
    printed = "".join(r.out + r.err for r in runs)
    assert CANARY not in printed
    written = _everything_written(tmp_path)
    assert (tmp_path / "probe" / "attempts.jsonl").exists()
    if store.startswith("postgresql://"):
        written += dump_store(store).encode()
        assert b"C-1" in written
        assert store.split("@", 1)[0].rsplit(":", 1)[1] not in printed  # the URL's password
    else:
        assert Path(store).exists()
    assert CANARY.encode() not in written
    assert b"CANARYaudit" not in written  # not even a fragment


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["call", "--model", "m"], 3, id="call"),
        pytest.param(
            [
                "repro",
                "--incident",
                "U-1",
                "--class",
                "connect_error",
                "--model",
                "m",
                "--wait-s",
                "0",
                "--attempts",
                "2",
            ],
            0,
            id="repro-reproduces-connect-error",
        ),
        pytest.param(["probe", "--model", "m", "--cases", "happy"], 3, id="probe"),
    ],
)
def test_unreachable_target_errors_name_neither_key_nor_header(
    args: list[str], code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", CANARY)
    run = run_cli([*args, "--base-url", f"http://127.0.0.1:{_closed_port()}/v1"], capsys)
    assert run.code == code, run
    assert "Traceback" not in run.err
    assert CANARY not in run.out + run.err
    assert f"Bearer {CANARY}" not in run.out + run.err
    assert CANARY.encode() not in _everything_written(tmp_path)
