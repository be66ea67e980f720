"""The incident review as Markdown (and as JSON for machines)."""

from __future__ import annotations

import json
from typing import Any

from chatcontract.report.markdown import md_code, md_heading, md_table
from chatcontract.review.model import Finding, ReviewResult

MAX_MINUTES = 120


def _finding_md(f: Finding) -> list[str]:
    label = f" — **{f.label.value}**" if f.label else ""
    owner = f" (owner: {f.owner})" if f.owner else ""
    return [f"- **{f.title}**{label}{owner}: {f.statement}"]


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    header = list(rows[0])
    return md_table(header, [[r.get(h) for h in header] for r in rows])


def _exemplars(result: ReviewResult) -> str:
    ex = result.exemplars
    fields = list(ex.get("failure") or ex.get("success") or {})
    rows = [[k, (ex.get("expected") or {}).get(k, ""), (ex.get("success") or {}).get(k, ""),
             (ex.get("failure") or {}).get(k, "")] for k in fields]
    return md_table(["field", "profile expects", "successful exemplar", "failed exemplar"], rows)


def render_markdown(result: ReviewResult) -> str:
    """A Markdown report: summary, findings, tables, timeline, assumptions, exemplars, bad input."""
    t = result.totals
    out = [md_heading("Incident review", 1), "",
           f"Profile `{result.profile}`; {t['attempts']} attempts, {t['failures']} failed, "
           f"{t['logical_requests']} logical requests; {t['bad_lines']} bad input lines.", ""]
    methods = ", ".join(f"{m}: {n}" for m, n in result.grouping["methods"].items())
    out += [f"Logical requests grouped by {methods} ({result.grouping.get('confidence', 'high')} confidence)."
            + (f" Heuristic: {result.grouping['heuristic']}." if result.grouping.get("heuristic") else ""), ""]
    out += [md_heading("Findings"), ""]
    for f in result.findings:
        out += _finding_md(f)
    for f in result.findings:
        if f.table:
            out += ["", md_heading(f.title, 3), "", _table(f.table)]
    out += ["", md_heading("Contract assumptions"), "",
            _table(result.assumption_rows())]
    out += ["", md_heading("Exemplar requests"), "", _exemplars(result)]
    out += ["", md_heading("Latency"), "", _table(result.latency)]
    minutes = result.timeline
    note = ""
    if len(minutes) > MAX_MINUTES:
        minutes = sorted(minutes, key=lambda m: -m["failures"])[:MAX_MINUTES]
        minutes.sort(key=lambda m: m["minute"])
        note = f"The {MAX_MINUTES} minutes with the most failures of {len(result.timeline)}; the JSON has all."
    out += ["", md_heading("Timeline (per minute, UTC)"), "", *([note, ""] if note else []),
            _table([{k: m[k] for k in ("minute", "attempts", "failures", "s2xx", "s4xx", "s5xx", "no_response")}
                    for m in minutes])]
    out += ["", md_heading("Inputs and bad lines"), "", _table(result.source_rows()), ""]
    if result.bad_input.counts:
        out += [_table([{"reason": r, "lines": n} for r, n in result.bad_input.counts.items()]), ""]
        out += [md_code("\n".join(f"{e['source']}:{e['line'] or '?'} [{e['reason']}] {e['text']}"
                                  for e in result.bad_input.examples))]
    else:
        out += ["No bad lines."]
    return "\n".join(out) + "\n"


def render_json(result: ReviewResult) -> str:
    """The result as JSON (stable keys; timestamps as strings)."""
    return json.dumps(result.to_dict(), indent=2, default=str, sort_keys=False) + "\n"
