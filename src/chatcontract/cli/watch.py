"""``chatcontract watch``: the probe's contract cases on a schedule, with Prometheus metrics."""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, Any

import typer

from chatcontract.cli.common import (
    DEFAULT_API_KEY_ENV,
    ApiKeyEnvOpt,
    ApiKeyFileOpt,
    BaseUrlOpt,
    ModelOpt,
    ProfileOpt,
    StoreOpt,
    console,
    note,
)
from chatcontract.contract import DEFAULT_PROFILE
from chatcontract.errors import UsageError
from chatcontract.monitor.schedule import HOUR_S, format_interval, parse_interval
from chatcontract.monitor.watch import CONTRACT, NEGATIVES, Exporter, Plan, StopSignal, Watcher

HELP = """Watch a target: the probe's happy and stream cases every --every, under an hourly budget.

Stdout: the metrics URL on the first line (with --metrics-port), then one JSON object per line
(on a terminal, a short line per event instead, unless --json):
a "started" line, one "run" line per run, a "state_change" line (with the attempts that caused
it) when the state flips between pass, fail and down, "skipped" when the budget has no room,
and "stopped" at the end. Every attempt goes to the evidence store under the incident
watch-<alias>, so `incidents` and `packet` can use it; a restart resumes the hour's budget.
Without --base-url it watches the embedded simulator, whose admin route
PUT /_sim/models/MODEL {"behaves_as": "sim-503"} turns its model into a fault.
SIGTERM or Ctrl-C stops it within a second. Exit codes: 0 stopped (or, with --max-runs, the
last run passed), 1 the last run failed or found the target down, 2 usage or input error,
3 the last run was inconclusive."""

DEFAULT_BUDGET_CAP = 600
STATE_EXIT = {"pass": 0, "fail": 1, "down": 1, "inconclusive": 3}

EveryOpt = Annotated[str, typer.Option("--every", help="Run the contract cases this often: 30s, 5m, 1h.")]
BudgetOpt = Annotated[
    int | None,
    typer.Option("--budget-per-hour", min=1,
                 help="Never send more than this many requests in any hour (default: what the schedule "
                      f"needs, at most {DEFAULT_BUDGET_CAP})."),
]
NegativesOpt = Annotated[
    bool, typer.Option("--negatives", help="Also run the refusal cases, on their own slow cadence.")
]
NegEveryOpt = Annotated[
    str, typer.Option("--negatives-every", help="Cadence of the refusal cases (with --negatives).")
]
PortOpt = Annotated[
    int | None,
    typer.Option("--metrics-port", min=0, max=65535, help="Serve /metrics and /healthz here (0: a free port)."),
]
HostOpt = Annotated[
    str, typer.Option("--metrics-host", help="Address for the metrics endpoint (0.0.0.0 in a container).")
]
AliasOpt = Annotated[str | None, typer.Option("--alias", help="The target's label in metrics and the incident name.")]
IncidentOpt = Annotated[
    str | None, typer.Option("--incident", help="File attempts under this incident (default watch-<alias>).")
]
MaxRunsOpt = Annotated[int | None, typer.Option("--max-runs", min=1, help="Stop after this many runs.")]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="JSON lines even on a terminal (always when stdout is not a terminal).")
]
OtlpOpt = Annotated[
    str | None,
    typer.Option("--otlp-endpoint", envvar="OTEL_EXPORTER_OTLP_ENDPOINT",
                 help="Also push OpenTelemetry metrics to this OTLP/HTTP endpoint (needs the otel extra)."),
]


def _emitter(json_lines: bool) -> Callable[[dict[str, Any]], None]:
    """JSON lines (and a note on stderr for a state change), or short lines for a terminal."""
    from chatcontract.report.watch_lines import event_lines

    def emit(event: dict[str, Any]) -> None:
        if not json_lines:
            for line in event_lines(event):
                console.print(line, markup=False)
            return
        sys.stdout.write(json.dumps(event, default=str) + "\n")
        sys.stdout.flush()
        if event.get("event") == "state_change":
            note(f"state change: {event['target']} {event['from']} -> {event['to']} "
                 f"({len(event['attempts'])} attempt(s) in run {event['run_id']})")

    return emit


@contextmanager
def _stop_on_signals(clock: Callable[[], float]) -> Iterator[threading.Event]:
    stop = StopSignal(clock)
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.signal(s, lambda _signum, _frame: stop.set()) for s in handled}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _plan(every: str, budget: int | None, negatives: bool, negatives_every: str, max_runs: int | None) -> Plan:
    from chatcontract.monitor.session import contract_cases, negative_cases

    every_s = parse_interval(every)
    neg_s = parse_interval(negatives_every, option="--negatives-every") if negatives else None
    plan = Plan(every_s, 1, contract_cases(), negative_cases() if negatives else (), neg_s, max_runs)
    need = math.ceil(HOUR_S / every_s) * plan.needed(CONTRACT)
    if neg_s is not None:
        need += math.ceil(HOUR_S / neg_s) * plan.needed(NEGATIVES)
    per_hour = budget if budget is not None else min(need, DEFAULT_BUDGET_CAP)
    largest = max(plan.needed(CONTRACT), plan.needed(NEGATIVES))
    if per_hour < largest:
        raise UsageError(f"--budget-per-hour {per_hour} is below one run's worst case ({largest} requests)")
    if per_hour < need:
        note(f"the schedule needs up to {need} requests an hour; the budget of {per_hour} will skip some runs")
    return Plan(every_s, per_hour, plan.cases, plan.negatives, neg_s, max_runs)


def watch(
    *,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = DEFAULT_API_KEY_ENV,
    api_key_file: ApiKeyFileOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    every: EveryOpt = "5m",
    budget_per_hour: BudgetOpt = None,
    negatives: NegativesOpt = False,
    negatives_every: NegEveryOpt = "1h",
    metrics_port: PortOpt = None,
    metrics_host: HostOpt = "127.0.0.1",
    alias: AliasOpt = None,
    store: StoreOpt = None,
    incident: IncidentOpt = None,
    max_runs: MaxRunsOpt = None,
    otlp_endpoint: OtlpOpt = None,
    json_lines: JsonOpt = False,
) -> None:
    """Watch a target continuously."""
    from chatcontract.probe.session import ProbeInput

    plan = _plan(every, budget_per_hour, negatives, negatives_every, max_runs)
    given = ProbeInput(base_url, profile, api_key_env, api_key_file, model, sim_admin=True)
    emit = _emitter(json_lines or not console.is_terminal)
    state = _watch(plan, given, emit, alias=alias, store_path=store, incident=incident, port=metrics_port,
                   host=metrics_host, otlp=otlp_endpoint)
    raise typer.Exit(STATE_EXIT.get(state or "", 0) if max_runs is not None else 0)


def _watch(plan: Plan, given: Any, emit: Callable[[dict[str, Any]], None], *, alias: str | None,
           store_path: str | None, incident: str | None, port: int | None, host: str,
           otlp: str | None) -> str | None:
    from chatcontract.evidence.store import open_store, validate_incident_id
    from chatcontract.monitor import session
    from chatcontract.monitor.prometheus import PrometheusExporter
    from chatcontract.probe.session import open_target

    if incident is not None:
        validate_incident_id(incident)
    with ExitStack() as stack:
        target = stack.enter_context(open_target(given))
        name = alias or session.default_alias(target)
        incident_id = incident or session.incident_for(name)
        store = stack.enter_context(open_store(store_path))
        store.ensure_incident(incident_id, title=f"watch {name}")
        sink = session.IncidentSink(store, incident_id)
        stack.callback(sink.close)
        prom = PrometheusExporter(name, [c.name for c in (*plan.cases, *plan.negatives)],
                                  budget_per_hour=plan.budget_per_hour)
        exporters: list[Exporter] = [prom]
        if otlp:
            exporters.append(_otel(stack, otlp, name))
        watcher = Watcher(plan, session.bind_runner(target, sink), emit=emit, exporters=exporters,
                          carried_requests=session.carried_requests(store, incident_id))
        if port is not None:
            from chatcontract.monitor.http import MetricsServer

            gap = 3 * plan.every_s + 60
            server = stack.enter_context(
                MetricsServer(prom.exposition, lambda: watcher.healthy(gap), host=host, port=port))
            sys.stdout.write(server.url + "\n")
        emit(_started(target, name, incident_id, plan, watcher))
        with _stop_on_signals(watcher.clock.monotonic) as stop:
            watcher.run(stop)
        if sink.refused:
            note(f"{sink.refused} record(s) of the run abandoned at shutdown were not stored")
        return watcher.last_state


def _otel(stack: ExitStack, endpoint: str, name: str) -> Exporter:
    from chatcontract.monitor.otel import OtelExporter, otlp_meter_provider

    provider = otlp_meter_provider(endpoint)
    stack.callback(provider.shutdown)
    return OtelExporter(provider, name)


def _started(target: Any, name: str, incident_id: str, plan: Plan, watcher: Watcher) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": "started",
        "target": target.label or target.base_url,
        "alias": name,
        "profile": target.profile.name,
        "model": target.model,
        "incident_id": incident_id,
        "every": format_interval(plan.every_s),
        "cases": [c.name for c in plan.cases],
        "negatives": [c.name for c in plan.negatives],
        "negatives_every": format_interval(plan.negatives_every_s) if plan.negatives_every_s else None,
        "budget_per_hour": plan.budget_per_hour,
        "carried_requests": watcher.budget.carried,
    }
    if target.embedded:
        root = target.base_url.removesuffix("/v1")
        event["sim_switch_url"] = f"{root}/_sim/models/{target.model}"
    return event


def register(app: typer.Typer) -> None:
    app.command("watch", help=HELP)(watch)
