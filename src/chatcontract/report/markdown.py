"""Markdown helpers: escaped cells, pipe tables, fenced blocks.

Plain data in (a header and rows of anything ``str()``-able), GitHub-flavoured Markdown out.
Cells are escaped so a ``|`` or a newline in a value cannot break the table.
"""

from __future__ import annotations

from collections.abc import Sequence


def md_escape(value: object) -> str:
    """One table cell: pipes escaped, newlines folded to ``<br>``, ``None`` as empty."""
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part.strip() for part in text.splitlines()) if "\n" in text else text


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A pipe table; rows shorter than the header are padded, longer ones are an error."""
    width = len(header)
    lines = [
        "| " + " | ".join(md_escape(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for row in rows:
        if len(row) > width:
            raise ValueError(f"row has {len(row)} cells, header has {width}")
        cells = [md_escape(c) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def md_code(text: str, lang: str = "") -> str:
    """A fenced code block that survives backticks inside ``text``."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def md_heading(text: str, level: int = 2) -> str:
    return "#" * max(1, min(level, 6)) + " " + text.replace("\n", " ")
