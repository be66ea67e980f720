"""The reproduction note: what was sent, each attempt's outcome, the verdict and the environment.

The note is stored (redacted again) in the evidence store and shown as Markdown. Its wording
states only measurements ("3 of 3 attempts returned 503"), so it passes ``lint``.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from chatcontract.record import AttemptRecord
from chatcontract.report.markdown import md_table


class Environment(BaseModel):
    """Where and how the repro ran, so an environment mismatch is visible."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool_version: str
    profile: str
    base_url_alias: str
    target: str
    timeouts: dict[str, float]
    retry_policy: str


class AttemptLine(BaseModel):
    """One attempt as the note shows it (a view of its attempt record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attempt_number: int
    started_at: str
    method: str
    route_template: str | None
    status: int | None
    failure_class: str | None
    retry_decision: str | None
    response_shape: str | None
    elapsed_ms: float | None
    provider_request_id: str | None
    error_summary: str | None
    result: str | None
    source_reference: str | None
    source_accessed: str | None

    @classmethod
    def from_record(cls, r: AttemptRecord) -> AttemptLine:
        return cls(
            attempt_number=r.attempt_number,
            started_at=r.started_at.isoformat(),
            method=r.http_method,
            route_template=r.route_template,
            status=r.http_status,
            failure_class=r.failure_class.value if r.failure_class else None,
            retry_decision=r.retry_decision.value if r.retry_decision else None,
            response_shape=r.response_shape.value if r.response_shape else None,
            elapsed_ms=r.elapsed_ms,
            provider_request_id=r.provider_request_id,
            error_summary=r.error_summary,
            result=r.result.value if r.result else None,
            source_reference=r.source_reference,
            source_accessed=r.source_accessed,
        )


class ReproNote(BaseModel):
    """The reproduction note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: str
    run_id: str
    request_class: str
    expected_class: str
    negative_case: str | None
    model: str | None
    expectation: str
    source_reference: str | None
    source_accessed: str | None
    started_at: str
    finished_at: str
    attempts: list[AttemptLine]
    verdict: str
    stop_reason: str
    result: str
    environment: Environment
    operator: str | None
    credential_used: str | None

    def summary(self) -> str:
        """One measured sentence: what the attempts returned and why we stopped."""
        total = len(self.attempts)
        counts = Counter(_outcome(a) for a in self.attempts)
        parts = [f"{n} of {total} returned {label}" for label, n in counts.most_common()]
        text = (
            f"Verdict {self.verdict}: of the {total} attempts we sent in run {self.run_id}, "
            f"{'; '.join(parts)}. We stopped: {self.stop_reason.replace('_', ' ')}."
        )
        if self.verdict == "inconclusive":  # say which evidence is missing, not only the verdict
            text += f" Missing evidence: no attempt showed {self.expected_class}."
        return text


def _outcome(a: AttemptLine) -> str:
    status = "no response" if a.status is None else str(a.status)
    return f"{status} ({a.failure_class})" if a.failure_class else f"{status} (success)"


def _attempt_rows(note: ReproNote) -> list[list[object]]:
    return [
        [
            a.attempt_number,
            a.started_at,
            a.method,
            a.route_template,
            a.status if a.status is not None else "none",
            a.failure_class or "none",
            a.retry_decision or "",
            a.response_shape or "",
            f"{a.elapsed_ms:.0f}" if a.elapsed_ms is not None else "",
            a.provider_request_id or "",
            a.error_summary or "",
            a.result or "",
        ]
        for a in note.attempts
    ]


def _fact_rows(note: ReproNote) -> list[tuple[str, str]]:
    return [
        ("incident", note.incident_id),
        ("run", note.run_id),
        ("request class", note.request_class),
        ("failure class under test", note.expected_class),
        ("model", note.model or "(profile default)"),
        ("expected behaviour", note.expectation),
        ("source reference", f"{note.source_reference} (read {note.source_accessed})"),
        ("verdict", note.verdict),
        ("stop reason", note.stop_reason),
        ("result", note.result),
        ("operator", note.operator or "(not recorded)"),
        ("credential used", note.credential_used or "(none)"),
        ("window (UTC)", f"{note.started_at} to {note.finished_at}"),
    ]


def _env_rows(env: Environment) -> list[tuple[str, str]]:
    return [
        ("tool version", env.tool_version),
        ("profile", env.profile),
        ("target", env.target),
        ("base URL alias", env.base_url_alias),
        ("timeouts (s)", ", ".join(f"{k} {v:g}" for k, v in env.timeouts.items())),
        ("retry policy", env.retry_policy),
    ]


ATTEMPT_HEADER = (
    "#",
    "started (UTC)",
    "method",
    "route",
    "status",
    "class",
    "retry decision",
    "response shape",
    "ms",
    "provider request id",
    "error summary",
    "result",
)


def render_note_markdown(note: ReproNote) -> str:
    """The note as Markdown."""
    parts = [
        f"# Reproduction note: {note.incident_id}",
        note.summary(),
        md_table(["field", "value"], _fact_rows(note)),
        "## Attempts",
        md_table(ATTEMPT_HEADER, _attempt_rows(note)),
        "## Environment",
        md_table(["field", "value"], _env_rows(note.environment)),
    ]
    return "\n\n".join(parts) + "\n"
