"""``ResilientTransport`` inside the official openai SDK (max_retries=0), every simulator fault."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx2
import openai
import pytest
from tests.client.conftest import FAST, KEY, MESSAGES, sim_attempts

from chatcontract.client import AsyncResilientTransport, ResilientTransport, Route, StreamBroken
from chatcontract.sim import CANONICAL_TEXT, SimServer
from chatcontract.sinks import MemorySink

OK = "ok"


@pytest.fixture
def sdk(sim: SimServer) -> Iterator[tuple[openai.OpenAI, MemorySink]]:
    sink = MemorySink()
    transport = ResilientTransport(policy=FAST, fallbacks=[Route(model="sim-ok")], sink=sink)
    http = httpx2.Client(transport=transport)
    client = openai.OpenAI(base_url=sim.base_url, api_key=KEY, http_client=http, max_retries=0)
    yield client, sink
    http.close()


def _classes(sink: MemorySink) -> list[str | None]:
    return [r.failure_class.value if r.failure_class else None for r in sink.records]


PLAIN = [
    pytest.param("sim-ok", OK, 1, id="ok"),
    pytest.param("sim-429-retry-after-1", OK, 2, id="429-retry-after"),
    pytest.param("sim-429", OK, 3, id="429-persistent-falls-back"),
    pytest.param("sim-429-quota", openai.RateLimitError, 1, id="quota"),
    pytest.param("sim-500-once", OK, 2, id="500-once"),
    pytest.param("sim-500-invalid-request", openai.InternalServerError, 1, id="500-invalid-request"),
    pytest.param("sim-502", OK, 3, id="502"),
    pytest.param("sim-503", OK, 3, id="503"),
    pytest.param("sim-504", OK, 3, id="504"),
    pytest.param("sim-524", OK, 3, id="524"),
    pytest.param("sim-reset-once", OK, 2, id="reset-once"),
    pytest.param("sim-reset", OK, 3, id="reset-falls-back"),
    pytest.param("sim-silent", OK, 1, id="silent-fails-over"),
    pytest.param("sim-slow-first-token-10", OK, 1, id="slow-answer-fails-over"),
    pytest.param("sim-context-exceeded", OK, 1, id="context-falls-back"),
    pytest.param("sim-content-filter", openai.BadRequestError, 1, id="content-filter"),
    pytest.param("sim-content-filter-finish", OK, 1, id="content-filter-finish"),
    pytest.param("sim-non-json", OK, 2, id="non-json-retried-once"),
    pytest.param("sim-no-choices", OK, 1, id="no-choices-falls-back"),
    pytest.param("sim-stream-cut-5", OK, 1, id="stream-fault-on-plain-request"),
]


@pytest.mark.parametrize(("model", "expected", "count"), PLAIN)
def test_plain_requests(
    sim: SimServer, sdk: tuple[openai.OpenAI, MemorySink], model: str, expected: object, count: int
) -> None:
    client, sink = sdk
    started = time.monotonic()
    if expected is OK:
        r = client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
        assert r.choices[0].message.content == CANONICAL_TEXT
    else:
        with pytest.raises(expected):  # type: ignore[call-overload]
            client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2.5
    assert sim_attempts(sim, model) == count
    assert len(sink.records) >= count


STREAMED = [
    pytest.param("sim-ok", OK, 1, [None], id="ok"),
    pytest.param("sim-503", OK, 3, ["server_error"] * 3 + [None], id="503-falls-back"),
    pytest.param("sim-silent", OK, 1, ["timeout", None], id="silent-fails-over"),
    pytest.param("sim-slow-first-token-10", OK, 1, ["timeout", None], id="no-first-chunk-fails-over"),
    pytest.param("sim-slow-first-token-2", OK, 1, [None], id="slow-first-chunk-within-limit"),
    pytest.param("sim-stream-no-done", OK, 1, [None], id="no-done-is-fine"),
    pytest.param("sim-stream-cut-5", Exception, 1, ["stream_interrupted"], id="cut-raises"),
    pytest.param("sim-stream-stall-10", Exception, 1, ["stream_stalled"], id="stall-raises"),
    pytest.param("sim-stream-error", Exception, 1, ["stream_error"], id="error-event-raises"),
    pytest.param("sim-stream-malformed", Exception, 1, ["invalid_response"], id="malformed-raises"),
]


@pytest.mark.parametrize(("model", "expected", "count", "records"), STREAMED)
def test_streamed_requests(
    sim: SimServer,
    sdk: tuple[openai.OpenAI, MemorySink],
    model: str,
    expected: object,
    *,
    count: int,
    records: list[str | None],
) -> None:
    client, sink = sdk
    parts: list[str] = []
    started = time.monotonic()

    def consume() -> None:
        for chunk in client.chat.completions.create(model=model, messages=MESSAGES, stream=True):  # type: ignore[arg-type]
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)

    if expected is OK:
        consume()
        assert "".join(parts) == CANONICAL_TEXT
    else:
        with pytest.raises(Exception):  # noqa: B017 - the SDK may wrap our StreamBroken
            consume()
        assert "".join(parts) != CANONICAL_TEXT
    assert time.monotonic() - started < 2.5
    assert sim_attempts(sim, model) == count
    assert _classes(sink) == records


def test_cut_stream_raises_stream_broken_through_plain_httpx(sim: SimServer) -> None:
    transport = ResilientTransport(policy=FAST)
    body = {"model": "sim-stream-cut-5", "messages": MESSAGES, "stream": True}
    with (
        httpx2.Client(transport=transport) as http,
        http.stream(
            "POST", sim.base_url + "/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
        ) as response,
        pytest.raises(StreamBroken) as info,
    ):
        for _ in response.iter_bytes():
            pass
    assert info.value.call_failed.partial


def test_other_requests_pass_through_untouched(sim: SimServer) -> None:
    sink = MemorySink()
    with httpx2.Client(transport=ResilientTransport(policy=FAST, sink=sink)) as http:
        r = http.get(sim.base_url + "/models", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    assert sink.records == []


ASYNC_CASES = [
    pytest.param("sim-ok", False, OK, 1, id="ok"),
    pytest.param("sim-503", False, OK, 3, id="503-falls-back"),
    pytest.param("sim-silent", True, OK, 1, id="silent-stream-fails-over"),
    pytest.param("sim-slow-first-token-10", True, OK, 1, id="no-first-chunk-fails-over"),
    pytest.param("sim-stream-cut-5", True, Exception, 1, id="cut-raises"),
    pytest.param("sim-stream-stall-10", True, Exception, 1, id="stall-raises"),
    pytest.param("sim-429-quota", False, openai.RateLimitError, 1, id="quota"),
]


@pytest.mark.parametrize(("model", "stream", "expected", "count"), ASYNC_CASES)
def test_async_openai_sdk(sim: SimServer, model: str, stream: bool, expected: object, count: int) -> None:
    sink = MemorySink()

    async def go() -> str:
        transport = AsyncResilientTransport(policy=FAST, fallbacks=[Route(model="sim-ok")], sink=sink)
        async with httpx2.AsyncClient(transport=transport) as http:
            client = openai.AsyncOpenAI(base_url=sim.base_url, api_key=KEY, http_client=http, max_retries=0)
            if not stream:
                r = await client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
                return r.choices[0].message.content or ""
            parts: list[str] = []
            async for chunk in await client.chat.completions.create(
                model=model,
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            return "".join(parts)

    started = time.monotonic()
    if expected is OK:
        assert asyncio.run(go()) == CANONICAL_TEXT
    else:
        with pytest.raises(expected):  # type: ignore[call-overload]
            asyncio.run(go())
    assert time.monotonic() - started < 2.5
    assert sim_attempts(sim, model) == count
    assert sink.records
