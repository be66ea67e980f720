"""``chatcontract review`` end to end: formats, exit codes, one-line errors, the HTML in Chromium."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from chatcontract.cli.app import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,1600"]


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str | Path) -> Result:
    """``chatcontract review ARGS`` in this process, its output piped (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as exc:
        main(["review", *map(str, args)])
    code = exc.value.code
    return Result(code if isinstance(code, int) else 0, out.getvalue(), err.getvalue())


def test_json_report_and_exit_1_on_mismatches(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    proc = cli(directory / "attempts.jsonl", "--format", "json", "--out", tmp_path, "--deadline", "30")
    assert proc.returncode == 1, proc.stderr
    data = json.loads((tmp_path / "review.json").read_text())
    assert data["totals"]["attempts"] == truth["attempts"]
    assert data["has_mismatches"] is True
    labels = {f["label"] for f in data["findings"] if f["label"]}
    assert labels == {"client bug", "deployment drift", "documentation drift", "open vendor/account question"}


def test_exit_0_without_mismatches(tmp_path: Path) -> None:
    line = {"schema_version": 1, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z", "elapsed_ms": 800,
            "http_method": "POST", "route_template": "/v1/chat/completions", "server_address": "api.cometapi.com",
            "http_status": 200, "attempt_number": 1, "model": "gpt-4o-mini", "finish_reason": "stop",
            "total_tokens": 12, "deployment": "web-1"}
    path = tmp_path / "attempts.jsonl"
    path.write_text(json.dumps(line) + "\n")
    proc = cli(path, "--format", "md")
    assert proc.returncode == 0, proc.stderr
    assert "1 attempts, 0 failed" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--format", "pdf"], "--format 'pdf'", id="format"),
        pytest.param(["--since", "yesterday"], "--since 'yesterday'", id="since"),
        pytest.param(["--reader", "csv"], "unknown reader", id="reader"),
        pytest.param(["--deadline", "-1"], "--deadline", id="deadline"),
        pytest.param(["--since", "2030-01-01T00:00:00Z"], "no attempt records in the --since/--until window",
                     id="empty-window"),
    ],
)
def test_bad_flags_exit_2(incident: tuple[Path, dict[str, Any]], args: list[str], message: str) -> None:
    directory, _ = incident
    proc = cli(directory / "attempts.jsonl", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), id="png"),
        pytest.param(bytes(range(256)) * 8, id="random-binary"),
        pytest.param(b"", id="empty"),
    ],
)
def test_not_a_log_exit_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file.log"
    path.write_bytes(content)
    proc = cli(path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("chatcontract: error: ")
    assert proc.stderr.count("\n") == 1


def test_markdown_report(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    proc = cli(directory / "generic.jsonl", "--map", directory / "generic-map.yaml")
    assert proc.returncode == 1
    text = proc.stdout
    for heading in ("## Findings", "## Contract assumptions", "## Exemplar requests", "## Inputs and bad lines"):
        assert heading in text
    assert f"{truth['attempts']} attempts" in text
    assert "deployment drift" in text
    assert "/v1/chat/completion " in text


@pytest.mark.chromium
def test_html_report_in_chromium(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = incident
    out = tmp_path / "out"
    proc = cli(directory / "attempts.jsonl", "--format", "html", "--out", out)
    assert proc.returncode == 1, proc.stderr
    page = out / "review.html"
    html = page.read_text()
    assert html.count('<img src="data:image/png;base64,') == 3  # timeline, latency, classes
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)  # self-contained
    shot = tmp_path / "shot.png"
    argv = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", page.as_uri()]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1200, 1600)
    from matplotlib import image

    assert image.imread(str(shot)).std() > 0.05  # not a blank page
