"""``Client`` against the real simulator on loopback: attempts, timing bounds and outcomes."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from tests.client.conftest import FAST, KEY, MESSAGES, sim_attempts

from chatcontract.client import CallFailed, Client, Route
from chatcontract.record import FailureClass
from chatcontract.sim import CANONICAL_TEXT, SimServer, serve

MakeClient = Callable[..., Client]


def classes(attempts: list) -> list[str | None]:  # type: ignore[type-arg]
    return [a.failure_class.value if a.failure_class else None for a in attempts]


@pytest.mark.parametrize("stream", [pytest.param(False, id="plain"), pytest.param(True, id="stream")])
def test_healthy_answer_is_whole_and_checked(sim: SimServer, make_client: MakeClient, stream: bool) -> None:
    c = make_client().chat(model="sim-ok", messages=MESSAGES, stream=stream)
    assert c.content == CANONICAL_TEXT
    assert c.model == "sim-ok"
    assert c.finish_reason == "stop"
    assert c.usage is not None  # streams asked for include_usage (the profile supports it)
    assert classes(c.attempts) == [None]
    assert c.attempts[0].streaming is stream
    assert sim_attempts(sim) == 1


@pytest.mark.parametrize(
    ("model", "stream", "sim_count", "expected"),
    [
        pytest.param("sim-500-once", False, 2, ["server_error", None], id="500-once"),
        pytest.param("sim-500-once", True, 2, ["server_error", None], id="500-once-stream"),
        pytest.param("sim-reset-once", False, 2, ["connect_error", None], id="reset-once"),
        pytest.param("sim-stream-no-done", True, 1, [None], id="no-done-is-complete"),
        pytest.param("sim-content-filter-finish", False, 1, [None], id="content-filter-finish-returned"),
        pytest.param("sim-slow-first-token-2", True, 1, [None], id="slow-first-token-within-limit"),
    ],
)
def test_recoverable_faults(
    sim: SimServer,
    make_client: MakeClient,
    model: str,
    stream: bool,
    *,
    sim_count: int,
    expected: list[str | None],
) -> None:
    started = time.monotonic()
    c = make_client().chat(model=model, messages=MESSAGES, stream=stream)
    assert time.monotonic() - started < 2.0
    assert c.content == CANONICAL_TEXT
    assert classes(c.attempts) == expected
    assert sim_attempts(sim, model) == sim_count


def test_retry_after_2_waits_about_2_seconds(sim: SimServer, make_client: MakeClient) -> None:
    slept: list[float] = []  # the client's injected sleep: the wait is asked for, not waited out
    c = make_client(sleep=slept.append).chat(model="sim-429-retry-after-2", messages=MESSAGES)
    assert len(slept) == 1
    assert 1.9 <= slept[0] <= 2.0
    assert classes(c.attempts) == ["rate_limited", None]
    assert c.attempts[0].retry_after_ms == 2000.0
    assert sim_attempts(sim) == 2


@pytest.mark.parametrize("model", ["sim-429", "sim-503", "sim-502", "sim-504", "sim-524"])
def test_persistent_failures_stay_bounded_and_fall_back(sim: SimServer, make_client: MakeClient, model: str) -> None:
    started = time.monotonic()
    c = make_client(Route(model="sim-ok")).chat(model=model, messages=MESSAGES)
    assert time.monotonic() - started < 1.5
    assert c.model == "sim-ok"
    assert c.content == CANONICAL_TEXT
    assert sim_attempts(sim, model) == FAST.max_attempts_per_route
    assert sim_attempts(sim, "sim-ok") == 1
    assert c.attempts[-1].fallback_of is not None


def test_persistent_failure_without_fallback_raises_with_every_attempt(sim: SimServer, make_client: MakeClient) -> None:
    with pytest.raises(CallFailed) as info:
        make_client().chat(model="sim-503", messages=MESSAGES)
    err = info.value
    assert err.failure_class is FailureClass.SERVER_ERROR
    assert len(err.attempts) == 3
    assert err.provider_request_id is not None
    assert sim_attempts(sim) == 3
    assert not err.partial


@pytest.mark.parametrize(
    ("model", "failure"),
    [
        pytest.param("sim-content-filter", FailureClass.CONTENT_FILTERED, id="content-filter"),
        pytest.param("sim-429-quota", FailureClass.QUOTA_EXHAUSTED, id="quota-same-key"),
        pytest.param("sim-500-invalid-request", FailureClass.REQUEST_INVALID, id="500-invalid-request"),
        pytest.param("sim-does-not-exist", FailureClass.MODEL_UNKNOWN, id="unknown-model"),
    ],
)
def test_no_retry_no_fallback(sim: SimServer, make_client: MakeClient, model: str, failure: FailureClass) -> None:
    with pytest.raises(CallFailed) as info:
        make_client(Route(model="sim-ok")).chat(model=model, messages=MESSAGES)
    assert info.value.failure_class is failure
    assert sim_attempts(sim) == 1


def test_bad_key_is_auth_and_never_retried(sim: SimServer) -> None:
    with (
        Client(
            base_url=sim.base_url,
            api_key="sk-wrong-key-000000000000",
            policy=FAST,
            fallbacks=[Route(model="sim-ok")],
        ) as client,
        pytest.raises(CallFailed) as info,
    ):
        client.chat(model="sim-ok", messages=MESSAGES)
    assert info.value.failure_class is FailureClass.AUTH
    assert sim_attempts(sim) == 1
    assert "sk-wrong-key" not in str(info.value)
    assert all("sk-wrong-key" not in a.to_json() for a in info.value.attempts)


def test_context_exceeded_falls_back_and_names_the_model_that_answered(sim: SimServer, make_client: MakeClient) -> None:
    c = make_client(Route(model="sim-ok")).chat(model="sim-context-exceeded", messages=MESSAGES)
    assert c.model == "sim-ok"
    assert classes(c.attempts) == ["context_exceeded", None]
    assert sim_attempts(sim) == 2


def test_quota_falls_back_only_to_another_base_url(sim: SimServer, make_client: MakeClient) -> None:
    with serve(api_key=KEY, admin=True) as other:
        client = make_client(Route(model="sim-ok"), Route(model="sim-ok", base_url=other.base_url))
        c = client.chat(model="sim-429-quota", messages=MESSAGES)
        assert c.route.base_url == other.base_url
        assert sim_attempts(sim) == 1  # the same-key route was skipped
        assert sim_attempts(other) == 1


def test_local_token_budget_sends_nothing(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client(policy=replace(FAST, max_request_chars=5))
    with pytest.raises(CallFailed) as info:
        client.chat(model="sim-ok", messages=MESSAGES)
    assert info.value.failure_class is FailureClass.CONTEXT_EXCEEDED
    assert sim_attempts(sim) == 0
    c = make_client(Route(model="sim-ok"), policy=replace(FAST, max_request_chars=5)).chat(
        model="sim-ok", messages=MESSAGES
    )
    assert classes(c.attempts) == ["context_exceeded", None]
    assert sim_attempts(sim) == 1


@pytest.mark.parametrize("stream", [pytest.param(False, id="plain"), pytest.param(True, id="stream")])
def test_silent_provider_costs_one_first_chunk_limit(sim: SimServer, make_client: MakeClient, stream: bool) -> None:
    """The one real-time test of the first-chunk limit on a silent server: the timed-out attempt's
    own duration (the engine's clock, from sending to the cut), not the whole call's, which also
    counts building the client and the fallback's answer and so the machine's load."""
    c = make_client(Route(model="sim-ok")).chat(model="sim-silent", messages=MESSAGES, stream=stream)
    elapsed = (c.attempts[0].elapsed_ms or 0) / 1000
    assert FAST.first_chunk_timeout_s * 0.9 <= elapsed < FAST.first_chunk_timeout_s + 0.6
    assert classes(c.attempts) == ["timeout", None]
    assert sim_attempts(sim, "sim-silent") == 1
    assert c.model == "sim-ok"


def test_no_first_content_within_limit_fails_over(sim: SimServer, make_client: MakeClient) -> None:
    started = time.monotonic()
    c = make_client(Route(model="sim-ok")).chat(model="sim-slow-first-token-10", messages=MESSAGES, stream=True)
    assert time.monotonic() - started < FAST.first_chunk_timeout_s + 0.6
    assert classes(c.attempts) == ["timeout", None]
    assert c.attempts[0].http_status is None
    assert sim_attempts(sim, "sim-slow-first-token-10") == 1


def test_cut_stream_is_never_returned_as_success(sim: SimServer, make_client: MakeClient) -> None:
    with pytest.raises(CallFailed) as info:
        make_client().chat(model="sim-stream-cut-5", messages=MESSAGES, stream=True)
    assert info.value.failure_class is FailureClass.STREAM_INTERRUPTED
    assert sim_attempts(sim) == 3
    c = make_client(Route(model="sim-ok")).chat(model="sim-stream-cut-5", messages=MESSAGES, stream=True)
    assert c.content == CANONICAL_TEXT
    assert c.model == "sim-ok"


def test_stall_is_detected_within_the_idle_limit(sim: SimServer, make_client: MakeClient) -> None:
    with pytest.raises(CallFailed) as info:
        make_client().chat(model="sim-stream-stall-10", messages=MESSAGES, stream=True)
    assert info.value.failure_class is FailureClass.STREAM_STALLED
    for attempt in info.value.attempts:
        assert attempt.elapsed_ms is not None
        assert attempt.elapsed_ms < (FAST.stream_idle_timeout_s + 0.4) * 1000


@pytest.mark.parametrize(
    ("model", "first_class", "sim_count"),
    [
        pytest.param("sim-stream-error", "stream_error", 3, id="error-event"),
        pytest.param("sim-stream-malformed", "invalid_response", 2, id="malformed-retried-once"),
    ],
)
def test_broken_streams_are_recorded_and_failed_over(
    sim: SimServer, make_client: MakeClient, model: str, first_class: str, sim_count: int
) -> None:
    c = make_client(Route(model="sim-ok")).chat(model=model, messages=MESSAGES, stream=True)
    assert classes(c.attempts)[0] == first_class
    assert classes(c.attempts)[-1] is None
    assert sim_attempts(sim, model) == sim_count


def test_live_stream_yields_deltas_and_a_checked_final(sim: SimServer, make_client: MakeClient) -> None:
    stream = make_client().stream(model="sim-ok", messages=MESSAGES)
    deltas = list(stream)
    assert len(deltas) > 10
    assert "".join(deltas) == CANONICAL_TEXT
    assert stream.completion is not None
    assert stream.completion.finish_reason == "stop"


def test_live_stream_cut_after_content_raises_partial(sim: SimServer, make_client: MakeClient) -> None:
    seen: list[str] = []
    with pytest.raises(CallFailed) as info:
        seen.extend(make_client(Route(model="sim-ok")).stream(model="sim-stream-cut-5", messages=MESSAGES))
    assert info.value.partial
    assert info.value.failure_class is FailureClass.STREAM_INTERRUPTED
    assert sim_attempts(sim) == 1  # no retry, no fallback once the caller has content


def test_reissue_false_means_one_attempt_after_sending(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client(Route(model="sim-ok"))
    with pytest.raises(CallFailed):
        client.chat(model="sim-503", messages=MESSAGES, reissue=False)
    with pytest.raises(CallFailed) as info:
        client.chat(model="sim-silent", messages=MESSAGES, reissue=False)
    assert "completion status unknown" in (info.value.attempts[0].error_summary or "")
    assert sim_attempts(sim, "sim-503") == 1
    assert sim_attempts(sim, "sim-ok") == 0


def test_deadline_bounds_the_whole_call(sim: SimServer, make_client: MakeClient) -> None:
    policy = replace(FAST, deadline_s=0.8, first_chunk_timeout_s=0.6)
    started = time.monotonic()
    with pytest.raises(CallFailed):
        make_client(Route(model="sim-silent"), policy=policy).chat(model="sim-silent", messages=MESSAGES)
    assert time.monotonic() - started < 1.2


def test_flapping_route_is_served_by_fallback_then_primary_again(sim: SimServer, make_client: MakeClient) -> None:
    policy = replace(FAST, breaker_failure_threshold=2, breaker_reprobe_s=0.2, max_attempts_per_route=2)
    client = make_client(Route(model="sim-ok"), policy=policy)
    sim.reset()  # sim-flap-10: 503 for 1 s from here
    started = time.monotonic()
    served: list[tuple[float, str]] = []
    while time.monotonic() - started < 2.5:
        c = client.chat(model="sim-flap-10", messages=MESSAGES)
        served.append((time.monotonic() - started, c.model))
        time.sleep(0.05)
    down = [m for t, m in served if t < 0.9]
    assert down
    assert all(m == "sim-ok" for m in down)
    back = [t for t, m in served if m == "sim-flap-10"]
    assert back, "primary never came back"
    assert back[0] < 1.0 + policy.breaker_reprobe_s + 0.5
    assert all(m == "sim-flap-10" for t, m in served if t > back[0])
    assert sim_attempts(sim, "sim-flap-10") < len(served) + 10  # the breaker kept load off the failing route


def test_client_is_safe_to_share_across_threads(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client()
    errors: list[BaseException] = []
    results: list[str | None] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(client.chat(model="sim-ok", messages=MESSAGES).content)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert results == [CANONICAL_TEXT] * 30


def test_retry_budget_and_breaker_bound_a_full_outage(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client(policy=replace(FAST, breaker_failure_threshold=5, retry_budget_floor=3.0))
    calls = 40

    def call() -> None:
        with contextlib.suppress(CallFailed):
            client.chat(model="sim-503", messages=MESSAGES)

    threads = [threading.Thread(target=call) for _ in range(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sim_attempts(sim) / calls <= 1.3


def test_every_attempt_reaches_the_sink(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client(Route(model="sim-ok"))
    c = client.chat(model="sim-503", messages=MESSAGES)
    assert client.sink is not None
    assert client.sink.records == c.attempts  # type: ignore[attr-defined]
    assert {a.request_id for a in c.attempts} == {c.attempts[0].request_id}
    assert all(a.credential_source == "env:TEST_KEY" for a in c.attempts)


@pytest.mark.parametrize("live", [pytest.param(False, id="chat"), pytest.param(True, id="live")])
def test_a_stream_longer_than_the_deadline_is_cut_at_the_deadline(
    sim: SimServer, make_client: MakeClient, live: bool
) -> None:
    client = make_client(policy=replace(FAST, deadline_s=0.6))
    started = time.monotonic()

    def consume() -> None:
        if live:
            list(client.stream(model="sim-long-1000000", messages=MESSAGES))
        else:
            client.chat(model="sim-long-1000000", messages=MESSAGES, stream=True)

    with pytest.raises(CallFailed) as info:
        consume()
    assert time.monotonic() - started < 1.2
    assert info.value.failure_class is FailureClass.STREAM_STALLED
    assert "deadline" in (info.value.attempts[0].error_summary or "")
    assert info.value.partial is live


def test_a_caller_that_stops_reading_leaves_no_verdict(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client(policy=replace(FAST, breaker_failure_threshold=1))
    live = client.stream(model="sim-long-1000", messages=MESSAGES)
    assert next(live)
    live.close()
    assert client.sink is not None
    assert client.sink.records == []  # type: ignore[attr-defined]
    c = client.chat(model="sim-long-1000", messages=MESSAGES)  # the route was not marked down
    assert c.attempts[0].circuit_state == "closed"


def test_the_key_never_leaks_into_records_or_errors(sim: SimServer, make_client: MakeClient) -> None:
    client = make_client()
    texts: list[str] = []
    for model in ("sim-ok", "sim-503", "sim-429-quota", "sim-stream-error", "sim-silent", "sim-non-json"):
        try:
            c = client.chat(model=model, messages=MESSAGES, stream=model.startswith("sim-stream"))
            texts += [a.to_json() for a in c.attempts]
        except CallFailed as err:
            texts.append(str(err))
            texts += [a.to_json() for a in err.attempts]
    assert texts
    assert all(KEY not in t for t in texts)
    assert KEY not in repr(client)


@pytest.mark.parametrize("base_url", ["", "api.cometapi.com/v1"])
def test_a_base_url_without_scheme_is_a_usage_error(base_url: str) -> None:
    from chatcontract.errors import UsageError

    with pytest.raises(UsageError):
        Client(base_url=base_url, api_key=KEY)
