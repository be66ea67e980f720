"""What the store knows about one incident, derived from its attempt records and repro notes.

Packets and ``incidents show/compare`` are views of these facts; nothing here is typed in by
a human. Times are UTC; latencies are measured per attempt by our own client.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chatcontract.evidence.store import EvidenceStore, StoredIncident
from chatcontract.record import AttemptRecord, FailureClass
from chatcontract.taxonomy import ACTIONS


@dataclass(frozen=True)
class IncidentFacts:
    """Facts about one incident, each derived from stored evidence."""

    incident: StoredIncident
    attempts: tuple[AttemptRecord, ...]
    repro_notes: tuple[dict[str, Any], ...] = ()
    run_meta: tuple[dict[str, Any], ...] = field(default=())

    @property
    def failed(self) -> list[AttemptRecord]:
        return [a for a in self.attempts if a.failure_class is not None]

    @property
    def dominant_class(self) -> FailureClass | None:
        counts = Counter(a.failure_class for a in self.failed)
        return counts.most_common(1)[0][0] if counts else None

    @property
    def first_observed(self) -> str | None:
        times = [a.started_at for a in self.failed]
        return min(times).isoformat() if times else None

    @property
    def last_observed(self) -> str | None:
        times = [a.started_at for a in self.failed]
        return max(times).isoformat() if times else None

    @property
    def first_observed_outside_repro(self) -> str | None:
        """The first failure recorded by anything but a ``repro`` run (the incident's own evidence)."""
        repro_runs = {n.get("run_id") for n in self.repro_notes}
        times = [a.started_at for a in self.failed if a.run_id not in repro_runs]
        return min(times).isoformat() if times else None

    @property
    def reproduction_window(self) -> dict[str, str] | None:
        """First and last attempt of the ``repro`` runs (when we reproduced it, not when it began)."""
        repro_runs = {n.get("run_id") for n in self.repro_notes}
        times = [a.started_at for a in self.attempts if a.run_id in repro_runs]
        return {"first": min(times).isoformat(), "last": max(times).isoformat()} if times else None

    @property
    def last_reproduced(self) -> str | None:
        """The last failing attempt made by a ``repro`` run."""
        repro_runs = {n.get("run_id") for n in self.repro_notes}
        times = [a.started_at for a in self.failed if a.run_id in repro_runs]
        return max(times).isoformat() if times else None

    @property
    def latest_repro(self) -> dict[str, Any] | None:
        return self.repro_notes[-1] if self.repro_notes else None

    @property
    def profile_name(self) -> str | None:
        for meta in reversed(self.run_meta):
            if isinstance(meta.get("profile"), str):
                return str(meta["profile"])
        return None

    @property
    def provider_request_ids(self) -> list[str]:
        ids = [a.provider_request_id for a in self.failed if a.provider_request_id]
        return list(dict.fromkeys(ids))

    @property
    def representative(self) -> AttemptRecord | None:
        """The first attempt that shows the dominant failure (else the first attempt)."""
        dominant = self.dominant_class
        for a in self.attempts:
            if dominant is not None and a.failure_class is dominant:
                return a
        return self.attempts[0] if self.attempts else None

    def latency_ms(self) -> dict[str, float | int] | None:
        values = [a.elapsed_ms for a in self.failed if a.elapsed_ms is not None]
        if not values:
            return None
        return {
            "n": len(values),
            "median": round(statistics.median(values), 1),
            "max": round(max(values), 1),
        }

    def shape_counts(self) -> dict[str, int]:
        """Response shapes of the failing attempts; a stream that delivered content is ``stream``
        (a record made after the stream was consumed may say ``empty`` or nothing)."""
        counter: Counter[str] = Counter()
        for a in self.failed:
            shape = a.response_shape.value if a.response_shape else None
            if a.streaming and a.first_chunk_ms is not None and shape in (None, "empty"):
                shape = "stream"
            counter[str(shape)] += 1
        return dict(counter.most_common())

    def counts(self, attr: str) -> dict[str, int]:
        """How many failing attempts had each value of ``attr``."""
        counter: Counter[str] = Counter()
        for a in self.failed:
            value = getattr(a, attr)
            counter[str(getattr(value, "value", value))] += 1
        return dict(counter.most_common())

    def as_fields(self) -> dict[str, str]:
        """Flat, comparable fields (``incidents show`` and ``compare``)."""
        dominant = self.dominant_class
        repro = self.latest_repro or {}
        rep = self.representative
        return {
            "title": self.incident.title or "",
            "attempts stored": str(len(self.attempts)),
            "failed attempts": str(len(self.failed)),
            "first observed (UTC)": self.first_observed or "",
            "last observed (UTC)": self.last_observed or "",
            "last reproduced (UTC)": self.last_reproduced or "",
            "failure classes": _fmt(self.counts("failure_class")),
            "statuses": _fmt(self.counts("http_status")),
            "response shapes": _fmt(self.shape_counts()),
            "routes": _fmt(self.counts("route_template")),
            "server": _fmt(self.counts("server_address")),
            "models": _fmt(self.counts("model")),
            "request classes": _fmt(self.counts("request_class")),
            "credential sources": _fmt(self.counts("credential_source")),
            "latency ms (failed)": _fmt(self.latency_ms() or {}),
            "provider request ids": str(len(self.provider_request_ids)),
            "escalation category": ACTIONS[dominant].escalation_category.value if dominant else "",
            "error summary": (rep.error_summary or "") if rep else "",
            "repro verdict": str(repro.get("verdict", "")),
            "repro stop reason": str(repro.get("stop_reason", "")),
            "profile": self.profile_name or "",
        }


def _fmt(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counts.items())


def incident_facts(store: EvidenceStore, incident_id: str) -> IncidentFacts:
    """The facts of ``incident_id`` (one-line error when the store has no such incident)."""
    incident = store.require_incident(incident_id)
    notes = tuple(n.body for n in store.notes(incident_id, kind="repro"))
    metas = tuple(r["meta"] for r in store.runs(incident_id))
    return IncidentFacts(incident, tuple(store.attempts(incident_id=incident_id)), notes, metas)


def compare_facts(a: IncidentFacts, b: IncidentFacts) -> list[tuple[str, str, str, bool]]:
    """``(field, value in a, value in b, same)`` for every comparable field."""
    fa, fb = a.as_fields(), b.as_fields()
    return [(k, fa[k], fb[k], fa[k] == fb[k]) for k in fa]
