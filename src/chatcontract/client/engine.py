"""The sans-I/O engine: every retry, deadline, budget, breaker and fallback decision.

A :class:`CallRun` is one logical call. A driver (``Client``, ``AsyncClient``, the two
``ResilientTransport`` kinds) loops, doing only the I/O::

    for step in run.steps():
        if isinstance(step, Wait): sleep(step.seconds); continue
        out = run.start_attempt()          # Send: the driver's only I/O fills ``out``
        perform(step, out)
        run.end_attempt(out)               # classify, record, decide
    run.stopped                            # Stop: success or CallFailed

The engine never touches the network or sleeps; time comes from an injected clock, so the
whole decision table is tested with a fake clock. State shared between calls (the retry budget
and one breaker per route) lives in :class:`Engine`, one per client. The engine tells its
:class:`~chatcontract.client.observe.Observer` (records, telemetry) about every attempt, wait,
fallback, breaker change and the call's end, so every driver reports the same way.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from chatcontract.client.attempt import (
    Outcome,
    RecordContext,
    build_record,
    classify_outcome,
    local_record,
)
from chatcontract.client.breaker import Change, CircuitBreaker, CircuitState
from chatcontract.client.budget import RetryBudget
from chatcontract.client.errors import CallFailed
from chatcontract.client.observe import (
    AttemptEnd,
    BreakerChange,
    CallEnd,
    CallObserver,
    CallStart,
    Decision,
    FallbackSwitch,
    Observer,
    Verdict,
    WaitStart,
)
from chatcontract.client.policy import Policy, request_size, retry_wait_s
from chatcontract.client.route import Target
from chatcontract.record import AttemptRecord, FailureClass, RetryDecision, utc_now
from chatcontract.taxonomy import ACTIONS, Classification, FallbackRule, decision_for

Clock = Callable[[], float]
_RECORDING = threading.Lock()


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """One attempt's time limits (seconds; ``deadline_at``: clock time). The probe and repro
    give their own; the engine derives the client's from its policy and the call's deadline."""

    connect_s: float
    first_chunk_s: float
    idle_s: float
    deadline_at: float
    stall_by: float | None = None  # a fallback remains: a stall must be seen by then (see StreamLimits)

    def timeouts(self) -> dict[str, float]:
        """httpx2/httpcore2 per-request limits (the request's ``timeout`` extension); a stream's
        driver then widens or narrows ``read`` for the body."""
        connect, first = self.connect_s, self.first_chunk_s
        return {"connect": connect, "read": first, "write": first, "pool": connect}


@dataclass(frozen=True, slots=True, kw_only=True)
class Send(Limits):
    """Send one attempt to ``target`` within these limits."""

    target: Target
    attempt_number: int


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class Stop:
    """The call is over: ``outcome``/``target`` on success, else ``error``."""

    outcome: Outcome | None
    target: Target | None
    error: CallFailed | None


Step = Send | Wait | Stop


class Engine:
    """Shared state of one client: policy, clock, retry budget, one breaker per route."""

    def __init__(
        self,
        policy: Policy,
        *,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        observer: Observer | None = None,
        provider: str = "openai",
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.rng = rng or random.Random()
        self.observer = observer
        self.provider = provider  # gen_ai.provider.name of the calls
        self.budget = RetryBudget(
            ratio=policy.retry_budget_ratio,
            floor=policy.retry_budget_floor,
            window_s=policy.retry_budget_window_s,
            clock=clock,
        )
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}
        self._lock = threading.Lock()

    def breaker(self, key: tuple[str, str]) -> CircuitBreaker:
        found = self._breakers.get(key)
        if found is not None:
            return found
        with self._lock:
            return self._breakers.setdefault(
                key,
                CircuitBreaker(
                    failure_threshold=self.policy.breaker_failure_threshold,
                    reprobe_s=self.policy.breaker_reprobe_s,
                    half_open_probes=self.policy.breaker_half_open_probes,
                    clock=self.clock,
                ),
            )

    def begin(
        self,
        targets: Sequence[Target],
        ctx: RecordContext,
        *,
        messages: Sequence[Mapping[str, Any]] = (),
        reissue: bool | None = None,
        deadline_s: float | None = None,
        live: bool = False,
    ) -> CallRun:
        """Start one logical call over ``targets`` (primary first)."""
        self.budget.on_call()
        return CallRun(
            self,
            targets,
            ctx,
            messages=messages,
            reissue=self.policy.reissue if reissue is None else reissue,
            deadline_s=self.policy.deadline_s if deadline_s is None else deadline_s,
            live=live,
        )


class CallRun:
    """One logical call's decisions (not thread-safe; one driver runs it)."""

    def __init__(
        self,
        engine: Engine,
        targets: Sequence[Target],
        ctx: RecordContext,
        *,
        messages: Sequence[Mapping[str, Any]],
        reissue: bool,
        deadline_s: float,
        live: bool,
    ) -> None:
        self.engine = engine
        self.targets = targets
        self.ctx = ctx
        self.messages = messages
        self.reissue = reissue
        self.live = live
        self.deadline_at = engine.clock() + deadline_s
        self._attempts: list[AttemptRecord] = []
        self._pending: Callable[[], AttemptRecord] | None = None
        self._route = 0
        self._route_attempts = 0
        self._wait: float | None = None
        self._granted: CircuitState = CircuitState.CLOSED
        self._fallback_of: str | None = None
        self._stop: Stop | None = None
        self._obs: CallObserver | None = None
        observer = engine.observer
        quiet = getattr(observer, "quiet", None)  # telemetry alone, with no provider: nothing to tell
        if observer is not None and targets and (quiet is None or not quiet()):
            first = targets[0]
            self._obs = observer.start_call(
                CallStart(
                    request_id=ctx.request_id, model=first.model, provider=engine.provider, url=first.url,
                    streaming=ctx.streaming, request_class=ctx.request_class,
                )
            )  # fmt: skip

    # -- driver interface -------------------------------------------------------------

    def steps(self) -> Iterator[Send | Wait]:
        """The driver's loop: every :class:`Send` and :class:`Wait` until the call stops (then
        :attr:`stopped` holds the verdict)."""
        while True:
            step = self.next_step()
            if isinstance(step, Stop):
                return
            yield step

    @property
    def attempts(self) -> list[AttemptRecord]:
        """Every attempt's record, in order (an answer nobody observed is recorded now)."""
        if self._pending is not None:
            with _RECORDING:  # a Completion may be read from several threads: recorded once
                pending, self._pending = self._pending, None
                if pending is not None:
                    self._attempts.append(pending())
        return self._attempts

    @property
    def stopped(self) -> Stop:
        """The verdict once :meth:`steps` ended (success: outcome and target; else error)."""
        assert self._stop is not None
        return self._stop

    def start_attempt(self) -> Outcome:
        """A fresh outcome for the attempt about to be sent (its clock starts now)."""
        return Outcome(started=self.engine.clock(), wall=utc_now())

    def end_attempt(self, outcome: Outcome) -> None:
        """Stop the attempt's clock and :meth:`report` it."""
        outcome.elapsed_s = self.engine.clock() - outcome.started
        self.report(outcome)

    def next_step(self) -> Step:
        """What the driver does next."""
        if self._stop is not None:
            return self._stop
        if self._wait is not None:
            wait, self._wait = self._wait, None
            return Wait(wait)
        while True:
            target = self.targets[self._route]
            remaining = self.deadline_at - self.engine.clock()
            if remaining <= 0:
                passed = "the call's deadline passed"
                self._local(target, FailureClass.DEADLINE_EXCEEDED, passed, Decision.DEADLINE_EXCEEDED)
                return self._fail(FailureClass.DEADLINE_EXCEEDED, passed)
            if self._route_attempts == 0:
                over = self._oversize(target)
                if over is not None:
                    if self._local(target, FailureClass.CONTEXT_EXCEEDED, over, None) is None:
                        return self._fail(FailureClass.CONTEXT_EXCEEDED, over)
                    continue
            granted, change = self.engine.breaker(target.breaker_key).acquire_noting()
            self._changed(target, change)
            if granted is None:
                summary = "circuit open: route skipped"
                if self._local(target, FailureClass.CIRCUIT_OPEN, summary, Decision.CIRCUIT_OPEN) is None:
                    return self._fail(FailureClass.CIRCUIT_OPEN, f"circuit open for {target.label}")
                continue
            self._granted = granted
            self._route_attempts += 1
            policy = self.engine.policy
            room = self._fallback_room(remaining)
            return Send(
                target=target,
                attempt_number=len(self._attempts) + 1,
                connect_s=min(policy.connect_timeout_s, remaining),
                first_chunk_s=min(policy.first_chunk_timeout_s, remaining - room),
                idle_s=min(policy.stream_idle_timeout_s, remaining),
                deadline_at=self.deadline_at,
                stall_by=self.deadline_at - room if room else None,
            )

    def _fallback_room(self, remaining: float) -> float:
        """Time kept for a fallback route while one remains: its first-chunk limit (at most half
        of what is left), so a silent or stalled route is given up while a fallback can still
        answer within the deadline."""
        if self._route + 1 >= len(self.targets):
            return 0.0
        return min(self.engine.policy.first_chunk_timeout_s, remaining / 2)

    def report(self, outcome: Outcome) -> None:
        """The outcome of the last :class:`Send`: classify, record, decide."""
        target = self.targets[self._route]
        cls = classify_outcome(outcome, attempt_number=self._route_attempts)
        fc = cls.failure_class
        change = self.engine.breaker(target.breaker_key).record(fc, self._granted)
        if fc is None:
            if self._obs is None:  # nobody observes the call: its answer is recorded when first read
                self._pending = partial(
                    build_record, self.ctx, target, outcome, cls, attempt_number=len(self._attempts) + 1,
                    decision=None, fallback_of=self._fallback_of if target.index else None,
                    circuit_state=self._granted.value,
                )  # fmt: skip
            else:
                self._add(
                    self._record(target, outcome, cls, decision=None, wait=None), Decision.ANSWERED, target, outcome
                )
            self._changed(target, change)
            self._finish(Stop(outcome, target, None))
            return
        retry_after_ms = cls.observation.retry_after_ms
        decision, wait, note, why = self._retry_decision(fc, cls.retryable, outcome, retry_after_ms)
        record = self._record(target, outcome, cls, decision=decision, wait=wait, note=note)
        if wait is not None:
            self._add(record, Decision.RETRY, target, outcome)
            self._changed(target, change)
            self._wait = wait
            if self._obs is not None:
                reason = "retry_after" if retry_after_ms is not None else "backoff"
                number = record.attempt_number
                self._obs.wait(WaitStart(seconds=wait, reason=reason, attempt_number=number, failure_class=fc))
            return
        switch = None if outcome.delivered else self._fall_back(fc, sent=outcome.sent)
        self._add(record, why or (Decision.FALLBACK if switch else Decision.GIVE_UP), target, outcome)
        self._changed(target, change)
        if switch is not None:
            self._switched(switch)
        elif outcome.delivered:
            self._finish(Stop(None, None, self._error(fc, note or "stream broke after content was delivered", True)))
        else:
            self._finish(Stop(None, None, self._error(fc, record.error_summary or fc.value, False)))

    def abandon(self) -> None:
        """The caller stopped reading before the attempt ended: release its breaker permit."""
        if self._stop is None:
            self.engine.breaker(self.targets[self._route].breaker_key).release(self._granted)
            self._finish(Stop(None, None, self._error(FailureClass.UNKNOWN, "abandoned by the caller", True)))

    # -- decisions -----------------------------------------------------------------------

    def _retry_decision(
        self, fc: FailureClass, retryable: bool, outcome: Outcome, retry_after_ms: float | None
    ) -> tuple[RetryDecision, float | None, str | None, Decision | None]:
        """Retry on the same route? ``(decision, wait seconds or None, why not, the local
        decision that refused a due retry: deadline or budget)``."""
        no = decision_for(fc, retried=False) or RetryDecision.DO_NOT_RETRY
        if not retryable:
            return no, None, None, None
        if outcome.delivered:
            return no, None, "content already delivered to the caller", None
        if not self.reissue and outcome.sent:
            return no, None, "reissue=False: the request may have reached the provider", None
        if self._route_attempts >= self.engine.policy.max_attempts_per_route:
            return no, None, f"{self._route_attempts} attempts on this route", None
        remaining = self.deadline_at - self.engine.clock()
        wait = retry_wait_s(self.engine.policy, self._route_attempts, retry_after_ms, remaining, self.engine.rng)
        if wait is None:
            what = "Retry-After" if retry_after_ms is not None else "backoff"
            note = f"{what} does not fit the remaining deadline ({remaining:.2f} s)"
            return no, None, note, Decision.DEADLINE_EXCEEDED
        if not self.engine.budget.try_spend():
            return no, None, "retry budget exhausted", Decision.BUDGET_EXHAUSTED
        return RetryDecision.RETRY, wait, None, None

    def _fall_back(self, fc: FailureClass, *, sent: bool) -> FallbackSwitch | None:
        """Move to the next route this class may fall back to; ``None`` when there is none."""
        rule = ACTIONS[fc].fallback
        if rule is FallbackRule.NO or self.deadline_at - self.engine.clock() <= 0:
            return None
        if not self.reissue and sent:
            return None
        current = self.targets[self._route]
        for index in range(self._route + 1, len(self.targets)):
            candidate = self.targets[index]
            if rule is FallbackRule.OTHER_CREDENTIALS and candidate.same_credentials(current):
                continue
            self._fallback_of = self.targets[0].label
            self._route = index
            self._route_attempts = 0
            return FallbackSwitch(
                from_route=current.label, to_route=candidate.label, to_model=candidate.model,
                failure_class=fc, attempt_number=len(self._attempts),
            )  # fmt: skip
        return None

    def _oversize(self, target: Target) -> str | None:
        policy = self.engine.policy
        if target.index == 0:
            over = request_size(policy, self.messages)
        elif target.max_request_chars is not None:
            over = request_size(Policy(max_request_chars=target.max_request_chars), self.messages)
        else:
            over = None
        if over is None:
            return None
        return f"request size {over[0]} over the local limit {over[1]}; not sent"

    # -- records -------------------------------------------------------------------------

    def _add(self, record: AttemptRecord, decision: Decision, target: Target, outcome: Outcome | None) -> None:
        self._attempts.append(record)
        if self._obs is not None:
            self._obs.attempt(
                AttemptEnd(
                    record=record, decision=decision, url=target.url, sent=outcome is not None and outcome.sent,
                    response_id=outcome.response_id if outcome is not None else None,
                )
            )  # fmt: skip

    def _changed(self, target: Target, change: Change | None) -> None:
        if change is not None and self._obs is not None:
            self._obs.breaker(BreakerChange(route=target.label, old=change[0].value, new=change[1].value))

    def _switched(self, switch: FallbackSwitch) -> None:
        if self._obs is not None:
            self._obs.fallback(switch)

    def _finish(self, stop: Stop) -> Stop:
        self._stop = stop
        if self._obs is not None:
            error = stop.error
            if error is None:
                assert stop.outcome is not None
                end = CallEnd(verdict=Verdict.ANSWERED, attempts=self._attempts, response_id=stop.outcome.response_id)
            else:
                verdict = Verdict.PARTIAL if error.partial else Verdict.FAILED
                end = CallEnd(verdict=verdict, attempts=self._attempts, failure_class=error.failure_class,
                              summary=str(error))  # fmt: skip
            self._obs.end(end)
        return stop

    def _record(
        self,
        target: Target,
        outcome: Outcome,
        cls: Classification,
        *,
        decision: RetryDecision | None,
        wait: float | None,
        note: str | None = None,
    ) -> AttemptRecord:
        return build_record(
            self.ctx,
            target,
            outcome,
            cls,
            attempt_number=len(self._attempts) + 1,
            decision=decision,
            backoff_s=wait,
            fallback_of=self._fallback_of if target.index else None,
            circuit_state=self._granted.value,
            note=note,
        )

    def _local(
        self, target: Target, fc: FailureClass, summary: str, decision: Decision | None
    ) -> FallbackSwitch | None:
        """Record a route not sent to (deadline, oversize, open circuit); ``decision`` ``None``:
        fall back when the class allows (the switch is returned), else give up."""
        state = self.engine.breaker(target.breaker_key).state.value
        record = local_record(
            self.ctx,
            target,
            fc,
            attempt_number=len(self._attempts) + 1,
            summary=summary,
            fallback_of=self._fallback_of if target.index else None,
            circuit_state=state,
        )
        switch = None if decision is Decision.DEADLINE_EXCEEDED else self._fall_back(fc, sent=False)
        self._add(record, decision or (Decision.FALLBACK if switch else Decision.GIVE_UP), target, None)
        if switch is not None:
            self._switched(switch)
        return switch

    def _error(self, fc: FailureClass, summary: str, partial: bool) -> CallFailed:
        return CallFailed(fc, self._attempts, summary=summary, partial=partial)

    def _fail(self, fc: FailureClass, summary: str) -> Stop:
        return self._finish(Stop(None, None, self._error(fc, summary, False)))
