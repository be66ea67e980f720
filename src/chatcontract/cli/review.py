"""``chatcontract review``: turn gateway and application logs into incident findings.

Exit codes: 0 report written, no mismatch finding; 1 report written with at least one
mismatch finding (client bug, documentation drift, deployment drift or an open vendor/account
question); 2 bad input (a file that is not a log, an unknown reader, a bad mapping or time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcontract.cli.common import ProfileOpt, console, detail, note, print_document
from chatcontract.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from chatcontract.review import ReviewOptions, ReviewResult

FORMATS = ("md", "html", "json")


def _parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {value!r}: expected an ISO 8601 time such as 2026-11-22T14:05:00Z") from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


LogsArg = Annotated[list[Path], typer.Argument(help="Log files (gzip is detected by its magic bytes).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only attempts at or after this UTC time (ISO 8601).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only attempts before this UTC time (ISO 8601).")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", metavar="FORMAT",
                 help="md, html or json (default: tables on a terminal, Markdown when piped; md with --out)."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Directory for review.md, review.html or review.json (created if missing; "
                 "default: print)."),
]
ReaderOpt = Annotated[
    str | None, typer.Option("--reader", help="Force a reader: attempts, jsonl, otlp, har, nginx, envoy.")
]
MapOpt = Annotated[
    Path | None,
    typer.Option("--map", help="Field mapping (YAML) for generic JSON lines; without it, common field names "
                 "(status_code, @timestamp, url.path, duration_ms, ...) are inferred and reported."),
]
DeadlineOpt = Annotated[
    float | None, typer.Option("--deadline", help="The callers' deadline in seconds, to find retries after it.")
]
WindowOpt = Annotated[
    float,
    typer.Option("--group-window", help="Seconds between attempts of one logical request (heuristic grouping)."),
]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="SQL engine: duckdb (one machine) or spark (needs chatcontract[spark]).")
]
MasterOpt = Annotated[
    str | None, typer.Option("--spark-master", help="Spark master URL with --engine spark (default: local[*]).")
]


def review(
    logs: LogsArg,
    *,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    reader: ReaderOpt = None,
    map_file: MapOpt = None,
    profile: ProfileOpt = "cometapi",
    deadline: DeadlineOpt = None,
    window: WindowOpt = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document (= --format json).")] = False,
    engine: EngineOpt = "duckdb",
    spark_master: MasterOpt = None,
) -> None:
    """Review logs: failures by class and owner, incident window, route drift, retry audit,
    streams, usage, fallbacks and the contract assumptions the logs support or contradict.

    Exit codes: 0 no mismatch finding, 1 mismatch findings reported, 2 bad input.
    """
    from chatcontract.review import ReviewOptions, run_review

    if as_json:
        if fmt not in (None, "json"):
            raise UsageError(f"--json and --format {fmt} contradict each other; use one")
        fmt = "json"
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if deadline is not None and deadline <= 0:
        raise UsageError("--deadline must be a positive number of seconds")
    start, end = _parse_time(since, "--since"), _parse_time(until, "--until")
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--since {since} is not before --until {until}: the window is empty (swap them?)")
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"--engine {engine!r}: use duckdb or spark")
    if spark_master is not None and engine != "spark":
        raise UsageError("--spark-master needs --engine spark")
    options = ReviewOptions(paths=tuple(logs), reader=reader, map_file=map_file, profile=profile,
                            since=start, until=end,
                            deadline_ms=deadline * 1000.0 if deadline is not None else None,
                            group_window_s=window, engine=engine, spark_master=spark_master)
    result = _interruptible(run_review, options)
    if out is None and fmt is None:
        print_document(_render(result, "md"))
    else:
        _emit(_render(result, fmt or "md"), out, fmt or "md")
    if result.bad_input.total:
        note(f"{result.bad_input.total} bad input lines (counted by reason in the report)")
    if any(f.key == "fields.inferred" for f in result.findings):
        note(result.finding("fields.inferred").statement)
    raise typer.Exit(1 if result.has_mismatches else 0)


def _interruptible(review: Callable[[ReviewOptions], ReviewResult], options: ReviewOptions) -> ReviewResult:
    """DuckDB answers Ctrl-C by ending its query with an error ("Query interrupted"): that is an
    interruption (exit 130), not an internal error."""
    from dataclasses import replace

    from chatcontract.cli.interrupt import on_interrupt
    from chatcontract.cli.progress import Phases
    from chatcontract.review.table import interrupt_queries

    def told(phase: str, counts: dict[str, int]) -> None:
        detail(f"review: {phase} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        phases.update(phase, **counts)

    try:
        with on_interrupt(interrupt_queries), Phases("review") as phases:
            return review(replace(options, progress=told))
    except RuntimeError as exc:  # duckdb.InterruptException and duckdb 1.x's plain RuntimeError
        if "interrupted" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise


def _render(result: ReviewResult, fmt: str) -> str:
    from chatcontract.report.review_md import render_json, render_markdown

    if fmt == "html":
        from chatcontract.report.review_html import render_html

        return render_html(result)
    return render_markdown(result) if fmt == "md" else render_json(result)


def _emit(text: str, out: Path | None, fmt: str) -> None:
    if out is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"review.{fmt}"
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None
    note(f"wrote {target}")


def register(app: typer.Typer) -> None:
    app.command("review")(review)
