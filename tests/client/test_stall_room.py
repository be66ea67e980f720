"""Stalls: with a fallback left, a stalled or silent route is given up while the deadline still
leaves the fallback room to answer; a stall is never retried on the same route (not even when
an ``x-should-retry`` header asks for it)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.client.conftest import KEY, MESSAGES
from tests.client.engine_kit import FakeClock, begin, engine, stream
from tests.client.test_sse import chunk

from chatcontract.client import Client, Policy, Route
from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits, Send
from chatcontract.client.sse import StreamChecker
from chatcontract.client.wire import LATE_GAP_S, StreamLimits
from chatcontract.record import FailureClass
from chatcontract.sim import SimServer
from chatcontract.taxonomy import StreamState, classify, may_retry


def test_a_fallback_keeps_room_under_the_deadline() -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=20.0, first_chunk_timeout_s=10.0), [Route(model="fb")])
    step = next(run.steps())
    assert isinstance(step, Send)
    assert step.first_chunk_s == 10.0  # min(10, 20 - min(10, 20 / 2))
    assert step.stall_by == clock.now + 10.0
    run.start_attempt()
    clock.advance(9.0)
    run.end_attempt(stream(StreamState.STALLED))
    fallback = next(run.steps())
    assert isinstance(fallback, Send)
    assert fallback.target.model == "fb"
    assert fallback.stall_by is None  # the last route keeps the whole rest of the deadline
    assert fallback.first_chunk_s == 10.0
    assert fallback.deadline_at - clock.now == 11.0


def test_without_a_fallback_nothing_is_held_back() -> None:
    clock = FakeClock()
    step = next(begin(engine(clock, deadline_s=20.0, first_chunk_timeout_s=15.0)).steps())
    assert isinstance(step, Send)
    assert step.stall_by is None
    assert step.first_chunk_s == 15.0


def test_the_first_chunk_limit_shrinks_to_leave_room() -> None:
    clock = FakeClock()
    step = next(begin(engine(clock, deadline_s=12.0, first_chunk_timeout_s=10.0), [Route(model="fb")]).steps())
    assert isinstance(step, Send)
    assert step.first_chunk_s == 6.0  # 12 - min(10, 12 / 2)


def _limits(stall_by: float | None) -> tuple[StreamLimits, StreamChecker]:
    out = Outcome(started=0.0, wall=datetime.now(UTC))
    step = Limits(connect_s=1.0, first_chunk_s=5.0, idle_s=15.0, deadline_at=60.0, stall_by=stall_by)
    return StreamLimits(out, step, grace_s=0.5), StreamChecker()


def test_a_late_gap_is_a_stall_while_a_fallback_can_still_answer() -> None:
    lim, checker = _limits(stall_by=50.0)
    checker.feed(chunk("a"))
    assert lim.update(checker, 1.0) == 16.0  # early: the whole idle limit
    checker.feed(chunk("b"))
    assert lim.update(checker, 40.0) == 50.0  # the gap may run up to stall_by
    checker.feed(chunk("c"))
    assert lim.update(checker, 49.5) == 49.5 + LATE_GAP_S  # past it: a short gap only
    plain, plain_checker = _limits(stall_by=None)
    plain_checker.feed(chunk("a"))
    assert plain.update(plain_checker, 49.5) == 60.0  # no fallback: up to the deadline


def test_a_header_never_makes_a_stall_retry_on_the_same_route() -> None:
    obs = classify(200, {"x-should-retry": "true"}, b"", stream_state=StreamState.STALLED).observation
    assert not may_retry(FailureClass.STREAM_STALLED, obs)


def test_a_stall_fails_over_at_once_with_the_default_stall_rule(sim: SimServer) -> None:
    policy = Policy(first_chunk_timeout_s=0.5, stream_idle_timeout_s=0.3, deadline_s=3.0, post_finish_grace_s=0.2)
    with Client(base_url=sim.base_url, api_key=KEY, policy=policy, fallbacks=[Route(model="sim-ok")],
                sleep=lambda _s: None) as client:  # fmt: skip
        done = client.chat(model="sim-stream-stall-10", messages=MESSAGES, stream=True)
    classes = [a.failure_class.value if a.failure_class else None for a in done.attempts]
    assert classes == ["stream_stalled", None]
    assert done.model == "sim-ok"
