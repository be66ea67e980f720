"""A self-contained, printable HTML page shell (Jinja2, inline CSS, no external URL).

Callers build :class:`Section` objects from plain data — a heading, optional paragraphs, an
optional table (header + rows of strings), optional preformatted blocks (``curl`` commands,
JSON) and optional raw HTML they produced themselves (an inline SVG chart from
:mod:`chatcontract.report.charts`) — and :func:`render_page` returns one HTML document.
Every piece of text is escaped by Jinja2's autoescape; only ``Section.html`` is inserted as
is, so only trusted renderer output belongs there. The page loads nothing from the network,
so it opens from a file, from a CI artefact, or printed to PDF.

Status words (``pass``, ``fail``, ``inconclusive``, ``ok``, ``warn``, ``error``) in table
cells get a coloured badge when the cell text is exactly that word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

BADGES = frozenset({"pass", "fail", "inconclusive", "ok", "warn", "error", "skip"})

CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa;
  --pass:#1a7f37; --fail:#cf222e; --inconclusive:#9a6700; }
* { box-sizing: border-box; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.meta span { margin-right: 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: var(--soft); white-space: nowrap; }
pre { background: var(--soft); border: 1px solid var(--line); padding: 8px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff;
  font-weight: 600; font-size: 12px; white-space: nowrap; }
.badge-pass, .badge-ok { background: var(--pass); }
.badge-fail, .badge-error { background: var(--fail); }
.badge-inconclusive, .badge-warn, .badge-skip { background: var(--inconclusive); }
.chart svg, .chart img { max-width: 100%; height: auto; }
footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
@media print { body { max-width: none; padding: 0; } pre { white-space: pre-wrap; }
  h2 { break-after: avoid; } table, pre, .chart { break-inside: avoid; } }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if meta %}<p class="meta">{% for key, value in meta -%}
<span><b>{{ key }}:</b> {{ value }}</span>{% endfor %}</p>{% endif %}
{% for s in sections %}
<section{% if s.anchor %} id="{{ s.anchor }}"{% endif %}>
<h2>{{ s.title }}</h2>
{% for p in s.paragraphs %}<p>{{ p }}</p>
{% endfor %}
{% if s.html %}<div class="chart">{{ s.html }}</div>{% endif %}
{% if s.header %}<table>
<thead><tr>{% for h in s.header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in s.rows %}<tr>{% for cell in row %}<td>{{ cell | badge }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>{% endif %}
{% for block in s.pre %}<pre>{{ block }}</pre>
{% endfor %}
</section>
{% endfor %}
<footer>{{ footer }}</footer>
</body>
</html>
"""


@dataclass(frozen=True)
class Section:
    """One titled part of a page: paragraphs, then trusted HTML, then a table, then <pre> blocks."""

    title: str
    paragraphs: Sequence[str] = ()
    header: Sequence[str] = ()
    rows: Sequence[Sequence[object]] = ()
    pre: Sequence[str] = ()
    html: str = ""
    anchor: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _badge(value: object) -> Markup:
    text = "" if value is None else str(value)
    if text in BADGES:
        return Markup('<span class="badge badge-{0}">{0}</span>').format(text)
    return Markup("{0}").format(text)


def _environment() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["badge"] = _badge
    return env


def render_page(
    title: str,
    sections: Sequence[Section],
    *,
    meta: Sequence[tuple[str, str]] = (),
    footer: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """One self-contained HTML document: ``title``, ``meta`` key/value line, ``sections``."""
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    template = _environment().from_string(TEMPLATE)
    return template.render(
        title=title,
        css=Markup(CSS),  # noqa: S704 - a constant of this module
        meta=list(meta),
        sections=[_trusted(s) for s in sections],
        footer=footer or f"Generated by chatcontract at {when}.",
    )


def _trusted(section: Section) -> dict[str, object]:
    return {
        "title": section.title,
        "paragraphs": list(section.paragraphs),
        "header": list(section.header),
        "rows": [list(r) for r in section.rows],
        "pre": list(section.pre),
        "html": Markup(section.html),  # noqa: S704 - renderer-produced markup (charts) only
        "anchor": section.anchor,
    }
