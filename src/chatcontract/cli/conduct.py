"""``chatcontract conduct``: grade a client or gateway over the fault scenario catalogue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import console, fail, note
from chatcontract.cli.progress import Steps
from chatcontract.conduct.catalogue import load_catalogue
from chatcontract.conduct.render import summary_line, write_reports
from chatcontract.conduct.results import ScenarioResult, exit_code, to_json
from chatcontract.conduct.runner import CI_SCALE, Settings, grade, simulator
from chatcontract.conduct.worker import BUILTIN_TARGETS, resolve_target
from chatcontract.errors import UsageError
from chatcontract.redact import strip_url_secrets

HELP = f"""Grade a client or gateway over the fault scenario catalogue, against the simulator.

--client MODULE:FUNCTION is your own code (imported from the current directory or PYTHONPATH,
in a separate process): it is called with keyword arguments base_url, api_key, model, messages,
stream (bool) and fallback_model (str or None), plus deadline_s (--deadline, in seconds) when
its signature names deadline_s or takes **kwargs, and returns the answer text or raises. Built-in
targets for comparison: {", ".join(BUILTIN_TARGETS)}. --gateway URL grades a gateway that forwards to
the simulator: the command prints the simulator URL and the model names to route, then waits for
Enter (or runs at once with --no-wait).

Each scenario is judged from the simulator's own attempt log and the returned text (checked
against the simulator's self-checking answer): pass, safe (not rescued, but a bounded clean
error) or fail, with the evidence. Exit codes: 0 every scenario pass or safe, 1 any fail,
2 usage or input error (an import error in --client is one line naming the module)."""


def _list() -> None:
    for s in load_catalogue().scenarios:
        typer.echo(f"{s.name}\t{s.title}\tmodel: {s.model}\tfallback: {s.fallback or '-'}\tstream: {s.stream}")


def _progress(steps: Steps) -> Callable[[ScenarioResult], None]:
    def line(result: ScenarioResult) -> None:
        steps.finished(f"{result.name}: {result.verdict}")

    return line


def conduct(  # noqa: PLR0917 - Typer options
    client: Annotated[
        str | None, typer.Option("--client", help="MODULE:FUNCTION, or a built-in: openai, chatcontract, tenacity.")
    ] = None,
    gateway: Annotated[
        str | None, typer.Option("--gateway", help="Base URL of a gateway that forwards to the simulator.")
    ] = None,
    scenarios: Annotated[
        str | None, typer.Option("--scenarios", help="Comma-separated scenario names (default: all).")
    ] = None,
    scenario_file: Annotated[
        list[Path] | None, typer.Option("--scenario-file", help="A catalogue file of your own (repeatable).")
    ] = None,
    only_files: Annotated[
        bool, typer.Option("--only-files", help="Run only the scenario files, not the built-in catalogue.")
    ] = False,
    scale: Annotated[
        float,
        typer.Option(
            "--scale", min=0.01, max=1.0, help=f"Time scale of fault durations (CI: {CI_SCALE}; 1 for the record)."
        ),
    ] = CI_SCALE,
    deadline: Annotated[
        float,
        typer.Option(
            "--deadline",
            min=1.0,
            help="The caller's deadline per call in seconds; a call running 5 s past it is abandoned as a hang.",
        ),
    ] = 20.0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, max=32, help="Scenarios run in parallel (clients only; a gateway runs one at a time)."
        ),
    ] = 4,
    sim_port: Annotated[
        int,
        typer.Option("--sim-port", min=0, max=65535,
                     help="Port of the simulator on 127.0.0.1 (default: a free one); fix it so a gateway's "
                     "config can name the simulator."),
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory (created if missing) for results.json, report.md, report.html, "
                     "junit.xml."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the JSON document instead of the table.")] = False,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="With --gateway: do not wait for Enter before grading.")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
) -> None:
    if list_:
        _list()
        return
    if (client is None) == (gateway is None):
        fail("give exactly one of --client MODULE:FUNCTION or --gateway URL")
    try:
        catalogue = load_catalogue(scenario_file or (), builtin=not only_files)
        if scenarios:
            catalogue = catalogue.select(n.strip() for n in scenarios.split(",") if n.strip())
        target = resolve_target(client) if client else "chatcontract.conduct.adapters:plain_http"
        if gateway and not gateway.startswith(("http://", "https://")):
            raise UsageError(f"--gateway {strip_url_secrets(gateway)!r}: expected an http(s) base URL")
    except UsageError as exc:
        fail(str(exc))
    settings = Settings(scale=scale, deadline_s=deadline, workers=workers, gateway_url=gateway, sim_port=sim_port)
    shown = client or strip_url_secrets(gateway or "")
    started = time.monotonic()
    with simulator(catalogue, settings) as sim:
        if gateway:
            note(f"Simulator: {sim.base_url} (key: ${'{'}CHATCONTRACT_SIM_API_KEY{'}'} or the default test key)")
            note("Route these models through the gateway to the simulator: " + ", ".join(catalogue.model_names()))
            if not no_wait:
                typer.prompt("Press Enter when the gateway forwards to the simulator", default="", show_default=False)
        note(f"conduct: grading {shown} over {len(catalogue.scenarios)} scenarios at scale {scale}")
        try:
            with Steps("conduct", len(catalogue.scenarios)) as steps:
                results = grade(catalogue, target, settings, progress=_progress(steps), sim=sim)
        except UsageError as exc:
            fail(str(exc))
        sim_url = sim.base_url
    duration = time.monotonic() - started
    doc = to_json(results, target=shown, scale=scale, deadline_s=deadline, duration_s=duration, sim_url=sim_url)
    if out is not None:
        try:
            for path in write_reports(doc, results, out):
                note(f"wrote {path}")
        except UsageError as exc:
            fail(str(exc))
    if json_out:
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        from chatcontract.conduct.render import HEADER, rows
        from chatcontract.report.terminal import rich_table

        console.print(rich_table(f"conduct: {shown}", HEADER, rows(results, did_chars=160)))
        console.print(summary_line(results, duration), markup=False)
    raise typer.Exit(exit_code(results))


def register(app: typer.Typer) -> None:
    app.command("conduct", help=HELP)(conduct)
