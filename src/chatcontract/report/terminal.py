"""Rich renderables for the terminal: result tables with coloured status words.

Plain data in (a title, a header, rows of strings); a :class:`rich.table.Table` out, which the
caller prints on its own console. Status words (pass, fail, inconclusive, ok, warn, error)
are coloured when a cell is exactly that word.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

STYLES = {
    "pass": "bold green",
    "ok": "bold green",
    "fail": "bold red",
    "error": "bold red",
    "inconclusive": "bold yellow",
    "warn": "bold yellow",
    "skip": "yellow",
}


def status_text(value: object) -> Text:
    """A cell as Rich text, styled when it is a status word (never parsed as markup)."""
    text = "" if value is None else str(value)
    return Text(text, style=STYLES.get(text, ""))


def rich_table(
    title: str | None,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str | None = None,
) -> Table:
    """A table whose cells are shown literally (no Rich markup) with folded overflow."""
    table = Table(title=title, caption=caption, show_lines=False, expand=False)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(status_text(c) for c in row))
    return table
