"""Rich renderables for the terminal: tables that stay readable at any width, Markdown documents.

Plain data in (a title, a header, rows of strings); a renderable out, which the caller prints on
its own console. Status words (pass, fail, inconclusive, ok, warn, error) are coloured when a
cell is exactly that word.

A table never splits a word across lines: at render time it measures the console's width; when
every column fits at the width of its longest word (long ids are truncated with an ellipsis), it
is a table whose cells wrap between words; otherwise each row folds into ``field  value`` lines.
A Markdown document (the review, the reproduction note) is rendered block by block: its tables
with the same rule, everything else with Rich's Markdown renderer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
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
ID_WIDTH = 14  # a single token longer than this (an id, a URL) is truncated with an ellipsis
_CELL_OVERHEAD = 3  # a border and one space each side


def status_text(value: object) -> Text:
    """A cell as Rich text, styled when it is a status word (never parsed as markup)."""
    text = "" if value is None else str(value)
    return Text(text, style=STYLES.get(text, ""))


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _cut_words(text: str) -> str:
    """Each token longer than :data:`ID_WIDTH` cut to that width, ending in an ellipsis."""
    return " ".join(w if len(w) <= ID_WIDTH else w[: ID_WIDTH - 1] + "…" for w in text.split(" "))


@dataclass
class FitTable:
    """A table that chooses its layout for the width it is rendered at (see the module doc)."""

    title: str | None
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    caption: str | None = None
    _cells: list[list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self._cells = [["" if c is None else str(c) for c in row] for row in self.rows]

    def min_widths(self) -> list[int]:
        """Per column: its longest word (header or cell), ids capped at :data:`ID_WIDTH`."""
        widths = []
        for i, name in enumerate(self.header):
            cell = max((min(_longest_word(r[i]), ID_WIDTH) for r in self._cells if i < len(r)), default=0)
            widths.append(max(cell, _longest_word(name)))
        return widths

    def fits(self, width: int) -> bool:
        return sum(self.min_widths()) + _CELL_OVERHEAD * len(self.header) + 1 <= width

    def as_table(self, width: int | None = None) -> Table:
        """The table; at ``width``, a token longer than :data:`ID_WIDTH` is cut with an ellipsis
        when the columns at their longest words would not fit (Rich would crop the right edge)."""
        table = Table(title=self.title, caption=self.caption, show_lines=False, expand=False)
        for name, least in zip(self.header, self.min_widths(), strict=True):
            table.add_column(name, overflow="ellipsis", min_width=least)
        full = [max([_longest_word(n), *(_longest_word(r[i]) for r in self._cells if i < len(r))])
                for i, n in enumerate(self.header)]
        cut = width is not None and sum(full) + _CELL_OVERHEAD * len(self.header) + 1 > width
        for row in self._cells:
            table.add_row(*(status_text(_cut_words(c) if cut else c) for c in row))
        if width is not None:
            for column, fixed in zip(table.columns, self._widths(width), strict=True):
                column.width = fixed
        return table

    def _widths(self, width: int) -> list[int | None]:
        """Fixed column widths when the cells' full text does not fit ``width``: each column its
        longest word, the room left shared by how much more each would take (Rich's own
        collapse can overshoot by a column and crop the table's right edge)."""
        room = width - _CELL_OVERHEAD * len(self.header) - 1
        least = self.min_widths()
        whole = [max([_longest_word(n), *(_longest_word(r[i]) for r in self._cells if i < len(r))])
                 for i, n in enumerate(self.header)]
        if sum(whole) <= room:
            least = whole  # every word whole (no id cut) and still room to share
        want = [max([least[i], len(name), *(len(_cut_words(r[i])) for r in self._cells if i < len(r))])
                for i, name in enumerate(self.header)]
        if sum(want) <= room:
            return [None] * len(want)
        spare = room - sum(least)
        need = [w - m for w, m in zip(want, least, strict=True)]
        total = sum(need) or 1
        return [m + (spare * n) // total for m, n in zip(least, need, strict=True)]

    def as_records(self) -> Group:
        """Each row as ``field  value`` lines, rows separated by a rule of the table's title."""
        parts: list[RenderableType] = []
        for number, row in enumerate(self._cells, 1):
            label = f"{self.title} [{number}/{len(self._cells)}]" if self.title else f"[{number}/{len(self._cells)}]"
            record = Table(box=None, show_header=False, pad_edge=False, title=label, title_justify="left",
                           title_style="bold")
            record.add_column("field", style="dim", no_wrap=True)
            record.add_column("value", overflow="fold")
            for name, value in zip(self.header, row, strict=False):
                if value:
                    record.add_row(name, status_text(value))
            parts.append(record)
        if self.caption:
            parts.append(Text(self.caption, style="dim"))
        return Group(*parts)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.fits(options.max_width):
            yield self.as_records()
            return
        yield self.as_table(options.max_width)


def rich_table(
    title: str | None,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str | None = None,
) -> FitTable:
    """A table whose cells are shown literally (no Rich markup), never split mid-word."""
    return FitTable(title, tuple(header), rows, caption)


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _split_row(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    cells = re.split(r"(?<!\\)\|", inner)
    return [c.strip().replace("\\|", "|").replace("`", "") for c in cells]


def _blocks(text: str) -> Iterable[tuple[str, list[str]]]:
    """``("table", lines)`` and ``("text", lines)`` blocks, in order."""
    kind, lines = "text", list[str]()
    for line in text.splitlines():
        this = "table" if _TABLE_ROW.match(line) else "text"
        if this != kind and lines:
            yield kind, lines
            lines = []
        kind = this
        lines.append(line)
    if lines:
        yield kind, lines


def markdown_renderables(text: str) -> list[RenderableType]:
    """A Markdown document as Rich renderables; its tables are :class:`FitTable` s."""
    parts: list[RenderableType] = []
    for kind, lines in _blocks(text):
        if kind == "table" and len(lines) >= 2 and _RULE_ROW.match(lines[1]):
            rows = [_split_row(line) for line in lines[2:]]
            parts.append(FitTable(None, _split_row(lines[0]), rows))
        elif "\n".join(lines).strip():
            parts.append(Markdown("\n".join(lines)))
    return parts
