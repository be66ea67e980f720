"""The observer hook: the engine tells one call's events, in order, to every observer."""

from __future__ import annotations

import random
from typing import Any

import pytest
from tests.client.engine_kit import FakeClock, begin, error, ok, stream
from tests.client.test_engine import drive

from chatcontract.client.attempt import RecordContext
from chatcontract.client.engine import Engine
from chatcontract.client.observe import (
    AttemptEnd,
    BreakerChange,
    CallEnd,
    CallObserver,
    CallStart,
    FallbackSwitch,
    WaitStart,
    fan_out,
)
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route
from chatcontract.taxonomy import StreamState


class Recorder:
    """An observer that writes down every event as ``(kind, fact)``."""

    def __init__(self) -> None:
        self.calls: list[CallStart] = []
        self.events: list[tuple[str, Any]] = []

    def start_call(self, call: CallStart) -> CallObserver:
        self.calls.append(call)
        return self

    def attempt(self, event: AttemptEnd) -> None:
        self.events.append(("attempt", event.decision.value))

    def wait(self, event: WaitStart) -> None:
        self.events.append(("wait", event.reason))

    def fallback(self, event: FallbackSwitch) -> None:
        self.events.append(("fallback", f"{event.from_route}->{event.to_route}"))

    def breaker(self, event: BreakerChange) -> None:
        self.events.append(("breaker", f"{event.old}->{event.new}"))

    def end(self, event: CallEnd) -> None:
        self.events.append(("end", event.verdict.value))


def observed(clock: FakeClock, rec: Recorder, **policy: Any) -> Engine:
    return Engine(Policy(**policy), clock=clock, rng=random.Random(7), observer=rec, provider="openai")


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        pytest.param(
            [error(503), error(503), error(503)],
            [("attempt", "retry"), ("wait", "backoff"), ("attempt", "retry"), ("wait", "backoff"),
             ("attempt", "fallback"), ("fallback", "m@primary.example->m2@primary.example"),
             ("attempt", "answered"), ("end", "answered")],
            id="retry-twice-then-fallback",
        ),
        pytest.param(
            [error(429, headers={"retry-after": "1"}), error(401)],
            [("attempt", "retry"), ("wait", "retry_after"), ("attempt", "give_up"), ("end", "failed")],
            id="retry-after-then-auth",
        ),
        pytest.param(
            [stream(StreamState.CUT, delivered=True)],
            [("attempt", "give_up"), ("end", "partial")],
            id="partial-stream",
        ),
    ],
)
def test_events_in_order(outcomes: list[Any], expected: list[tuple[str, str]]) -> None:
    clock, rec = FakeClock(), Recorder()
    run = begin(observed(clock, rec), [Route(model="m2")])
    drive(run, outcomes, clock)
    assert rec.events == expected
    assert [c.model for c in rec.calls] == ["m"]
    assert rec.calls[0].url == "https://primary.example/v1/chat/completions"


def test_breaker_changes_and_skips_are_told() -> None:
    clock, rec = FakeClock(), Recorder()
    eng = observed(clock, rec, breaker_failure_threshold=1, max_attempts_per_route=1, breaker_reprobe_s=5.0)
    drive(begin(eng, [Route(model="m2")]), [error(503)], clock)
    assert rec.events[:3] == [("attempt", "fallback"), ("breaker", "closed->open"),
                              ("fallback", "m@primary.example->m2@primary.example")]
    rec.events.clear()
    drive(begin(eng, [Route(model="m2")]), [], clock)
    assert rec.events[0] == ("attempt", "circuit_open")
    rec.events.clear()
    clock.advance(6.0)
    drive(begin(eng), [ok()], clock)
    assert rec.events == [("breaker", "open->half_open"), ("attempt", "answered"),
                          ("breaker", "half_open->closed"), ("end", "answered")]


def test_budget_refusal_is_its_own_decision() -> None:
    clock, rec = FakeClock(), Recorder()
    eng = observed(clock, rec, retry_budget_ratio=0.0, retry_budget_floor=1.0, backoff_base_s=0.0)
    drive(begin(eng), [error(503), error(503)], clock)  # the one retry the bucket holds, then none
    assert rec.events == [("attempt", "retry"), ("wait", "backoff"), ("attempt", "budget_exhausted"), ("end", "failed")]


def test_fan_out_tells_every_observer_and_none_costs_nothing() -> None:
    assert fan_out(None, None) is None
    one, two = Recorder(), Recorder()
    both = fan_out(one, None, two)
    assert both is not None
    clock = FakeClock()
    eng = Engine(Policy(), clock=clock, observer=both)
    drive(eng.begin(begin(eng).targets, RecordContext(request_id="r2")), [ok()], clock)
    assert one.events == two.events == [("attempt", "answered"), ("end", "answered")]
