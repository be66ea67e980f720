"""The review pipeline: logs -> ``raw`` -> classified ``attempts`` -> findings -> result."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatcontract.contract import load_profile
from chatcontract.errors import UsageError
from chatcontract.review import audit, dedup, findings, grouping, load_sql
from chatcontract.review import queries as q
from chatcontract.review.assumptions import assumption_table, exemplars
from chatcontract.review.classify import build_classes
from chatcontract.review.context import Ctx
from chatcontract.review.infer import describe
from chatcontract.review.mapping import load_map
from chatcontract.review.model import BadInput, Finding, ReviewOptions, ReviewResult, SourceInfo
from chatcontract.review.reach import ALL_FACTS, Fact, ReachTable, observed_sql, parse_observed
from chatcontract.review.readers import READERS
from chatcontract.review.sqlengine import open_engine
from chatcontract.review.table import load, source_token


def _iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return ts.replace(tzinfo=None).isoformat(sep=" ")


def _context(con: Any, options: ReviewOptions) -> Ctx:
    profile = load_profile(options.profile)
    ctx = Ctx(con=con, profile=profile, options=options, attempts=0, failures=0, requests=0,
              has_deployment=False, has_host=False, has_path=False)
    dims = con.execute(q.DIM_FACTS, {"chat": ctx.chat_path, "models": ctx.models_path, "host": ctx.expected_host})
    ctx.facts = dict(zip(q.DIM_FACT_COLUMNS, (int(x or 0) for x in dims.fetchone() or ()), strict=True))
    facts = con.execute(q.FACTS).fetchone() or ()
    ctx.facts.update(zip(q.FACT_COLUMNS, (int(x or 0) for x in facts), strict=True))
    f = ctx.facts
    ctx.attempts, ctx.failures, ctx.requests = f["attempts"], f["failures"], f["requests"]
    ctx.has_deployment, ctx.has_host = bool(f["with_deployment"]), bool(f["with_host"])
    ctx.has_path = bool(f["with_path"])
    return ctx


def run_review(options: ReviewOptions) -> ReviewResult:
    """Read ``options.paths`` and review them against the profile.

    Raises :class:`UsageError` for input that is not a log or holds no attempt in the window.
    """
    fmap = load_map(options.map_file) if options.map_file is not None else None
    with tempfile.TemporaryDirectory(prefix="chatcontract-review-") as work:
        return _run(options, fmap, Path(work))


def source_reach(con: Any, sources: list[SourceInfo], names: dict[str, str]) -> ReachTable:
    """What each input can show: its reader's declared reach, narrowed by what its rows show."""
    # only a fact some reader may show is looked for: a reader's other facts are in reach or not whatever rows show
    maybe = [f for f in Fact if any(f in READERS[info.reader].reach.maybe for info in sources)]
    observed = parse_observed(con.execute(observed_sql(maybe)).fetchall(), maybe) if maybe else {}
    by_source = {}
    for index, info in enumerate(sources):
        token = source_token(index)
        facts = READERS[info.reader].reach.effective(observed.get(token, frozenset()))
        by_source[token] = facts
        info.shows = sorted(f.value for f in facts)
        info.cannot_show = sorted(f.value for f in ALL_FACTS - facts)
    table = ReachTable(by_source, names)
    for sets, where in table.unseen_stream_ends(load_sql.KEY_HASH):
        con.update("raw", sets, where)
    return table


@dataclass
class Loaded:
    """The inputs read into ``con``: per-file accounting, bad input, reach, same-traffic merges."""

    sources: list[SourceInfo]
    bad: BadInput
    reach: ReachTable
    merged: Any


def load_attempts(con: Any, options: ReviewOptions, fmap: Any, work: Path) -> Loaded:
    """Read the logs into ``con`` up to the classified ``attempts`` view with logical request keys
    (and the ``logical`` and ``seq`` tables): what the review and ``replay`` both start from."""
    sources, bad = load(con, list(options.paths), forced=options.reader, field_map=fmap, workdir=work)
    names = {source_token(i): info.path for i, info in enumerate(sources)}
    table = source_reach(con, sources, names)
    merged = dedup.merge_same_traffic(con, sources, list(names), table)
    since, until = _iso(options.since), _iso(options.until)
    con.create("keyed", q.keyed_view(since, until))
    _, by_hash = build_classes(con)
    unkeyed = con.execute(q.COUNT_UNKEYED).fetchone()
    if unkeyed and unkeyed[0]:
        con.assign("raw", "hkey", q.assign_groups(options.group_window_s * 1000.0, since, until, by_hash))
    con.create("attempts", q.attempts_view(since, until, by_hash, names, table), reused=True)
    con.create("logical", q.LOGICAL, table=True)
    con.create("seq", q.SEQ, table=True)
    return Loaded(sources, bad, table, merged)


def _run(options: ReviewOptions, fmap: Any, work: Path) -> ReviewResult:
    con = open_engine(options.engine, list(options.paths), work, options.spark_master)
    told = options.progress or (lambda _phase, _counts: None)
    try:
        told("reading", {"bytes": sum(p.stat().st_size for p in options.paths if p.is_file())})
        loaded = load_attempts(con, options, fmap, work)
        told("finding", {"records": sum(s.records for s in loaded.sources)})
        sources, bad, table, merged = loaded.sources, loaded.bad, loaded.reach, loaded.merged
        con.create("dims", q.DIMS, table=True)
        ctx = _context(con, options)
        ctx.reach = table
        if ctx.attempts == 0:
            window = " in the --since/--until window" if options.since or options.until else ""
            raise UsageError(f"no attempt records{window} in {', '.join(str(p) for p in options.paths)}")
        ctx.prefetch(q.FINDINGS)
        return _result(ctx, sources, bad, dedup.same_traffic_findings(merged, table))
    finally:
        con.close()


def _inferred_note(sources: list[SourceInfo]) -> list[Finding]:
    """Say which field names were taken for files read without ``--map``."""
    notes = [f"{Path(s.path).name}: {describe(s.inferred)}" for s in sources if s.inferred]
    if not notes:
        return []
    return [Finding("fields.inferred", "Fields inferred (no --map)",
                    "fields inferred: " + "; ".join(notes) + " (pass --map FILE.yaml to name them yourself)",
                    numbers={Path(s.path).name: dict(s.inferred) for s in sources if s.inferred})]


def _result(ctx: Ctx, sources: Any, bad: Any, notes: list[Finding]) -> ReviewResult:
    minutes = findings.timeline(ctx)
    window = findings.incident_window(ctx, minutes)
    peak = None
    failing = [m for m in minutes if m["failures"]]
    if failing:
        peak = max(failing, key=lambda m: (m["failures"], -m["minute"].timestamp()))["minute"]
    found = [
        *findings.failures_by_class(ctx), *findings.failures_by_category(ctx), *window,
        *findings.route_drift(ctx), *findings.host_drift(ctx), *findings.models(ctx),
        *audit.retry_audit(ctx), *findings.streaming(ctx), *findings.usage(ctx),
        *findings.fallbacks(ctx), *findings.deployment_note(ctx), *_inferred_note(sources), *notes,
    ]
    latency = [dict(zip(("outcome", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms"), r, strict=True))
               for r in ctx.rows(q.LATENCY)]
    bad.counts = {k: v for k, v in bad.counts.items() if v}
    timeline = [{**m, "minute": m["minute"].strftime("%Y-%m-%d %H:%M")} for m in minutes]
    totals = {"attempts": ctx.attempts, "failures": ctx.failures, "logical_requests": ctx.requests,
              "bad_lines": bad.total}
    return ReviewResult(
        profile=ctx.profile.name, sources=sources, findings=found, bad_input=bad, timeline=timeline,
        latency=latency, assumptions=assumption_table(ctx), exemplars=exemplars(ctx, peak),
        grouping=grouping.grouping_summary(ctx), totals=totals,
    )
