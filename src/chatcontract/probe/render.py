"""A probe run as reports: terminal table, Markdown, HTML with a latency chart, JUnit, files.

The probe-specific part (which columns, which sections) lives here; the rendering itself is
the shared :mod:`chatcontract.report` package. :func:`write_outputs` writes the five report
files (plus the sanitized happy-path and stream fixtures when there are any) and masks the key by value in
everything it writes, as a last line of defence.
"""

from __future__ import annotations

import json
from pathlib import Path

from chatcontract.probe.results import CaseResult, ProbeRun
from chatcontract.record import Result
from chatcontract.redact import MASK
from chatcontract.report.charts import RESULT_COLORS, bar_chart_svg
from chatcontract.report.files import write_report_files
from chatcontract.report.junit import JUnitCase, junit_xml
from chatcontract.report.markdown import md_code, md_heading, md_table
from chatcontract.report.page import Section, render_page
from chatcontract.report.terminal import FitTable, rich_table

OUTPUT_FILES = ("results.json", "attempts.jsonl", "report.md", "report.html", "junit.xml")
HAPPY_FIXTURE = "fixtures/happy.response.json"
STREAM_FIXTURE = "fixtures/stream.chunks.jsonl"


def _why(result: CaseResult) -> str:
    if result.result is Result.INCONCLUSIVE:
        return f"missing: {result.missing}" if result.missing else ""
    return "; ".join(result.notes)


def _observed(result: CaseResult) -> str:
    why = _why(result)
    return f"{result.observed} — {why}" if why else result.observed


def summary_line(run: ProbeRun) -> str:
    counts = run.counts()
    line = (
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['inconclusive']} inconclusive; "
        f"{run.requests_sent} of {run.max_requests} requests used"
    )
    if run.budget_spent:
        line += " — the request budget was spent before every case ran (raise --max-requests)"
    return line


def _terminal_detail(result: CaseResult) -> str:
    if result.result is Result.PASS:
        return _observed(result)
    if result.result is Result.INCONCLUSIVE:
        seen = "" if result.observed == "not run" else f"; observed {result.observed}"
        return f"missing: {result.missing}{seen}"
    text = f"expected {result.expected}; observed {_observed(result)}"
    return f"{text}; assumption {_source(result)}" if result.assumption else text


def terminal_table(run: ProbeRun) -> FitTable:
    """Case, result and a detail column (expected/observed/assumption for what did not pass)."""
    rows = [(r.name, r.result.value, _terminal_detail(r)) for r in run.results]
    title = f"chatcontract probe — {run.target} (profile {run.profile})"
    return rich_table(title, ("case", "result", "detail"), rows, caption=summary_line(run))


SEMANTICS_TITLE = "Provider reliability semantics"
SEMANTICS_NOTE = (
    "What the target did that a client's retry logic depends on, counted over the responses that "
    "could show it; not a verdict."
)
SEMANTICS_HEADER = ("behaviour", "seen")


def _semantics_rows(run: ProbeRun) -> list[tuple[str, str]]:
    return [(row.behaviour.title, row.detail) for row in run.semantics.rows()]


def semantics_table(run: ProbeRun) -> FitTable:
    """The reliability semantics the run observed (each "observed" / "not observed in N")."""
    return rich_table(SEMANTICS_TITLE, SEMANTICS_HEADER, _semantics_rows(run), caption=SEMANTICS_NOTE)


def markdown_report(run: ProbeRun) -> str:
    rows = [(r.name, r.result.value, r.expected, _observed(r), _source(r)) for r in run.results]
    parts = [
        "# chatcontract probe report",
        f"Target: `{run.target}` · profile: `{run.profile}` · run id: `{run.run_id}`",
        summary_line(run),
        md_table(["case", "result", "expected", "observed", "assumption (source)"], rows),
        md_heading(SEMANTICS_TITLE, 2),
        SEMANTICS_NOTE,
        md_table(list(SEMANTICS_HEADER), _semantics_rows(run)),
    ]
    failures = [r for r in run.results if r.curl]
    if failures:
        parts.append(md_heading("Reproduce", 2))
        parts.append("Set `COMETAPI_API_KEY` in your shell first; the key is never written here.")
        for r in failures:
            parts.append(md_heading(f"{r.name} ({r.result.value})", 3))
            parts.append(md_code(r.curl or "", "sh"))
    return "\n\n".join(parts) + "\n"


def _source(result: CaseResult) -> str:
    if not result.assumption:
        return ""
    return f"{result.assumption} ({result.source_url})" if result.source_url else result.assumption


def latency_chart(run: ProbeRun) -> str:
    """Per-case latency (sum of attempt times) as inline SVG; empty when nothing was timed."""
    if not any(r.elapsed_ms is not None for r in run.results):
        return ""
    labels = [r.name for r in run.results]
    values = [r.elapsed_ms for r in run.results]
    colors = [RESULT_COLORS[r.result.value] for r in run.results]
    return bar_chart_svg(
        labels, values, title="Latency per case (all attempts)", unit="ms", colors=colors
    )


def _results_section(run: ProbeRun) -> Section:
    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:,.1f}"

    rows = [(r.name, r.result.value, r.expected, _observed(r), _source(r), ms(r.elapsed_ms)) for r in run.results]
    header = ["case", "result", "expected", "observed", "assumption (source)", "ms"]
    return Section("Results", paragraphs=[summary_line(run)], header=header, rows=rows)


REPRO_NOTE = (
    "Each command repeats the request a case sent. Set COMETAPI_API_KEY in your shell first; "
    "the key is never written into this report."
)


def html_report(run: ProbeRun) -> str:
    """The self-contained HTML report: results, latency chart, reproduce commands."""
    sections = [_results_section(run), Section(SEMANTICS_TITLE, paragraphs=[SEMANTICS_NOTE],
                                                header=SEMANTICS_HEADER, rows=_semantics_rows(run))]
    chart = latency_chart(run)
    if chart:
        first = [r for r in run.results if r.first_chunk_ms is not None]
        note = [f"First content chunk of {r.name}: {r.first_chunk_ms:,.1f} ms." for r in first]
        sections.append(Section("Latency", paragraphs=note, html=chart))
    repro = [r for r in run.results if r.curl]
    if repro:
        sections.append(Section("Reproduce", paragraphs=[REPRO_NOTE], pre=[f"# {r.name}\n{r.curl}" for r in repro]))
    meta = [("target", run.target), ("profile", run.profile), ("run id", run.run_id),
            ("requests", f"{run.requests_sent}/{run.max_requests}")]
    return render_page("chatcontract probe report", sections, meta=meta)


def junit_report(run: ProbeRun) -> str:
    cases = [
        JUnitCase(
            name=r.name,
            classname=f"chatcontract.probe.{run.profile}",
            outcome="error" if r.crashed else r.result.value,
            time_s=(r.elapsed_ms or 0.0) / 1000.0,
            message=(r.missing or "") if r.result is Result.INCONCLUSIVE else "; ".join(r.notes),
            details="\n".join(
                x
                for x in (
                    f"expected: {r.expected}",
                    f"observed: {r.observed}",
                    f"assumption: {_source(r)}",
                    r.curl or "",
                )
                if x
            ),
        )
        for r in run.results
    ]
    semantics = [(f"semantics.{row.behaviour.name}", row.detail) for row in run.semantics.rows()]
    return junit_xml(
        "chatcontract probe", cases, properties=[("target", run.target), ("profile", run.profile), *semantics]
    )


def write_outputs(run: ProbeRun, out_dir: Path, *, secret: str | None = None) -> list[Path]:
    """Write the report files into ``out_dir`` (created); returns the paths written."""
    texts = {
        "results.json": json.dumps(run.results_document(), indent=2) + "\n",
        "attempts.jsonl": "".join(r.to_json() + "\n" for r in run.records),
        "report.md": markdown_report(run),
        "report.html": html_report(run),
        "junit.xml": junit_report(run),
    }
    happy = next((r for r in run.results if r.name == "happy" and r.fixture is not None), None)
    if happy is not None:
        texts[HAPPY_FIXTURE] = json.dumps(happy.fixture, indent=2, sort_keys=True) + "\n"
    stream = next((r for r in run.results if r.name == "stream" and r.stream_fixture), None)
    if stream is not None and stream.stream_fixture:
        texts[STREAM_FIXTURE] = "".join(json.dumps(c, sort_keys=True) + "\n" for c in stream.stream_fixture)
    if secret:
        texts = {name: text.replace(secret, MASK) for name, text in texts.items()}
    return write_report_files(out_dir, texts)
