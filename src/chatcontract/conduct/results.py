"""Conduct results: one record per scenario, and the JSON document (``schema: chatcontract.conduct/1``).

The JSON layout is documented in ``docs/conduct-json.md``; ``monitor``'s readiness gate reads it.
Fields are only added, never renamed, within one schema version.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatcontract.conduct.checks import CheckResult, Evidence, gaps
from chatcontract.selfcheck import verify

SCHEMA = "chatcontract.conduct/1"
VERDICTS = ("pass", "safe", "fail")
TEXT_SHOWN = 80


@dataclass(frozen=True)
class CallSummary:
    """What one call did: outcome, seconds, the text's self-check or the error, attempts seen."""

    outcome: str
    elapsed_s: float
    detail: str
    attempts: list[dict[str, Any]]


@dataclass(frozen=True)
class ScenarioResult:
    """The graded scenario: verdict, reason, checks, and what the client did."""

    name: str
    title: str
    model: str
    fallback: str | None
    stream: bool
    verdict: str
    reason: str
    checks: list[CheckResult]
    calls: list[CallSummary]
    duration_s: float
    curl: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def did(self) -> str:
        """One line: attempts, waits, and returned text or error of every call."""
        parts = []
        for i, call in enumerate(self.calls, 1):
            seen = ", ".join(
                f"{a['model']}:{a['status'] if a['status'] is not None else 'no answer'}" for a in call.attempts
            )
            waits = gaps(call.attempts)
            wait_text = f" waits {waits} s" if waits else ""
            prefix = f"call {i}: " if len(self.calls) > 1 else ""
            outcome = f"{call.outcome} in {call.elapsed_s:.2f} s: {call.detail}"
            parts.append(f"{prefix}[{seen or 'no attempt'}]{wait_text} -> {outcome}")
        return "; ".join(parts)


def _detail(kind: str, value: str | None, value_type: str, error: str) -> str:
    if kind != "returned":
        return error
    if value is None:
        return f"returned a {value_type}"
    check = verify(value)
    shown = value if len(value) <= TEXT_SHOWN else value[: TEXT_SHOWN - 1] + "…"
    return f"{'whole answer' if check.whole else 'NOT whole: ' + check.reason} ({len(value)} chars: {shown!r})"


def _attempt_row(a: dict[str, Any], t0: float) -> dict[str, Any]:
    return {
        "model": a["model"],
        "attempt": a["attempt"],
        "status": a["status"],
        "behaviour": a["behaviour"],
        "stream": a["stream"],
        "prefill": a.get("prefill", False),
        "t": round(a["t"] - t0, 3),
    }


def curl_for(scenario_model: str, stream: bool) -> str:
    """A curl that replays the scenario's first attempt against a simulator (``chatcontract sim``)."""
    body = json.dumps(
        {
            "model": scenario_model,
            "messages": [{"role": "user", "content": "Say the canonical text."}],
            "stream": stream,
        }
    )
    return (
        'curl -sS "$SIM_URL/chat/completions" -H "Authorization: Bearer $CHATCONTRACT_SIM_API_KEY" '
        f"-H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )


def summarize(ev: Evidence, checks: list[CheckResult], verdict: str, reason: str, duration_s: float) -> ScenarioResult:
    """The scenario result from its evidence (attempt times relative to the first call's start)."""
    t0 = ev.calls[0].started_t if ev.calls else 0.0
    calls = [
        CallSummary(
            c.kind,
            round(c.elapsed_s, 3),
            _detail(c.kind, c.value, c.value_type, c.error),
            [_attempt_row(a, t0) for a in rows],
        )
        for c, rows in zip(ev.calls, ev.per_call, strict=True)
    ]
    s = ev.scenario
    return ScenarioResult(
        s.name,
        s.title,
        s.model,
        s.fallback,
        s.stream,
        verdict,
        reason,
        checks,
        calls,
        round(duration_s, 3),
        curl_for(s.model, s.stream),
        {"recorded": list(s.recorded)} if s.recorded else {},
    )


def counts(results: list[ScenarioResult]) -> dict[str, int]:
    """How many scenarios got each verdict."""
    return {v: sum(r.verdict == v for r in results) for v in VERDICTS}


def exit_code(results: list[ScenarioResult]) -> int:
    """0 when every scenario passed or was safe, 1 when any failed."""
    return 1 if any(r.verdict == "fail" for r in results) else 0


def to_json(
    results: list[ScenarioResult], *, target: str, scale: float, deadline_s: float, duration_s: float, sim_url: str
) -> dict[str, Any]:
    """The JSON document of one grading (see ``docs/conduct-json.md``)."""
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "simulator": sim_url,
        "scale": scale,
        "deadline_s": deadline_s,
        "duration_s": round(duration_s, 3),
        "counts": counts(results),
        "exit_code": exit_code(results),
        "scenarios": [{**asdict(r), "did": r.did()} for r in results],
    }
