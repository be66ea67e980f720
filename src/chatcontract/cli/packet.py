"""``chatcontract packet``: the escalation packet for one incident."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import StoreOpt, console, note, print_document
from chatcontract.errors import UsageError

HELP = (
    "Build the escalation packet for an incident from the evidence store: times, endpoint, auth "
    "shape, sanitized request body, expected behaviour (cited), observed behaviour, request ids, "
    "category, support route, and a summary to paste to support. --meta adds what only a human "
    "knows (title, scope, mitigation, escalation_id, owner, support_route, support_url, "
    "support_accessed). The packet is redacted again and linted before it is shown. "
    "Exit codes: 0 written, 1 with --strict when incomplete, lint finds anything, or the evidence points "
    "at our own side (a request_shape verdict or a class we fix ourselves: the packet is then addressed "
    "to the owning team, not support), 2 usage error."
)


def packet(
    incident: Annotated[str, typer.Argument(help="Incident id, e.g. INC-1.")],
    *,
    meta: Annotated[Path | None, typer.Option("--meta", help="YAML file with the human-known fields.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory (created if missing) for INCIDENT-packet.FORMAT."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the packet to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The packet as one JSON document (= --format json).")]
    = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when incomplete or lint finds anything.")] = False,
    drop_ids: Annotated[bool, typer.Option("--drop-ids", help="Remove provider request/trace ids.")] = False,
    redact_pattern: Annotated[
        list[str] | None,
        typer.Option("--redact-pattern", help="Extra regular expression to mask (repeatable)."),
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="Profile to cite (default: the repro's).")] = None,
    store: StoreOpt = None,
) -> None:
    """Build, redact, lint and store the escalation packet."""
    from chatcontract.evidence.commands import run_packet_command

    if as_json:
        fmt = "json"
    if out is not None and output is not None:
        raise UsageError("--out DIR and --output FILE both name where to write; use one")
    if out is not None:
        output = out / f"{incident}-packet.{fmt}"
    result = run_packet_command(
        incident=incident,
        meta_path=meta,
        fmt=fmt,
        out=output,
        drop_ids=drop_ids,
        redact_patterns=list(redact_pattern or []),
        store=store,
        profile=profile,
    )
    if output is None and fmt == "md":
        print_document(result.text)  # tables on a terminal, the Markdown itself when piped
    elif output is None:
        console.print(result.text, markup=False, soft_wrap=True, end="")
    for line in result.notices:
        note(line)
    for m in result.packet["completeness"]["missing"]:
        note(f"missing: {m['field']}: {m['why']}")
    for finding in result.findings:
        note(f"lint: {finding.format()}")
    for line in result.packet["warnings"]:
        note(f"warning: {line}")
    for line in result.packet["strict_failures"]:
        note(f"not for support: {line}")
    state = "complete" if result.complete else "incomplete"
    note(f"packet is {state}; {len(result.findings)} lint finding(s)")
    failed = not result.complete or bool(result.findings) or bool(result.packet["strict_failures"])
    raise typer.Exit(1 if strict and failed else 0)


def register(app: typer.Typer) -> None:
    app.command("packet", help=HELP)(packet)
