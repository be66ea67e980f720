"""Views of a grading for the report renderers: terminal table, Markdown, HTML, JUnit, JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chatcontract.conduct.results import ScenarioResult, counts
from chatcontract.report.files import write_report_files
from chatcontract.report.junit import JUnitCase, junit_xml
from chatcontract.report.markdown import md_code, md_heading, md_table
from chatcontract.report.page import Section, render_page

HEADER = ("scenario", "verdict", "why", "what the client did")
CHECK_HEADER = ("check", "outcome", "evidence")


def rows(results: list[ScenarioResult], did_chars: int | None = None) -> list[list[object]]:
    """One row per scenario for the summary table (``did_chars`` shortens the last column)."""
    out: list[list[object]] = []
    for r in results:
        did = r.did()
        if did_chars is not None and len(did) > did_chars:
            did = did[: did_chars - 1] + "…"
        out.append([r.name, r.verdict, r.reason, did])
    return out


def summary_line(results: list[ScenarioResult], duration_s: float) -> str:
    """``29 scenarios: 20 pass, 6 safe, 3 fail in 41.2 s``."""
    c = counts(results)
    return f"{len(results)} scenarios: {c['pass']} pass, {c['safe']} safe, {c['fail']} fail in {duration_s:.1f} s"


def _details(r: ScenarioResult) -> list[list[object]]:
    return [[c.name, c.outcome, c.evidence] for c in r.checks]


def markdown_report(doc: dict[str, Any], results: list[ScenarioResult]) -> str:
    """The Markdown report: what ran, the summary table, then each scenario's checks and curl."""
    parts = [
        md_heading(f"chatcontract conduct: {doc['target']}", 1),
        f"Scale {doc['scale']}, deadline {doc['deadline_s']} s. {summary_line(results, doc['duration_s'])}.",
        md_table(HEADER, rows(results)),
    ]
    for r in results:
        parts += [
            md_heading(f"{r.name}: {r.verdict}", 3),
            r.title,
            md_table(CHECK_HEADER, _details(r)),
            md_code(r.curl, "sh"),
        ]
    return "\n\n".join(parts) + "\n"


def html_report(doc: dict[str, Any], results: list[ScenarioResult]) -> str:
    """A self-contained HTML page of the same content."""
    sections = [
        Section("Scenarios", paragraphs=[summary_line(results, doc["duration_s"])], header=HEADER, rows=rows(results))
    ]
    sections += [
        Section(
            f"{r.name}: {r.verdict}",
            paragraphs=[r.title, r.reason],
            header=CHECK_HEADER,
            rows=_details(r),
            pre=[r.curl],
            anchor=r.name,
        )
        for r in results
    ]
    meta = [("target", doc["target"]), ("scale", str(doc["scale"])), ("deadline", f"{doc['deadline_s']} s")]
    return render_page(f"chatcontract conduct: {doc['target']}", sections, meta=meta)


def junit_report(results: list[ScenarioResult]) -> str:
    """JUnit XML: a fail is a <failure>; pass and safe pass (safe says so in its message)."""
    cases = [
        JUnitCase(
            name=r.name,
            outcome="fail" if r.verdict == "fail" else "pass",
            classname="chatcontract.conduct",
            time_s=r.duration_s,
            message=f"{r.verdict}: {r.reason}",
            details="\n".join(f"{c.name}: {c.outcome}: {c.evidence}" for c in r.checks)
            + "\n\n"
            + r.did()
            + "\n\n"
            + r.curl,
        )
        for r in results
    ]
    return junit_xml("chatcontract conduct", cases)


FORMATS = ("json", "md", "html", "junit")


def write_reports(doc: dict[str, Any], results: list[ScenarioResult], out_dir: Path) -> list[Path]:
    """results.json, report.md, report.html and junit.xml in ``out_dir`` (created)."""
    texts = {
        "results.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
        "report.md": markdown_report(doc, results),
        "report.html": html_report(doc, results),
        "junit.xml": junit_report(results),
    }
    return write_report_files(out_dir, texts)
