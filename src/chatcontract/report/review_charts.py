"""Incident-review charts: per-minute status timeline and latency percentiles (PNG data URIs).

Time series are specific to review; bar charts come from :mod:`chatcontract.report.charts`.
matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

STATUS_SERIES = (("s2xx", "2xx", "#1a7f37"), ("s3xx", "3xx", "#8250df"), ("s4xx", "4xx", "#bf8700"),
                 ("s5xx", "5xx", "#cf222e"), ("no_response", "no response", "#57606a"))


def _png(fig: Any, plt: Any) -> str:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _ticks(ax: Any, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels=[labels[i][-5:] for i in range(0, len(labels), step)],
                  rotation=45, fontsize=8)


def status_timeline_png(minutes: Sequence[dict[str, Any]]) -> str:
    """Stacked bars of attempts per minute by status family."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.0, 3.6), dpi=100)
    labels = [str(m["minute"]) for m in minutes]
    bottom = [0.0] * len(minutes)
    for key, name, color in STATUS_SERIES:
        values = [float(m.get(key) or 0) for m in minutes]
        if any(values):
            ax.bar(range(len(minutes)), values, bottom=bottom, color=color, label=name, width=0.9)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _ticks(ax, labels)
    ax.set_ylabel("attempts per minute")
    ax.set_title("Status timeline (UTC)")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return _png(fig, plt)


def latency_png(minutes: Sequence[dict[str, Any]]) -> str:
    """p50/p95/p99 latency per minute."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.0, 3.2), dpi=100)
    labels = [str(m["minute"]) for m in minutes]
    for key, color in (("p50_ms", "#0969da"), ("p95_ms", "#bf8700"), ("p99_ms", "#cf222e")):
        ax.plot(range(len(minutes)), [m.get(key) if m.get(key) is not None else float("nan") for m in minutes],
                label=key.replace("_ms", ""), color=color, marker=".")
    _ticks(ax, labels)
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency percentiles per minute")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return _png(fig, plt)


def failure_classes_png(table: Sequence[dict[str, Any]]) -> str:
    """Failed attempts by class (horizontal bars)."""
    from chatcontract.report.charts import bar_chart_png_data_uri

    return bar_chart_png_data_uri([str(r["class"]) for r in table], [float(r["attempts"]) for r in table],
                                  title="Failures by class", unit="attempts", colors=["#cf222e"] * len(table))
