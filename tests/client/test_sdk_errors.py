"""The openai SDK over ``ResilientTransport`` raises on every simulator fault the ``Client``
fails, with and without a fallback: an ``openai.APIError`` subclass or an HTTP-library error,
never a ``str``, ``choices=None`` or a raw ``JSONDecodeError``; ``failure_of(err)`` gives the
class and the attempts (docs/sdk-errors.md)."""

from __future__ import annotations

import asyncio

import httpx2
import openai
import pytest
from tests.client.conftest import FAST, KEY, MESSAGES
from tests.client.test_one_wire import FAULTS

from chatcontract.client import (
    AsyncResilientTransport,
    CallFailed,
    Client,
    Completion,
    ResilientTransport,
    Route,
    failure_of,
)
from chatcontract.sim import SimServer

FALLBACK = [pytest.param((), id="no-fallback"), pytest.param((Route(model="sim-ok"),), id="fallback")]
STREAM = [pytest.param(False, id="plain"), pytest.param(True, id="stream")]


def _client_verdict(
    sim: SimServer, model: str, *, stream: bool, fallbacks: tuple[Route, ...]
) -> Completion | CallFailed:
    """What the Client makes of the fault; a stream is read live, as an SDK stream is."""
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, fallbacks=fallbacks, sleep=lambda _s: None) as c:
        try:
            if not stream:
                return c.chat(model=model, messages=MESSAGES)
            live = c.stream(model=model, messages=MESSAGES)
            for _ in live:
                pass
            assert live.completion is not None
            return live.completion
        except CallFailed as failed:
            return failed


def _sdk_text(sim: SimServer, model: str, *, stream: bool, fallbacks: tuple[Route, ...]) -> object:
    transport = ResilientTransport(policy=FAST, fallbacks=fallbacks, sleep=lambda _s: None)
    with httpx2.Client(transport=transport) as http:
        sdk = openai.OpenAI(base_url=sim.base_url, api_key=KEY, http_client=http, max_retries=0)
        if not stream:
            answer = sdk.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
            assert not isinstance(answer, str), "a 2xx the client fails reached the caller as a str"
            assert answer.choices, "an answer without choices reached the caller"
            return answer.choices[0].message.content
        parts = [
            chunk.choices[0].delta.content or ""
            for chunk in sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
            if chunk.choices
        ]
        return "".join(parts)


def _assert_raised_like_the_client(err: BaseException, expected: CallFailed) -> None:
    assert isinstance(err, openai.APIError | httpx2.HTTPError), type(err)
    failed = failure_of(err)
    assert failed is not None, f"{type(err).__name__} carries no CallFailed"
    assert failed.failure_class is expected.failure_class
    assert failed.attempts


@pytest.mark.parametrize("fallbacks", FALLBACK)
@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("model", FAULTS)
def test_the_sdk_raises_where_the_client_fails(
    sim: SimServer, model: str, stream: bool, fallbacks: tuple[Route, ...]
) -> None:
    expected = _client_verdict(sim, model, stream=stream, fallbacks=fallbacks)
    sim.reset()  # stateful faults ("once", flapping) start over for the SDK
    if isinstance(expected, CallFailed):
        with pytest.raises(Exception) as info:
            text = _sdk_text(sim, model, stream=stream, fallbacks=fallbacks)
        _assert_raised_like_the_client(info.value, expected)
        return
    text = _sdk_text(sim, model, stream=stream, fallbacks=fallbacks)
    assert text == expected.content


@pytest.mark.parametrize(
    "model", ["sim-non-json", "sim-no-choices", "sim-stream-malformed", "sim-stream-error", "sim-503", "sim-silent"]
)
def test_the_async_sdk_raises_too(sim: SimServer, model: str) -> None:
    stream = "stream" in model or model == "sim-silent"
    expected = _client_verdict(sim, model, stream=stream, fallbacks=())
    assert isinstance(expected, CallFailed)

    async def go() -> None:
        transport = AsyncResilientTransport(policy=FAST, sleep=lambda _s: asyncio.sleep(0))
        async with httpx2.AsyncClient(transport=transport) as http:
            sdk = openai.AsyncOpenAI(base_url=sim.base_url, api_key=KEY, http_client=http, max_retries=0)
            if not stream:
                await sdk.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
                return
            async for _ in await sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True):  # type: ignore[arg-type]
                pass

    with pytest.raises(Exception) as info:
        asyncio.run(go())
    _assert_raised_like_the_client(info.value, expected)
