"""Charts as inline strings: SVG markup drawn here, or a base64 PNG data URI drawn with matplotlib.

matplotlib is imported inside the PNG drawing functions only (with the non-interactive ``Agg``
backend), so importing this module — or any report module — costs nothing until a chart is
actually drawn. The output never references a file or a URL, so it embeds in a
self-contained page (:mod:`chatcontract.report.page`) as is.

Inputs are plain data: labels and values (``None`` values are drawn as empty bars and
labelled "n/a"), an optional colour per bar.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape
from typing import Any

DEFAULT_COLOR = "#0969da"
RESULT_COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, imported on first use."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt



def figure_png_data_uri(fig: Any) -> str:
    """A finished figure as a ``data:image/png;base64,...`` URI; the figure is closed."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png")
    finally:
        pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _bar_figure(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    unit: str,
    colors: Sequence[str] | None,
) -> Any:
    plt = pyplot()
    height = max(2.0, 0.35 * len(labels) + 1.2)
    fig, ax = plt.subplots(figsize=(8.0, height), dpi=100)
    ys = list(range(len(labels)))
    data = [v if v is not None else 0.0 for v in values]
    bar_colors = list(colors) if colors else [DEFAULT_COLOR] * len(labels)
    ax.barh(ys, data, color=bar_colors)
    ax.set_yticks(ys, labels=list(labels))
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title)
    top = max(data) if data else 0.0
    for y, v in zip(ys, values, strict=True):
        text = "n/a" if v is None else f"{v:,.1f}"
        ax.text((v or 0.0) + top * 0.01, y, text, va="center", fontsize=8)
    ax.set_xlim(0, top * 1.15 if top > 0 else 1.0)
    fig.tight_layout()
    return fig


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str = "",
    unit: str = "ms",
    colors: Sequence[str] | None = None,
) -> str:
    """A horizontal bar chart as an inline ``<svg>`` element (no XML prolog, no DOCTYPE).

    Drawn here, not by matplotlib: a probe writes this chart on every ``--out``, and importing
    and running matplotlib for a dozen bars cost ~0.7 s of CPU per report.
    """
    bar_colors = list(colors) if colors else [DEFAULT_COLOR] * len(labels)
    data = [v if v is not None else 0.0 for v in values]
    top = max(data, default=0.0) or 1.0
    label_w = 16 + _CHAR_W * max((len(label) for label in labels), default=0)
    plot_w = _WIDTH - label_w - 90  # room on the right for the value of the longest bar
    head = 34 if title else 10
    height = head + _ROW * len(labels) + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title or 'bar chart')}</title>",
    ]
    if title:
        parts.append(f'<text x="{_WIDTH / 2:.0f}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>')
    for i, (label, value, color) in enumerate(zip(labels, values, bar_colors, strict=True)):
        y = head + i * _ROW
        width = 0.0 if value is None else max(0.0, value) / top * plot_w
        text = "n/a" if value is None else f"{value:,.1f}"
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{_ROW - 6}" '
                     f'fill="{escape(color)}"/>')
        parts.append(f'<text x="{label_w + width + 4:.1f}" y="{y + 15}" font-size="11">{text}</text>')
    axis_y = head + _ROW * len(labels)
    parts.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="#57606a"/>')
    parts.append(f'<text x="{label_w + plot_w / 2:.0f}" y="{axis_y + 22}" text-anchor="middle">{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


_WIDTH = 800
_ROW = 22  # pixels per bar
_CHAR_W = 7.5  # an average label character at 12 px, a little generous


def bar_chart_png_data_uri(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str = "",
    unit: str = "ms",
    colors: Sequence[str] | None = None,
) -> str:
    """The same bar chart as a ``data:image/png;base64,...`` URI (for an ``<img src>``)."""
    return figure_png_data_uri(_bar_figure(labels, values, title=title, unit=unit, colors=colors))
