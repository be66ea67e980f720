"""``chatcontract ready``: the readiness gate over probe, conduct, fixtures and owners evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.common import (
    DEFAULT_API_KEY_ENV,
    ApiKeyEnvOpt,
    ApiKeyFileOpt,
    BaseUrlOpt,
    ModelOpt,
    ProfileOpt,
    console,
    note,
)
from chatcontract.contract import DEFAULT_PROFILE, load_profile
from chatcontract.errors import UsageError

HELP = """Answer seed 004's ten readiness criteria, each yes / no / unknown with its evidence.

Sources: the probe (run now against the target, the embedded simulator by default; or
--probe-results from `probe --out`; --no-probe leaves its four criteria unknown), a conduct
run's JSON (--conduct), a fixtures directory (--fixtures, checked with drift), and an owners
file (--owners: who owns credential, model, quota and billing failures). Missing evidence is
unknown, never yes. Exit codes: 0 all ten yes, 1 any no, 2 usage or input error, 3 none no but
some unknown."""

NoProbeOpt = Annotated[bool, typer.Option("--no-probe", help="Do not probe (its criteria stay unknown).")]
ProbeResultsOpt = Annotated[
    Path | None, typer.Option("--probe-results", help="results.json of an earlier `probe --out` instead of probing.")
]
ConductOpt = Annotated[Path | None, typer.Option("--conduct", help="JSON results of a `chatcontract conduct` run.")]
FixturesOpt = Annotated[Path | None, typer.Option("--fixtures", help="Directory of checked-in response fixtures.")]
OwnersOpt = Annotated[
    Path | None, typer.Option("--owners", help="YAML/JSON naming credential, model, quota, billing owners.")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Directory (created if missing) for ready.json/.md/.html and junit.xml.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the JSON report instead of the table.")]


def _live_probe(given: object) -> tuple[dict[str, str], str, str]:
    from chatcontract.probe.registry import default_registry
    from chatcontract.probe.runner import run_probe
    from chatcontract.probe.session import open_target

    registry = default_registry()
    cases = list(registry)
    with open_target(given) as target:  # type: ignore[arg-type]
        note(f"probing {target.label or target.base_url} for the probe criteria")
        run = run_probe(cases, target, max_requests=registry.budget(cases))
    label = target.label or target.base_url
    return {r.name: r.result.value for r in run.results}, f"probe run {run.run_id} against {label}", label


def ready(
    *,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = DEFAULT_API_KEY_ENV,
    api_key_file: ApiKeyFileOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    no_probe: NoProbeOpt = False,
    probe_results: ProbeResultsOpt = None,
    conduct: ConductOpt = None,
    fixtures: FixturesOpt = None,
    owners: OwnersOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate readiness for controlled production traffic."""
    from chatcontract.monitor.ready import Readiness, from_probe
    from chatcontract.monitor.ready_inputs import conduct_verdicts, fixtures_verdicts, owners_verdicts, probe_cases
    from chatcontract.monitor.ready_render import json_report, summary_line, terminal_table, write_outputs
    from chatcontract.probe.session import ProbeInput, check_out_dir

    if no_probe and probe_results is not None:
        raise UsageError("--no-probe and --probe-results contradict each other; use one")
    prof = load_profile(profile)
    check_out_dir(out)
    rest = [*conduct_verdicts(conduct), *fixtures_verdicts(fixtures, prof), *owners_verdicts(owners)]
    target: str | None = None
    if no_probe:
        cases, origin = None, ""
    elif probe_results is not None:
        cases, origin = probe_cases(probe_results)
    else:
        given = ProbeInput(base_url, profile, api_key_env, api_key_file, model)
        cases, origin, target = _live_probe(given)
    result = Readiness([*from_probe(cases, origin), *rest], target=target)
    if as_json:
        typer.echo(json_report(result), nl=False)
    else:
        console.print(terminal_table(result))
    if out is not None:
        write_outputs(result, out)
        note(f"reports written to {out}")
    note(summary_line(result))
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("ready", help=HELP)(ready)
