"""Every fault observed on the wire: status, headers, bytes, timing within bounds."""

from __future__ import annotations

import time

import httpx
import pytest

from chatcontract.selfcheck import verify
from chatcontract.sim import CANONICAL_TEXT, FakeClock, SimServer, serve

from .wire import parse_sse, post, raw_exchange


@pytest.mark.parametrize(
    ("model", "first", "second", "code"),
    [
        pytest.param("sim-429", 429, 429, "rate_limit_exceeded", id="429"),
        pytest.param("sim-429-quota", 429, 429, "insufficient_quota", id="429-quota"),
        pytest.param("sim-500-once", 500, 200, None, id="500-once"),
        pytest.param("sim-500-invalid-request", 500, 500, "invalid_request", id="500-invalid-request"),
        pytest.param("sim-502", 502, 502, None, id="502"),
        pytest.param("sim-503", 503, 503, None, id="503"),
        pytest.param("sim-504", 504, 504, None, id="504"),
        pytest.param("sim-524", 524, 524, None, id="524"),
        pytest.param("sim-context-exceeded", 400, 400, "context_length_exceeded", id="context-exceeded"),
        pytest.param("sim-content-filter", 400, 400, "content_policy_violation", id="content-filter"),
    ],
)
def test_status_faults(sim: SimServer, model: str, first: int, second: int, code: str | None) -> None:
    one, two = post(sim, model), post(sim, model)
    assert (one.status_code, two.status_code) == (first, second)
    assert "retry-after" not in one.headers
    error = one.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code
    if second == 200:
        assert two.json()["choices"][0]["message"]["content"] == CANONICAL_TEXT


def test_retry_after_on_first_attempt_only(sim: SimServer) -> None:
    one, two = post(sim, "sim-429-retry-after-7"), post(sim, "sim-429-retry-after-7")
    assert one.status_code == 429
    assert one.headers["retry-after"] == "7"
    assert two.status_code == 200


def test_fault_header_overrides_the_model_and_counts_separately(sim: SimServer) -> None:
    header = {"x-sim-fault": "sim-500-once"}
    assert post(sim, headers=header).status_code == 500
    assert post(sim, headers=header).status_code == 200
    assert post(sim).status_code == 200
    assert [a["attempt"] for a in sim.attempts()] == [1, 2, 1]
    other_model = post(sim, "gpt-4o-mini", headers={"x-sim-fault": "sim-503"})
    assert other_model.status_code == 503  # the header selects the behaviour for any model name


def test_reset_is_a_tcp_rst_before_any_byte(sim: SimServer) -> None:
    received, error = raw_exchange(sim, "sim-reset")
    assert received == b""
    assert isinstance(error, ConnectionResetError)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError)):
        post(sim, "sim-reset")


def test_reset_once_then_healthy(sim: SimServer) -> None:
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError)):
        post(sim, "sim-reset-once")
    assert post(sim, "sim-reset-once").status_code == 200
    assert [a["status"] for a in sim.attempts()] == [None, 200]


def test_silent_never_answers_and_ends_when_the_client_leaves(sim: SimServer) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        post(sim, "sim-silent", timeout=0.3)
    assert 0.25 < time.monotonic() - started < 3
    assert sim.attempts()[-1]["behaviour"] == "sim-silent"
    assert post(sim).status_code == 200  # the server is still free


def test_silent_is_capped_and_then_closed_without_a_byte() -> None:
    with serve(silent_cap_s=0.3) as sim:
        started = time.monotonic()
        received, error = raw_exchange(sim, "sim-silent", timeout=5)
        assert received == b""
        assert error is None  # closed (FIN) after the cap, not timed out by us
        assert 0.25 < time.monotonic() - started < 3


def test_silent_does_not_block_shutdown() -> None:
    with serve() as sim:
        received: list[BaseException] = []

        def call() -> None:
            try:
                post(sim, "sim-silent", timeout=10)
            except httpx.HTTPError as exc:
                received.append(exc)

        import threading

        thread = threading.Thread(target=call)
        thread.start()
        deadline = time.monotonic() + 3
        while not sim.attempts() and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 3
    thread.join(5)
    assert received
    assert isinstance(received[0], httpx.RemoteProtocolError)


def test_slow_first_token_waits_on_the_clock_for_n_scaled_seconds() -> None:
    clock = FakeClock()
    with serve(clock=clock, time_scale=0.5) as sim:
        started = time.monotonic()
        response = post(sim, "sim-slow-first-token-30")
        assert time.monotonic() - started < 2  # the fake clock never really sleeps
        assert response.status_code == 200
        assert clock.slept == [15.0]
        events = parse_sse(post(sim, "sim-slow-first-token-30", stream=True).content)
        assert events.content() == CANONICAL_TEXT
        assert clock.slept == [15.0, 15.0]


def test_slow_first_token_on_the_wire_sends_headers_first() -> None:
    with serve(time_scale=0.1) as sim, httpx.Client(timeout=5) as client:
        started = time.monotonic()
        body = {
            "model": "sim-slow-first-token-5",
            "messages": [{"role": "user", "content": "x"}],
            "stream": True,
        }
        headers = {"Authorization": f"Bearer {sim.api_key}"}
        with client.stream("POST", sim.base_url + "/chat/completions", json=body, headers=headers) as response:
            headers_at = time.monotonic() - started
            chunks = response.iter_bytes()
            first = next(chunks)
            first_at = time.monotonic() - started
            rest = first + b"".join(chunks)
    assert response.status_code == 200
    assert first_at - headers_at >= 0.45  # 5 s scaled by 0.1, after the headers
    assert first_at < 3.0
    assert parse_sse(rest).content() == CANONICAL_TEXT


def test_stream_cut_ends_cleanly_without_finish_or_done(sim: SimServer) -> None:
    response = post(sim, "sim-stream-cut-5", stream=True)
    assert response.status_code == 200
    assert response.headers["connection"] == "close"
    events = parse_sse(response.content)
    assert events.content_chunks() == 5
    assert events.finish_reasons() == []
    assert not events.done
    assert CANONICAL_TEXT.startswith(events.content())


def test_stream_cut_non_streaming_is_healthy(sim: SimServer) -> None:
    assert post(sim, "sim-stream-cut-5").json()["choices"][0]["message"]["content"] == CANONICAL_TEXT


def test_stream_abort_drops_the_connection_mid_body(sim: SimServer) -> None:
    received, error = raw_exchange(sim, "sim-stream-abort-4", stream=True)
    assert received.startswith(b"HTTP/1.1 200")
    assert b"0\r\n\r\n" not in received.split(b"\r\n\r\n", 1)[1][-5:]  # no terminating chunk
    assert received.count(b'"content":"') == 1 + 4  # role chunk + 4 words
    with pytest.raises(httpx.RemoteProtocolError):
        post(sim, "sim-stream-abort-4", stream=True)
    del error


def test_stream_stall_goes_silent_then_closes_without_finish() -> None:
    with serve(time_scale=0.1) as sim, httpx.Client(timeout=5) as client:
        body = {
            "model": "sim-stream-stall-3",
            "messages": [{"role": "user", "content": "x"}],
            "stream": True,
        }
        started = time.monotonic()
        with client.stream(
            "POST",
            sim.base_url + "/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {sim.api_key}"},
        ) as response:
            raw = response.read()
        elapsed = time.monotonic() - started
    assert 0.28 <= elapsed < 2.5
    events = parse_sse(raw)
    assert events.content_chunks() == 3
    assert events.finish_reasons() == []
    assert not events.done


def test_stream_stall_reads_the_injected_clock() -> None:
    clock = FakeClock()
    with serve(clock=clock) as sim:
        events = parse_sse(post(sim, "sim-stream-stall-45", stream=True).content)
    assert clock.slept == [45.0]
    assert events.content_chunks() == 3


def test_stream_malformed_has_one_bad_event_then_completes(sim: SimServer) -> None:
    events = parse_sse(post(sim, "sim-stream-malformed", stream=True).content)
    assert len(events.malformed()) == 1
    words = CANONICAL_TEXT.split(" ")
    lost = len(words) // 2
    assert events.content() == " ".join(words[:lost] + words[lost + 1 :])  # the broken chunk's word is lost
    assert not verify(events.content()).whole
    assert events.finish_reasons() == ["stop"]
    assert events.done


def test_stream_no_done_has_finish_and_usage_but_no_done(sim: SimServer) -> None:
    response = post(sim, "sim-stream-no-done", stream=True, stream_options={"include_usage": True})
    events = parse_sse(response.content)
    assert events.finish_reasons() == ["stop"]
    assert events.chunks()[-1]["usage"]["total_tokens"] > 0
    assert not events.done
    assert response.headers["connection"] == "close"


def test_stream_error_sends_an_error_event_then_closes(sim: SimServer) -> None:
    events = parse_sse(post(sim, "sim-stream-error", stream=True).content)
    errors = [c for c in events.chunks() if "error" in c]
    assert len(errors) == 1
    assert set(errors[0]["error"]) == {"message", "type", "param", "code"}
    assert events.content_chunks() == 3
    assert events.finish_reasons() == []
    assert not events.done


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_content_filter_finish(sim: SimServer, stream: bool) -> None:
    response = post(sim, "sim-content-filter-finish", stream=stream)
    assert response.status_code == 200
    if stream:
        assert parse_sse(response.content).finish_reasons() == ["content_filter"]
    else:
        assert response.json()["choices"][0]["finish_reason"] == "content_filter"


def test_non_json_is_a_200_plain_text_body(sim: SimServer) -> None:
    response = post(sim, "sim-non-json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        response.json()


def test_no_choices_is_a_200_json_without_choices(sim: SimServer) -> None:
    response = post(sim, "sim-no-choices")
    assert response.status_code == 200
    body = response.json()
    assert "choices" not in body
    assert body["object"] == "chat.completion"


def test_flap_is_503_until_n_seconds_after_reset() -> None:
    clock = FakeClock()
    with serve(clock=clock, time_scale=2.0) as sim:
        assert post(sim, "sim-flap-10").status_code == 503
        clock.advance(19.0)  # 10 s scaled by 2 = 20 s of clock time
        assert post(sim, "sim-flap-10").status_code == 503
        clock.advance(1.5)
        assert post(sim, "sim-flap-10").status_code == 200
        sim.reset()
        assert post(sim, "sim-flap-10").status_code == 503
