"""The shared driver half: ``CallRun.steps`` and attempt timing, ``Send.timeouts``, ``Deltas``
(no network; a fake clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.client.engine_kit import FakeClock, begin, engine, error

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Send, Wait
from chatcontract.client.sse import StreamChecker
from chatcontract.client.wire import Deltas


@pytest.mark.parametrize(
    ("statuses", "kinds", "failed"),
    [
        pytest.param([200], ["send"], False, id="first-attempt-succeeds"),
        pytest.param([503, 200], ["send", "wait", "send"], False, id="retry-then-success"),
        pytest.param([401], ["send"], True, id="auth-not-retried"),
    ],
)
def test_steps_yield_sends_and_waits_until_the_verdict(statuses: list[int], kinds: list[str], failed: bool) -> None:
    clock = FakeClock()
    run = begin(engine(clock))
    script = list(statuses)
    seen: list[str] = []
    for step in run.steps():
        if isinstance(step, Wait):
            seen.append("wait")
            clock.advance(step.seconds)
            continue
        seen.append("send")
        out = run.start_attempt()
        clock.advance(0.25)
        status = script.pop(0)
        if status == 200:
            out.status, out.headers, out.body = 200, {}, b'{"choices":[{"message":{"content":"hi"}}]}'
            out.content = "hi"
        else:
            out.status, out.headers, out.body = status, {}, error(status).body
        run.end_attempt(out)
        assert out.elapsed_s == pytest.approx(0.25)
    assert seen == kinds
    assert (run.stopped.error is not None) is failed
    assert [a.elapsed_ms for a in run.attempts] == pytest.approx([250.0] * len(statuses))


def test_send_timeouts_are_the_steps_limits() -> None:
    clock = FakeClock()
    step = begin(engine(clock, connect_timeout_s=2.0, first_chunk_timeout_s=3.0)).next_step()
    assert isinstance(step, Send)
    assert step.timeouts() == {"connect": 2.0, "read": 3.0, "write": 3.0, "pool": 2.0}
    assert step.timeouts() is not step.timeouts()  # each request may widen its own copy


def test_deltas_hand_over_new_text_once_and_mark_delivery() -> None:
    checker = StreamChecker()
    out = Outcome(started=0.0, wall=datetime(2026, 1, 1, tzinfo=UTC))
    deltas = Deltas(checker, out)
    assert deltas.take() == []
    assert not out.delivered
    checker.parts.extend(["Hel", "lo"])
    assert deltas.take() == ["Hel", "lo"]
    assert out.delivered
    assert deltas.take() == []
    checker.parts.append("!")
    assert deltas.take() == ["!"]
