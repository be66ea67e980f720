"""``chatcontract profile``: show the contract a profile states, assumption by assumption."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from chatcontract.cli.common import console
from chatcontract.contract import BUILTIN_PROFILES, DEFAULT_PROFILE, load_profile

profile_app = typer.Typer(help="Show contract profiles (every assumption, its source and status).", no_args_is_help=True)


def _value_text(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    return value if isinstance(value, str) else json.dumps(value, default=str)


@profile_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Profile name or YAML path.")] = DEFAULT_PROFILE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a profile as a table of assumptions."""
    profile = load_profile(name)
    if as_json:
        console.print_json(profile.model_dump_json())
        return
    table = Table(title=f"{profile.title} ({profile.name})", show_lines=False)
    for column in ("assumption", "value", "status", "source", "accessed"):
        table.add_column(column, overflow="fold")
    for key, a in profile.items():
        table.add_row(key, _value_text(a.value), a.status.value, a.source_url, a.accessed.isoformat())
    console.print(table)


@profile_app.command("list")
def list_profiles() -> None:
    """List the built-in profiles."""
    for name in BUILTIN_PROFILES:
        p = load_profile(name)
        console.print(f"{name}\t{p.title}\t{p.base_url}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(profile_app, name="profile")
