"""The escalation packet: everything support needs to act, derived from the store.

The store supplies times, endpoint, auth shape, request shape, statuses, error shapes,
latencies, request ids, category and the expected behaviour (from the cited profile
assumption). A human supplies, in a ``--meta`` YAML file, only what they know: title, scope,
mitigation, escalation id, owner, and the support route they used. A completeness check says
what is missing and why it matters. All wording the packet generates states measurements or
citations, so it passes ``lint``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatcontract.contract.profile import Profile
from chatcontract.errors import UsageError
from chatcontract.evidence.expect import answer_expected, support_topic, topic_reason
from chatcontract.evidence.facts import IncidentFacts
from chatcontract.evidence.ours import failure_in_words, our_mistake, reproduce_curl, title_warnings
from chatcontract.evidence.redaction import redact_evidence
from chatcontract.inputs import parse_yaml, read_text
from chatcontract.record import utc_now
from chatcontract.taxonomy import ACTIONS

SupportRoute = Literal["none", "docs_help_center", "product_support_form"]


class PacketMeta(BaseModel):
    """What only a human knows. Unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    scope: str | None = Field(default=None, min_length=1, max_length=2000)
    mitigation: str | None = Field(default=None, min_length=1, max_length=2000)
    escalation_id: str | None = Field(default=None, min_length=1, max_length=200)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    support_route: SupportRoute | None = None
    support_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    support_accessed: str | dt.date | dt.datetime | None = None
    first_observed: str | dt.date | dt.datetime | None = None  # when the incident began (not the repro)


def load_meta(path: Path | None) -> PacketMeta:
    """Read and validate a meta YAML file; every problem is one line naming the file and key."""
    if path is None:
        return PacketMeta()
    doc = parse_yaml(read_text(path, "meta file"), f"meta file {path}")
    if doc is None:
        return PacketMeta()
    if not isinstance(doc, dict):
        raise UsageError(f"meta file {path}: expected a mapping of keys to values")
    unknown = sorted(str(k) for k in doc if k not in PacketMeta.model_fields)
    if unknown:
        allowed = ", ".join(PacketMeta.model_fields)
        raise UsageError(f"meta file {path}: unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    try:
        return PacketMeta.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first.get("loc", ())) or "(top level)"
        msg = str(first.get("msg", "invalid value")).replace("\n", " ")
        raise UsageError(f"meta file {path}: key '{key}': {msg}") from None


WHY: dict[str, str] = {
    "title": "support triages by title; without one the request is easy to misfile",
    "first_observed": "the start time bounds the provider's log search (set first_observed in --meta; the "
                      "reproduction window is not when the incident began)",
    "last_reproduced": "shows the failure is still happening now; run 'chatcontract repro'",
    "provider_request_ids": "lets support find the exact requests in their logs",
    "request_body": "support needs the request shape to replay it",
    "observed": "without observed statuses there is nothing to escalate",
    "scope": "tells support how many of your requests and which services are affected",
    "mitigation": "tells support what you already changed, so they do not chase a moving target",
    "escalation_id": "links this packet to the ticket, so follow-ups reach the same thread",
    "owner": "names who answers support's questions",
    "support_route": "says which support path was used (help centre or support form)",
    "support_url": "the page of the support route, so others can follow the same path",
}


def _missing(packet: dict[str, Any], drop_ids: bool) -> list[dict[str, str]]:
    missing: list[dict[str, str]] = []
    for key, why in WHY.items():
        value = packet.get(key)
        if key == "support_route":
            value = "set" if packet["support"].get("route_stated") else None
        elif key == "support_url":
            value = packet["support"]["url"] if packet["support"]["route"] != "none" else "n/a"
        elif key == "provider_request_ids" and (drop_ids or not packet["observed"]["responses"]):
            continue  # dropped on purpose, or no response arrived that could carry one
        if value in (None, "", [], {}):
            missing.append({"field": key, "why": why})
    return missing


def _when(value: str | dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _accessed(meta: PacketMeta) -> str | None:
    return _when(meta.support_accessed)


def _summary(facts: IncidentFacts, packet: dict[str, Any]) -> str:
    """One paragraph to paste to support; measurements and citations only."""
    obs = packet["observed"]
    ep = packet["endpoint"]
    n_failed = obs["failed_attempts"]
    statuses = ", ".join(f"{k} ({v}x)" for k, v in obs["statuses"].items()) or "no response"
    rep = facts.representative
    model = f" for model {rep.model}" if rep and rep.model else ""
    parts = [
        f"Between {packet['first_observed'] or '(unknown)'} and "
        f"{facts.last_observed or '(unknown)'}"
        f" UTC we recorded {n_failed} failed attempt(s) of {obs['attempts']} to {ep['method']} "
        f"{ep['route_template']} on {ep['server']}{model}: statuses {statuses}; {failure_in_words(rep)}.",
    ]
    ours = packet["our_mistake"]
    if ours:
        parts.insert(0, f"This is ours to fix, not the provider's: {ours['why']}. Owner: {ours['owner']}.")
    repro = facts.latest_repro
    if repro:
        parts.append(
            f"Our reproduction run {repro.get('run_id')} gave verdict {repro.get('verdict')} "
            f"and stopped on {str(repro.get('stop_reason', '')).replace('_', ' ')}."
        )
    if packet["provider_request_ids"]:
        parts.append(f"Provider request ids: {', '.join(packet['provider_request_ids'][:5])}.")
    parts.append(f"Expected behaviour: {packet['expected_behaviour']}")
    if reproduce_curl(rep):
        parts.append("Reproduce with the command under 'reproduce' (the key is read from the shell variable).")
    if not ours:
        parts.append("Could you check these requests on your side? We make no claim about the cause.")
    return " ".join(parts)


def _derived(facts: IncidentFacts, profile: Profile) -> dict[str, Any]:
    """Every field the store can supply."""
    dominant = facts.dominant_class
    rep = facts.representative
    expectation = answer_expected(profile, dominant, _negative_case(rep.request_class if rep else None))
    auth = profile.assumptions.auth.value
    creds = ", ".join(sorted(facts.counts("credential_source"))) or "none recorded"
    return {
        "last_reproduced": facts.last_reproduced,
        "reproduction_window": facts.reproduction_window,
        "doc_source": {"url": expectation.source_url, "accessed": expectation.accessed, "assumption": expectation.key},
        "endpoint": {
            "method": rep.http_method if rep else None,
            "route_template": rep.route_template if rep else None,
            "server": rep.server_address if rep else None,
        },
        "auth_format": f"{auth.header} header, scheme {auth.scheme}, key redacted (key source: {creds})",
        "request_body": rep.request_shape if rep else None,
        "expected_behaviour": expectation.cited(),
        "observed": _observed(facts),
        "provider_request_ids": facts.provider_request_ids,
        "escalation_category": ACTIONS[dominant].escalation_category.value if dominant else None,
        "repro": _repro(facts),
    }


def _support(meta: PacketMeta, facts: IncidentFacts, ours: dict[str, str] | None) -> dict[str, Any]:
    topic = None if ours else support_topic(facts.dominant_class)
    why = "left out: this is ours to fix, not a support request" if ours else topic_reason(facts.dominant_class)
    return {
        "route": meta.support_route or "none",
        "route_stated": meta.support_route is not None,  # "none" said on purpose is an answer, not a gap
        "url": meta.support_url,
        "accessed": _accessed(meta),
        "topic": topic.value if topic else None,
        "topic_why": why,
    }


def build_packet(facts: IncidentFacts, meta: PacketMeta, profile: Profile, *, drop_ids: bool = False) -> dict[str, Any]:
    """The packet as plain data (redacted again, ids dropped if asked), with its completeness."""
    ours = our_mistake(facts.dominant_class, (facts.latest_repro or {}).get("verdict"))
    title = meta.title or facts.incident.title
    packet: dict[str, Any] = {
        "incident_id": facts.incident.id,
        "title": title,
        "generated_at": utc_now().isoformat(),
        "addressed_to": ours["owner"] if ours else "provider support",
        "our_mistake": ours,
        "first_observed": _when(meta.first_observed) or facts.first_observed_outside_repro,
        "support": _support(meta, facts, ours),
        **_derived(facts, profile),
        "scope": meta.scope,
        "mitigation": meta.mitigation,
        "escalation_id": meta.escalation_id,
        "owner": meta.owner,
    }
    if drop_ids:
        packet["provider_request_ids"] = []
    packet["summary"] = _summary(facts, packet)
    if drop_ids:
        packet = _drop_ids(packet, facts.provider_request_ids)
    packet = redact_evidence(packet)
    # after redaction: the command is redacted as it is made, and its $VARIABLE must stay readable
    packet["reproduce"] = reproduce_curl(facts.representative)
    missing = _missing(packet, drop_ids)
    packet["completeness"] = {"complete": not missing, "missing": missing}
    packet["warnings"] = title_warnings(title, packet["observed"]["statuses"])
    packet["strict_failures"] = [f"addressed to {ours['owner']}, not support: {ours['why']}"] if ours else []
    return packet


def _negative_case(request_class: str | None) -> str | None:
    if request_class and request_class.startswith("negative-"):
        return request_class.removeprefix("negative-")
    return None


def _observed(facts: IncidentFacts) -> dict[str, Any]:
    summaries = [a.error_summary for a in facts.failed if a.error_summary]
    return {
        "attempts": len(facts.attempts),
        "failed_attempts": len(facts.failed),
        "responses": sum(a.http_status is not None for a in facts.failed),
        "statuses": facts.counts("http_status"),
        "failure_classes": facts.counts("failure_class"),
        "error_shapes": facts.shape_counts(),
        "error_summaries": list(dict.fromkeys(summaries))[:3],
        "latency_ms": facts.latency_ms(),
    }


def _repro(facts: IncidentFacts) -> dict[str, Any] | None:
    note = facts.latest_repro
    if not note:
        return None
    keys = ("run_id", "verdict", "stop_reason", "result", "operator")
    out = {k: note.get(k) for k in keys}
    # The note's credential_used, under a name the secret detectors read as a source name.
    out["credential_source"] = note.get("credential_used")
    out["attempts"] = len(note.get("attempts", []))
    out["environment"] = note.get("environment")
    return out


def _drop_ids(packet: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    patterns = [re.escape(i) for i in ids if i]
    patterns.append(r"\(request id:[^)]*\)")
    rx = re.compile("|".join(patterns))

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return rx.sub("[id dropped]", value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    scrubbed: dict[str, Any] = scrub(packet)
    return scrubbed
