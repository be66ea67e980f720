"""The incident review as one self-contained HTML page with inline charts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from chatcontract.report.page import Section, render_page
from chatcontract.report.review_charts import failure_classes_png, latency_png, status_timeline_png
from chatcontract.review.model import ReviewResult


def _img(uri: str, alt: str) -> str:
    return str(Markup('<img src="{0}" alt="{1}">').format(uri, alt))


def _rows(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[object]]]:
    if not rows:
        return [], []
    header = list(rows[0])
    return header, [[r.get(h) for h in header] for r in rows]


def _charts(result: ReviewResult) -> str:
    parts = []
    if result.timeline:
        parts.append(_img(status_timeline_png(result.timeline), "status timeline per minute"))
        parts.append(_img(latency_png(result.timeline), "latency percentiles per minute"))
    classes = next((f.table for f in result.findings if f.key == "failures.by_class"), [])
    if classes:
        parts.append(_img(failure_classes_png(classes), "failures by class"))
    return "".join(parts)


def _findings_section(result: ReviewResult) -> Section:
    rows = [[f.title, f.label.value if f.label else "", f.statement, f.owner or ""] for f in result.findings]
    return Section("Findings", header=["finding", "label", "statement", "owner"], rows=rows, anchor="findings")


def render_html(result: ReviewResult) -> str:
    """A printable page: summary, charts, findings, tables, assumptions, exemplars, bad input."""
    t = result.totals
    methods = ", ".join(f"{m}: {n}" for m, n in result.grouping["methods"].items())
    sections = [
        Section("Charts", html=_charts(result), anchor="charts"),
        _findings_section(result),
    ]
    for f in result.findings:
        if f.table:
            header, rows = _rows(f.table)
            sections.append(Section(f.title, paragraphs=[f.statement], header=header, rows=rows))
    header, rows = _rows(result.assumption_rows())
    sections.append(Section("Contract assumptions", header=header, rows=rows, anchor="assumptions"))
    ex = result.exemplars
    fields = list(ex.get("failure") or ex.get("success") or {})
    sections.append(Section("Exemplar requests", header=["field", "profile expects", "success", "failure"],
                            rows=[[k, (ex.get("expected") or {}).get(k, ""), (ex.get("success") or {}).get(k, ""),
                                   (ex.get("failure") or {}).get(k, "")] for k in fields]))
    header, rows = _rows(result.latency)
    sections.append(Section("Latency", header=header, rows=rows))
    header, rows = _rows(result.source_rows())
    bad = [f"{e['source']}:{e['line'] or '?'} [{e['reason']}] {e['text']}" for e in result.bad_input.examples]
    sections.append(Section("Inputs", header=header, rows=rows))
    sections.append(Section("Bad lines", paragraphs=[f"{result.bad_input.total} bad lines."],
                            header=["reason", "lines"] if result.bad_input.counts else [],
                            rows=[[r, n] for r, n in result.bad_input.counts.items()],
                            pre=["\n".join(bad)] if bad else []))
    grouped = f"{methods} ({result.grouping.get('confidence', 'high')} confidence)"
    meta = [("profile", result.profile), ("attempts", str(t["attempts"])), ("failed", str(t["failures"])),
            ("logical requests", str(t["logical_requests"])), ("grouped by", grouped)]
    return render_page("Incident review", sections, meta=meta)
