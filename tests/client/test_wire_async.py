"""``AsyncClient`` against the real simulator: the same engine, the same outcomes, no threads."""

from __future__ import annotations

import asyncio
import time

import pytest
from tests.client.conftest import FAST, KEY, MESSAGES, sim_attempts

from chatcontract.client import AsyncClient, CallFailed, Route
from chatcontract.record import FailureClass
from chatcontract.sim import CANONICAL_TEXT, SimServer


def _client(sim: SimServer, *fallbacks: Route) -> AsyncClient:
    return AsyncClient(base_url=sim.base_url, api_key=KEY, policy=FAST, fallbacks=list(fallbacks))


@pytest.mark.parametrize(
    ("model", "stream", "answered_by", "count", "classes"),
    [
        pytest.param("sim-ok", False, "sim-ok", 1, [None], id="ok"),
        pytest.param("sim-ok", True, "sim-ok", 1, [None], id="ok-stream"),
        pytest.param("sim-500-once", False, "sim-500-once", 2, ["server_error", None], id="500-once"),
        pytest.param("sim-503", True, "sim-ok", 3, ["server_error"] * 3 + [None], id="503-falls-back"),
        pytest.param("sim-stream-cut-5", True, "sim-ok", 3, ["stream_interrupted"] * 3 + [None], id="cut-restarts"),
        pytest.param("sim-silent", True, "sim-ok", 1, ["timeout", None], id="silent"),
        pytest.param("sim-slow-first-token-10", True, "sim-ok", 1, ["timeout", None], id="no-first-chunk"),
        pytest.param("sim-stream-stall-10", True, "sim-ok", 1, ["stream_stalled", None], id="stall-fails-over-at-once"),
        pytest.param("sim-stream-no-done", True, "sim-stream-no-done", 1, [None], id="no-done"),
    ],
)
def test_async_faults(
    sim: SimServer, model: str, stream: bool, *, answered_by: str, count: int, classes: list[str | None]
) -> None:
    async def go() -> None:
        async with _client(sim, Route(model="sim-ok")) as client:
            c = await client.chat(model=model, messages=MESSAGES, stream=stream)
        assert c.content == CANONICAL_TEXT
        assert c.model == answered_by
        assert [a.failure_class.value if a.failure_class else None for a in c.attempts] == classes
        for a in c.attempts:
            if a.failure_class is FailureClass.STREAM_STALLED:
                assert (a.elapsed_ms or 0) < (FAST.stream_idle_timeout_s + 0.4) * 1000

    started = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - started < 5.0
    assert sim_attempts(sim, model) == count


def test_async_live_stream_and_partial_failure(sim: SimServer) -> None:
    async def go() -> tuple[list[str], CallFailed | None]:
        async with _client(sim, Route(model="sim-ok")) as client:
            live = client.stream(model="sim-ok", messages=MESSAGES)
            deltas = [d async for d in live]
            assert live.completion is not None
            assert live.completion.finish_reason == "stop"
            try:
                async for _ in client.stream(model="sim-stream-cut-5", messages=MESSAGES):
                    pass
            except CallFailed as exc:
                return deltas, exc
            return deltas, None

    deltas, error = asyncio.run(go())
    assert "".join(deltas) == CANONICAL_TEXT
    assert error is not None
    assert error.partial
    assert sim_attempts(sim, "sim-stream-cut-5") == 1


def test_async_concurrent_calls_share_one_engine(sim: SimServer) -> None:
    async def go() -> list[str | None]:
        async with _client(sim) as client:
            results = await asyncio.gather(*(client.chat(model="sim-ok", messages=MESSAGES) for _ in range(20)))
            assert client.engine.budget.calls == 20
            return [r.content for r in results]

    assert asyncio.run(go()) == [CANONICAL_TEXT] * 20


def test_async_stream_longer_than_the_deadline_is_cut(sim: SimServer) -> None:
    from dataclasses import replace

    async def go() -> CallFailed | None:
        client = AsyncClient(base_url=sim.base_url, api_key=KEY, policy=replace(FAST, deadline_s=0.6))
        async with client:
            try:
                await client.chat(model="sim-long-1000000", messages=MESSAGES, stream=True)
            except CallFailed as exc:
                return exc
        return None

    started = time.monotonic()
    error = asyncio.run(go())
    assert time.monotonic() - started < 1.2
    assert error is not None
    assert "deadline" in (error.attempts[0].error_summary or "")
