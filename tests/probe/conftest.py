"""Probe fixtures: run the probe in-process against a real simulator on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import default_registry
from chatcontract.probe.results import ProbeRun
from chatcontract.probe.runner import Target, run_probe
from chatcontract.sim import serve

KEY = "sk-probe-tests-0123456789abcdefghij"
MODEL = "probe-test-model"

RunProbe = Callable[..., ProbeRun]


@contextmanager
def simulator(
    error_style: str = "openai", modes: Sequence[str] = (), **extra: object
) -> Iterator[str]:
    """A simulator accepting :data:`KEY` and serving :data:`MODEL`; yields its base URL."""
    with serve(
        api_key=KEY, models=(MODEL,), error_style=error_style, modes=tuple(modes), **extra
    ) as sim:
        yield sim.base_url


@pytest.fixture
def probe_sim() -> RunProbe:
    """Run the default suite against a fresh simulator (no real sleeps between retries)."""

    def run(
        profile: str = "cometapi",
        *,
        error_style: str | None = None,
        modes: Sequence[str] = (),
        cases: Sequence[str] | None = None,
        max_requests: int | None = None,
        credential: bool = True,
        **extra: object,
    ) -> ProbeRun:
        prof = load_profile(profile)
        registry = default_registry()
        selected = registry.select(cases)
        with simulator(error_style or prof.error_style, modes, **extra) as base_url:
            target = Target(
                base_url, prof, Credential(KEY, "env:TEST_KEY") if credential else None, MODEL
            )
            budget = registry.budget(selected) if max_requests is None else max_requests
            return run_probe(selected, target, max_requests=budget, sleep=lambda _s: None)

    return run
