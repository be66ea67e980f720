"""Client fixtures: the real simulator on loopback (time-scaled), short policy limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chatcontract.client import Client, Policy, Route
from chatcontract.sim import SimServer, serve
from chatcontract.sinks import MemorySink

TIME_SCALE = 0.1  # sim-slow-first-token-10 waits 1 s, sim-flap-10 is down for 1 s
KEY = "sk-test-client-0123456789"

FAST = Policy(
    connect_timeout_s=1.0,
    first_chunk_timeout_s=0.5,
    stream_idle_timeout_s=0.5,
    deadline_s=6.0,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    breaker_failure_threshold=100,
    post_finish_grace_s=0.2,
)

MESSAGES = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="session")
def shared_sim() -> Iterator[SimServer]:
    with serve(api_key=KEY, admin=True, seed=0, time_scale=TIME_SCALE) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: SimServer) -> SimServer:
    shared_sim.reset()
    return shared_sim


def sim_attempts(sim: SimServer, model: str | None = None) -> int:
    return sum(1 for a in sim.attempts() if model is None or a["model"] == model)


@pytest.fixture
def make_client(sim: SimServer) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(*fallbacks: Route, policy: Policy = FAST, **kwargs: Any) -> Client:
        kwargs.setdefault("sink", MemorySink())
        client = Client(
            base_url=sim.base_url,
            api_key=KEY,
            policy=policy,
            fallbacks=list(fallbacks),
            credential_source="env:TEST_KEY",
            **kwargs,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
