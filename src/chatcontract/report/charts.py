"""Charts as inline strings (SVG markup or a base64 PNG data URI), drawn with matplotlib.

matplotlib is imported inside the drawing functions only (with the non-interactive ``Agg``
backend), so importing this module — or any report module — costs nothing until a chart is
actually drawn. The output never references a file or a URL, so it embeds in a
self-contained page (:mod:`chatcontract.report.page`) as is.

Inputs are plain data: labels and values (``None`` values are drawn as empty bars and
labelled "n/a"), an optional colour per bar.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from typing import Any

DEFAULT_COLOR = "#0969da"
RESULT_COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, imported on first use."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt



def figure_svg(fig: Any) -> str:
    """A finished figure as an inline ``<svg>`` element; the figure is closed."""
    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        pyplot().close(fig)
    return _strip_prolog(buf.getvalue())


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
    """A horizontal bar chart as an inline ``<svg>`` element (no XML prolog, no DOCTYPE)."""
    return figure_svg(_bar_figure(labels, values, title=title, unit=unit, colors=colors))


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


def _strip_prolog(svg: str) -> str:
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    # matplotlib links its stylesheet namespace via xlink only; drop comments to keep it small.
    return re.sub(r"<!--.*?-->", "", body, flags=re.S)
