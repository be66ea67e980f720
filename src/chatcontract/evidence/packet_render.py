"""The escalation packet as Markdown, self-contained printable HTML, or JSON."""

from __future__ import annotations

import json
from typing import Any

from chatcontract.report.markdown import md_code, md_table
from chatcontract.report.page import Section, render_page

FORMATS = ("md", "html", "json")


def _text(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "(missing)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def fact_rows(p: dict[str, Any]) -> list[tuple[str, str]]:
    """The packet's fields in the order support reads them."""
    sup, doc, ep = p["support"], p["doc_source"], p["endpoint"]
    return [
        ("incident", p["incident_id"]),
        ("addressed to", _text(p["addressed_to"])),
        ("title", _text(p["title"])),
        ("first observed (UTC)", _text(p["first_observed"])),
        ("reproduction window (UTC)", _text(p["reproduction_window"])),
        ("last reproduced (UTC)", _text(p["last_reproduced"])),
        ("doc source", f"{doc['url']} (read {doc['accessed']}; assumption {doc['assumption']})"),
        (
            "support route",
            f"{sup['route']} {_text(sup['url'])} (accessed {_text(sup['accessed'])})",
        ),
        # Quoted: a topic's name ("abnormal charges") is a heading, not a claim.
        ("help-centre topic", (f'"{sup["topic"]}"' if sup["topic"] else "(none)") + f" — {sup['topic_why']}"),
        (
            "endpoint",
            f"{_text(ep['method'])} {_text(ep['route_template'])} on {_text(ep['server'])}",
        ),
        ("auth format", p["auth_format"]),
        ("expected behaviour", p["expected_behaviour"]),
        ("escalation category", _text(p["escalation_category"])),
        ("scope", _text(p["scope"])),
        ("mitigation", _text(p["mitigation"])),
        ("escalation id", _text(p["escalation_id"])),
        ("follow-up owner", _text(p["owner"])),
    ]


def observed_rows(p: dict[str, Any]) -> list[tuple[str, str]]:
    obs = p["observed"]
    quoted = [f'"{s}"' for s in obs["error_summaries"]]
    return [
        ("attempts (failed / stored)", f"{obs['failed_attempts']} / {obs['attempts']}"),
        ("statuses", _text(obs["statuses"])),
        ("failure classes", _text(obs["failure_classes"])),
        ("error shapes", _text(obs["error_shapes"])),
        ("error summaries (as received, redacted)", _text(quoted)),
        ("latency ms measured by our client", _text(obs["latency_ms"])),
        ("provider request ids", _text(p["provider_request_ids"])),
    ]


def _repro_rows(p: dict[str, Any]) -> list[tuple[str, str]]:
    r = p.get("repro")
    if not r:
        return [("reproduction", "(missing: run 'chatcontract repro')")]
    env = r.get("environment") or {}
    rows = [(k.replace("_", " "), _text(r.get(k))) for k in ("run_id", "verdict", "stop_reason")]
    rows += [("attempts", _text(r.get("attempts"))), ("operator", _text(r.get("operator")))]
    rows += [("credential used (source name)", _text(r.get("credential_source")))]
    rows += [(f"environment: {k.replace('_', ' ')}", _text(v)) for k, v in env.items()]
    return rows


def _missing_rows(p: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["field"], m["why"]) for m in p["completeness"]["missing"]]


def _heads_up(p: dict[str, Any]) -> list[str]:
    """Lines that must be read first: our own mistake, and warnings about the human fields."""
    lines = []
    if p["our_mistake"]:
        ours = p["our_mistake"]
        lines.append(f"Not for support: {ours['why']}; owner: {ours['owner']}.")
    lines += [f"Warning: {w}." for w in p["warnings"]]
    return lines


def render_markdown(p: dict[str, Any]) -> str:
    comp = p["completeness"]
    status = "complete" if comp["complete"] else f"incomplete ({len(comp['missing'])} missing)"
    body = json.dumps(p["request_body"], indent=2, sort_keys=True)
    parts = [
        f"# Escalation packet: {p['incident_id']}",
        f"Completeness: {status}.",
        *_heads_up(p),
        "## Summary" if p["our_mistake"] else "## Summary for support",
        p["summary"],
        "## Facts",
        md_table(["field", "value"], fact_rows(p)),
        "## Observed behaviour",
        md_table(["field", "value"], observed_rows(p)),
        "## Sanitized request body (shape only)",
        md_code(body, "json"),
        "## Reproduction",
        md_table(["field", "value"], _repro_rows(p)),
    ]
    if p["reproduce"]:
        parts += ["## Reproduce", md_code(p["reproduce"], "sh")]
    if comp["missing"]:
        parts += ["## Missing", md_table(["field", "why it matters"], _missing_rows(p))]
    return "\n\n".join(parts) + "\n"


def render_html(p: dict[str, Any]) -> str:
    comp = p["completeness"]
    sections = [
        Section("Summary" if p["our_mistake"] else "Summary for support", paragraphs=[*_heads_up(p), p["summary"]]),
        Section("Facts", header=["field", "value"], rows=fact_rows(p)),
        Section("Observed behaviour", header=["field", "value"], rows=observed_rows(p)),
        Section(
            "Sanitized request body (shape only)",
            pre=[json.dumps(p["request_body"], indent=2, sort_keys=True)],
        ),
        Section("Reproduction", header=["field", "value"], rows=_repro_rows(p)),
    ]
    if p["reproduce"]:
        sections.append(Section("Reproduce", pre=[p["reproduce"]]))
    if comp["missing"]:
        sections.append(Section("Missing", header=["field", "why it matters"], rows=_missing_rows(p)))
    state = "complete" if comp["complete"] else "incomplete"
    return render_page(
        f"Escalation packet: {p['incident_id']}",
        sections,
        meta=[("completeness", state), ("generated", p["generated_at"])],
    )


def render_json(p: dict[str, Any]) -> str:
    return json.dumps(p, indent=2, sort_keys=False, default=str) + "\n"


def render_packet(p: dict[str, Any], fmt: str) -> str:
    if fmt == "md":
        return render_markdown(p)
    if fmt == "html":
        return render_html(p)
    return render_json(p)
