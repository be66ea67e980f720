"""Monitor fixtures: a real simulator on loopback, a watch on a manual clock (no real waiting)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.monitor.schedule import ManualClock
from chatcontract.monitor.session import bind_runner, contract_cases
from chatcontract.monitor.watch import Exporter, Plan, Watcher, run_inline
from chatcontract.probe.runner import Target
from chatcontract.sim import SimServer, serve
from chatcontract.sinks import MemorySink, RecordSink

KEY = "sk-monitor-tests-0123456789abcdef"
MODEL = "watched-model"


@dataclass
class Rig:
    """A simulator, a target on it, and what a watch printed."""

    sim: SimServer
    target: Target
    events: list[dict[str, Any]] = field(default_factory=list)
    sink: MemorySink = field(default_factory=MemorySink)

    def switch(self, fault: str | None) -> None:
        """Turn the watched model into ``fault`` (None: healthy again) through the admin route."""
        import httpx
        from tests.loopback import TLS

        url = self.sim.base_url.removesuffix("/v1") + f"/_sim/models/{MODEL}"
        headers = {"Authorization": f"Bearer {self.sim.api_key}"}
        httpx.put(url, json={"behaves_as": fault}, headers=headers, trust_env=False, verify=TLS).raise_for_status()

    def watcher(self, plan: Plan, *, clock: ManualClock, exporters: tuple[Exporter, ...] = (),
                sink: RecordSink | None = None, carried: int = 0) -> Watcher:
        runner = bind_runner(self.target, sink or self.sink, sleep=lambda _s: None)
        return Watcher(plan, runner, emit=self.events.append, exporters=exporters, clock=clock,
                       carried_requests=carried, executor=run_inline)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]


@pytest.fixture
def rig() -> Iterator[Rig]:
    with serve(api_key=KEY, models=(MODEL,), admin=True) as sim:
        target = Target(sim.base_url, load_profile("cometapi"), Credential(KEY, "env:TEST_KEY"), MODEL,
                        label="test-target")
        yield Rig(sim, target)


def plan(every_s: float = 2.0, budget: int = 600, max_runs: int | None = None, **kw: Any) -> Plan:
    return Plan(every_s, budget, contract_cases(), max_runs=max_runs, **kw)


def stop_after(clock: ManualClock, seconds: float) -> Callable[[], threading.Event]:
    """An event that a watcher's manual clock sets once ``seconds`` have passed (a timer on fake time)."""
    stop = threading.Event()
    deadline = clock.now + seconds
    original = clock.wait

    def wait(event: threading.Event, wait_s: float) -> bool:
        if clock.now + wait_s >= deadline:
            clock.now = deadline
            event.set()
            return True
        return original(event, wait_s)

    clock.wait = wait  # type: ignore[method-assign]
    return lambda: stop
