"""The watch loop against a real simulator, on a manual clock: runs, budget, state changes, down."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from chatcontract.monitor.outcome import RunState
from chatcontract.monitor.schedule import HOUR_S, ManualClock
from chatcontract.monitor.session import bind_runner
from chatcontract.monitor.watch import CONTRACT, StopSignal, Watcher
from chatcontract.probe.results import ProbeRun

from .conftest import Rig, plan, stop_after


def test_runs_happy_and_stream_on_the_cadence(rig: Rig) -> None:
    clock = ManualClock()
    rig.watcher(plan(every_s=30.0, max_runs=3), clock=clock).run(threading.Event())
    runs = rig.of("run")
    assert [r["state"] for r in runs] == ["pass"] * 3
    assert all(r["cases"] == {"happy": "pass", "stream": "pass"} for r in runs)
    assert all(r["stream_verdict"] == "complete" for r in runs)
    assert clock.waits == [30.0, 30.0]
    assert rig.of("stopped")[0]["runs"] == 3
    assert {a["model"] for a in rig.sim.attempts()} == {"watched-model"}
    assert len(rig.sink.records) == 6  # every attempt reached the sink


def test_budget_is_never_exceeded_over_a_simulated_day(rig: Rig) -> None:
    clock = ManualClock(start=0.0)
    watcher = rig.watcher(plan(every_s=2.0, budget=10), clock=clock)
    stop_after(clock, 3 * HOUR_S)
    sent_at: list[float] = []
    original = watcher._run_cases

    def counted(cases, max_requests, run_id):  # type: ignore[no-untyped-def]
        run = original(cases, max_requests, run_id)
        sent_at.extend([clock.now] * run.requests_sent)
        return run

    watcher._run_cases = counted
    watcher.run(threading.Event())
    assert len(sent_at) >= 20  # it did keep running, hour after hour
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + HOUR_S) <= 10
    skipped = rig.of("skipped")
    assert skipped
    assert "budget" in skipped[0]["reason"]
    assert all(r["budget"]["used_last_hour"] <= 10 for r in rig.of("run"))


def test_a_switched_model_flips_the_state_with_the_attempts_behind_it(rig: Rig) -> None:
    clock = ManualClock()
    watcher = rig.watcher(plan(max_runs=1), clock=clock)
    watcher.run(threading.Event())
    rig.switch("sim-503")
    watcher.plan = plan(max_runs=2)
    watcher.run(threading.Event())
    rig.switch(None)
    watcher.plan = plan(max_runs=3)
    watcher.run(threading.Event())
    changes = rig.of("state_change")
    assert [(c["from"], c["to"]) for c in changes] == [("pass", "fail"), ("fail", "pass")]
    failing = changes[0]["attempts"]
    assert failing
    assert {a["http_status"] for a in failing} == {503}
    assert {a["error_type"] for a in failing} == {"server_error"}
    assert changes[0]["kind"] == CONTRACT
    assert rig.of("run")[1]["failures"] == {"server_error": 4}  # two cases, each retried once


def test_an_unreachable_target_is_down_not_a_contract_failure(rig: Rig) -> None:
    import socket
    from dataclasses import replace

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rig.target = replace(rig.target, base_url=f"http://127.0.0.1:{port}/v1")
    rig.watcher(plan(max_runs=1), clock=ManualClock()).run(threading.Event())
    run = rig.of("run")[0]
    assert run["state"] == RunState.DOWN.value
    assert set(run["failures"]) == {"connect_error"}


def test_a_restart_resumes_the_hours_budget(rig: Rig) -> None:
    watcher = rig.watcher(plan(budget=10), clock=ManualClock(), carried=8)
    watcher.plan = plan(budget=10, max_runs=1)
    stop = threading.Event()
    stop_after(watcher.clock, 60.0)  # type: ignore[arg-type]
    watcher.run(stop)
    assert rig.of("run") == []
    assert rig.of("skipped")[0]["budget"]["carried_from_before_start"] == 8


@pytest.mark.parametrize(
    ("fault", "verdict"),
    [
        pytest.param("sim-ok", "complete", id="complete"),
        pytest.param("sim-stream-cut-3", "cut", id="cut"),
        pytest.param("sim-stream-error", "in_band_error", id="in-band-error"),
        pytest.param("sim-stream-no-done", "no_terminator", id="no-terminator"),
        pytest.param("sim-stream-malformed", "malformed", id="malformed"),
    ],
)
def test_stream_verdicts(rig: Rig, fault: str, verdict: str) -> None:
    rig.switch(fault)
    rig.watcher(plan(max_runs=1), clock=ManualClock()).run(threading.Event())
    assert rig.of("run")[0]["stream_verdict"] == verdict


def test_a_stalled_stream_is_stalled(rig: Rig) -> None:
    import httpx2

    from chatcontract.monitor.session import bind_runner
    from chatcontract.monitor.watch import Watcher, run_inline

    rig.switch("sim-stream-stall-2")
    with httpx2.Client(timeout=httpx2.Timeout(5.0, read=0.2), trust_env=False) as http:
        runner = bind_runner(rig.target, None, http=http, sleep=lambda _s: None)
        Watcher(plan(max_runs=1), runner, emit=rig.events.append, clock=ManualClock(),
                executor=run_inline).run(threading.Event())
    assert rig.of("run")[0]["stream_verdict"] == "stalled"


def test_stopped_says_how_long_stopping_took(rig: Rig) -> None:
    """A stop arriving during a run: the run finishes, the loop ends, ``stop_s`` is measured on the watch's clock."""
    clock = ManualClock()
    stop = StopSignal(clock.monotonic)

    def signal_during_run(fn: Callable[[], ProbeRun], stop_: threading.Event, grace_s: float,
                          beat: Callable[[], None]) -> ProbeRun | None:
        run = fn()
        stop_.set()
        clock.advance(0.25)
        return run

    runner = bind_runner(rig.target, rig.sink, sleep=lambda _s: None)
    Watcher(plan(), runner, emit=rig.events.append, clock=clock, executor=signal_during_run).run(stop)
    assert [e["event"] for e in rig.events] == ["run", "stopped"]
    assert rig.of("stopped")[0]["stop_s"] == 0.25
    assert len(rig.sink.records) == rig.of("run")[0]["requests"]  # the finished run's records all kept
