"""What one watch run showed: a state, per-case results, the stream verdict, failures by class.

Nothing here classifies anew: the probe's cases judged the attempts with the one classifier,
and this module only summarises their verdicts and records. A run in which no attempt got any
HTTP response and every failure is a connection failure or a timeout is ``down`` (the target is
unreachable), not a list of contract failures. ``inconclusive`` runs carry no evidence either
way and never flip the state.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chatcontract.probe.results import CaseResult, ProbeRun
from chatcontract.record import AttemptRecord, FailureClass, Result

_UNREACHABLE = frozenset({FailureClass.CONNECT_ERROR, FailureClass.TIMEOUT})


class RunState(StrEnum):
    PASS = "pass"  # noqa: S105 - a result, not a password
    FAIL = "fail"
    DOWN = "down"
    INCONCLUSIVE = "inconclusive"


class StreamVerdict(StrEnum):
    COMPLETE = "complete"
    CUT = "cut"
    STALLED = "stalled"
    IN_BAND_ERROR = "in_band_error"
    NO_TERMINATOR = "no_terminator"
    MALFORMED = "malformed"


STREAM_VERDICTS = tuple(StreamVerdict)
_VERDICT_OF_CLASS = {
    FailureClass.STREAM_INTERRUPTED: StreamVerdict.CUT,
    FailureClass.STREAM_STALLED: StreamVerdict.STALLED,
    FailureClass.STREAM_ERROR: StreamVerdict.IN_BAND_ERROR,
    FailureClass.INVALID_RESPONSE: StreamVerdict.MALFORMED,
}


def is_down(records: list[AttemptRecord]) -> bool:
    """No attempt reached an HTTP answer and every failure says the target is unreachable."""
    return bool(records) and all(
        r.http_status is None and r.failure_class in _UNREACHABLE for r in records
    )


def _no_terminator(result: CaseResult) -> bool:
    if result.assumption == "stream_terminator" and result.result is Result.FAIL:
        return True
    return any(n.startswith("no [DONE] terminator") for n in result.notes)


def stream_verdict(result: CaseResult) -> StreamVerdict | None:
    """How the stream case's stream ended; None when no stream was received at all."""
    streamed = [r for r in result.records if r.streaming and r.http_status is not None and r.http_status < 300]
    if not streamed:
        return None
    last = streamed[-1]
    if last.failure_class in _VERDICT_OF_CLASS:
        return _VERDICT_OF_CLASS[last.failure_class]
    if _no_terminator(result):
        return StreamVerdict.NO_TERMINATOR
    if last.finish_reason is None:
        return StreamVerdict.CUT
    return StreamVerdict.COMPLETE


def run_state(run: ProbeRun) -> RunState:
    """The run's overall state (see the module docstring)."""
    if is_down(run.records):
        return RunState.DOWN
    results = {r.result for r in run.results}
    if Result.FAIL in results:
        return RunState.FAIL
    if Result.INCONCLUSIVE in results or not results:
        return RunState.INCONCLUSIVE
    return RunState.PASS


def attempt_summary(record: AttemptRecord) -> dict[str, Any]:
    """The short, already-redacted view of an attempt printed with a state change."""
    return {
        "request_id": record.request_id,
        "request_class": record.request_class,
        "attempt_number": record.attempt_number,
        "started_at": record.started_at.isoformat(),
        "http_status": record.http_status,
        "error_type": record.failure_class.value if record.failure_class else None,
        "finish_reason": record.finish_reason,
        "provider_request_id": record.provider_request_id,
        "error_summary": record.error_summary,
    }


@dataclass
class RunOutcome:
    """One watch run, summarised for the JSON line, the exporters and the state tracker."""

    run: ProbeRun
    kind: str  # "contract" (happy + stream) or "negatives"
    state: RunState
    stream: StreamVerdict | None
    failures: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, run: ProbeRun, kind: str) -> RunOutcome:
        stream = next((stream_verdict(r) for r in run.results if r.name == "stream"), None)
        failures = Counter(r.failure_class.value for r in run.records if r.failure_class is not None)
        return cls(run, kind, run_state(run), stream, failures)

    def line(self, budget: dict[str, int]) -> dict[str, Any]:
        """The JSON line printed for this run."""
        cases = {r.name: r.result.value for r in self.run.results}
        timings = {
            r.name: {"elapsed_ms": _ms(r.elapsed_ms), "first_chunk_ms": _ms(r.first_chunk_ms)}
            for r in self.run.results
        }
        return {
            "event": "run",
            "kind": self.kind,
            "run_id": self.run.run_id,
            "target": self.run.target,
            "started_at": self.run.started_at.isoformat(),
            "state": self.state.value,
            "cases": cases,
            "stream_verdict": self.stream.value if self.stream else None,
            "failures": dict(sorted(self.failures.items())),
            "timings": timings,
            "requests": self.run.requests_sent,
            "budget": budget,
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class StateTracker:
    """The last settled state; a change is reported once, with the attempts behind it."""

    state: RunState | None = None

    def observe(self, outcome: RunOutcome) -> dict[str, Any] | None:
        """A ``state_change`` event when ``outcome`` settles a different state, else None."""
        if outcome.state is RunState.INCONCLUSIVE or outcome.state is self.state:
            return None
        before, self.state = self.state, outcome.state
        if before is None:
            return None
        return {
            "event": "state_change",
            "target": outcome.run.target,
            "from": before.value,
            "to": outcome.state.value,
            "run_id": outcome.run.run_id,
            "cases": {r.name: r.result.value for r in outcome.run.results},
            "attempts": [attempt_summary(r) for r in outcome.run.records],
        }
