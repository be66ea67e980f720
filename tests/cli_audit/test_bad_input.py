"""Bad input to every command: exit 2, one line ``chatcontract: error: ...``, no traceback.

Each row is something the audit found or a neighbour of it; none of them may send a request or
change a file.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .conftest import Files, run_cli


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_usage_error(args: list[str], capsys: pytest.CaptureFixture[str], needle: str) -> None:
    run = run_cli(args, capsys)
    lines = run.err.splitlines()
    assert run.code == 2, run
    assert len(lines) == 1, run.err
    assert lines[0].startswith("chatcontract: error: "), run.err
    assert needle in lines[0], run.err
    assert "Traceback" not in run.err + run.out


BAD_INPUT = [
    pytest.param(["sim", "--scenario", "{binary}", "--port", "0"], "not UTF-8", id="sim-scenario-binary"),
    pytest.param(["sim", "--scenario", "{directory}", "--port", "0"], "cannot read", id="sim-scenario-dir"),
    pytest.param(["sim", "--port", "70000"], "--port", id="sim-port-huge"),
    pytest.param(["sim", "--mode", "bogus"], "unknown sim mode", id="sim-mode-enum"),
    pytest.param(["probe", "--out", "{plain}/sub"], "is a file, not a directory", id="probe-out-under-file"),
    pytest.param(["probe", "--max-requests", "-1"], "--max-requests", id="probe-negative-budget"),
    pytest.param(["probe", "--cases", "nope"], "unknown probe case", id="probe-case-enum"),
    pytest.param(["probe", "--profile", "{bad_profile}"], "invalid profile", id="probe-profile-types"),
    pytest.param(["probe", "--profile", "{binary}"], "not UTF-8", id="probe-profile-binary"),
    pytest.param(["probe", "--base-url", "api.example.com"], "scheme", id="probe-url-no-scheme"),
    pytest.param(["probe", "--base-url", "https://u:p@h.example/v1"], "credentials", id="probe-url-creds"),
    pytest.param(["probe", "--base-url", "http://exa mple.com/v1"], "space or control", id="probe-url-space"),
    pytest.param(["probe", "--base-url", "http://[::1/v1"], "not a valid URL", id="probe-url-ipv6"),
    pytest.param(["probe", "--bogus"], "No such option", id="probe-unknown-option"),
    pytest.param(["call", "--fallback", ""], "--fallback", id="call-empty-fallback"),
    pytest.param(["call", "--deadline", "-1"], "--deadline", id="call-negative-deadline"),
    pytest.param(
        ["call", "--base-url", "http://127.0.0.1:{port}/v1", "--model", "m", "--api-key-file", "{directory}"],
        "cannot read API key file",
        id="call-key-file-dir",
    ),
    pytest.param(
        ["call", "--base-url", "http://127.0.0.1:{port}/v1", "--model", "m", "--api-key-file", "{latin1}"],
        "not UTF-8",
        id="call-key-file-latin1",
    ),
    pytest.param(["repro", "--incident", "I-1", "--negative", "bogus"], "unknown negative case", id="repro-negative"),
    pytest.param(["repro", "--incident", "I-1", "--class", "bogus"], "unknown failure class", id="repro-class"),
    pytest.param(
        ["repro", "--incident", "I-1", "--class", "server_error", "--attempts", "99999999999"],
        "--attempts",
        id="repro-huge-attempts",
    ),
    pytest.param(
        ["repro", "--incident", "I-1", "--class", "server_error", "--wait-s", "nan"], "--wait-s", id="repro-nan-wait"
    ),
    pytest.param(
        ["repro", "--incident", "I-1", "--class", "server_error", "--store", "{binary}"],
        "not a chatcontract store",
        id="repro-store-binary",
    ),
    pytest.param(["packet", "I-1", "--meta", "{binary}"], "meta file", id="packet-meta-binary"),
    pytest.param(["packet", "I-1", "--format", "bogus"], "unknown format", id="packet-format-enum"),
    pytest.param(["lint", "{binary}"], "binary file", id="lint-binary"),
    pytest.param(["lint", "{latin1}"], "not UTF-8", id="lint-latin1"),
    pytest.param(["lint", "{directory}"], "directory", id="lint-dir"),
    pytest.param(["incidents", "list", "--store", "{tmp}/none.sqlite"], "does not exist", id="incidents-no-store"),
    pytest.param(["incidents", "show", "X", "--store", "{binary}"], "not a chatcontract store", id="incidents-binary"),
    pytest.param(["drift", "{binary}"], "binary file", id="drift-binary"),
    pytest.param(["drift", "{empty}"], "no JSON object", id="drift-empty"),
    pytest.param(["profile", "show", "{bad_profile}"], "invalid profile", id="profile-types"),
    pytest.param(["profile", "show", "{empty}"], "empty", id="profile-empty"),
]


@pytest.mark.parametrize(("template", "needle"), BAD_INPUT)
def test_bad_input_is_one_line_and_exit_2(
    template: list[str], needle: str, files: Files, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {**{k: str(v) for k, v in vars(files).items()}, "tmp": str(tmp_path), "port": str(_closed_port())}
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _assert_usage_error([part.format(**values) for part in template], capsys, needle)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing overwritten, no store created


@pytest.mark.parametrize(
    "bad_key",
    [pytest.param("sk-CANARY\u00e9-non-ascii", id="non-ascii"), pytest.param("sk-CANARY\x01ctl", id="control")],
)
@pytest.mark.parametrize("command", [["call"], ["probe", "--cases", "happy"]])
def test_a_key_no_header_can_carry_is_exit_2_and_never_echoed(
    bad_key: str, command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", bad_key)
    args = [*command, "--base-url", f"http://127.0.0.1:{_closed_port()}/v1", "--model", "m"]
    run = run_cli(args, capsys)
    assert run.code == 2
    assert run.err.startswith("chatcontract: error: the API key in environment variable COMETAPI_API_KEY")
    assert "CANARY" not in run.err + run.out


def test_packet_refuses_a_bad_out_before_storing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "ev.sqlite"
    repro = ["repro", "--incident", "I-1", "--class", "server_error", "--model", "sim-503"]
    assert run_cli([*repro, "--wait-s", "0", "--attempts", "2", "--store", str(store)], capsys).code == 0
    blocker = tmp_path / "plain"
    blocker.write_text("keep\n")
    before = store.read_bytes()
    _assert_usage_error(["packet", "I-1", "--store", str(store), "--out", f"{blocker}/p.md"], capsys, "is a file")
    assert store.read_bytes() == before
    assert blocker.read_text() == "keep\n"
