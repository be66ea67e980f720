"""Simulator fixtures: a shared server for the ordinary cases, fresh ones for special configs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatcontract.sim import SimServer, serve


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[SimServer]:
    """One simulator per test module (admin on, seed 0, real clock)."""
    with serve(api_key="sk-test-123", admin=True, seed=0) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: SimServer) -> SimServer:
    """The shared simulator with its counters and attempt log cleared."""
    shared_sim.reset()
    return shared_sim
