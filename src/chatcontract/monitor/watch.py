"""The watch loop: the probe's contract cases on a cadence, under an hourly request budget.

:class:`Watcher` adds a scheduler and exporters to the probe and nothing else: each run is the
probe's own runner over the probe's own cases (``happy`` and ``stream``; the refusal cases only
when asked, on a separate, slower cadence), so a watch judges an endpoint exactly as ``probe``
does. A run is started only when its worst case (every case with its retries) fits in what the
sliding hour has left, so the budget is never exceeded; a run that does not fit is skipped and
said so. Time comes from a :class:`~chatcontract.monitor.schedule.Clock`, so tests run a day of
schedule on a manual clock.

Stopping: ``run(stop)`` returns within ``grace_s`` of ``stop`` being set (a :class:`StopSignal`
also lets the ``stopped`` line say how long that took, ``stop_s``). A run in flight is
given that long to finish; if it does not, it is abandoned (its thread is a daemon) and said so,
and the records its finished cases already wrote stay written.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from chatcontract.monitor.outcome import RunOutcome, StateTracker
from chatcontract.monitor.schedule import Cadence, Clock, HourlyBudget, RealClock
from chatcontract.probe.registry import Case
from chatcontract.probe.results import ProbeRun

CONTRACT = "contract"
NEGATIVES = "negatives"
POLL_S = 0.05

RunCases = Callable[[Sequence[Case], int, str], ProbeRun]
"""``(cases, max_requests, run_id) -> ProbeRun``: the probe runner bound to one target."""


class Exporter(Protocol):
    """Where run outcomes go besides stdout (Prometheus, OpenTelemetry)."""

    def observe(self, outcome: RunOutcome) -> None: ...

    def budget(self, remaining: int) -> None: ...


class StopSignal(threading.Event):
    """A stop request that remembers when it arrived, so ``stopped`` says how long stopping took."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self.at: float | None = None

    def set(self) -> None:
        if self.at is None:
            self.at = self._clock()
        super().set()


@dataclass(frozen=True)
class Plan:
    """What to run and how often."""

    every_s: float
    budget_per_hour: int
    cases: tuple[Case, ...]
    negatives: tuple[Case, ...] = ()
    negatives_every_s: float | None = None
    max_runs: int | None = None  # stop after this many runs (None: until stopped)
    grace_s: float = 0.8

    def needed(self, kind: str) -> int:
        """The worst-case requests of one run of ``kind`` (every case with its retries)."""
        return sum(c.max_requests for c in (self.cases if kind == CONTRACT else self.negatives))


@dataclass
class _Job:
    kind: str
    cases: tuple[Case, ...]
    cadence: Cadence
    tracker: StateTracker = field(default_factory=StateTracker)


def run_in_worker(fn: Callable[[], ProbeRun], stop: threading.Event, grace_s: float,
                  beat: Callable[[], None]) -> ProbeRun | None:
    """``fn()`` on a daemon thread; None when ``stop`` was set and it did not end within ``grace_s``."""
    box: list[ProbeRun] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the loop's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="chatcontract-watch-run", daemon=True)
    thread.start()
    while thread.is_alive() and not stop.is_set():
        thread.join(POLL_S)
        beat()
    if thread.is_alive():
        thread.join(grace_s)
    if errors:
        raise errors[0]
    return box[0] if box else None


def run_inline(fn: Callable[[], ProbeRun], stop: threading.Event, grace_s: float,
               beat: Callable[[], None]) -> ProbeRun | None:
    """``fn()`` on this thread (tests on a manual clock)."""
    return fn()


Executor = Callable[[Callable[[], ProbeRun], threading.Event, float, Callable[[], None]], ProbeRun | None]


class Watcher:
    """Runs a :class:`Plan` through ``run_cases`` and reports every run and state change."""

    def __init__(
        self,
        plan: Plan,
        run_cases: RunCases,
        *,
        emit: Callable[[dict[str, Any]], None],
        exporters: Sequence[Exporter] = (),
        clock: Clock | None = None,
        carried_requests: int = 0,
        executor: Executor = run_in_worker,
    ) -> None:
        self.plan = plan
        self._run_cases = run_cases
        self._emit = emit
        self._exporters = list(exporters)
        self.clock = clock or RealClock()
        self._execute = executor
        now = self.clock.monotonic()
        self.budget = HourlyBudget(plan.budget_per_hour, carried=carried_requests, now=now)
        self.jobs = [_Job(CONTRACT, plan.cases, Cadence(plan.every_s, now))]
        if plan.negatives and plan.negatives_every_s is not None:
            self.jobs.append(_Job(NEGATIVES, plan.negatives, Cadence(plan.negatives_every_s, now)))
        self.runs = 0
        self.last_beat = now
        self.abandoned: str | None = None
        self.last_state: str | None = None  # of the last contract run

    def beat(self) -> None:
        self.last_beat = self.clock.monotonic()

    def healthy(self, max_gap_s: float) -> bool:
        """The loop checked in within ``max_gap_s`` (for ``/healthz``)."""
        return self.clock.monotonic() - self.last_beat <= max_gap_s

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set or ``plan.max_runs`` runs are done."""
        while not stop.is_set() and not self._done():
            self.beat()
            for job in self.jobs:
                if job.cadence.due(self.clock.monotonic()) and not stop.is_set() and not self._done():
                    self._due(job, stop)
            if self._done() or stop.is_set():
                break
            now = self.clock.monotonic()
            if self.clock.wait(stop, min(job.cadence.seconds_until(now) for job in self.jobs)):
                break
        arrived = stop.at if isinstance(stop, StopSignal) else None
        self._emit({"event": "stopped", "runs": self.runs, "requests": self.budget.total_spent,
                    "abandoned_run": self.abandoned,
                    "stop_s": None if arrived is None else round(self.clock.monotonic() - arrived, 3)})

    def _done(self) -> bool:
        return self.plan.max_runs is not None and self.runs >= self.plan.max_runs

    def _due(self, job: _Job, stop: threading.Event) -> None:
        now = self.clock.monotonic()
        job.cadence.advance(now)
        needed = self.plan.needed(job.kind)
        if self.budget.remaining(now) < needed:
            self._skip(job, now, needed)
            return
        run_id = uuid.uuid4().hex
        run = self._execute(lambda: self._run_cases(job.cases, needed, run_id), stop, self.plan.grace_s, self.beat)
        if run is None:
            self.abandoned = run_id
            return
        self.runs += 1
        self.budget.spend(now, run.requests_sent)
        self._report(job, RunOutcome.of(run, job.kind))

    def _skip(self, job: _Job, now: float, needed: int) -> None:
        self._emit({
            "event": "skipped",
            "kind": job.kind,
            "reason": f"the hourly budget has {self.budget.remaining(now)} request(s) left; a run needs up to {needed}",
            "budget": self._budget_line(now),
            "room_in_s": round(self.budget.seconds_until_room(now, needed), 1),
        })

    def _budget_line(self, now: float) -> dict[str, int]:
        return {"per_hour": self.budget.per_hour, "used_last_hour": self.budget.used(now),
                "remaining": self.budget.remaining(now), "carried_from_before_start": self.budget.carried}

    def _report(self, job: _Job, outcome: RunOutcome) -> None:
        now = self.clock.monotonic()
        for exporter in self._exporters:
            exporter.observe(outcome)
            exporter.budget(self.budget.remaining(now))
        self._emit(outcome.line(self._budget_line(now)))
        if job.kind == CONTRACT:
            self.last_state = outcome.state.value
        change = job.tracker.observe(outcome)
        if change is not None:
            self._emit({**change, "kind": job.kind})
