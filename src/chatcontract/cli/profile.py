"""``chatcontract profile``: show the contract a profile states, assumption by assumption."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from chatcontract.cli.common import console, emit_json
from chatcontract.contract import BUILTIN_PROFILES, DEFAULT_PROFILE, Profile, load_profile

profile_app = typer.Typer(
    help="Show contract profiles (every assumption, its source and status). "
    "Exit codes: 0 shown, 2 unknown profile or invalid profile file.",
    no_args_is_help=True,
)


def _value_text(value: Any) -> str:
    """A value as short text: lists as ``[a, b]``, mappings as ``k: v; k: v``."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@profile_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Profile name or YAML path.")] = DEFAULT_PROFILE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a profile as a table of assumptions; sources are numbered below it.

    Exit codes: 0 shown, 2 unknown profile or invalid profile file.
    """
    profile = load_profile(name)
    if as_json:
        emit_json(profile.model_dump(mode="json"))
        return
    console.print(_table(profile))
    for ref, (url, accessed) in enumerate(_sources(profile), start=1):
        console.print(f"[{ref}] {accessed} {url}", markup=False, soft_wrap=True)


def _sources(profile: Profile) -> list[tuple[str, str]]:
    """Distinct (source URL, date read) pairs in first-use order."""
    seen: dict[tuple[str, str], None] = {}
    for _, a in profile.items():
        seen.setdefault((a.source_url, a.accessed.isoformat()), None)
    return list(seen)


def _table(profile: Profile) -> Table:
    """Assumption, status, source number and value: fits 80 columns (values fold)."""
    refs = {pair: i for i, pair in enumerate(_sources(profile), start=1)}
    table = Table(
        title=f"{profile.title} ({profile.name})", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    table.add_column("assumption", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("src", justify="right", no_wrap=True)
    longest = max((len(w) for _, a in profile.items() for w in _value_text(a.value).split()), default=0)
    table.add_column("value", overflow="fold", ratio=1, min_width=min(longest, 30))
    for key, a in profile.items():
        ref = refs[(a.source_url, a.accessed.isoformat())]
        cells = (key, a.status.value, f"[{ref}]", _value_text(a.value))
        table.add_row(*(Text(c) for c in cells))  # Text: values like [DONE] are not markup
    return table


@profile_app.command("list")
def list_profiles(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of lines.")] = False,
) -> None:
    """List the built-in profiles: name, title, base URL. Exit code 0."""
    if as_json:
        emit_json([{"name": n, "title": (p := load_profile(n)).title, "base_url": p.base_url}
                   for n in BUILTIN_PROFILES])
        return
    for name in BUILTIN_PROFILES:
        p = load_profile(name)
        console.print(f"{name:<18} {p.title:<26} {p.base_url}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(profile_app, name="profile")
