"""Every stream driver (Client, AsyncClient, both resilient transports) against wire variants of
the independent altserver: gzip-encoded streams, lone-CR line ends, keep-alive comments that
must count neither as a first chunk nor as progress against the idle limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import httpx2
import openai
import pytest
from tests.general.altserver import AltConfig, AltServer, serve_alt

from chatcontract import AsyncClient, CallFailed, Client, MemorySink, Policy, ResilientTransport
from chatcontract.client import AsyncResilientTransport
from chatcontract.client.sse import StreamChecker
from chatcontract.client.transport_base import StreamBroken, TransportTimeout
from chatcontract.record import FailureClass

MODEL = "alt-model-1"
MESSAGES = [{"role": "user", "content": "ping"}]
POLICY = Policy(
    deadline_s=8.0,
    first_chunk_timeout_s=0.8,
    stream_idle_timeout_s=0.5,
    max_attempts_per_route=2,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    breaker_failure_threshold=100,
    post_finish_grace_s=0.2,
)
# The keep-alive table waits out real limits on loopback (12 cases each): limits a few ping
# intervals (0.1 s) long keep it discriminating — pings counted as progress would never stall —
# while the server's 4 s of pings stay far beyond them.
LIMITS = replace(POLICY, first_chunk_timeout_s=0.35, stream_idle_timeout_s=0.25)


@dataclass
class Run:
    """How one call went: its text (when whole), its error, its records, its duration."""

    text: str | None
    error: Exception | None
    classes: list[str | None]
    elapsed: float


def _client(alt: AltServer, sink: MemorySink, policy: Policy) -> str:
    client = Client(base_url=alt.base_url, api_key=alt.config.api_key, policy=policy, sink=sink)
    try:
        return client.chat(model=MODEL, messages=MESSAGES, stream=True).content or ""
    finally:
        client.close()


def _async_client(alt: AltServer, sink: MemorySink, policy: Policy) -> str:
    async def go() -> str:
        async with AsyncClient(base_url=alt.base_url, api_key=alt.config.api_key, policy=policy, sink=sink) as c:
            return (await c.chat(model=MODEL, messages=MESSAGES, stream=True)).content or ""

    return asyncio.run(go())


def _body(alt: AltServer) -> tuple[str, dict[str, str], dict[str, object]]:
    headers = {"authorization": f"Bearer {alt.config.api_key}"}
    return f"{alt.base_url}/chat/completions", headers, {"model": MODEL, "messages": MESSAGES, "stream": True}


def _transport(alt: AltServer, sink: MemorySink, policy: Policy) -> str:
    url, headers, body = _body(alt)
    http = httpx2.Client(transport=ResilientTransport(policy=policy, sink=sink))
    with http, http.stream("POST", url, headers=headers, json=body) as response:
        assert "content-encoding" not in response.headers  # decoded once, by us
        raw = b"".join(response.iter_bytes())
    return _text(raw)


def _async_transport(alt: AltServer, sink: MemorySink, policy: Policy) -> str:
    async def go() -> str:
        url, headers, body = _body(alt)
        http = httpx2.AsyncClient(transport=AsyncResilientTransport(policy=policy, sink=sink))
        async with http, http.stream("POST", url, headers=headers, json=body) as response:
            assert "content-encoding" not in response.headers
            raw = b"".join([data async for data in response.aiter_bytes()])
        return _text(raw)

    return asyncio.run(go())


def _text(raw: bytes) -> str:
    """The content of an SSE body the transport handed over (parsed by our own checker)."""
    checker = StreamChecker()
    checker.feed(raw)
    checker.eof()
    assert checker.complete, checker.problem
    return "".join(checker.parts)


DRIVERS: dict[str, Callable[[AltServer, MemorySink, Policy], str]] = {
    "client": _client,
    "async-client": _async_client,
    "transport": _transport,
    "async-transport": _async_transport,
}
CLIENTS = ("client", "async-client")


def run(driver: str, alt: AltServer, *faults: str, policy: Policy = POLICY) -> Run:
    alt.faults.clear()
    alt.script(*faults)
    sink = MemorySink()
    started = time.monotonic()
    text: str | None = None
    error: Exception | None = None
    try:
        text = DRIVERS[driver](alt, sink, policy)
    except (CallFailed, httpx2.HTTPError) as exc:
        error = exc
    classes = [r.failure_class.value if r.failure_class else None for r in sink.records]
    return Run(text, error, classes, time.monotonic() - started)


@pytest.fixture(scope="module", params=[{}, {"gzip_stream": True}, {"eol": b"\r"}], ids=["crlf", "gzip", "lone-cr"])
def alt(request: pytest.FixtureRequest) -> Iterator[AltServer]:
    with serve_alt(AltConfig(**request.param)) as server:
        yield server


@pytest.mark.parametrize("driver", list(DRIVERS))
def test_every_driver_reads_every_wire_variant_whole(alt: AltServer, driver: str) -> None:
    """gzip: the checker must see decoded SSE; lone CR: every line end the spec allows."""
    done = run(driver, alt)
    assert done.error is None, done.error
    assert done.text == "pong."
    assert done.classes == [None]


@pytest.mark.parametrize("driver", list(DRIVERS))
def test_keepalive_comments_are_no_progress_against_the_idle_limit(alt: AltServer, driver: str) -> None:
    """Content, then only ``: ping`` comments (for 4 s): a stall within the 0.25 s idle limit."""
    done = run(driver, alt, "stall-after-content", policy=LIMITS)
    assert done.elapsed < 2.5  # not the server's 4 s of pings
    if driver in CLIENTS:  # a stall is a silent route: not tried again on the same route
        assert isinstance(done.error, CallFailed)
        assert done.error.failure_class is FailureClass.STREAM_STALLED
        assert done.classes == ["stream_stalled"]
    else:  # the transport already handed over content: it raises, never ends quietly
        assert isinstance(done.error, StreamBroken)
        assert done.classes == ["stream_stalled"]


@pytest.mark.parametrize("driver", list(DRIVERS))
def test_keepalive_comments_are_not_a_first_chunk(alt: AltServer, driver: str) -> None:
    """Only ``: ping`` comments: one first-chunk limit (0.35 s) from the request, no retry."""
    done = run(driver, alt, "pings", policy=LIMITS)
    assert done.elapsed < 2.0
    assert done.classes == ["timeout"]
    if driver in CLIENTS:
        assert isinstance(done.error, CallFailed)
    else:
        assert isinstance(done.error, TransportTimeout)


@pytest.fixture(scope="module")
def gzip_alt() -> Iterator[AltServer]:
    # ``ids=False``: see tests/general/test_client_alt.py (an openai SDK limitation with ids).
    with serve_alt(AltConfig(gzip_stream=True, ids=False)) as server:
        yield server


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_openai_sdk_reads_gzip_through_the_transport(gzip_alt: AltServer, stream: bool) -> None:
    gzip_alt.faults.clear()
    sink = MemorySink()
    with httpx2.Client(transport=ResilientTransport(policy=POLICY, sink=sink)) as http:
        key = gzip_alt.config.api_key
        sdk = openai.OpenAI(base_url=gzip_alt.base_url, api_key=key, http_client=http, max_retries=0)
        if stream:
            chunks = list(sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))  # type: ignore[arg-type]
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            assert text == "pong."
        else:
            done = sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert done.choices[0].message.content == "pong"
    assert [r.failure_class for r in sink.records] == [None]


def test_plain_gzip_body_through_the_transport_is_decoded_once(gzip_alt: AltServer) -> None:
    """A gzip non-stream answer: read (decoded) by the transport, handed over without the claim."""
    url, headers, body = _body(gzip_alt)
    with httpx2.Client(transport=ResilientTransport(policy=POLICY)) as http:
        response = http.post(url, headers=headers, json={**body, "stream": False})
    assert "content-encoding" not in response.headers
    assert response.json()["choices"][0]["message"]["content"] == "pong"
