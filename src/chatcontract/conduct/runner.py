"""Grading: run every scenario against a simulator, judge it, collect the results.

A ``--client`` target gets its own run per scenario (``<sim>/run/<id>/v1``), so scenarios run in
parallel on one simulator without sharing once-only faults. A ``--gateway`` target cannot carry
a run id (the gateway holds the upstream URL), so its scenarios run one at a time with the
simulator reset before each.
"""

from __future__ import annotations

import itertools
import os
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chatcontract.conduct.catalogue import Catalogue, ConductScenario
from chatcontract.conduct.checks import JITTER_RUNS, Evidence, gaps, run_checks, verdict
from chatcontract.conduct.results import ScenarioResult, summarize
from chatcontract.conduct.worker import CallOutcome, Worker, WorkerClosedError
from chatcontract.sim import SimServer, serve
from chatcontract.sim.faults import HEALTHY_MODEL

GRACE_S = 5.0
CI_SCALE = 0.1


@dataclass(frozen=True)
class Settings:
    """How to grade: time scale of fault durations, the caller's deadline, parallel workers, and
    how long past the deadline a call may run before it is abandoned as hung."""

    scale: float = CI_SCALE
    deadline_s: float = 20.0
    workers: int = 4
    gateway_url: str | None = None
    sim_port: int = 0  # 0: a free port; a fixed one lets a gateway's config name the simulator
    grace_s: float = GRACE_S

    @property
    def wall_limit_s(self) -> float:
        """Past this, a call is abandoned as hung."""
        return self.deadline_s + self.grace_s


Progress = Callable[[ScenarioResult], None]
_RUN_IDS = itertools.count(1)


@contextmanager
def simulator(catalogue: Catalogue, settings: Settings) -> Iterator[SimServer]:
    """The simulator a grading runs against (admin routes off: the runner reads the log in-process)."""
    with serve(
        scenario=catalogue.models,
        time_scale=settings.scale,
        silent_cap_s=settings.wall_limit_s,
        seed=None,
        port=settings.sim_port,
    ) as sim:
        yield sim


class Grader:
    """Runs scenarios of one catalogue against one target on one simulator."""

    def __init__(self, sim: SimServer, target: str, settings: Settings) -> None:
        self.sim = sim
        self.target = target
        self.settings = settings
        self._tag = f"{os.getpid():x}{time.time_ns() % 0xFFFFFF:x}"
        self._workers: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._all: list[Worker] = []
        self._closed = False  # interrupted: no new worker, no new scenario

    def _base(self, run: str) -> str:
        if self.settings.gateway_url:
            return self.settings.gateway_url
        root = self.sim.base_url.removesuffix("/v1")
        return f"{root}/run/{run}/v1"

    def _attempts(self, run: str) -> list[dict[str, Any]]:
        return self.sim.simulator.state.attempts(None if self.settings.gateway_url else run)

    def _call(self, worker: Worker, run: str, model: str, scenario: ConductScenario) -> CallOutcome:
        kwargs = {
            "base_url": self._base(run),
            "api_key": self.sim.api_key,
            "model": model,
            "messages": scenario.messages,
            "stream": scenario.stream,
            "fallback_model": scenario.fallback,
            "deadline_s": self.settings.deadline_s,
        }
        return worker.call(kwargs, self.settings.wall_limit_s)

    def _one_run(self, worker: Worker, scenario: ConductScenario) -> tuple[str, list[CallOutcome]]:
        run = f"{self._tag}-{next(_RUN_IDS)}-{scenario.name}"[:64]
        if self.settings.gateway_url:
            self.sim.reset()
        calls = [self._call(worker, run, scenario.model, scenario) for _ in range(scenario.expect.calls)]
        return run, calls

    def _gaps_of_another_run(self, worker: Worker, scenario: ConductScenario) -> list[float]:
        run, _ = self._one_run(worker, scenario)
        return gaps([a for a in self._attempts(run) if a["model"] == scenario.model and a["attempt"] > 0])

    def grade(self, scenario: ConductScenario) -> ScenarioResult:
        """Run one scenario (twice when jitter is judged), the healthy follow-up, and judge it."""
        worker = self._take()
        try:
            started = time.monotonic()
            run, calls = self._one_run(worker, scenario)
            attempts = self._attempts(run)
            others = None
            if scenario.expect.jitter:
                others = [self._gaps_of_another_run(worker, scenario) for _ in range(JITTER_RUNS - 1)]
            healthy = self._call(worker, f"{run}-after", HEALTHY_MODEL, scenario)
            ev = Evidence(scenario, self.settings.deadline_s, calls, attempts, healthy, others)
            results = run_checks(ev)
            outcome, reason = verdict(ev, results)
            return summarize(ev, results, outcome, reason, time.monotonic() - started)
        finally:
            self._workers.put(worker)

    def _take(self) -> Worker:
        if self._closed:
            raise WorkerClosedError(self.target)
        try:
            return self._workers.get_nowait()
        except queue.Empty:
            worker = Worker(self.target)
            self._all.append(worker)
            return worker

    def warm_up(self) -> None:
        """Start one worker now, so an import error in the target is reported before any scenario."""
        worker = self._take()
        worker.start()
        self._workers.put(worker)

    def interrupt(self) -> None:
        """Close every worker: their calls in flight end and no fresh process starts."""
        self._closed = True
        for worker in list(self._all):
            worker.close()

    def close(self) -> None:
        """Stop every worker process."""
        for worker in self._all:
            worker.stop()


def grade(
    catalogue: Catalogue,
    target: str,
    settings: Settings,
    *,
    progress: Progress | None = None,
    sim: SimServer | None = None,
) -> list[ScenarioResult]:
    """Grade ``target`` over ``catalogue``; results in catalogue order."""
    if sim is None:
        with simulator(catalogue, settings) as own:
            return grade(catalogue, target, settings, progress=progress, sim=own)
    grader = Grader(sim, target, settings)
    try:
        grader.warm_up()
        parallel = 1 if settings.gateway_url else max(1, settings.workers)
        with ThreadPoolExecutor(parallel, thread_name_prefix="chatcontract-conduct") as pool:
            futures = [pool.submit(grader.grade, s) for s in catalogue.scenarios]
            results = []
            try:
                for future in futures:
                    result = future.result()
                    if progress is not None:
                        progress(result)
                    results.append(result)
            except KeyboardInterrupt:  # Ctrl-C: no new scenario, no new worker; calls in flight end at once
                pool.shutdown(wait=False, cancel_futures=True)
                grader.interrupt()
                raise
        return results
    finally:
        grader.close()
