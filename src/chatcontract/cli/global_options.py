"""Options every command takes: -q/-v, --color/--no-color, --config FILE.

They are written once here (as a Typer command's options) and added to every command of the
Click tree by :func:`add_to`, so ``chatcontract probe -q`` and ``chatcontract -q probe`` both work
and every ``--help`` lists them. Each option acts while the command line is parsed (they are
eager): the output settings change at once, and ``--config`` (or the ``chatcontract.toml`` found
in the working directory) becomes the command's option defaults through Click's ``default_map``,
so a flag on the command line still wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chatcontract.cli import output

CONFIG_KEY = "chatcontract.config"


def _quiet(ctx: typer.Context, value: bool) -> None:
    if value:
        output.configure(verbosity=output.QUIET)


def _verbose(ctx: typer.Context, value: bool) -> None:
    if value:
        output.configure(verbosity=output.VERBOSE)


def _color(ctx: typer.Context, value: bool | None) -> None:
    if value is not None:
        output.configure(color=value)


def _config(ctx: typer.Context, value: Path | None) -> None:
    """Load the configuration once per invocation; set this command's option defaults from it."""
    from chatcontract.configfile import load

    if value is not None or CONFIG_KEY not in ctx.meta:
        ctx.meta[CONFIG_KEY] = load(value)
        if ctx.meta[CONFIG_KEY].path is not None:
            output.detail(f"configuration: {ctx.meta[CONFIG_KEY].path}")
    config = ctx.meta[CONFIG_KEY]
    params = {p.name for p in ctx.command.params if p.name}
    defaults = config.defaults_for(ctx.info_name or "", params)
    if defaults:
        ctx.default_map = {**(ctx.default_map or {}), **defaults}


def _refuse_key(ctx: typer.Context, value: str | None) -> None:
    if value is not None:
        from chatcontract.errors import UsageError

        raise UsageError("keys are not taken on the command line (--api-key): they end up in shell history and "
                         "process lists; use --api-key-env NAME (a variable holding it) or --api-key-file FILE")


def _options(
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", callback=_quiet, is_eager=True, expose_value=False,
                     help="Only results and errors: no notes, no progress."),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", callback=_verbose, is_eager=True, expose_value=False,
                     help="Also say where settings came from and what was assumed."),
    ] = False,
    color: Annotated[
        bool | None,
        typer.Option("--color/--no-color", callback=_color, is_eager=True, expose_value=False, show_default=False,
                     help="Force colour on or off (default: on a terminal, unless NO_COLOR is set; "
                     "FORCE_COLOR forces it)."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", hidden=True, callback=_refuse_key, is_eager=True, expose_value=False,
                     help="Refused, with the reason (keys on the command line leak)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", callback=_config, is_eager=True, expose_value=False,
                     help="Configuration file (default: ./chatcontract.toml, else [tool.chatcontract] in "
                     "./pyproject.toml). Flags win over it."),
    ] = None,
) -> None:
    """Not a command: the holder of the global options."""


def _params() -> list[Any]:
    holder = typer.Typer(add_completion=False)
    holder.command()(_options)
    return list(typer.main.get_command(holder).params)


def add_to(command: Any) -> None:
    """Add the global options to ``command`` and every command beneath it (once each)."""
    params = _params()
    pending = [command]
    while pending:
        cmd = pending.pop()
        names = {p.name for p in cmd.params}
        cmd.params.extend(p for p in params if p.name not in names)
        pending.extend(getattr(cmd, "commands", {}).values())
