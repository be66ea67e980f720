"""The resilient Client and the openai SDK (through ResilientTransport) against altserver faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import openai
import pytest
from tests.general.altserver import AltConfig, AltServer, serve_alt

import chatcontract.probe.cases_happy  # noqa: F401 - registers the stream case
from chatcontract import CallFailed, Client, MemorySink, Policy, ResilientTransport
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import DEFAULT_REGISTRY
from chatcontract.probe.runner import Target, run_probe
from chatcontract.record import FailureClass, Result

POLICY = Policy(
    deadline_s=8.0,
    first_chunk_timeout_s=3.0,
    stream_idle_timeout_s=2.0,
    backoff_base_s=0.02,
    backoff_max_s=0.1,
    breaker_failure_threshold=100,
)
MESSAGES = [{"role": "user", "content": "ping"}]
MODEL = "alt-model-1"


@pytest.fixture(
    scope="module",
    params=[{}, {"event_names": True, "done": False}, {"split_data": True}],
    ids=["crlf-ids-keepalive", "event-lines-no-done", "multi-line-data"],
)
def alt(request: pytest.FixtureRequest) -> Iterator[AltServer]:
    with serve_alt(AltConfig(**request.param)) as server:
        yield server


def _statuses(attempts: list[object]) -> list[int | None]:
    return [getattr(a, "http_status", None) for a in attempts]


CALLS = [
    pytest.param((), False, [200], id="plain"),
    pytest.param((), True, [200], id="stream"),
    pytest.param(("429-ms",), True, [429, 200], id="429-retry-after-ms"),
    pytest.param(("529",), False, [529, 200], id="529-overloaded-anthropic-body"),
    pytest.param(("503-html",), False, [503, 200], id="503-html"),
    pytest.param(("nodone",), True, [200], id="finish-on-last-chunk-no-done"),
    pytest.param(("cut",), True, [200, 200], id="cut-stream-restarted"),
]


@pytest.mark.parametrize(("faults", "stream", "statuses"), CALLS)
def test_client_outcome(alt: AltServer, faults: tuple[str, ...], stream: bool, statuses: list[int]) -> None:
    alt.faults.clear()
    alt.script(*faults)
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=POLICY)
    started = time.monotonic()
    done = client.chat(model=MODEL, messages=MESSAGES, stream=stream)
    assert time.monotonic() - started < 3.0
    assert done.content == ("pong." if stream else "pong")
    assert done.finish_reason == "stop"
    assert _statuses(done.attempts) == statuses
    if stream:
        assert done.usage is not None
        assert done.usage["total_tokens"] == 12


def test_client_waits_for_http_date_retry_after(alt: AltServer) -> None:
    alt.faults.clear()
    alt.script("429-date")
    slept: list[float] = []  # the client's injected sleep: the wait is asked for, not waited out
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=POLICY, sleep=slept.append)
    done = client.chat(model=MODEL, messages=MESSAGES)
    waited = sum(slept)
    assert len(slept) == 1
    assert _statuses(done.attempts) == [429, 200]
    first = done.attempts[0]
    assert first.failure_class is FailureClass.RATE_LIMITED
    assert first.retry_after_ms is not None
    assert 0 < first.retry_after_ms <= 2000
    assert 0.5 <= waited < 3.0  # the date is one second-granular, ~1-2 s ahead


def test_client_never_returns_a_persistently_cut_stream(alt: AltServer) -> None:
    alt.faults.clear()
    alt.script("cut", "cut", "cut")
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=POLICY)
    with pytest.raises(CallFailed) as caught:
        client.chat(model=MODEL, messages=MESSAGES, stream=True)
    assert caught.value.failure_class is FailureClass.STREAM_INTERRUPTED
    assert len(caught.value.attempts) == 3
    alt.faults.clear()


def test_client_does_not_retry_refusals(alt: AltServer) -> None:
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=POLICY)
    with pytest.raises(CallFailed) as caught:
        client.chat(model="no-such-model", messages=MESSAGES)
    assert caught.value.failure_class is FailureClass.MODEL_UNKNOWN
    assert _statuses(caught.value.attempts) == [404]
    bad = Client(base_url=alt.base_url, api_key="alt-wrong-key-0000000000", policy=POLICY)
    with pytest.raises(CallFailed) as refused:
        bad.chat(model=MODEL, messages=MESSAGES)
    assert refused.value.failure_class is FailureClass.AUTH
    assert _statuses(refused.value.attempts) == [403]


@pytest.fixture(scope="module")
def sdk_alt() -> Iterator[AltServer]:
    # ``ids=False``: openai 3.x's SSE decoder keeps the last event id and then dispatches a
    # keep-alive comment block as an empty event (JSONDecodeError) - an SDK limitation, not ours.
    with serve_alt(AltConfig(ids=False)) as server:
        yield server


SDK_CALLS = [
    pytest.param(("429-date",), False, ["rate_limited", None], id="429-http-date"),
    pytest.param(("529",), False, ["server_error", None], id="529"),
    pytest.param((), True, [None], id="stream-gzip-crlf"),
    pytest.param(("nodone",), True, [None], id="stream-no-done"),
]


def _sdk(alt: AltServer, sink: MemorySink) -> tuple[openai.OpenAI, httpx2.Client]:
    # A Retry-After wait is asked of the injected sleep, not waited out (the waits are checked above).
    http = httpx2.Client(transport=ResilientTransport(policy=POLICY, sink=sink, sleep=lambda _s: None))
    return openai.OpenAI(base_url=alt.base_url, api_key=alt.config.api_key, http_client=http, max_retries=0), http


@pytest.mark.parametrize(("faults", "stream", "classes"), SDK_CALLS)
def test_sdk_through_resilient_transport(
    sdk_alt: AltServer, faults: tuple[str, ...], stream: bool, classes: list[str | None]
) -> None:
    sdk_alt.faults.clear()
    sdk_alt.script(*faults)
    sink = MemorySink()
    sdk, http = _sdk(sdk_alt, sink)
    with http:
        if stream:
            chunks = list(sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))  # type: ignore[arg-type]
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            assert text == "pong."
        else:
            done = sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert done.choices[0].message.content == "pong"
    assert [r.failure_class.value if r.failure_class else None for r in sink.records] == classes


def test_sdk_cut_stream_raises_instead_of_ending_quietly(sdk_alt: AltServer) -> None:
    sdk_alt.faults.clear()
    sdk_alt.script("cut")
    sink = MemorySink()
    sdk, http = _sdk(sdk_alt, sink)
    with http, pytest.raises(openai.APIError):
        for _ in sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):  # type: ignore[arg-type]
            pass
    assert [r.failure_class for r in sink.records] == [FailureClass.STREAM_INTERRUPTED]


def test_altserver_really_differs_on_the_wire(alt: AltServer) -> None:
    """Guard the test server itself: gzip, no x-request-id, CRLF SSE without a space."""
    headers = {"authorization": f"Bearer {alt.config.api_key}"}
    body = {"model": MODEL, "messages": MESSAGES}
    with httpx2.Client() as http:
        plain = http.post(f"{alt.base_url}/chat/completions", headers=headers, json=body)
        assert plain.headers.get("content-encoding") == "gzip"
        assert "x-request-id" not in plain.headers
        streamed = http.post(f"{alt.base_url}/chat/completions", headers=headers, json={**body, "stream": True})
        assert b"\r\ndata:{" in streamed.content
        assert b"data: " not in streamed.content
        assert http.get(f"{alt.base_url}/chat/completions", headers=headers).status_code == 405


def test_keepalive_comments_are_not_a_first_chunk(alt: AltServer) -> None:
    """A server that only sends ``: ping`` comments is silent: the first-chunk limit applies."""
    alt.faults.clear()
    alt.script("pings")
    # a few of the server's 0.1 s ping intervals: pings taken for a first chunk would never time out
    policy = Policy(deadline_s=6.0, first_chunk_timeout_s=0.35, stream_idle_timeout_s=0.35, max_attempts_per_route=2)
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=policy)
    started = time.monotonic()
    with pytest.raises(CallFailed) as caught:
        client.chat(model=MODEL, messages=MESSAGES, stream=True)
    assert time.monotonic() - started < 2.5  # one first-chunk limit, not the server's 4 s of pings
    assert caught.value.failure_class is FailureClass.TIMEOUT
    assert len(caught.value.attempts) == 1  # a silent route is failed over, not retried


def test_client_reads_gzip_encoded_streams() -> None:
    with serve_alt(AltConfig(gzip_stream=True)) as server:
        client = Client(base_url=server.base_url, api_key=server.config.api_key, policy=POLICY)
        done = client.chat(model=MODEL, messages=MESSAGES, stream=True)
    assert done.content == "pong."
    assert done.finish_reason == "stop"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        pytest.param("openai-compatible", Result.PASS, id="needs-confirmation-is-a-note"),
        pytest.param("openai", Result.FAIL, id="supported-is-a-fail"),
    ],
)
def test_probe_stream_without_done_after_finish_reason(profile: str, expected: Result) -> None:
    """A generic server ending with a finish_reason but no ``[DONE]``: the probe's stream case
    notes it where the profile marks ``stream_terminator`` as needing confirmation, fails it where
    the profile says it is supported."""
    cfg = AltConfig(done=False)
    with serve_alt(cfg) as server:
        target = Target(server.base_url, load_profile(profile), Credential(cfg.api_key, "env:ALT_KEY"), MODEL)
        run = run_probe(DEFAULT_REGISTRY.select(["stream"]), target, max_requests=3)
    result = run.result("stream")
    assert result.result is expected, result.notes
    assert any("no [DONE] terminator" in note for note in result.notes), result.notes
    if expected is Result.PASS:
        assert any("needs confirmation" in note for note in result.notes), result.notes
