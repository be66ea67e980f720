"""``chatcontract replay``: turn a recorded incident into a conduct scenario file (a regression test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import note
from chatcontract.cli.review import LogsArg, MapOpt, ReaderOpt, WindowOpt
from chatcontract.errors import UsageError

HELP = """Turn a captured failure timeline into a simulator scenario file that replays it.

LOGS are read as 'chatcontract review' reads them (this project's attempts log, a HAR, an access
log, OTLP spans, gateway logs, generic JSON lines with --map) and grouped into logical requests the
same way. Per logical request, each recorded attempt becomes one simulator step in order: its
status, error code, Retry-After and latency; cut, stalled or broken streams; resets and silent
routes. Requests with the same steps are one scenario (the title says how many). The file is a
conduct catalogue: run it against your client with

  chatcontract conduct --only-files --scenario-file incident.yaml --client my_module:ask

and keep both in CI. By default the --top most common shapes of the failed requests are replayed;
--request-id picks requests by id. Exit codes: 0 written, 1 nothing to replay (no request had a
failure), 2 bad input (not a log, unknown reader, bad --map, unknown --request-id)."""


def replay(
    logs: LogsArg,
    *,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the scenario file here (default: stdout).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory (created if missing) for replay.yaml (or replay.json).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the scenarios as JSON (conduct reads it too) instead of YAML.")
    ] = False,
    request_id: Annotated[
        list[str] | None, typer.Option("--request-id", help="Replay this logical request (repeatable).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=500, help="Replay at most this many shapes.")] = 20,
    compress: Annotated[
        float,
        typer.Option("--compress", min=1.0, max=1000.0,
                     help="Divide recorded delays by this (Retry-After stays whole seconds, at least 1)."),
    ] = 1.0,
    include_healthy: Annotated[
        bool, typer.Option("--include-healthy", help="Also replay requests that never failed.")
    ] = False,
    reader: ReaderOpt = None,
    map_file: MapOpt = None,
    window: WindowOpt = 60.0,
) -> None:
    import yaml

    from chatcontract.conduct.catalogue import parse_catalogue
    from chatcontract.conduct.replay import Options, header, replay_logs

    if out is not None and output is not None:
        raise UsageError("--out DIR and --output FILE both name where to write; use one")
    if out is not None:
        output = out / ("replay.json" if as_json else "replay.yaml")
    options = Options(tuple(request_id or ()), top, compress, include_healthy)
    note(f"replay: reading {len(logs)} file(s)")
    result = replay_logs(list(logs), options, reader=reader, map_file=map_file, group_window_s=window)
    scenarios = result.document["scenarios"]
    missing = sorted(set(options.request_ids) - result.matched)
    if missing:
        raise UsageError(f"--request-id {missing[0]!r}: no such logical request in the logs")
    if not scenarios:
        note(f"replay: nothing to replay: none of {result.requests} logical requests had a failure")
        raise typer.Exit(1)
    parse_catalogue(result.document, "replay")  # what conduct will read: checked before it is written
    if as_json:
        text = json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = header(result, [str(p) for p in logs], options) + yaml.safe_dump(
            result.document, sort_keys=False, default_flow_style=None, width=120, allow_unicode=True
        )
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        note(f"wrote {output}")
    note(f"replay: {len(scenarios)} scenario(s) from {result.failed} failed of {result.requests} logical requests")


def register(app: typer.Typer) -> None:
    app.command("replay", help=HELP)(replay)
