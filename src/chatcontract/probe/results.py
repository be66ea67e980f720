"""Probe results: one :class:`CaseResult` per case, and the :class:`ProbeRun` that holds them.

A result is ``pass``, ``fail`` (with what was expected, what was observed, the contract
assumption concerned and its source URL) or ``inconclusive`` (with the evidence that was
missing). A :class:`ProbeRun` also holds every attempt record the run made, so renderers, the
CLI and the evidence store work from one object. :meth:`ProbeRun.results_document` is the
``results.json`` document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2

from chatcontract.probe.semantics import Semantics
from chatcontract.record import AttemptRecord, Result


@dataclass
class CaseResult:
    """The verdict of one case."""

    name: str
    result: Result
    expected: str = ""
    observed: str = ""
    assumption: str | None = None
    source_url: str | None = None
    missing: str | None = None  # inconclusive: the evidence that was missing
    notes: list[str] = field(default_factory=list)
    attempts: int = 0
    elapsed_ms: float | None = None
    first_chunk_ms: float | None = None
    curl: str | None = None
    crashed: bool = False
    fixture: dict[str, Any] | None = None  # happy: the answer's sanitized shape
    stream_fixture: list[Any] | None = None  # stream: sanitized shapes of its first and closing chunks
    records: list[AttemptRecord] = field(default_factory=list, repr=False)
    last_request: httpx2.Request | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "result": self.result.value,
            "expected": self.expected,
            "observed": self.observed,
            "source_url": self.source_url,
            "assumption": self.assumption,
            "missing": self.missing,
            "notes": list(self.notes),
            "attempts": self.attempts,
            "elapsed_ms": None if self.elapsed_ms is None else round(self.elapsed_ms, 3),
            "first_chunk_ms": None
            if self.first_chunk_ms is None
            else round(self.first_chunk_ms, 3),
            "curl": self.curl,
        }
        if self.crashed:
            data["crashed"] = True
        return data


def exit_code_for(results: list[CaseResult]) -> int:
    """0 all pass, 1 any fail, 3 only inconclusive beyond passes."""
    outcomes = {r.result for r in results}
    if Result.FAIL in outcomes:
        return 1
    if Result.INCONCLUSIVE in outcomes:
        return 3
    return 0


@dataclass
class ProbeRun:
    """Everything one probe run produced: results in case order and the attempt records."""

    target: str
    profile: str
    run_id: str
    embedded: bool = False
    model: str | None = None
    credential_source: str | None = None
    max_requests: int = 0
    requests_sent: int = 0
    budget_spent: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    results: list[CaseResult] = field(default_factory=list)
    records: list[AttemptRecord] = field(default_factory=list)
    semantics: Semantics = field(default_factory=Semantics)

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.results)

    def counts(self) -> dict[str, int]:
        counts = {r.value: 0 for r in Result}
        for result in self.results:
            counts[result.result.value] += 1
        return counts

    def result(self, case_name: str) -> CaseResult:
        """The result of ``case_name`` (``KeyError`` when it was not run)."""
        for result in self.results:
            if result.name == case_name:
                return result
        raise KeyError(case_name)

    def results_document(self) -> dict[str, Any]:
        """The ``results.json`` document."""
        return {
            "target": self.target,
            "profile": self.profile,
            "run_id": self.run_id,
            "embedded_simulator": self.embedded,
            "model": self.model,
            "credential_source": self.credential_source,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "max_requests": self.max_requests,
            "requests_sent": self.requests_sent,
            "budget_spent": self.budget_spent,
            "summary": self.counts(),
            "exit_code": self.exit_code,
            "cases": [r.to_dict() for r in self.results],
            "reliability_semantics": self.semantics.to_list(),
        }
