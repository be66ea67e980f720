"""``chatcontract drift``: compare response captures for contract drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import ProfileOpt, console, emit_json
from chatcontract.contract import DEFAULT_PROFILE, load_profile
from chatcontract.drift import DriftReport, compare, load_capture


def drift(
    current: Annotated[
        Path, typer.Argument(help="Capture to check: JSON body, probe fixture, JSON lines or SSE transcript.")
    ],
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="An earlier capture of the same endpoint to compare against.")
    ] = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Check a response capture against the profile and, with --baseline, against an earlier one.

    Exit codes: 0 no breaking drift, 1 breaking drift (a field the parser needs is missing or
    changed type, or a streamed capture ended without finish_reason or without the [DONE] the
    profile requires), 2 bad input (including a file that is not a response capture, such as an
    attempts log).
    """
    prof = load_profile(profile)
    report = compare(load_capture(current), prof, load_capture(baseline) if baseline else None)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print(report)
    raise typer.Exit(1 if report.has_breaking else 0)


def _print(report: DriftReport) -> None:
    cur = report.current
    say = console.print
    say(f"capture {cur.path}: {cur.kind}, {cur.documents} document(s), profile {report.profile}", markup=False)
    if cur.bad_lines:
        say(f"  {cur.bad_lines} line(s) were not JSON and were skipped, e.g. {cur.bad_examples[:1]}", markup=False)
    for path in report.missing_required:
        console.print(f"BREAKING  {path}: required by the profile, absent from the capture", markup=False)
    for problem in report.stream_end:
        console.print(f"BREAKING  stream end: {problem}", markup=False)
    for change in report.changes:
        label = "BREAKING" if change.breaking else "changed "
        console.print(f"{label}  {change.describe()}", markup=False)
    if not report.has_breaking:
        extra = f", {len(report.changes)} non-breaking change(s)" if report.changes else ""
        console.print(f"no breaking drift{extra}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)
