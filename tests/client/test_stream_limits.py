"""``StreamLimits``, the one rule every stream driver follows (fake clock, checker fed bytes):
the first-chunk limit runs from the request until the first content event, the idle limit from
the last data event (a comment is not one), the grace from the finish, all under the deadline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.client.test_sse import chunk

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits
from chatcontract.client.sse import StreamChecker
from chatcontract.client.wire import StreamLimits

PING = b": ping\n\n"
ROLE = b'data: {"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant"}}]}\n\n'


def limits(deadline_at: float = 100.0) -> tuple[StreamLimits, StreamChecker, Outcome]:
    out = Outcome(started=10.0, wall=datetime.now(UTC))
    step = Limits(connect_s=1.0, first_chunk_s=3.0, idle_s=2.0, deadline_at=deadline_at)
    return StreamLimits(out, step, grace_s=0.5), StreamChecker(), out


@pytest.mark.parametrize(
    ("reads", "at"),
    [
        pytest.param([], 13.0, id="first-chunk-from-the-request"),
        pytest.param([(11.0, PING), (12.0, PING)], 13.0, id="comments-are-not-a-first-chunk"),
        pytest.param([(11.0, ROLE)], 13.0, id="a-content-free-event-is-not-a-first-chunk"),
        pytest.param([(11.0, ROLE), (12.0, chunk("Hi"))], 14.0, id="idle-from-the-first-content"),
        pytest.param([(11.0, chunk("Hi")), (12.0, PING), (12.9, PING)], 13.0, id="comments-are-no-progress"),
        pytest.param([(11.0, chunk("Hi")), (12.0, chunk("Hi")[:20])], 13.0, id="half-an-event-is-no-progress"),
        pytest.param([(11.0, chunk("Hi")), (12.0, chunk("!"))], 14.0, id="each-data-event-is-progress"),
        pytest.param([(11.0, chunk("Hi")), (12.0, chunk(None, "stop"))], 12.5, id="grace-after-the-finish"),
    ],
)
def test_where_the_limit_falls(reads: list[tuple[float, bytes]], at: float) -> None:
    lim, checker, _ = limits()
    for now, data in reads:
        checker.feed(data)
        lim.update(checker, now)
    assert lim.at == at


def test_deadline_caps_every_limit_and_first_content_time_is_noted() -> None:
    lim, checker, out = limits(deadline_at=12.5)
    assert lim.at == 12.5
    checker.feed(chunk("Hi"))
    assert lim.update(checker, 11.25) == 12.5
    assert out.first_chunk_s == 1.25
