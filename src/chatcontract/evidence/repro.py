"""Reproduce one failure with the smallest repeatable request, attempt by attempt.

One request class (the probe's ``happy`` or ``stream`` request, or a negative case), sent as
single attempts — never retried inside a call — each one classified and stored as its own
attempt record. It stops as soon as more requests would add load without adding evidence:

- ``non_retryable_class``: the outcome is a class the contract says not to retry (it will not
  change by asking again);
- ``identical_outcomes``: the last N outcomes were identical;
- ``budget_spent``: the attempt budget is used up.

The verdict is ``reproducible`` (every attempt showed the failure), ``intermittent`` (mixed: a
later success is one attempt's outcome, not proof the failure was harmless), ``request_shape``
(a request error: the request itself is the problem) or ``inconclusive`` (the failure was not
seen).

With OpenTelemetry configured, a repro run is a span with one call span per attempt (each
attempt is its own request), through the client's observer hook (see docs/telemetry.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx2

from chatcontract import __version__
from chatcontract.client.attempt import Outcome, Place, RecordContext, build_record, classify_outcome
from chatcontract.client.observe import CallReport, CallStart
from chatcontract.client.otel import Telemetry
from chatcontract.client.otel_names import provider_name
from chatcontract.client.sender import Sender
from chatcontract.contract.profile import Profile
from chatcontract.contract.requests import BUILDERS, build_request
from chatcontract.errors import UsageError
from chatcontract.evidence.expect import (
    REQUEST_SHAPE_CLASSES,
    STREAM_CLASSES,
    expectation_for,
)
from chatcontract.evidence.notes import AttemptLine, Environment, ReproNote
from chatcontract.evidence.store import EvidenceStore
from chatcontract.evidence.wire import Timeouts, send_once
from chatcontract.record import (
    AttemptRecord,
    FailureClass,
    Result,
    RetryDecision,
    new_id,
    utc_now,
)
from chatcontract.redact import shape_of_body
from chatcontract.target import Target
from chatcontract.taxonomy import Classification, decision_for


class Verdict(StrEnum):
    REPRODUCIBLE = "reproducible"
    INTERMITTENT = "intermittent"
    REQUEST_SHAPE = "request_shape"
    INCONCLUSIVE = "inconclusive"


class StopReason(StrEnum):
    NON_RETRYABLE = "non_retryable_class"
    IDENTICAL = "identical_outcomes"
    BUDGET = "budget_spent"
    INTERRUPTED = "interrupted"  # Ctrl-C: the note covers the attempts made


NEGATIVE_CASES = tuple(k for k in BUILDERS if k not in ("happy", "stream"))


@dataclass(frozen=True)
class ReproPlan:
    """What to reproduce and how hard to try."""

    incident_id: str
    failure_class: FailureClass
    profile: Profile
    model: str | None = None
    negative: str | None = None
    max_attempts: int = 5
    identical_stop: int = 3
    timeouts: Timeouts = field(default_factory=Timeouts)
    wait_base_s: float = 0.5
    wait_max_s: float = 4.0
    retry_after_cap_s: float = 10.0
    operator: str | None = None

    def __post_init__(self) -> None:
        if self.negative is not None and self.negative not in NEGATIVE_CASES:
            raise UsageError(f"unknown negative case {self.negative!r}: use one of {', '.join(NEGATIVE_CASES)}")
        if not 1 <= self.max_attempts <= 50:
            raise UsageError("--attempts must be between 1 and 50")
        if not 2 <= self.identical_stop <= 50:
            raise UsageError("--stop-after-identical must be between 2 and 50")

    @property
    def case(self) -> str:
        if self.negative:
            return self.negative
        return "stream" if self.failure_class in STREAM_CLASSES else "happy"

    @property
    def request_class(self) -> str:
        if self.negative:
            return f"negative-{self.negative}"
        return "chat-stream" if self.case == "stream" else "chat-completion-smoke"

    def retry_policy(self) -> str:
        return (
            f"single attempts, no retries inside a call; at most {self.max_attempts} attempts; "
            f"stop on a non-retryable class or after {self.identical_stop} identical outcomes; "
            f"wait {self.wait_base_s:g} s doubling up to {self.wait_max_s:g} s between attempts, "
            f"Retry-After honoured up to {self.retry_after_cap_s:g} s"
        )


Sleeper = Callable[[float], None]
Progress = Callable[[AttemptLine, float | None], None]
"""Told after each stored attempt: the attempt, and the wait before the next (``None``: done)."""


def _outcome_key(c: Classification, out: Outcome) -> tuple[str | None, int | None]:
    return (c.failure_class.value if c.failure_class else None, out.status)


def _stop(plan: ReproPlan, c: Classification, keys: list[tuple[str | None, int | None]]) -> StopReason | None:
    if c.failure_class is not None and not c.retryable:
        return StopReason.NON_RETRYABLE
    n = plan.identical_stop
    if len(keys) >= n and len(set(keys[-n:])) == 1:
        return StopReason.IDENTICAL
    if len(keys) >= plan.max_attempts:
        return StopReason.BUDGET
    return None


def _wait_s(plan: ReproPlan, attempt: int, c: Classification) -> float:
    backoff = min(plan.wait_max_s, plan.wait_base_s * 2.0 ** (attempt - 1))
    ra = c.observation.retry_after_ms
    if ra is not None:
        return max(backoff, min(ra / 1000.0, plan.retry_after_cap_s))
    return backoff


def _result(plan: ReproPlan, c: Classification) -> Result:
    if c.failure_class is None:
        return Result.PASS
    return Result.FAIL if c.failure_class is plan.failure_class else Result.INCONCLUSIVE


def verdict_of(expected: FailureClass, classes: list[FailureClass | None]) -> Verdict:
    """The verdict from the classes observed, attempt by attempt."""
    shaped = [c for c in classes if c in REQUEST_SHAPE_CLASSES]
    hits = sum(c is expected for c in classes)
    if shaped and (expected in REQUEST_SHAPE_CLASSES or hits == 0):
        return Verdict.REQUEST_SHAPE
    if classes and hits == len(classes):
        return Verdict.REPRODUCIBLE
    if hits:
        return Verdict.INTERMITTENT
    return Verdict.INCONCLUSIVE


def asked_class_missing(note: ReproNote) -> str | None:
    """A sentence when the class asked for occurred in no attempt (``repro`` then exits 3), else ``None``."""
    seen: dict[str, int] = {}
    for line in note.attempts:
        key = line.failure_class or "a usable answer"
        seen[key] = seen.get(key, 0) + 1
    if note.expected_class in seen:
        return None
    got = ", ".join(f"{c} ({n}x)" for c, n in sorted(seen.items(), key=lambda kv: -kv[1])) or "nothing"
    return (f"the class asked for, {note.expected_class}, did not occur in {len(note.attempts)} attempt(s); "
            f"they showed {got}")


def _request(plan: ReproPlan, target: Target) -> httpx2.Request:
    request = build_request(plan.case, target.base_url, target.credential, plan.model, plan.profile)
    t = plan.timeouts
    read = t.stream_idle_s if plan.case == "stream" else t.read_s
    request.extensions["timeout"] = httpx2.Timeout(read, connect=t.connect_s).as_dict()
    return request


def _shape(request: httpx2.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    shaped = shape_of_body(body)
    return shaped if isinstance(shaped, dict) else None


@dataclass
class _Run:
    """The state of one repro run while it sends attempts."""

    plan: ReproPlan
    target: Target
    store: EvidenceStore
    env: Environment
    run_id: str
    started: datetime
    lines: list[AttemptLine] = field(default_factory=list)
    keys: list[tuple[str | None, int | None]] = field(default_factory=list)
    classes: list[FailureClass | None] = field(default_factory=list)
    stop: StopReason = StopReason.BUDGET
    telemetry: Telemetry | None = None


def run_repro(
    plan: ReproPlan,
    target: Target,
    store: EvidenceStore,
    *,
    sleep: Sleeper = time.sleep,
    transport: httpx2.BaseTransport | None = None,
    progress: Progress | None = None,
    telemetry: Telemetry | None = None,
) -> ReproNote:
    """Send bounded single attempts, store each record, then store and return the note
    (``telemetry``: default the global OpenTelemetry providers)."""
    store.ensure_incident(plan.incident_id)
    env = _environment(plan, target)
    run_id = store.start_run("repro", incident_id=plan.incident_id, meta=env.model_dump())
    telemetry = telemetry or Telemetry(scope="chatcontract.repro")
    run = _Run(plan, target, store, env, run_id, utc_now(), telemetry=telemetry)
    span = {"chatcontract.run_id": run_id, "chatcontract.incident_id": plan.incident_id,
            "error.type": plan.failure_class.value}  # fmt: skip
    options = target.client_options()
    with telemetry.run_span(f"repro {plan.failure_class.value}", span), httpx2.Client(
        transport=transport, **options
    ) as client:
        add_headers = target.connection.add_headers
        sender = Sender(lambda request: client.send(add_headers(request), stream=True))
        try:
            for attempt in range(1, plan.max_attempts + 1):
                wait = _attempt(run, sender, attempt)
                if progress is not None:
                    progress(run.lines[-1], wait)
                if wait is None:
                    break
                sleep(wait)
        except KeyboardInterrupt:
            if not run.lines:
                raise  # nothing was tried: no note to write
            run.stop = StopReason.INTERRUPTED
        finally:
            sender.close()
    store.finish_run(run_id)
    return _note(run)


def _attempt(run: _Run, sender: Sender, attempt: int) -> float | None:
    """Send and store one attempt; the wait before the next one, or ``None`` to stop."""
    plan = run.plan
    request = _request(plan, run.target)
    report = CallReport(run.telemetry, CallStart(
        request_id=new_id(), model=plan.model or "", provider=provider_name(plan.profile), url=str(request.url),
        streaming=plan.case == "stream", request_class=plan.request_class,
    ))  # fmt: skip
    out = send_once(sender, request, plan.timeouts, stream=plan.case == "stream")
    c = _classify(out, attempt)
    run.keys.append(_outcome_key(c, out))
    run.classes.append(c.failure_class)
    reason = _stop(plan, c, run.keys)
    wait = 0.0 if reason else _wait_s(plan, attempt, c)
    record = _record(run, attempt, request, out, c, retried=reason is None, wait_s=wait)
    run.store.append(record)
    report.attempt(record, url=str(request.url), wait_s=wait)
    report.end(result=record.result.value if record.result else None)
    run.lines.append(AttemptLine.from_record(record))
    if reason is not None:
        run.stop = reason
        return None
    return wait


def _classify(out: Outcome, attempt: int) -> Classification:
    """Classify one attempt. A repro delivers no content to a caller, so a cut stream may be
    tried again: repeating it is the point."""
    out.delivered = False
    return classify_outcome(out, attempt_number=attempt)


def _record(
    run: _Run,
    attempt: int,
    request: httpx2.Request,
    out: Outcome,
    c: Classification,
    *,
    retried: bool,
    wait_s: float,
) -> AttemptRecord:
    """The attempt's record, made by the one record builder from the repro's own context."""
    plan, target = run.plan, run.target
    expectation = expectation_for(plan.profile, plan.failure_class, plan.negative)
    credential = target.credential
    ctx = RecordContext(
        request_id=new_id(),
        incident_id=plan.incident_id,
        run_id=run.run_id,
        request_class=plan.request_class,
        streaming=plan.case == "stream",
        source_reference=expectation.source_url,
        source_accessed=expectation.accessed,
        body=request.content,
        secret=credential.key if credential is not None else None,
    )
    where = Place.of(
        str(request.url), model=plan.model, credential_source=credential.source if credential else None
    )
    decision = decision_for(c.failure_class, retried=retried)
    return build_record(
        ctx, where, out, c, attempt_number=attempt, decision=decision, result=_result(plan, c),
        backoff_s=wait_s if decision is RetryDecision.RETRY else None,
    )  # fmt: skip


def _environment(plan: ReproPlan, target: Target) -> Environment:
    return Environment(
        tool_version=__version__,
        profile=plan.profile.name,
        base_url_alias=target.alias,
        target="embedded simulator" if target.embedded else "configured base URL",
        timeouts=plan.timeouts.as_dict(),
        retry_policy=plan.retry_policy(),
    )


def _note(run: _Run) -> ReproNote:
    plan, lines, classes = run.plan, run.lines, run.classes
    verdict = verdict_of(plan.failure_class, classes)
    if verdict is Verdict.INCONCLUSIVE:
        result = Result.PASS if all(c is None for c in classes) else Result.INCONCLUSIVE
    else:
        result = Result.FAIL
    note = ReproNote(
        incident_id=plan.incident_id,
        run_id=run.run_id,
        request_class=plan.request_class,
        expected_class=plan.failure_class.value,
        negative_case=plan.negative,
        model=plan.model,
        expectation=expectation_for(plan.profile, plan.failure_class, plan.negative).cited(),
        source_reference=lines[0].source_reference if lines else None,
        source_accessed=lines[0].source_accessed if lines else None,
        started_at=run.started.isoformat(),
        finished_at=utc_now().isoformat(),
        attempts=lines,
        verdict=verdict.value,
        stop_reason=run.stop.value,
        result=result.value,
        environment=run.env,
        operator=plan.operator,
        credential_used=run.target.credential.source if run.target.credential else None,
    )
    body = note.model_dump(mode="json")
    run.store.add_note("repro", body, incident_id=plan.incident_id, run_id=run.run_id)
    return note
