"""``chatcontract repro``: reproduce one failure with bounded, individually recorded attempts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chatcontract.cli.common import (
    DEFAULT_API_KEY_ENV,
    ApiKeyEnvOpt,
    ApiKeyFileOpt,
    BaseUrlOpt,
    ModelOpt,
    ProfileOpt,
    StoreOpt,
    emit_json,
    note,
    print_document,
)
from chatcontract.cli.connection import UNREACHABLE_HELP, CaBundleOpt, HeaderOpt, ProxyOpt, unreachable
from chatcontract.cli.progress import Steps
from chatcontract.contract import DEFAULT_PROFILE
from chatcontract.errors import UsageError

if TYPE_CHECKING:
    from chatcontract.evidence.commands import ReproResult
    from chatcontract.evidence.notes import AttemptLine


HELP = (
    "Reproduce one failure class with the smallest repeatable request: single attempts, each "
    "recorded; stops on a non-retryable class, after N identical outcomes, or when the budget is "
    "spent. With no base URL it targets the embedded simulator (e.g. --model sim-503). "
    "Exit codes: 0 the class asked for occurred (reproducible, intermittent, or request_shape when it "
    "was a request error), 2 usage error, 3 the class asked for did not occur (inconclusive, or another "
    "class such as a request error showed instead), or " + UNREACHABLE_HELP + "."
)


def repro(
    *,
    incident: Annotated[str, typer.Option("--incident", help="Incident id, e.g. INC-1.")],
    failure_class: Annotated[
        str | None,
        typer.Option("--class", help="Failure class to reproduce, e.g. server_error."),
    ] = None,
    negative: Annotated[str | None, typer.Option("--negative", help="Probe negative case, e.g. missing-auth.")] = None,
    attempts: Annotated[int, typer.Option("--attempts", help="Attempt budget (1-50).")] = 5,
    identical: Annotated[int, typer.Option("--stop-after-identical", help="Stop after N identical outcomes.")] = 3,
    wait_s: Annotated[float, typer.Option("--wait-s", help="First wait between attempts.")] = 0.5,
    connect_timeout_s: Annotated[float, typer.Option("--connect-timeout-s", help="Wait for the connection.")] = 5.0,
    read_timeout_s: Annotated[float, typer.Option("--read-timeout-s", help="Wait for a non-streamed answer.")] = 30.0,
    stream_idle_timeout_s: Annotated[
        float, typer.Option("--stream-idle-timeout-s", help="Longest gap between stream events.")
    ] = 15.0,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = DEFAULT_API_KEY_ENV,
    api_key_file: ApiKeyFileOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    store: StoreOpt = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="Who ran it (env CHATCONTRACT_OPERATOR, USER).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the note as JSON.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="FORMAT", help="md or json (default: tables on a terminal, Markdown when piped)."
        ),
    ] = None,
    header: HeaderOpt = None,
    proxy: ProxyOpt = None,
    ca_bundle: CaBundleOpt = None,
) -> None:
    """Reproduce a failure and write a reproduction note into the evidence store."""
    from chatcontract.evidence.commands import run_repro_command as execute
    from chatcontract.evidence.lint import lint_text
    from chatcontract.evidence.notes import render_note_markdown
    from chatcontract.evidence.repro import asked_class_missing
    from chatcontract.evidence.wire import Timeouts
    from chatcontract.redact import redact

    if fmt not in (None, "md", "json"):
        raise UsageError(f"--format {fmt!r}: use md or json")
    as_json = as_json or fmt == "json"
    from chatcontract.target import TargetUnreachableError

    connection = {"headers": tuple(header or ()), "proxy": proxy, "ca_bundle": ca_bundle}
    try:
        with Steps("repro", attempts) as steps:
            result = _execute(execute, steps, incident=incident, failure_class=failure_class, negative=negative,
                              attempts=attempts, identical=identical, wait_s=wait_s, base_url=base_url,
                              api_key_env=api_key_env, api_key_file=api_key_file, model=model, profile=profile,
                              store=store, operator=operator, connection=connection,
                              timeouts=Timeouts(connect_timeout_s, read_timeout_s, stream_idle_timeout_s))
    except TargetUnreachableError as exc:
        unreachable(exc)
    for line in result.notices:
        note(line)
    text = redact(render_note_markdown(result.note))
    for finding in lint_text(text, "<note>"):
        note(f"lint: {finding.format()}")
    if as_json:
        emit_json(result.note.model_dump(mode="json"))
    else:
        print_document(text, fmt)
    if result.note.stop_reason == "interrupted":
        note(f"interrupted after {len(result.note.attempts)} attempt(s); the note covers them and is stored")
        raise KeyboardInterrupt
    missing = asked_class_missing(result.note)
    if missing is not None:
        note(missing)
    raise typer.Exit(3 if missing is not None or result.note.verdict == "inconclusive" else 0)


def _execute(execute: Callable[..., ReproResult], steps: Steps, **given: Any) -> ReproResult:
    """Run the repro with one progress step per attempt (repro waits between attempts)."""

    def told(line: AttemptLine, wait: float | None) -> None:
        status = "no response" if line.status is None else f"HTTP {line.status}"
        outcome = line.failure_class or "ok"
        steps.finished(f"{status}, {outcome}; " + ("stopping" if wait is None else f"next in {wait:.1f} s"))

    return execute(progress=told, **given)


def register(app: typer.Typer) -> None:
    app.command("repro", help=HELP)(repro)
