"""The bad-input table: every command that reads a file x every kind of bad file.

Each row must end in exit 2 with one line ``chatcontract: error: ...`` on stderr (no traceback,
no "internal error"), in under 5 s of CPU and with the process under 200 MB peak RSS. The rows
run in one child process (:mod:`tests.hardening.bad_input_child`), so memory is the child's own
and CPU time, not wall time, is measured (the machine is shared).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CPU_LIMIT_S = 5.0
RSS_LIMIT_MB = 200.0
CHILD = Path(__file__).with_name("bad_input_child.py")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


URL = f"http://127.0.0.1:{_closed_port()}/v1"
# name -> how to make it under a directory (None: a path given as is)
BAD_FILES: dict[str, Any] = {
    "nested-json": lambda d: (d / "nested.json").write_text("[" * 5000) and d / "nested.json",
    "nested-yaml": lambda d: (d / "nested.yaml").write_text("a: " + "[" * 5000 + "\n") and d / "nested.yaml",
    "nested-objects": lambda d: (d / "objects.json").write_text('{"a":' * 5000) and d / "objects.json",
    "binary": lambda d: (d / "junk.json").write_bytes(bytes(range(256)) * 64) and d / "junk.json",
    "sparse-1GiB": lambda d: os.truncate(_touch(d / "huge.yaml"), 1 << 30) or d / "huge.yaml",
    "dev-zero": lambda d: Path("/dev/zero"),
    "truncated-json": lambda d: (d / "cut.json").write_text('{"models": {"a": [1, 2') and d / "cut.json",
    "empty": lambda d: _touch(d / "empty.yaml"),
    "missing": lambda d: d / "missing.yaml",
    "directory": lambda d: d,
}
# command -> its arguments with {f} for the bad file
COMMANDS: dict[str, list[str]] = {
    "review": ["review", "{f}"],
    "review-map": ["review", "{log}", "--map", "{f}"],
    "lint": ["lint", "{f}"],
    "drift": ["drift", "{f}"],
    "drift-baseline": ["drift", "{capture}", "--baseline", "{f}"],
    "profile-show": ["profile", "show", "{f}"],
    "packet-meta": ["packet", "I-1", "--meta", "{f}"],
    "sim-scenario": ["sim", "--scenario", "{f}", "--port", "0"],
    "repro-profile": ["repro", "--incident", "I-1", "--class", "server_error", "--base-url", URL, "--profile", "{f}"],
    "probe-profile": ["probe", "--base-url", URL, "--profile", "{f}"],
    "probe-key-file": ["probe", "--base-url", URL, "--api-key-file", "{f}"],
    "probe-promote-from": ["probe", "--base-url", URL, "--promote-from", "{f}"],
    "call-key-file": ["call", "--base-url", URL, "--model", "m", "--api-key-file", "{f}"],
    "conduct-scenario-file": ["conduct", "--gateway", URL, "--scenario-file", "{f}"],
    "ready-owners": ["ready", "--no-probe", "--owners", "{f}"],
    "ready-conduct": ["ready", "--no-probe", "--conduct", "{f}"],
    "ready-probe-results": ["ready", "--probe-results", "{f}"],
    "watch-profile": ["watch", "--base-url", URL, "--profile", "{f}"],
}
# Not bad input there: a key file is not a document (5000 brackets on one line are a silly key,
# sent as given); an empty note has nothing to lint (0 findings, exit 0).
NESTED = ("nested-json", "nested-yaml", "nested-objects")
NOT_BAD = {(c, n) for c in ("probe-key-file", "call-key-file") for n in NESTED} | {("lint", "empty")}
ROWS = [(c, f) for c in COMMANDS for f in BAD_FILES if (c, f) not in NOT_BAD]


def _touch(path: Path) -> Path:
    path.touch()
    return path


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row run once in one child process; its report per (command, bad file)."""
    root = tmp_path_factory.mktemp("bad-input")
    log = root / "attempts.jsonl"
    log.write_text('{"schema_version": 2, "started_at": "2026-11-22T14:00:00Z", "http_status": 200}\n')
    capture = root / "capture.json"
    capture.write_text('{"id": "x", "object": "chat.completion", "choices": []}\n')
    rows: list[list[str]] = []
    for command, bad in ROWS:
        where = root / f"{command}-{bad}"
        where.mkdir()
        path = BAD_FILES[bad](where)
        values = {"f": str(path), "log": str(log), "capture": str(capture)}
        rows.append([part.format(**values) for part in COMMANDS[command]])
    spec = root / "rows.json"
    spec.write_text(json.dumps(rows))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMETAPI_", "CHATCONTRACT_"))}
    env["CHATCONTRACT_STORE"] = str(root / "store.sqlite")
    done = subprocess.run(
        [sys.executable, str(CHILD), str(spec)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == len(ROWS), f"child stopped after {len(reports)} rows: {done.stderr[-2000:]}"
    return dict(zip(ROWS, reports, strict=True))


@pytest.mark.xdist_group("bad_input_table")
@pytest.mark.parametrize(("command", "bad"), [pytest.param(c, f, id=f"{c}-{f}") for c, f in ROWS])
def test_bad_input_is_exit_2_in_bounded_time_and_memory(
    command: str, bad: str, outcomes: dict[tuple[str, str], dict[str, Any]]
) -> None:
    got = outcomes[(command, bad)]
    lines = got["err"].splitlines()
    assert got["code"] == 2, got
    assert len(lines) == 1, got["err"]
    assert lines[0].startswith("chatcontract: error: "), got["err"]
    assert "internal error" not in lines[0]
    assert got["cpu_s"] < CPU_LIMIT_S, got
    assert got["peak_mb"] < RSS_LIMIT_MB, got
