"""The engine's decision table, driven with a fake clock and scripted outcomes (no network)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.client.engine_kit import FakeClock, begin, engine, error, ok, stream, transport

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import CallRun, Send, Stop, Wait
from chatcontract.client.route import Route
from chatcontract.record import FailureClass, RetryDecision
from chatcontract.taxonomy import StreamState, TransportError


def drive(
    run: CallRun, outcomes: list[Outcome], clock: FakeClock, *, cost_s: float = 0.0
) -> tuple[Stop, list[str], list[float]]:
    """Run the call: a Send takes the next outcome (costs ``cost_s``); a Wait moves the clock."""
    sent: list[str] = []
    waits: list[float] = []
    script = list(outcomes)
    while True:
        step = run.next_step()
        if isinstance(step, Send):
            sent.append(step.target.model)
            clock.advance(cost_s)
            out = script.pop(0) if script else ok(step.target.model)
            run.report(out)
        elif isinstance(step, Wait):
            waits.append(step.seconds)
            clock.advance(step.seconds)
        else:
            return step, sent, waits


def classes(run: CallRun) -> list[str | None]:
    return [a.failure_class.value if a.failure_class else None for a in run.attempts]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda: error(400, "invalid_request_error"), "request_invalid", id="400"),
        pytest.param(lambda: error(401, "invalid_api_key"), "auth", id="401"),
        pytest.param(lambda: error(403), "auth", id="403"),
        pytest.param(
            lambda: error(404, "model_not_found", "The model x does not exist"),
            "model_unknown",
            id="404-model",
        ),
        pytest.param(lambda: error(429, "insufficient_quota", "quota"), "quota_exhausted", id="quota"),
        pytest.param(lambda: error(400, "content_policy_violation"), "content_filtered", id="content-policy"),
        pytest.param(lambda: error(400, "context_length_exceeded"), "context_exceeded", id="context-length"),
        pytest.param(
            lambda: error(500, "invalid_request", "bad"),
            "request_invalid",
            id="500-invalid-request",
        ),
    ],
)
def test_never_retried_on_the_same_route(make: Callable[[], Outcome], expected: str) -> None:
    clock = FakeClock()
    run = begin(engine(clock))
    stop, sent, waits = drive(run, [make()], clock)
    assert sent == ["m"]
    assert waits == []
    assert stop.error is not None
    assert stop.error.failure_class.value == expected
    assert run.attempts[0].retry_decision in (RetryDecision.DO_NOT_RETRY, RetryDecision.ESCALATE)


@pytest.mark.parametrize(
    ("make", "falls_back"),
    [
        pytest.param(lambda: error(400, "context_length_exceeded"), True, id="context-falls-back"),
        pytest.param(
            lambda: ok().__class__(
                started=0,
                wall=ok().wall,
                status=200,
                headers={},
                body=b'{"object":"chat.completion"}',
            ),
            True,
            id="schema-falls-back",
        ),
        pytest.param(lambda: error(429, "insufficient_quota"), False, id="quota-same-key-no"),
        pytest.param(lambda: error(400, "content_policy_violation"), False, id="content-never"),
        pytest.param(lambda: error(401, "invalid_api_key"), False, id="auth-never"),
        pytest.param(lambda: error(400, "invalid_request_error"), False, id="request-never"),
        pytest.param(lambda: error(404, "model_not_found", "model x does not exist"), False, id="model-never"),
        pytest.param(lambda: error(404, None, "no route"), False, id="endpoint-never"),
    ],
)
def test_fallback_only_where_safe(make: Callable[[], Outcome], falls_back: bool) -> None:
    clock = FakeClock()
    run = begin(engine(clock), [Route(model="other")])
    stop, sent, _ = drive(run, [make()], clock)
    assert sent == (["m", "other"] if falls_back else ["m"])
    assert (stop.error is None) is falls_back
    if falls_back:
        assert stop.target is not None
        assert stop.target.model == "other"
        assert run.attempts[-1].fallback_of is not None


def test_quota_falls_back_only_to_another_key_or_base_url() -> None:
    clock = FakeClock()
    routes = [Route(model="other"), Route(model="m", api_key="sk-second-key-0000000000")]
    run = begin(engine(clock), routes)
    stop, sent, _ = drive(run, [error(429, "insufficient_quota")], clock)
    assert sent == ["m", "m"]
    assert stop.target is not None
    assert stop.target.index == 2


def test_server_errors_retry_with_full_jitter_then_fall_back() -> None:
    clock = FakeClock()
    eng = engine(clock, backoff_base_s=1.0, backoff_max_s=8.0)
    run = begin(eng, [Route(model="other")])
    stop, sent, waits = drive(run, [error(503)] * 3, clock)
    assert sent == ["m", "m", "m", "other"]
    assert len(waits) == 2
    assert 0 <= waits[0] <= 1.0
    assert 0 <= waits[1] <= 2.0
    assert stop.error is None
    assert classes(run) == ["server_error", "server_error", "server_error", None]
    assert [a.retry_decision for a in run.attempts[:3]] == [
        RetryDecision.RETRY,
        RetryDecision.RETRY,
        RetryDecision.DO_NOT_RETRY,
    ]
    assert [a.attempt_number for a in run.attempts] == [1, 2, 3, 4]
    assert run.attempts[0].backoff_ms == pytest.approx(waits[0] * 1000)


def test_jitter_is_full_and_capped() -> None:
    from random import Random

    from chatcontract.client.policy import Policy, full_jitter_s

    policy = Policy(backoff_base_s=0.5, backoff_max_s=2.0)
    rng = Random(1)
    draws = [full_jitter_s(policy, 5, rng) for _ in range(500)]
    assert max(draws) <= 2.0
    assert min(draws) < 0.2  # full jitter reaches near zero
    assert max(draws) > 1.8


def test_retry_after_that_fits_is_honoured() -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=10.0))
    stop, sent, waits = drive(run, [error(429, headers={"retry-after": "2"})], clock)
    assert waits == [2.0]
    assert sent == ["m", "m"]
    assert stop.error is None
    assert run.attempts[0].retry_after_ms == 2000.0


@pytest.mark.parametrize("fallback", [pytest.param(True, id="fails-over"), pytest.param(False, id="fails-fast")])
def test_retry_after_beyond_the_deadline_does_not_sleep(fallback: bool) -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=5.0), [Route(model="other")] if fallback else [])
    stop, sent, waits = drive(run, [error(429, headers={"retry-after-ms": "30000"})], clock)
    assert waits == []
    assert sent == (["m", "other"] if fallback else ["m"])
    assert (stop.error is None) is fallback
    assert "does not fit" in (run.attempts[0].error_summary or "")


def test_one_deadline_for_the_whole_call() -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=3.0, backoff_base_s=0.1), [Route(model="other")])
    stop, sent, _ = drive(run, [error(503)] * 10, clock, cost_s=1.2)
    assert stop.error is not None
    assert stop.error.failure_class in (FailureClass.DEADLINE_EXCEEDED, FailureClass.SERVER_ERROR)
    assert len(sent) <= 3
    assert clock.now - 1000.0 <= 3.0 + 1.2


def test_send_limits_shrink_to_the_remaining_deadline() -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=4.0, first_chunk_timeout_s=10.0))
    clock.advance(1.0)
    step = run.next_step()
    assert isinstance(step, Send)
    assert step.first_chunk_s == pytest.approx(3.0)
    assert step.connect_s == pytest.approx(3.0)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(TransportError.READ_TIMEOUT, id="silent"),
        pytest.param(TransportError.FIRST_CHUNK_TIMEOUT, id="no-first-chunk"),
    ],
)
def test_a_silent_route_is_failed_over_not_retried(kind: TransportError) -> None:
    clock = FakeClock()
    run = begin(engine(clock), [Route(model="other")])
    stop, sent, waits = drive(run, [transport(kind)], clock)
    assert sent == ["m", "other"]
    assert waits == []
    assert stop.error is None
    assert (
        "completion status unknown" in (run.attempts[0].error_summary or "") or kind is not TransportError.READ_TIMEOUT
    )


def test_reissue_false_retries_only_before_sending() -> None:
    clock = FakeClock()
    run = begin(engine(clock), [Route(model="other")], reissue=False)
    stop, sent, _ = drive(
        run,
        [transport(TransportError.CONNECT_ERROR), transport(TransportError.READ_TIMEOUT)],
        clock,
    )
    assert sent == [
        "m",
        "m",
    ]  # the connect error was retried; the read timeout was neither retried nor failed over
    assert stop.error is not None
    assert stop.error.failure_class is FailureClass.TIMEOUT


def test_reissue_false_does_not_retry_a_503() -> None:
    clock = FakeClock()
    run = begin(engine(clock), [Route(model="other")], reissue=False)
    stop, sent, _ = drive(run, [error(503)], clock)
    assert sent == ["m"]
    assert stop.error is not None


def test_stream_cut_before_content_is_retried_after_content_is_partial() -> None:
    clock = FakeClock()
    run = begin(engine(clock), [Route(model="other")])
    stop, sent, _ = drive(run, [stream(StreamState.CUT), stream(StreamState.STALLED, delivered=True)], clock)
    assert sent == ["m", "m"]
    assert stop.error is not None
    assert stop.error.partial
    assert stop.error.failure_class is FailureClass.STREAM_STALLED


def test_local_size_limit_sends_nothing_and_routes_to_fallback() -> None:
    clock = FakeClock()
    eng = engine(clock, max_request_chars=10)
    run = begin(eng, [Route(model="big")], messages=[{"role": "user", "content": "x" * 50}])
    stop, sent, _ = drive(run, [], clock)
    assert sent == ["big"]
    assert classes(run) == ["context_exceeded", None]
    assert run.attempts[0].http_status is None
    run = begin(eng, [], messages=[{"role": "user", "content": "x" * 50}])
    stop, sent, _ = drive(run, [], clock)
    assert sent == []
    assert stop.error is not None
    assert stop.error.failure_class is FailureClass.CONTEXT_EXCEEDED


def test_token_counter_replaces_characters() -> None:
    clock = FakeClock()
    eng = engine(
        clock,
        max_request_tokens=3,
        token_counter=lambda msgs: sum(len(str(m["content"]).split()) for m in msgs),
    )
    stop, sent, _ = drive(begin(eng, messages=[{"role": "user", "content": "a b c d"}]), [], clock)
    assert sent == []
    assert stop.error is not None
    stop, sent, _ = drive(begin(eng, messages=[{"role": "user", "content": "a b c"}]), [], clock)
    assert sent == ["m"]


def test_retry_budget_caps_retries_under_an_outage() -> None:
    clock = FakeClock()
    eng = engine(
        clock,
        retry_budget_floor=2.0,
        retry_budget_ratio=0.1,
        backoff_base_s=0.0,
        breaker_failure_threshold=1000,
    )
    sent_total = 0
    calls = 100
    for _ in range(calls):
        _, sent, _ = drive(begin(eng), [error(503)] * 3, clock)
        sent_total += len(sent)
    retries = sent_total - calls
    assert retries <= 2 + 0.1 * calls + 1
    assert retries >= 2
    assert eng.budget.refused > 0


def test_retry_budget_floor_refills_with_time() -> None:
    clock = FakeClock()
    eng = engine(clock, retry_budget_floor=1.0, retry_budget_ratio=0.0, retry_budget_window_s=10.0)
    assert eng.budget.try_spend()
    assert not eng.budget.try_spend()
    clock.advance(10.0)
    assert eng.budget.try_spend()


def test_breaker_opens_skips_and_recovers_through_half_open_probes() -> None:
    clock = FakeClock()
    eng = engine(clock, breaker_failure_threshold=2, breaker_reprobe_s=15.0, max_attempts_per_route=1)
    for _ in range(2):
        drive(begin(eng, [Route(model="other")]), [error(503)], clock)
    run = begin(eng, [Route(model="other")])
    _, sent, _ = drive(run, [], clock)
    assert sent == ["other"]  # primary skipped while open
    assert classes(run)[0] == "circuit_open"
    assert run.attempts[0].http_status is None
    clock.advance(15.0)
    run = begin(eng, [Route(model="other")])
    step = run.next_step()
    assert isinstance(step, Send)
    assert step.target.model == "m"
    assert run.attempts == []
    other = begin(eng, [Route(model="other")])  # a second caller while the probe is in flight
    second = other.next_step()
    assert isinstance(second, Send)
    assert second.target.model == "other"
    run.report(ok())
    assert eng.breaker(step.target.breaker_key).state.value == "closed"


def test_failed_probe_reopens_the_circuit() -> None:
    clock = FakeClock()
    eng = engine(clock, breaker_failure_threshold=1, breaker_reprobe_s=5.0, max_attempts_per_route=1)
    drive(begin(eng), [error(503)], clock)
    clock.advance(5.0)
    drive(begin(eng), [error(503)], clock)
    stop, sent, _ = drive(begin(eng), [], clock)
    assert sent == []
    assert stop.error is not None
    assert stop.error.failure_class is FailureClass.CIRCUIT_OPEN


def test_client_errors_do_not_trip_the_breaker() -> None:
    clock = FakeClock()
    eng = engine(clock, breaker_failure_threshold=1)
    drive(begin(eng), [error(400, "invalid_request_error")], clock)
    _, sent, _ = drive(begin(eng), [], clock)
    assert sent == ["m"]


def test_records_are_redacted_at_creation() -> None:
    clock = FakeClock()
    run = begin(engine(clock))
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"
    drive(run, [error(401, "invalid_api_key", f"Incorrect API key provided: {secret}")], clock)
    text = run.attempts[0].to_json()
    assert secret not in text
    assert "[REDACTED]" in text
    assert run.attempts[0].credential_source == "env:X"


def test_content_filter_finish_is_returned_not_raised() -> None:
    clock = FakeClock()
    out = ok()
    out.body = out.body.replace(b'"stop"', b'"content_filter"') if out.body else None
    stop, sent, _ = drive(begin(engine(clock)), [out], clock)
    assert stop.error is None
    assert sent == ["m"]


def test_retry_after_that_leaves_no_room_for_an_attempt_is_not_slept() -> None:
    clock = FakeClock()
    run = begin(engine(clock, deadline_s=3.0, first_chunk_timeout_s=2.0))
    stop, sent, waits = drive(run, [error(429, headers={"retry-after": "2.5"})], clock)
    assert waits == []
    assert sent == ["m"]
    assert stop.error is not None
    assert stop.error.failure_class is FailureClass.RATE_LIMITED


def test_abandoned_half_open_probe_gives_its_permit_back() -> None:
    clock = FakeClock()
    eng = engine(clock, breaker_failure_threshold=1, breaker_reprobe_s=5.0, max_attempts_per_route=1)
    drive(begin(eng), [error(503)], clock)
    clock.advance(5.0)
    probe = begin(eng)
    assert isinstance(probe.next_step(), Send)
    blocked = begin(eng).next_step()
    assert isinstance(blocked, Stop)  # the one probe is in flight
    probe.abandon()
    assert isinstance(begin(eng).next_step(), Send)
