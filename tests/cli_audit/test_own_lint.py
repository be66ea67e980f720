"""What we write passes our own lint (no secrets, no claims), and progress shows off-terminal."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from chatcontract.evidence.lint import lint_text
from chatcontract.sim import serve

from .conftest import run_cli


def _lint_files(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> str:
    run = run_cli(["lint", *map(str, paths)], capsys)
    assert run.code == 0, run.out
    return run.err


def test_probe_reports_without_a_key_pass_our_lint_and_say_what_is_missing(
    canary_sim: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nokey"
    run = run_cli(["probe", "--base-url", canary_sim, "--model", "sim-ok", "--out", str(out)], capsys)
    assert run.code == 3  # inconclusive: the key was missing
    assert "no API key" in (out / "report.md").read_text()
    assert "probe [1/10]" in run.err  # one progress line per case when stderr is not a terminal
    assert "\n\n" not in run.err
    _lint_files([out / "report.md", out / "results.json", out / "junit.xml"], capsys)


@pytest.mark.parametrize(
    ("modes", "expected_in_curl"),
    [
        pytest.param(None, "Bearer $COMETAPI_API_KEY", id="key-refused"),
        pytest.param(["key-ignored"], "Bearer chatcontract-invalid-key-", id="key-ignored"),
    ],
)
def test_failing_probe_curl_commands_pass_our_lint(
    modes: list[str] | None,
    expected_in_curl: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Failing cases carry curl commands: ``$COMETAPI_API_KEY`` or our public bad key, never a key."""
    key = "sk-sim-audit-key-0123456789abcdef"
    monkeypatch.setenv("COMETAPI_API_KEY", key)
    out = tmp_path / "fail"
    with ExitStack() as stack:
        if modes is None:  # the target answers, but refuses our key: failing cases with curl commands
            base = stack.enter_context(serve(api_key="sk-sim-other-key-0123456789abcdef")).base_url
        else:
            base = stack.enter_context(serve(api_key=key, modes=modes)).base_url
        run = run_cli(["probe", "--base-url", base, "--model", "sim-ok", "--out", str(out)], capsys)
    assert run.code == 1
    report = (out / "report.md").read_text()
    assert expected_in_curl in report
    assert key not in report
    _lint_files([out / "report.md", out / "results.json", out / "junit.xml"], capsys)


def test_repro_shows_progress_and_an_inconclusive_note_names_the_missing_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "ev.sqlite")
    run = run_cli(
        [
            "repro",
            "--incident",
            "L-1",
            "--class",
            "rate_limited",
            "--model",
            "sim-ok",
            "--wait-s",
            "0",
            "--store",
            store,
        ],
        capsys,
    )
    assert run.code == 3
    assert "repro [1/5] HTTP 200, ok" in run.err
    assert "Missing evidence: no attempt showed rate_limited." in run.out
    note = tmp_path / "note.md"
    note.write_text(run.out)
    packet = tmp_path / "packet.md"
    assert run_cli(["packet", "L-1", "--store", store, "--output", str(packet)], capsys).code == 0
    _lint_files([note, packet], capsys)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        pytest.param('-H "Authorization: Bearer $COMETAPI_API_KEY" \\', False, id="shell-reference"),
        pytest.param("-H 'authorization: Bearer chatcontract-invalid-key-0000000000000000'", False, id="our-bad-key"),
        pytest.param("Authorization: Bearer sk-live-abcdef1234567890abcdef12", True, id="real-looking-key"),
        pytest.param("Authorization: Bearer $KEY sk-live-abcdef1234567890abcdef12", True, id="reference-then-key"),
    ],
)
def test_lint_tells_a_reference_from_a_key(text: str, flagged: bool) -> None:
    assert bool(lint_text(text)) is flagged


@pytest.mark.parametrize(("count", "lines"), [pytest.param(2, 0, id="few-files-quiet"), pytest.param(6, 6, id="many")])
def test_lint_of_many_files_shows_progress(
    count: int, lines: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for i in range(count):
        path = tmp_path / f"note-{i}.md"
        path.write_text(f"We measured {i} retries in our own client.\n")
        paths.append(path)
    err = _lint_files(paths, capsys)
    progress = [line for line in err.splitlines() if line.startswith("lint [")]
    assert len(progress) == lines
    if lines:
        assert progress[-1] == f"lint [{count}/{count}] {paths[-1]}: 0 finding(s)"
    assert err.splitlines()[-1] == f"0 finding(s) in {count} file(s)"
