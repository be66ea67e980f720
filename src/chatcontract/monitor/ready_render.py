"""The readiness report in every format the other reports have: terminal, Markdown, HTML, JSON, JUnit.

Rows are built here from a :class:`Readiness`; the rendering is :mod:`chatcontract.report`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

from chatcontract.monitor.ready import Answer, Readiness
from chatcontract.report.files import write_report_files
from chatcontract.report.junit import JUnitCase, junit_xml
from chatcontract.report.markdown import md_table
from chatcontract.report.page import Section, render_page
from chatcontract.report.terminal import FitTable, rich_table

HEADER = ("criterion", "answer", "evidence", "source")
OUTPUT_FILES = ("ready.json", "ready.md", "ready.html", "junit.xml")
_OUTCOME = {Answer.YES: "pass", Answer.NO: "fail", Answer.UNKNOWN: "inconclusive"}


def summary_line(ready: Readiness) -> str:
    c = ready.counts()
    counted = f"{c['yes']} yes, {c['no']} no, {c['unknown']} unknown of {len(ready.verdicts)}"
    return f"ready: {ready.answer.value} — {counted}"


def _rows(ready: Readiness) -> list[tuple[str, str, str, str]]:
    return [
        (v.criterion.title, v.answer.value, "; ".join(v.evidence), v.origin or v.criterion.source)
        for v in ready.verdicts
    ]


def terminal_table(ready: Readiness) -> FitTable:
    return rich_table("chatcontract ready", HEADER, _rows(ready), caption=summary_line(ready))


def markdown_report(ready: Readiness) -> str:
    parts = ["# chatcontract readiness", summary_line(ready), md_table(HEADER, _rows(ready))]
    return "\n\n".join(parts) + "\n"


def html_report(ready: Readiness) -> str:
    section = Section("Criteria", paragraphs=[summary_line(ready)], header=list(HEADER), rows=_rows(ready))
    meta = [("target", ready.target or "not probed"), ("ready", ready.answer.value)]
    return render_page("chatcontract readiness", [section], meta=meta)


def junit_report(ready: Readiness) -> str:
    cases = [
        JUnitCase(
            name=v.criterion.id,
            classname=f"chatcontract.ready.{v.criterion.source}",
            outcome=_OUTCOME[v.answer],
            message=v.criterion.title if v.answer is not Answer.YES else "",
            details="\n".join([*v.evidence, f"from: {v.origin}" if v.origin else ""]),
        )
        for v in ready.verdicts
    ]
    return junit_xml("chatcontract ready", cases, properties=[("ready", ready.answer.value)])


def json_report(ready: Readiness) -> str:
    return json.dumps(ready.to_dict(), indent=2) + "\n"


def write_outputs(ready: Readiness, out_dir: Path) -> list[Path]:
    """Write the four report files into ``out_dir`` (created)."""
    texts = dict(zip(OUTPUT_FILES, (json_report(ready), markdown_report(ready), html_report(ready),
                                    junit_report(ready)), strict=True))
    return write_report_files(out_dir, texts)
