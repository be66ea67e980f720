"""The HTML report renders in headless Chromium (Debian's ``chromium``) without console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chatcontract.probe.render import write_outputs

from .conftest import KEY, RunProbe

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1200,900",
]


def chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"chrome-profile-{len(list(tmp_path.iterdir()))}"
    argv = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.chromium
def test_report_renders_with_chart_and_no_console_errors(
    probe_sim: RunProbe, tmp_path: Path
) -> None:
    run = probe_sim("cometapi", modes=["key-ignored"])
    out = tmp_path / "out"
    write_outputs(run, out, secret=KEY)
    html = (out / "report.html").read_text()
    assert "<svg" in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)  # self-contained
    shot = tmp_path / "shot.png"
    proc = chromium(out / "report.html", tmp_path, f"--screenshot={shot}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 900)
    from matplotlib import image

    pixels = image.imread(str(shot))
    assert pixels.std() > 0.05  # not a blank page
    dom = chromium(out / "report.html", tmp_path, "--dump-dom")
    assert "chatcontract probe report" in dom.stdout
    assert 'class="badge badge-fail"' in dom.stdout
    assert "missing-auth" in dom.stdout
    assert "$COMETAPI_API_KEY" in dom.stdout or "Authorization" not in dom.stdout


@pytest.mark.chromium
def test_console_error_detection_works(tmp_path: Path) -> None:
    """Negative control: the same detector sees a page that does log an error."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><p>x</p><script>console.error("probe-check"); missingFn();</script>'
    )
    proc = chromium(page, tmp_path, "--dump-dom")
    lines = console_lines(proc.stderr)
    assert any("probe-check" in line for line in lines)
    assert any("ReferenceError" in line for line in lines)
