"""``chatcontract config show``: the resolved configuration, each value with its source."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from chatcontract.cli.global_options import CONFIG_KEY
from chatcontract.cli.output import console, emit_json, note
from chatcontract.config import API_KEY_ENV

config_app = typer.Typer(
    help="The configuration file (chatcontract.toml, or [tool.chatcontract] in pyproject.toml): "
    "`config show` prints what every command would use and where each value comes from. "
    "Exit codes: 0 shown, 2 invalid configuration file.",
    no_args_is_help=True,
)


def _rows(ctx: typer.Context) -> tuple[str, str, list[dict[str, Any]]]:
    from chatcontract.configfile import load

    config = ctx.meta.get(CONFIG_KEY) or load()
    rows = [{"setting": r.key, "value": r.value, "source": r.source} for r in config.resolved()]
    key_env = next((r["value"] for r in rows if r["setting"] == "api_key_env" and r["value"]), API_KEY_ENV)
    present = bool(os.environ.get(key_env, "").strip())
    rows.append({"setting": "api key", "value": "set" if present else "not set", "source": f"env:{key_env}"})
    return config.label, config.label if config.path is None else str(config.path), rows


@config_app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of the table.")] = False,
) -> None:
    """Print every setting, its value and its source (flag > env > file > default); never a key.

    Exit codes: 0 shown, 2 invalid configuration file.
    """
    from chatcontract.configfile import SETTINGS
    from chatcontract.report.terminal import rich_table

    label, where, rows = _rows(ctx)
    if as_json:
        emit_json({"file": where, "settings": rows})
        return
    defaults = {s.key: s.default for s in SETTINGS}
    cells = [(r["setting"], _text(r["value"]) if r["value"] is not None else defaults.get(r["setting"], ""),
              r["source"]) for r in rows]
    console.print(rich_table(f"configuration: {label}", ("setting", "value", "source"), cells))
    note(f"file: {where}; a command-line flag wins over all of these")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
