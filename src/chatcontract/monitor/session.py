"""Binding a watch to a target and a store: the probe runner, the record sink, the carried budget.

Every attempt a watch makes goes to the evidence store through its ordinary interface, filed
under one incident per watched target (``watch-<alias>`` unless ``--incident`` says otherwise),
so ``incidents`` lists it and ``packet`` can build an escalation packet from a watch's evidence.
The same incident tells a restarted watch how many requests the last hour already spent.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from chatcontract.monitor.schedule import HOUR_S
from chatcontract.monitor.watch import RunCases
from chatcontract.probe.registry import Case, default_registry
from chatcontract.probe.results import ProbeRun
from chatcontract.probe.runner import run_probe
from chatcontract.record import AttemptRecord
from chatcontract.sinks import RecordSink
from chatcontract.target import Target

if TYPE_CHECKING:
    import httpx2

CONTRACT_CASES = ("happy", "stream")


class AttemptStore(Protocol):
    """What watch needs from the evidence store (SQLite or PostgreSQL)."""

    def append(self, record: AttemptRecord) -> None: ...

    def flush(self) -> None: ...

    def ensure_incident(self, incident_id: str, *, title: str | None = None) -> object: ...

    def count_attempts(self, *, incident_id: str | None = None, since: datetime | None = None) -> int: ...


def contract_cases() -> tuple[Case, ...]:
    """The probe's happy and stream cases."""
    return tuple(default_registry().select(CONTRACT_CASES))


def negative_cases() -> tuple[Case, ...]:
    """Every other probe case (the documented refusals)."""
    return tuple(c for c in default_registry() if c.name not in CONTRACT_CASES)


def default_alias(target: Target) -> str:
    """A short, low-cardinality name for the target: ``embedded-sim`` or the host name."""
    if target.embedded:
        return "embedded-sim"
    return urlsplit(target.base_url).hostname or "target"


def incident_for(alias: str) -> str:
    """``watch-<alias>`` with anything outside ``[A-Za-z0-9._-]`` replaced."""
    return "watch-" + re.sub(r"[^A-Za-z0-9._-]", "-", alias)[:60]


class IncidentSink:
    """Files every record under ``incident_id``; refuses (and counts) writes after :meth:`close`.

    A run abandoned at shutdown may still finish a case after the process decided to stop;
    its records are counted as ``refused`` rather than half-written while the store closes.
    """

    def __init__(self, sink: RecordSink, incident_id: str) -> None:
        self._sink = sink
        self.incident_id = incident_id
        self._lock = threading.Lock()
        self._closed = False
        self.written = 0
        self.refused = 0

    def append(self, record: AttemptRecord) -> None:
        with self._lock:
            if self._closed:
                self.refused += 1
                return
            self._sink.append(record.model_copy(update={"incident_id": self.incident_id}))
            self.written += 1

    def flush(self) -> None:
        with self._lock:
            if not self._closed:
                self._sink.flush()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._sink.flush()
            self._closed = True


def carried_requests(store: AttemptStore, incident_id: str, *, now: datetime | None = None) -> int:
    """Requests this watch's incident recorded in the last hour (a restart resumes the budget)."""
    since = (now or datetime.now(UTC)) - timedelta(seconds=HOUR_S)
    return store.count_attempts(incident_id=incident_id, since=since)


def bind_runner(
    target: Target,
    sink: RecordSink | None,
    *,
    http: httpx2.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunCases:
    """The probe runner bound to ``target``, writing to ``sink`` (watch's :data:`RunCases`)."""

    def run(cases: Sequence[Case], max_requests: int, run_id: str) -> ProbeRun:
        return run_probe(cases, target, max_requests=max_requests, sink=sink, run_id=run_id, http=http, sleep=sleep)

    return run
