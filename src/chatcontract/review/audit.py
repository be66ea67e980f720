"""The retry audit: what the callers' retries did during the incident.

Over logical requests with more than one attempt (table ``seq``): classes the action table
says never to retry that were retried anyway, attempts per logical request (amplification),
retries with no spacing or identical spacing (no jitter), Retry-After ignored, and retries
after the deadline. Spacing is measured from the end of the previous attempt (start plus
latency) to the start of the retry.
"""

from __future__ import annotations

from dataclasses import replace

from chatcontract.review import queries as q
from chatcontract.review.context import Ctx, num, pct, when
from chatcontract.review.grouping import confidence, grouping_basis, heuristic_text, only_heuristic, retried
from chatcontract.review.model import Finding, Label
from chatcontract.review.reach import Fact

NO_SPACING_MS = 100.0  # a retry sooner than this after the previous attempt ended has no backoff
JITTER_SPREAD_MS = 10.0  # retries whose spacing varies less than this (over >= 3) have no jitter
JITTER_MIN_RETRIES = 3
_OWNER = "platform team (retry policy)"


def _note(ctx: Ctx) -> str:
    """A statement suffix naming the grouping a retry finding rests on, when it is not firm."""
    return "" if confidence(ctx) == "high" else f" [{grouping_basis(ctx)}]"


def non_retryable_retried(ctx: Ctx) -> list[Finding]:
    out = []
    began = {row[0]: row[5] for row in ctx.rows(q.BY_CLASS)}
    note = _note(ctx)
    for cls, requests, retries, lo, hi, first, recovered in ctx.rows(q.NEVER_RETRIED):
        each = f"{num(lo)}x each" if lo == hi else f"{num(lo)}-{num(hi)}x (mean {num(round(retries / requests, 2))})"
        statement = (f"{cls} failures began at {when(began.get(cls))} and were retried {each} although the class "
                     f"is never retried: {retries} retries over {requests} logical requests from {when(first)}; "
                     f"{recovered} of those requests later succeeded{note}.")
        out.append(Finding(f"retry.non_retryable:{cls}", "Non-retryable failures retried", statement,
                           {"class": cls, "retries": retries, "requests": requests, "min_each": lo, "max_each": hi,
                            "first_failure": when(began.get(cls)), "first_retry": when(first),
                            "recovered": recovered}, Label.CLIENT_BUG, _OWNER))
    return out


def _no_retry_seen(ctx: Ctx) -> str | None:
    """A "not assessed" statement when only the heuristic grouped attempts and it found no retry."""
    if not only_heuristic(ctx) or retried(ctx):
        return None
    return (f"Not assessed: these logs carry no request id or retry counter, and the grouping heuristic "
            f"({heuristic_text(ctx)}; low confidence) put no two of the {ctx.attempts} attempts together, so "
            "retries cannot be told from new requests here.")


def amplification(ctx: Ctx) -> list[Finding]:
    if (blind := _no_retry_seen(ctx)) is not None:
        return [Finding("retry.amplification", "Attempts per logical request", blind,
                        {"assessed": False, "attempts": ctx.attempts})]
    rows = ctx.rows(q.AMPLIFICATION)
    failing_req = sum(c for n, f, c in rows if f)
    failing_att = sum(n * c for n, f, c in rows if f)
    most = max((n for n, _, _ in rows), default=0)
    ratio = ctx.attempts / ctx.requests if ctx.requests else 0.0
    fratio = failing_att / failing_req if failing_req else 0.0
    statement = (f"{ctx.attempts} attempts served {ctx.requests} logical requests ({ratio:.2f} attempts each); "
                 f"logical requests with a failure made {failing_att} attempts for {failing_req} requests "
                 f"({fratio:.2f} each); the most attempts for one request was {most}{_note(ctx)}.")
    table = [{"attempts_per_request": n, "had_failure": bool(f), "requests": c} for n, f, c in rows]
    numbers = {"attempts": ctx.attempts, "requests": ctx.requests, "ratio": round(ratio, 4),
               "failing_requests": failing_req, "failing_attempts": failing_att,
               "failing_ratio": round(fratio, 4), "max_attempts": most}
    inside, calls = (int(v or 0) for v in ctx.one(q.GATEWAY_RETRIES))
    if inside:
        statement += (f" The gateway also reports {inside} retries of its own inside {calls} of these calls "
                      "(its log has one row per call, so those retries are not in the attempt counts above).")
        numbers |= {"gateway_retries": inside, "calls_with_gateway_retries": calls}
    return [Finding("retry.amplification", "Attempts per logical request", statement, numbers, table=table)]


def spacing(ctx: Ctx) -> list[Finding]:
    retries = int(ctx.one(q.RETRY_COUNT)[0] or 0)
    note = _note(ctx)
    out = []
    rows = ctx.rows(q.NO_SPACING, NO_SPACING_MS)
    immediate = sum(n for *_, n in rows)
    if immediate:
        who = "; ".join(f"{s or '?'} / {d or '?'}: {n}" for s, d, n in rows[:5])
        out.append(Finding("retry.no_spacing", "Retries with no spacing",
                           f"{immediate} of {retries} retries ({pct(immediate, retries)}) started less than "
                           f"{num(NO_SPACING_MS)} ms after the previous attempt ended ({who}){note}.",
                           {"retries": retries, "no_spacing": immediate}, Label.CLIENT_BUG, _OWNER))
    groups = ctx.rows(q.JITTERLESS, JITTER_MIN_RETRIES, JITTER_SPREAD_MS)
    if groups:
        total = sum(g[3] for g in groups)
        parts = "; ".join(f"{s or '?'} / {d or '?'} retry {k - 1}: {n} retries at {num(round(lo))} ms"
                          for s, d, k, n, lo, _ in groups[:6])
        table = [{"service": s, "deployment": d, "retry": k - 1, "retries": n, "min_gap_ms": lo, "max_gap_ms": hi}
                 for s, d, k, n, lo, hi in groups]
        out.append(Finding("retry.no_jitter", "Retries with identical spacing (no jitter)",
                           f"{total} retries had identical spacing (spread <= {num(JITTER_SPREAD_MS)} ms): {parts}"
                           f"{note}.", {"retries": total, "groups": len(groups)}, Label.CLIENT_BUG, _OWNER,
                           table))
    return out


def retry_after(ctx: Ctx) -> list[Finding]:
    if (missing := ctx.reach.not_assessed(Fact.HEADERS)) is not None:
        return [Finding("retry.retry_after_ignored", "Retry-After ignored",
                        f"N{missing[1:]}: whether retries honoured Retry-After is unknown.",
                        {"assessed": False})]
    rows = ctx.rows(q.RETRY_AFTER)
    with_ra = sum(r[2] for r in rows)
    ignored = sum(r[3] for r in rows)
    if not with_ra:
        return []
    who = "; ".join(f"{s or '?'} / {d or '?'}: {i} of {n}" for s, d, n, i in rows if i)
    statement = (f"{ignored} of {with_ra} retries after a response with Retry-After ({pct(ignored, with_ra)}) "
                 f"came sooner than it asked" + (f" ({who})" if who else "") + f"{_note(ctx)}.")
    return [Finding("retry.retry_after_ignored", "Retry-After ignored", statement,
                    {"retries_after_retry_after": with_ra, "ignored": ignored},
                    Label.CLIENT_BUG if ignored else None, _OWNER if ignored else None)]


def after_deadline(ctx: Ctx) -> list[Finding]:
    deadline = ctx.options.deadline_ms
    limit = deadline if deadline is not None else 1e18
    n, requests, longest = ctx.one(q.AFTER_DEADLINE, limit)
    basis = f"a deadline of {num(deadline / 1000)} s" if deadline is not None else "a deadline_exceeded attempt"
    if not n and (blind := _no_retry_seen(ctx)) is not None:
        return [Finding("retry.after_deadline", "Retries after the deadline", blind, {"assessed": False})]
    if not n:
        text = f"No retry started after {basis}{_note(ctx)}."
        if deadline is None:
            text += " (Pass --deadline SECONDS to check retries against the callers' deadline.)"
        return [Finding("retry.after_deadline", "Retries after the deadline", text, {"retries": 0})]
    statement = (f"{n} retries over {requests} logical requests started after {basis} "
                 f"(the latest {num(round(longest / 1000, 1))} s after the first attempt){_note(ctx)}.")
    return [Finding("retry.after_deadline", "Retries after the deadline", statement,
                    {"retries": n, "requests": requests, "latest_ms": longest}, Label.CLIENT_BUG,
                    _OWNER)]


def retry_audit(ctx: Ctx) -> list[Finding]:
    """Every retry-audit finding, in report order."""
    found = [*non_retryable_retried(ctx), *amplification(ctx), *spacing(ctx), *retry_after(ctx),
             *after_deadline(ctx)]
    basis, level = grouping_basis(ctx), confidence(ctx)
    return [replace(f, rests_on=basis, confidence=level) for f in found]
