"""``chatcontract probe``: run the contract probe suite against a target (or the simulator)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcontract.cli.common import (
    DEFAULT_API_KEY_ENV,
    STORE_HELP,
    ApiKeyEnvOpt,
    ApiKeyFileOpt,
    BaseUrlOpt,
    ModelOpt,
    ProfileOpt,
    console,
    emit_json,
    note,
    say,
)
from chatcontract.cli.connection import UNREACHABLE_HELP, CaBundleOpt, HeaderOpt, ProxyOpt, unreachable
from chatcontract.cli.output import quiet
from chatcontract.cli.probe_rules import Interrupted, StopRules, json_document, write_partial
from chatcontract.cli.progress import Steps
from chatcontract.contract import DEFAULT_PROFILE
from chatcontract.probe.registry import default_registry
from chatcontract.probe.render import semantics_table, summary_line, terminal_table, write_outputs
from chatcontract.probe.results import ProbeRun
from chatcontract.probe.runner import run_probe
from chatcontract.probe.session import ProbeInput, check_out_dir, open_target, select_cases
from chatcontract.sinks import RecordSink
from chatcontract.target import Target, TargetUnreachableError, check_answers

if TYPE_CHECKING:
    from chatcontract.monitor.promote import PrimaryFixtures
    from chatcontract.probe.baseline import Accepted, BaselineCheck

HELP = """Run the contract probe suite: happy path, streaming, and every documented refusal.

Without --base-url (and without COMETAPI_BASE_URL) the probe starts the simulator in-process
with a freshly minted key and model and runs against it. Exit codes: 0 all cases passed,
1 a case failed, 2 usage or input error, 3 some cases inconclusive (none failed), or
""" + UNREACHABLE_HELP + "."


def _list_cases() -> None:
    """One tab-separated line per case: name, title, what it needs, its request allowance."""
    for case in default_registry():
        needs = ", ".join(
            x for x, on in (("key", case.needs_key), ("model", case.needs_model)) if on
        )
        typer.echo(
            f"{case.name}\t{case.title}\tneeds: {needs or 'nothing'}"
            f"\tmax requests: {case.max_requests}"
        )


def _announce(target: Target, as_json: bool) -> None:
    if quiet():
        return
    if as_json:
        note(f"Probing {'the embedded simulator at ' if target.embedded else ''}{target.base_url}.")
    elif target.embedded:
        say(
            f"Probing the embedded simulator at {target.base_url} (no --base-url or "
            "COMETAPI_BASE_URL; it runs with a freshly minted key and model)."
        )
    else:
        console.print(
            f"Probing {target.base_url} with profile {target.profile.name}.", markup=False
        )
    if target.note:
        note(target.note)


@contextmanager
def store_sink(location: str | None, target: Target) -> Iterator[tuple[RecordSink | None, str | None]]:
    """``(sink, run_id)`` for the evidence store at ``location``; ``(None, None)`` without one."""
    if location is None:
        yield None, None
        return
    from chatcontract.evidence.store import open_store

    with open_store(location) as store:
        meta = {"target": target.label or target.base_url, "profile": target.profile.name}
        run_id = store.start_run("probe", meta=meta)
        try:
            yield store, run_id
        finally:
            store.finish_run(run_id)


def _run(target: Target, cases_text: str | None, max_requests: int | None, store: str | None,
         rules: StopRules) -> ProbeRun:
    registry = default_registry()
    cases = select_cases(registry, cases_text)
    budget = registry.budget(cases) if max_requests is None else max_requests
    with store_sink(store, target) as (sink, run_id), Steps("probe", len(cases)) as steps:
        on_start, on_result = rules.hooks(cases, steps)
        try:
            return run_probe(cases, target, max_requests=budget, sink=sink, run_id=run_id,
                             on_start=on_start, on_result=on_result)
        except KeyboardInterrupt:
            raise Interrupted(rules.partial(target, run_id or "", budget)) from None


CasesOpt = Annotated[str | None, typer.Option("--cases", help="Comma-separated case names (default: all).")]
ListOpt = Annotated[bool, typer.Option("--list", help="List the cases and exit.")]
MaxRequestsOpt = Annotated[
    int | None,
    typer.Option("--max-requests", min=0, help="Hard request budget (default: the selected cases with their retries)."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Directory (created if missing) for results.json, attempts.jsonl, report.md, "
                 "report.html and junit.xml; after Ctrl-C it holds the cases that finished."),
]
ExitFirstOpt = Annotated[bool, typer.Option("--exitfirst", "-x", help="Stop after the first failing case.")]
MaxTimeOpt = Annotated[
    str | None,
    typer.Option("--max-time", help="Start no case after this long (30s, 5m); a case in flight finishes. "
                 "Cases not run make the exit code 3 when nothing failed."),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", help="Accepted outcomes (JSON from --write-baseline): only new failures and "
                 "new inconclusive cases decide the exit code; fixed ones are reported."),
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option("--write-baseline", help="Write every case that did not pass to this file, to review and commit."),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document (results.json plus stopped, not_run, baseline) "
                 "instead of the tables."),
]
PromoteOpt = Annotated[
    Path | None,
    typer.Option("--promote-from",
                 help="Check this target as a fallback against the primary's `probe --out` dir (or its fixture): "
                      "exit 1 and list what differs; with --out, also write promotion.json for the Client."),
]
StoreOpt = Annotated[str | None, typer.Option("--store", help="Also write the attempt records here. " + STORE_HELP)]


def _show(run: ProbeRun, *, out: Path | None, secret: str | None, rules: StopRules,
          check: BaselineCheck | None, as_json: bool) -> None:
    if out is not None:
        write_outputs(run, out, secret=secret)
        note(f"reports written to {out}")
    if rules.reason:
        note(f"stopped: {rules.reason}; not run: {', '.join(rules.not_run) or 'none'}")
    if check is not None:
        note(f"baseline {check.path}: {len(check.accepted)} accepted, {len(check.new)} new"
             + (f": {', '.join(c for c, _ in check.new)}" if check.new else "")
             + (f"; now passing (remove from the baseline): {', '.join(check.fixed)}" if check.fixed else ""))
    if as_json:
        doc = json_document(run, rules, check)
        emit_json(doc if not secret else _masked(doc, secret))
        return
    console.print(terminal_table(run))
    console.print(semantics_table(run))
    for result in run.results:
        if result.curl:
            text = f"\nreproduce {result.name} ({result.result.value}):\n{result.curl}"
            console.print(text, markup=False, soft_wrap=True)
    if run.budget_spent:
        note("stopped early: " + summary_line(run))


def probe(
    *,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = DEFAULT_API_KEY_ENV,
    api_key_file: ApiKeyFileOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    cases: CasesOpt = None,
    list_cases: ListOpt = False,
    max_requests: MaxRequestsOpt = None,
    out: OutOpt = None,
    store: StoreOpt = None,
    promote_from: PromoteOpt = None,
    exitfirst: ExitFirstOpt = False,
    max_time: MaxTimeOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    as_json: JsonOpt = False,
    header: HeaderOpt = None,
    proxy: ProxyOpt = None,
    ca_bundle: CaBundleOpt = None,
) -> None:
    """Run the contract probe suite."""
    if list_cases:
        _list_cases()
        return
    select_cases(default_registry(), cases)  # bad names are input errors, before anything starts
    check_out_dir(out)
    primary = None
    if promote_from is not None:
        from chatcontract.monitor.promote import load_primary

        primary = load_primary(promote_from)  # a missing or bad primary fixture is bad input, before any request
    rules, accepted = _rules(exitfirst, max_time, baseline)
    given = ProbeInput(base_url, profile, api_key_env, api_key_file, model, tuple(header or ()), proxy, ca_bundle)
    with open_target(given) as target:
        _announce(target, as_json)
        try:
            check_answers(target)
        except TargetUnreachableError as exc:
            unreachable(exc)
        secret = target.credential.key if target.credential else None
        try:
            run = _run(target, cases, max_requests, store, rules)
        except Interrupted as stop:
            if out is not None:
                write_partial(stop.run, out, secret)
                note(f"{len(stop.run.results)} finished case(s) written to {out} (no HTML report)")
            raise KeyboardInterrupt from None
    check = None
    if baseline is not None and accepted is not None:
        from chatcontract.probe.baseline import check_baseline

        check = check_baseline(run, accepted, str(baseline))
    _show(run, out=out, secret=secret, rules=rules, check=check, as_json=as_json)
    if write_baseline is not None:
        from chatcontract.probe.baseline import write_baseline as write

        note(f"baseline of {write(run, write_baseline)} case(s) written to {write_baseline}")
    code = rules.exit_code(run, check)
    if primary is not None:
        raise typer.Exit(_promotion(run, primary, profile, out) or code)
    raise typer.Exit(code)


def _rules(
    exitfirst: bool, max_time: str | None, baseline: Path | None
) -> tuple[StopRules, dict[str, Accepted] | None]:
    """The stop rules and the baseline, checked before any request is sent."""
    from chatcontract.monitor.schedule import parse_interval

    max_time_s = parse_interval(max_time, option="--max-time", minimum_s=0.001) if max_time is not None else None
    accepted = None
    if baseline is not None:
        from chatcontract.probe.baseline import load_baseline

        accepted = load_baseline(baseline)
    return StopRules(exitfirst=exitfirst, max_time_s=max_time_s), accepted


def _masked(doc: dict[str, object], secret: str) -> object:
    import json

    from chatcontract.redact_rules import MASK

    return json.loads(json.dumps(doc, default=str).replace(secret, MASK))


def _promotion(run: ProbeRun, primary: PrimaryFixtures, profile: str, out: Path | None) -> int:
    """Print the fallback promotion check (and write promotion.json); 1 when it refuses the promotion."""
    from chatcontract.contract import load_profile
    from chatcontract.monitor.promote import check_promotion, write_promotion

    result = check_promotion(run, primary, load_profile(profile))
    if out is not None:
        write_promotion(result, out)
    for line in result.notes:
        note(f"promotion check: {line}")
    if result.ok:
        console.print(f"promotion check: the fallback matches {result.primary_fixture}", markup=False)
        return 0
    console.print(f"promotion check: REFUSED against {result.primary_fixture}", markup=False)
    for line in result.differences:
        console.print(f"  {line}", markup=False)
    return 1


def register(app: typer.Typer) -> None:
    app.command("probe", help=HELP)(probe)
