"""``chatcontract sim``: run the fault-injecting OpenAI-compatible simulator in the foreground."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import check_key_env
from chatcontract.cli.output import quiet
from chatcontract.errors import UsageError

HELP = (
    "Run a fault-injecting OpenAI-compatible chat-completions server. Faults are chosen by model "
    "name (or the x-sim-fault header); see --list. The first stdout line is the base URL. "
    "Exit codes: 0 stopped normally, 2 bad option or scenario file."
)


def _listing() -> str:
    """Every fault name, mode, stream variation and wrong-path style, one per line."""
    from chatcontract.sim import FAULTS, MODES, STREAM_VARIATIONS

    lines = [
        "Healthy models: sim-ok (answers the canonical text), any --model alias, scenario models.",
        "",
        "Faults (model name, or header x-sim-fault: NAME; N is a number):",
    ]
    width = max(len(spec.pattern) for spec in FAULTS)
    lines += [f"  {spec.pattern.ljust(width)}  {spec.doc}" for spec in FAULTS]
    lines += ["", "Modes (--mode, repeatable; each breaks one part of the contract):"]
    lines += [f"  {name.ljust(width)}  {doc}" for name, doc in MODES.items()]
    lines += ["", "Stream variations (--stream-variation):"]
    lines += [f"  {name.ljust(width)}  {doc}" for name, doc in STREAM_VARIATIONS.items()]
    lines += [
        "",
        "Wrong paths (--wrong-path): 404 JSON error (default), 301 to /v1/chat/completions, html (404 HTML page).",
    ]
    return "\n".join(lines)


def _show_listing() -> None:
    """The listing: as is when piped (one entry per line, for scripts); on a terminal the
    descriptions wrap between words beside their names."""
    from chatcontract.cli.output import console

    if not console.is_terminal:
        typer.echo(_listing())
        return
    from rich.table import Table
    from rich.text import Text

    for block in _listing().split("\n\n"):
        lines = block.splitlines()
        entries = [line for line in lines if line.startswith("  ")]
        for line in lines[: len(lines) - len(entries)]:
            console.print(line, markup=False, soft_wrap=False)
        if entries:
            table = Table(box=None, show_header=False, padding=(0, 0, 0, 2))
            table.add_column(no_wrap=True)
            table.add_column(ratio=1)
            for entry in entries:
                name, _, doc = entry.strip().partition("  ")
                table.add_row(Text(name), Text(doc.strip()))
            console.print(table)
        console.print()


def _api_key(env_name: str | None) -> str | None:
    if env_name is None:
        return None
    value = os.environ.get(env_name, "").strip()
    if not value:
        raise UsageError(f"environment variable {env_name} is not set or empty (--api-key-env)")
    return value


def sim(
    *,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port; 0 picks a free one.", min=0, max=65535)] = 8000,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="YAML file of custom models.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for ids and stream variation.")] = 0,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            callback=check_key_env,
            help="Env var holding the key to accept (default: $CHATCONTRACT_SIM_API_KEY, else the public test key).",
        ),
    ] = None,
    error_style: Annotated[str, typer.Option("--error-style", help="openai or cometapi.")] = "openai",
    wrong_path: Annotated[str, typer.Option("--wrong-path", help="404, 301 or html.")] = "404",
    mode: Annotated[list[str] | None, typer.Option("--mode", help="Contract-breaking mode (repeatable).")] = None,
    stream_variation: Annotated[str, typer.Option("--stream-variation", help="plain, faithful or wild.")] = "faithful",
    time_scale: Annotated[float, typer.Option("--time-scale", help="Multiplies fault delays.", min=0)] = 1.0,
    models: Annotated[list[str] | None, typer.Option("--model", help="Extra healthy model name (repeatable).")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Enable GET /_sim/attempts and POST /_sim/reset.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List fault names, modes and variations, then exit.")] = False,
) -> None:
    """Run the simulator until interrupted (Ctrl-C)."""
    if list_:
        _show_listing()
        return
    from chatcontract.sim.config import SIM_KEY_ENV
    from chatcontract.sim.server import make_config, run_foreground

    config = make_config(
        api_key=_api_key(api_key_env),
        admin=admin,
        seed=seed,
        error_style=error_style,
        modes=mode or (),
        scenario=scenario,
        models=models or (),
        time_scale=time_scale,
        wrong_path=wrong_path,
        stream_variation=stream_variation,
    )
    source = (
        f"env:{api_key_env}"
        if api_key_env
        else (f"env:{SIM_KEY_ENV}" if os.environ.get(SIM_KEY_ENV) else "the public test key")
    )

    def ready(base_url: str) -> None:
        sys.stdout.write(base_url + "\n")
        sys.stdout.flush()
        sys.stderr.write(f"chatcontract sim: serving {base_url} (key from {source}); Ctrl-C stops\n")
        sys.stderr.flush()

    run_foreground(config, host, port, ready, None if quiet() else _log_request)


def _log_request(fields: dict[str, object]) -> None:
    """One stderr line per request: method, path, model, the fault served, the status."""
    status = "-" if fields["status"] is None else fields["status"]
    sys.stderr.write(f"sim: {fields['method']} {fields['path']} model={fields['model'] or '-'} "
                     f"fault={fields['fault']} status={status}\n")
    sys.stderr.flush()


def register(app: typer.Typer) -> None:
    """Add ``sim`` to the CLI."""
    app.command("sim", help=HELP)(sim)
