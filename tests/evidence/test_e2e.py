"""End to end: repro a 503 incident on the embedded simulator, build a complete packet, lint it,
and find no trace of a planted canary key in any output file or the store (on both backends:
a SQLite file and a real PostgreSQL, whose password appears in no output either)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from tests.pgserver import dump_store

from chatcontract.cli.app import main
from chatcontract.redact import forget_secrets

META = """\
title: Chat completions return 503 for the checkout service
scope: Requests from the checkout service to model sim-503; other services were not measured.
mitigation: Checkout traffic was routed to the fallback model at 14:20 UTC.
escalation_id: CASE-2211
owner: platform on-call
support_route: product_support_form
support_url: https://www.cometapi.com/support/
support_accessed: 2026-11-22T14:30:00Z
first_observed: 2026-11-22T14:02:00Z
"""


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``chatcontract ARGS`` in this process with exactly ``env``'s COMETAPI_/CHATCONTRACT_
    variables, in ``cwd``, starting as a fresh process would: no key remembered from an earlier
    command (so a masked canary is masked by this command's own redaction)."""
    out, err = io.StringIO(), io.StringIO()
    forget_secrets()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for name in [k for k in os.environ if k.startswith(("COMETAPI_", "CHATCONTRACT_"))]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(cwd)
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    forget_secrets()
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.mark.timeout(180)
def test_three_commands_from_failing_requests_to_a_clean_packet(tmp_path: Path, store_location: str) -> None:
    canary = f"CANARY{uuid.uuid4().hex}"
    env = {
        "COMETAPI_API_KEY": canary,
        "CHATCONTRACT_STORE": store_location,
        "CHATCONTRACT_OPERATOR": "alice",
    }
    (tmp_path / "meta.yaml").write_text(META)

    repro = _run(
        ["repro", "--incident", "INC-1", "--class", "server_error", "--model", "sim-503", "--wait-s", "0.05"],
        env,
        tmp_path,
    )
    assert repro.returncode == 0, repro.stderr
    assert "Verdict reproducible" in repro.stdout
    assert "embedded simulator" in repro.stdout
    assert "| operator | alice |" in repro.stdout
    # the one resolver: a configured key is never sent to the embedded simulator (it mints its own)
    assert "| credential used | embedded-simulator:minted |" in repro.stdout
    outputs = [repro.stdout, repro.stderr]

    for fmt in ("md", "html", "json"):
        out = tmp_path / f"packet.{fmt}"
        packet = _run(
            ["packet", "INC-1", "--meta", "meta.yaml", "--format", fmt, "--output", out.name, "--strict"],
            env,
            tmp_path,
        )
        assert packet.returncode == 0, packet.stderr
        assert "packet is complete; 0 lint finding(s)" in packet.stderr
        outputs += [packet.stdout, packet.stderr]

    html = (tmp_path / "packet.html").read_text()
    assert "<style>" in html
    assert "<script" not in html
    assert "<link" not in html
    assert "503" in (tmp_path / "packet.md").read_text()

    lint = _run(["lint", "packet.md", "packet.json", "packet.html"], env, tmp_path)
    assert lint.returncode == 0, lint.stdout
    outputs += [lint.stdout, lint.stderr]

    listed = _run(["incidents", "list"], env, tmp_path)
    shown = _run(["incidents", "show", "INC-1"], env, tmp_path)
    assert (listed.returncode, shown.returncode) == (0, 0), listed.stderr + shown.stderr
    assert "INC-1" in listed.stdout
    assert "reproducible" in shown.stdout
    outputs += [listed.stdout, listed.stderr, shown.stdout, shown.stderr]

    files = sorted(p for p in tmp_path.iterdir() if p.is_file())
    for path in files:
        assert canary.encode() not in path.read_bytes(), f"canary key found in {path.name}"
    if store_location.startswith("postgresql://"):
        stored = dump_store(store_location)
        assert "INC-1" in stored
        assert canary not in stored
        password = store_location.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        for text in outputs:
            assert password not in text
    else:
        assert any(p.name.startswith("evidence.sqlite3") for p in files)
    for text in outputs:
        assert canary not in text
