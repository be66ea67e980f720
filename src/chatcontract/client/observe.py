"""The observer hook: what the engine tells the world about one logical call, as it happens.

Every writer that runs calls (``Client``, ``AsyncClient``, both ``ResilientTransport`` kinds
through the engine; the probe, ``repro``, ``conduct`` and ``watch`` through the same hook) reports
to an :class:`Observer`. ``start_call`` returns the call's own :class:`CallObserver` (or ``None``:
nothing to tell, and the engine then pays nothing more for this call), which hears, in order:

- ``attempt``: each attempt record, with the engine's decision after it (:class:`Decision`);
- ``wait``: each wait before the next attempt (backoff or Retry-After, seconds);
- ``fallback``: each switch to another route (from which route, to which, why);
- ``breaker``: a route's circuit breaker changing state because of this call;
- ``end``: the call's verdict (answered, failed, or partial: content reached the caller).

Events are frozen dataclasses (as stamina's instrumentation hooks are), so an observer can keep
them; records are already redacted. Telemetry (:mod:`chatcontract.client.otel`) and the record
sink are observers; :func:`fan_out` combines several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from chatcontract.record import AttemptRecord, FailureClass, RetryDecision
from chatcontract.sinks import RecordSink


class Decision(StrEnum):
    """What the engine did after an attempt (a low-cardinality metric label).

    ``answered``: the attempt is the answer. ``retry``: the same route again after a wait.
    ``fallback``: the next route. ``give_up``: the call ended with this attempt's failure.
    ``circuit_open``: the route was skipped (its breaker is open; nothing sent).
    ``budget_exhausted``: a retry was due but the retry budget refused it.
    ``deadline_exceeded``: no retry or attempt fits the call's deadline.
    """

    ANSWERED = "answered"
    RETRY = "retry"
    FALLBACK = "fallback"
    GIVE_UP = "give_up"
    CIRCUIT_OPEN = "circuit_open"
    BUDGET_EXHAUSTED = "budget_exhausted"
    DEADLINE_EXCEEDED = "deadline_exceeded"


class Verdict(StrEnum):
    ANSWERED = "answered"
    FAILED = "failed"
    PARTIAL = "partial"  # content reached the caller, then the call failed (a cut stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStart:
    """One logical call begins. ``url`` is the primary route's URL (never carries a key)."""

    request_id: str
    model: str
    provider: str
    url: str
    streaming: bool
    request_class: str | None = None
    operation: str = "chat"


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEnd:
    """One attempt (or a route skipped locally: ``sent`` false) and what followed it."""

    record: AttemptRecord
    decision: Decision
    url: str | None = None
    response_id: str | None = None
    sent: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitStart:
    """The engine waits before the next attempt: ``reason`` is ``retry_after`` or ``backoff``."""

    seconds: float
    reason: str
    attempt_number: int
    failure_class: FailureClass


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackSwitch:
    """The call moves from route ``from_route`` to ``to_route`` (labels ``model@host``)."""

    from_route: str
    to_route: str
    to_model: str
    failure_class: FailureClass
    attempt_number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerChange:
    """A route's breaker moved from ``old`` to ``new`` (``closed``/``open``/``half_open``)."""

    route: str
    old: str
    new: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnd:
    """The call is over. ``failure_class`` is set unless the verdict is ``answered``."""

    verdict: Verdict
    attempts: Sequence[AttemptRecord]
    failure_class: FailureClass | None = None
    summary: str | None = None
    response_id: str | None = None
    result: str | None = None  # an evidence writer's verdict (probe, repro): pass / fail / inconclusive


class CallObserver(Protocol):
    def attempt(self, event: AttemptEnd) -> None: ...
    def wait(self, event: WaitStart) -> None: ...
    def fallback(self, event: FallbackSwitch) -> None: ...
    def breaker(self, event: BreakerChange) -> None: ...
    def end(self, event: CallEnd) -> None: ...


class Observer(Protocol):
    def start_call(self, call: CallStart) -> CallObserver | None:
        """The observer of this call, or ``None`` when it has nothing to do with it."""
        ...


class CallObserverBase:
    """A :class:`CallObserver` that ignores every event (override what you need)."""

    def attempt(self, event: AttemptEnd) -> None:
        return None

    def wait(self, event: WaitStart) -> None:
        return None

    def fallback(self, event: FallbackSwitch) -> None:
        return None

    def breaker(self, event: BreakerChange) -> None:
        return None

    def end(self, event: CallEnd) -> None:
        return None


class SinkObserver(CallObserverBase):
    """Hands every attempt record to a :class:`RecordSink` as it is made (one per client)."""

    def __init__(self, sink: RecordSink) -> None:
        self.sink = sink

    def start_call(self, call: CallStart) -> CallObserver:
        return self

    def attempt(self, event: AttemptEnd) -> None:
        self.sink.append(event.record)


class _Both:
    """Several call observers, told in order."""

    __slots__ = ("_each",)

    def __init__(self, each: Sequence[CallObserver]) -> None:
        self._each = each

    def attempt(self, event: AttemptEnd) -> None:
        for o in self._each:
            o.attempt(event)

    def wait(self, event: WaitStart) -> None:
        for o in self._each:
            o.wait(event)

    def fallback(self, event: FallbackSwitch) -> None:
        for o in self._each:
            o.fallback(event)

    def breaker(self, event: BreakerChange) -> None:
        for o in self._each:
            o.breaker(event)

    def end(self, event: CallEnd) -> None:
        for o in self._each:
            o.end(event)


class FanOut:
    """Tells every observer of a call; a call nobody observes costs one loop."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers = tuple(observers)

    def start_call(self, call: CallStart) -> CallObserver | None:
        found = [o for o in (obs.start_call(call) for obs in self.observers) if o is not None]
        if not found:
            return None
        return found[0] if len(found) == 1 else _Both(found)


def fan_out(*observers: Observer | None) -> Observer | None:
    """One observer for all given (``None`` entries dropped); ``None`` when none is left."""
    kept = [o for o in observers if o is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else FanOut(kept)


class CallReport:
    """Tells an observer one call made by a writer that sends its own attempts (the probe,
    ``repro``): the call starts when this is made; each record, with the wait after it, as it is
    made or once the call was judged; then the end, with the writer's verdict."""

    def __init__(self, observer: Observer | None, call: CallStart) -> None:
        self._obs = observer.start_call(call) if observer is not None else None
        self._records: list[AttemptRecord] = []

    def attempt(self, record: AttemptRecord, *, url: str | None = None, wait_s: float | None = None) -> None:
        """One attempt; ``wait_s``: the writer waits this long before the next one."""
        self._records.append(record)
        if self._obs is None:
            return
        retried = record.retry_decision is RetryDecision.RETRY
        decision = Decision.RETRY if retried else Decision.ANSWERED if record.ok else Decision.GIVE_UP
        self._obs.attempt(AttemptEnd(record=record, decision=decision, url=url))
        if wait_s and record.failure_class is not None:
            reason = "retry_after" if record.retry_after_ms is not None else "backoff"
            number = record.attempt_number
            self._obs.wait(WaitStart(seconds=wait_s, reason=reason, attempt_number=number,
                                     failure_class=record.failure_class))  # fmt: skip

    def end(self, *, result: str | None = None) -> None:
        if self._obs is None:
            return
        last = self._records[-1] if self._records else None
        failed = last is None or not last.ok
        self._obs.end(CallEnd(
            verdict=Verdict.FAILED if failed else Verdict.ANSWERED, attempts=tuple(self._records),
            failure_class=last.failure_class if last is not None else None, result=result,
        ))  # fmt: skip
