"""The schedule's bookkeeping: intervals, the fixed cadence, the sliding-hour budget."""

from __future__ import annotations

import threading

import pytest

from chatcontract.errors import UsageError
from chatcontract.monitor.schedule import Cadence, HourlyBudget, ManualClock, format_interval, parse_interval


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("30s", 30.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h", 3600.0, id="hours"),
        pytest.param("1.5m", 90.0, id="fraction"),
        pytest.param(" 2 ", 2.0, id="bare-number"),
        pytest.param("1d", 86400.0, id="day"),
    ],
)
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("fast", id="word"),
        pytest.param("5 minutes", id="long-unit"),
        pytest.param("-5s", id="negative"),
        pytest.param("500ms", id="below-minimum"),
        pytest.param("0s", id="zero"),
    ],
)
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="--every"):
        parse_interval(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [pytest.param(2.0, "2s", id="s"), pytest.param(300.0, "5m", id="m"), pytest.param(3600.0, "1h", id="h"),
     pytest.param(90.0, "90s", id="not-whole-minutes")],
)
def test_format_interval(seconds: float, text: str) -> None:
    assert format_interval(seconds) == text


def test_cadence_skips_missed_slots_instead_of_bunching() -> None:
    cadence = Cadence(10.0, start=100.0)
    assert cadence.due(100.0)
    cadence.advance(100.0)
    assert cadence.next_at == 110.0
    assert not cadence.due(105.0)
    cadence.advance(137.0)  # a run that overran three slots
    assert cadence.next_at == 140.0
    assert cadence.seconds_until(137.0) == pytest.approx(3.0)


def test_budget_is_a_sliding_hour() -> None:
    budget = HourlyBudget(10, now=0.0)
    budget.spend(0.0, 4)
    budget.spend(1800.0, 6)
    assert budget.remaining(1800.0) == 0
    assert budget.seconds_until_room(1800.0, 4) == pytest.approx(1800.0)
    assert budget.remaining(3600.0) == 4  # the first four expired, the six have not
    assert budget.remaining(5400.0) == 10
    assert budget.total_spent == 10


def test_budget_carries_requests_spent_before_a_restart() -> None:
    budget = HourlyBudget(10, carried=7, now=50.0)
    assert budget.remaining(50.0) == 3
    assert budget.remaining(50.0 + 3600.0) == 10
    assert HourlyBudget(5, carried=99, now=0.0).remaining(0.0) == 0


def test_budget_refuses_zero() -> None:
    with pytest.raises(UsageError, match="budget"):
        HourlyBudget(0)


def test_manual_clock_waits_without_sleeping() -> None:
    clock = ManualClock(start=0.0)
    stop = threading.Event()
    assert clock.wait(stop, 5.0) is False
    assert clock.monotonic() == 5.0
    stop.set()
    assert clock.wait(stop, 5.0) is True
    assert clock.monotonic() == 5.0
