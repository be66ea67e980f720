"""``chatcontract lint``: secrets and unsupported claims in incident write-ups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import emit_json, note, say
from chatcontract.cli.progress import Steps

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


def _progress(steps: Steps) -> Callable[[int, int, Path, int], None]:
    def told(done: int, total: int, path: Path, found: int) -> None:
        steps.finished(f"{path}: {found} finding(s)")

    return told


def lint(
    files: Annotated[list[Path], typer.Argument(help="Files to check (.md, .txt, .json, .yaml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Lint incident notes and packets for secrets and unsupported claims."""
    from chatcontract.evidence.lint import iter_findings

    count = 0
    with Steps("lint", len(files)) as steps:
        # Every file is checked (bad input is exit 2) before the first finding; then findings are
        # printed as they come, so memory does not grow with the size of the input.
        found = iter_findings(files, progress=_progress(steps) if len(files) >= PROGRESS_FROM else None)
        if as_json:
            items = [f.to_dict() for f in found]
            count = len(items)
            emit_json(items)
        else:
            for finding in found:
                count += 1
                say(finding.format())
    if not as_json:
        note(f"{count} finding(s) in {len(files)} file(s)")
    raise typer.Exit(1 if count else 0)


def register(app: typer.Typer) -> None:
    app.command("lint", help=HELP)(lint)
