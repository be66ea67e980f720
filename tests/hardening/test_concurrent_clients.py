"""One shared ``Client`` under many threads and one ``AsyncClient`` under many tasks, against the
simulator's stream-cut faults: no truncated answer is ever returned as a success, and no call
runs far past its deadline.

Bounded: 100 threaded and 200 async calls on loopback, the simulator time-scaled (a 3 s stall
lasts 0.3 s). The deadline bound is wall time by nature (real sockets and threads), so it is
checked with a fixed allowance for a loaded machine, and only against the slowest call.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from chatcontract.client import AsyncClient, CallFailed, Client, Policy
from chatcontract.sim import CANONICAL_TEXT, SimServer, serve

KEY = "sk-harden-concurrency-0123456789abcdef"
POLICY = Policy(
    connect_timeout_s=2.0,
    first_chunk_timeout_s=1.0,
    stream_idle_timeout_s=0.5,
    deadline_s=2.0,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    breaker_failure_threshold=10_000,
    post_finish_grace_s=0.2,
)
LOAD_ALLOWANCE_S = 3.0  # scheduling on a shared, loaded machine; a missed deadline shows as far more
CUT = ("sim-stream-cut-5", "sim-stream-abort-5", "sim-stream-stall-3", "sim-stream-tool-cut-3")
MODELS = ("sim-ok", *CUT)
MESSAGES = [{"role": "user", "content": "Say hello."}]


@dataclass(frozen=True)
class Outcome:
    model: str
    content: str | None  # None: the call raised CallFailed
    finish_reason: str | None
    seconds: float


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with serve(api_key=KEY, seed=0, time_scale=0.1) as server:
        yield server


def _check(outcomes: list[Outcome], calls: int) -> None:
    assert len(outcomes) == calls
    for o in outcomes:
        if o.content is not None:  # every answer returned is whole, and only healthy models answer
            assert (o.model, o.content, o.finish_reason) == ("sim-ok", CANONICAL_TEXT, "stop"), o
    # a healthy call may time out on a loaded machine (a CallFailed, not a wrong answer), but not all
    assert any(o.content is not None for o in outcomes)
    assert max(o.seconds for o in outcomes) <= POLICY.deadline_s + LOAD_ALLOWANCE_S


def test_one_client_under_many_threads(sim: SimServer) -> None:
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []
    with Client(base_url=sim.base_url, api_key=KEY, policy=POLICY) as client:

        def work(n: int) -> None:
            for k in range(2):
                model = MODELS[(n + k) % len(MODELS)]
                started = time.monotonic()
                try:
                    c = client.chat(model=model, messages=MESSAGES, stream=True)
                    outcomes.append(Outcome(model, c.content, c.finish_reason, time.monotonic() - started))
                except CallFailed:
                    outcomes.append(Outcome(model, None, None, time.monotonic() - started))
                except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    assert not any(t.is_alive() for t in threads)
    _check(outcomes, 100)


def test_one_async_client_under_many_tasks(sim: SimServer) -> None:
    async def main() -> list[Outcome]:
        async with AsyncClient(base_url=sim.base_url, api_key=KEY, policy=POLICY) as client:

            async def one(n: int) -> Outcome:
                model = MODELS[n % len(MODELS)]
                started = time.monotonic()
                try:
                    c = await client.chat(model=model, messages=MESSAGES, stream=True)
                    return Outcome(model, c.content, c.finish_reason, time.monotonic() - started)
                except CallFailed:
                    return Outcome(model, None, None, time.monotonic() - started)

            return await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(200))), 60)

    _check(asyncio.run(main()), 200)
