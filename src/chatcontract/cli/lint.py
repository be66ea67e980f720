"""``chatcontract lint``: secrets and unsupported claims in incident write-ups."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.control import strip_control_codes

from chatcontract.cli.common import console, note

if TYPE_CHECKING:
    from chatcontract.evidence.lint import Finding

HELP = (
    "Find secrets and claims the evidence does not support (pricing, billing, quota, rate-limit "
    "numbers, uptime/SLA, model availability, outages, API changes, 'the model failed', "
    "latency/SLO, "
    "root cause on the provider, over-broad scope, account state, deprecation) in Markdown, text, "
    "JSON, YAML or HTML files (charts and scripts skipped). A sentence that cites a source, "
    "disclaims, or reports our own measurement is fine. "
    "Exit codes: 0 clean, 1 findings, 2 bad input (missing or binary file)."
)


PROGRESS_FROM = 5  # files: below this a run is instant and per-file lines would be noise


def _progress(done: int, total: int, path: Path, found: int) -> None:
    note(f"lint [{done}/{total}] {path}: {found} finding(s)")


def lint(
    files: Annotated[list[Path], typer.Argument(help="Files to check (.md, .txt, .json, .yaml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Lint incident notes and packets for secrets and unsupported claims."""
    from chatcontract.evidence.lint import iter_findings

    findings = iter_findings(files, progress=_progress if len(files) >= PROGRESS_FROM else None)
    count = _write_json(findings) if as_json else _write_lines(findings)
    if not as_json:
        note(f"{count} finding(s) in {len(files)} file(s)")
    raise typer.Exit(1 if count else 0)


def _write_lines(findings: Iterable[Finding]) -> int:
    """One line per finding as it is found (plain text, control characters removed, as Rich
    would print it; a finding at a time, so memory does not grow with the file)."""
    out = console.file
    count = 0
    for count, finding in enumerate(findings, start=1):  # noqa: B007 - the count is the result
        out.write(strip_control_codes(finding.format()) + "\n")
    out.flush()
    return count


def _write_json(findings: Iterable[Finding]) -> int:
    """The findings as one JSON array (``json.dumps(..., indent=2)``'s layout), streamed."""
    out = console.file
    count = 0
    for count, finding in enumerate(findings, start=1):
        item = json.dumps(finding.to_dict(), indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if count == 1 else ",\n  ") + item)
    out.write("\n]\n" if count else "[]\n")
    out.flush()
    return count


def register(app: typer.Typer) -> None:
    app.command("lint", help=HELP)(lint)
