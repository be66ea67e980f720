"""``chatcontract incidents``: list incidents, show one, compare two field by field."""

from __future__ import annotations

from typing import Annotated

import typer

from chatcontract.cli.common import StoreOpt, console, emit_json
from chatcontract.report.terminal import rich_table

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of the table.")]

incidents_app = typer.Typer(
    help="Incidents in the evidence store: list, show ID, compare ID ID. "
    "The store is only read: one that does not exist is an error, never created. "
    "Exit codes: 0 success, 2 usage error (e.g. unknown incident id, no store).",
    no_args_is_help=True,
)


@incidents_app.command("list")
def list_incidents(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List incidents with their attempt counts and time window.

    Exit codes: 0 listed, 2 no store or not a chatcontract store.
    """
    from chatcontract.evidence.facts import incident_facts
    from chatcontract.evidence.store import EvidenceStore

    with EvidenceStore(store, readonly=True) as ev:
        rows = []
        for inc in ev.incidents():
            f = incident_facts(ev, inc.id).as_fields()
            rows.append((inc.id, f["title"], f["attempts stored"], f["failed attempts"], f["first observed (UTC)"],
                         f["repro verdict"]))
    header = ("incident", "title", "attempts", "failed", "first observed", "repro verdict")
    if as_json:
        emit_json([dict(zip(header, row, strict=True)) for row in rows])
        return
    console.print(rich_table(None, header, rows))


@incidents_app.command("show")
def show(
    incident: Annotated[str, typer.Argument(help="Incident id.")], store: StoreOpt = None, as_json: JsonOpt = False
) -> None:
    """Show what the store knows about one incident.

    Exit codes: 0 shown, 2 unknown incident id or no store.
    """
    from chatcontract.evidence.facts import incident_facts
    from chatcontract.evidence.store import EvidenceStore

    with EvidenceStore(store, readonly=True) as ev:
        fields = incident_facts(ev, incident).as_fields()
        stored = ev.incident(incident)
    for key, value in (stored.meta if stored is not None else {}).items():
        if key != "title":
            fields[f"meta: {key}"] = str(value)  # what a packet's --meta file said (remembered)
    if as_json:
        emit_json({"incident": incident, **fields})
        return
    console.print(rich_table(incident, ("field", "value"), list(fields.items())))


@incidents_app.command("compare")
def compare(
    first: Annotated[str, typer.Argument(help="First incident id.")],
    second: Annotated[str, typer.Argument(help="Second incident id.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two incidents field by field (same / differs).

    Exit codes: 0 compared (differences are not a failure), 2 unknown incident id or no store.
    """
    from chatcontract.evidence.facts import compare_facts, incident_facts
    from chatcontract.evidence.store import EvidenceStore

    with EvidenceStore(store, readonly=True) as ev:
        rows = compare_facts(incident_facts(ev, first), incident_facts(ev, second))
    if as_json:
        emit_json({"first": first, "second": second,
                   "fields": [{"field": k, "first": a, "second": b, "same": same} for k, a, b, same in rows]})
        return
    cells = [(key, a, b, "same" if same else "DIFFERS") for key, a, b, same in rows]
    console.print(rich_table(None, ("field", first, second, "same?"), cells))


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
