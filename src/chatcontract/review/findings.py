"""Findings about failures, the incident window, routes, models, streams and usage.

Each builder runs a few queries from :mod:`queries` and turns the numbers into a short
statement that a test can check. A builder says "not assessed" (and why) rather than guess
when the logs lack the field it needs.
"""

from __future__ import annotations

from typing import Any

from chatcontract.review import queries as q
from chatcontract.review.context import Ctx, minute, pct, when
from chatcontract.review.model import Finding, Label
from chatcontract.review.reach import Fact

MAX_LISTED = 10  # paths or hosts outside the profile listed one finding each


def failures_by_class(ctx: Ctx) -> list[Finding]:
    rows = ctx.rows(q.BY_CLASS)
    statuses: dict[str, list[str]] = {}
    for cls, status, n in ctx.rows(q.CLASS_STATUSES):
        statuses.setdefault(cls, []).append(f"{status if status is not None else 'no response'} ({n})")
    table = [
        {"class": c, "attempts": n, "share_of_failures": pct(n, ctx.failures), "logical_requests": r,
         "first": when(first), "last": when(last), "statuses": ", ".join(statuses.get(c, [])),
         "review_category": cat, "owner": owner}
        for c, cat, owner, n, r, first, last in rows
    ]
    top = "; ".join(f"{t['class']} {t['attempts']} ({t['share_of_failures']})" for t in table[:4])
    statement = f"{ctx.failures} of {ctx.attempts} attempts failed ({pct(ctx.failures, ctx.attempts)})"
    statement += f": {top}." if table else "."
    by_class = {t["class"]: t["attempts"] for t in table}
    numbers = {"attempts": ctx.attempts, "failures": ctx.failures, "by_class": by_class}
    return [Finding("failures.by_class", "Failures by class", statement, numbers, table=table)]


def failures_by_category(ctx: Ctx) -> list[Finding]:
    table = [
        {"review_category": cat, "owner": owner, "attempts": n, "share_of_failures": pct(n, ctx.failures)}
        for cat, owner, n in ctx.rows(q.BY_CATEGORY)
    ]
    if not table:
        return []
    statement = "; ".join(f"{t['review_category']} {t['attempts']} ({t['share_of_failures']}, owner: {t['owner']})"
                          for t in table) + "."
    numbers = {"by_category": {t["review_category"]: t["attempts"] for t in table}}
    return [Finding("failures.by_category", "Failures by review category and owner", statement, numbers, table=table)]


def timeline(ctx: Ctx) -> list[dict[str, Any]]:
    """Per-minute attempts by status family, failures and latency percentiles."""
    keys = ("attempts", "failures", "s2xx", "s3xx", "s4xx", "s5xx", "no_response", "p50_ms", "p95_ms", "p99_ms")
    return [{"minute": m, **dict(zip(keys, rest, strict=True))} for m, *rest in ctx.rows(q.TIMELINE)]


def incident_window(ctx: Ctx, minutes: list[dict[str, Any]]) -> list[Finding]:
    failing = [m for m in minutes if m["failures"]]
    if not failing:
        return [Finding("incident.window", "Incident window", f"No failed attempts among {ctx.attempts}.",
                        {"failures": 0})]
    peak = max(failing, key=lambda m: (m["failures"], -m["minute"].timestamp()))
    classes = ctx.rows(q.BY_CLASS)
    first = min(r[5] for r in classes)
    last = max(r[6] for r in classes)
    statement = (
        f"Failures began at {when(first)} and the last was at {when(last)}; the peak minute was "
        f"{minute(peak['minute'])} with {peak['failures']} failed of {peak['attempts']} attempts "
        f"({pct(peak['failures'], peak['attempts'])})."
    )
    numbers = {"first_failure": when(first), "last_failure": when(last), "peak_minute": minute(peak["minute"]),
               "peak_failures": peak["failures"], "peak_attempts": peak["attempts"],
               "failing_minutes": len(failing)}
    table = [{"class": c, "first": when(f), "last": when(la), "attempts": n} for c, _, _, n, _, f, la in classes]
    return [Finding("incident.window", "Incident window", statement, numbers, table=table)]


def _deployment_phrase(ctx: Ctx, n_deployments: int, deployment: str | None) -> str:
    if not ctx.has_deployment:
        return " (these logs have no deployment field, so no deployment can be named)"
    if n_deployments == 1 and deployment is not None:
        return f", all from one deployment ({deployment})"
    return f", from {n_deployments} deployments"


def route_drift(ctx: Ctx) -> list[Finding]:
    if not ctx.has_path or not ctx.reach.can(Fact.PATH):
        return [Finding("routes.drift", "Route drift", "Not assessed: these logs record no request path.",
                        {"assessed": False})]
    expected = {ctx.chat_path, ctx.models_path}
    rows = ctx.rows(q.PATHS)
    failed_total = sum(r[2] for r in rows) or 0
    off = [r for r in rows if r[0] is not None and r[0] not in expected]
    documented = sum(r[2] for r in rows if r[0] == ctx.chat_path)
    if not off:
        return [Finding("routes.drift", "Route drift",
                        f"All {ctx.attempts} attempts used profile routes ({ctx.chat_path}).", {"off_profile": 0})]
    findings = []
    if len(off) > MAX_LISTED:
        rest = off[MAX_LISTED:]
        findings.append(Finding("routes.off_profile_more", "More paths outside the profile",
                                f"{len(rest)} more paths outside the profile carried {sum(r[1] for r in rest)} "
                                f"attempts ({sum(r[2] for r in rest)} failed); the {MAX_LISTED} busiest are listed.",
                                {"paths": len(rest), "attempts": sum(r[1] for r in rest)},
                                table=[{"path": r[0], "attempts": r[1], "failed": r[2]} for r in rest[:50]]))
    for path, n, failed, n_dep, dep, first in off[:MAX_LISTED]:
        detail = ctx.rows(q.PATH_DETAIL, path)
        statuses = sorted({s for _, s, _ in detail if s is not None})
        label = Label.DEPLOYMENT_DRIFT if ctx.has_deployment and n_dep == 1 else Label.CLIENT_BUG
        statement = (
            f"{pct(documented, failed_total)} of failed attempts ({documented} of {failed_total}) used the "
            f"documented path {ctx.chat_path}; {pct(failed, failed_total)} ({failed}) used {path}"
            f"{_deployment_phrase(ctx, n_dep, dep)}; {path} got status {', '.join(map(str, statuses)) or 'none'} "
            f"on {n} attempts since {when(first)}."
        )
        numbers = {"path": path, "attempts": n, "failed": failed, "failed_total": failed_total,
                   "documented_failed": documented, "deployments": n_dep,
                   "deployment": dep if n_dep == 1 else None, "statuses": statuses}
        table = [{"deployment": d, "status": s, "attempts": c} for d, s, c in detail]
        findings.append(Finding(f"routes.off_profile:{path}", "Path outside the profile", statement, numbers,
                                label, "platform team (client configuration)", table))
    return findings


def host_drift(ctx: Ctx) -> list[Finding]:
    if not ctx.has_host or not ctx.reach.can(Fact.HOST):
        return [Finding("routes.hosts", "Base URL drift", "Not assessed: these logs record no server address.",
                        {"assessed": False})]
    rows = [r for r in ctx.rows(q.HOSTS) if r[0] is not None and r[0] != ctx.expected_host][:MAX_LISTED]
    findings = []
    for host, n, failed, n_dep, dep in rows:
        statement = (f"{n} attempts ({pct(n, ctx.attempts)}) went to {host}, not the profile's "
                     f"{ctx.expected_host}; {failed} of them failed{_deployment_phrase(ctx, n_dep, dep)}.")
        findings.append(Finding(f"routes.host:{host}", "Base URL outside the profile", statement,
                                {"host": host, "attempts": n, "failed": failed, "deployments": n_dep},
                                Label.DEPLOYMENT_DRIFT, "platform team (client configuration)"))
    return findings


def models(ctx: Ctx) -> list[Finding]:
    rows = [r for r in ctx.rows(q.MODELS) if r[0] is not None]
    out = []
    if rows:
        statement = "Models requested: " + ", ".join(f"{m} ({n} attempts, {f} failed)" for m, n, f in rows[:10]) + "."
        out.append(Finding("models.seen", "Model names seen", statement, {"models": {m: n for m, n, _ in rows}}))
    swaps = ctx.rows(q.MODEL_SWAPS)
    if swaps:
        total = sum(n for *_, n in swaps)
        statement = f"{total} successful attempts were answered by a model other than the one requested: " + \
            "; ".join(f"{m} -> {r} ({n})" for m, r, n in swaps[:5]) + "."
        out.append(Finding("models.swapped", "Answers from another model", statement, {"attempts": total},
                           Label.VENDOR_QUESTION, "account owner"))
    return out


def fallbacks(ctx: Ctx) -> list[Finding]:
    rows = ctx.rows(q.FALLBACKS)
    marked = ctx.facts["fallback_of"]
    if not rows and not marked:
        return []
    requests = sum(r[2] for r in rows)
    answered = sum(r[3] for r in rows)
    pairs = "; ".join(f"{a} -> {b} ({n})" for a, b, n, _ in rows[:5])
    statement = (f"{requests} logical requests fell back to another model ({pairs or 'marked fallback_of'}); "
                 f"{answered} were answered by the fallback, so the reported model differs from the requested one"
                 f"; {marked} attempts name the route they replaced.")
    return [Finding("fallbacks.model_changed", "Fallbacks that changed the reported model", statement,
                    {"requests": requests, "answered_by_fallback": answered, "fallback_of": marked},
                    Label.CLIENT_BUG if answered else None, "application team")]


def _held(ctx: Ctx, key: str, title: str, *facts: Fact) -> list[Finding]:
    """A "not assessed" finding when no input can show one of ``facts``, else ``[]``."""
    missing = ctx.reach.not_assessed(*facts)
    if missing is None:
        return []
    return [Finding(key, title, missing[0].upper() + missing[1:] + ".", {"assessed": False})]


def streaming(ctx: Ctx) -> list[Finding]:
    if held := _held(ctx, "streams.cut", "Streams", Fact.STREAMING, Fact.FINISH_REASON):
        return held
    total, cut, counted = (ctx.facts[k] for k in ("streams", "streams_cut", "streams_cut_counted"))
    if not total:
        return [Finding("streams.cut", "Streams", "Not assessed: no streamed 2xx responses in these logs"
                        f"{ctx.reach.scope_note(Fact.STREAMING, Fact.FINISH_REASON)}.", {"assessed": False})]
    deps = ctx.rows(q.STREAM_DEPLOYMENTS)
    where = ""
    if cut and ctx.has_deployment and len(deps) == 1 and deps[0][0] is not None:
        where = f", all on deployment {deps[0][0]}"
    statement = (f"{cut} of {total} streamed 2xx responses ({pct(cut, total)}) ended with no finish_reason{where}; "
                 f"{counted} of them ({pct(counted, cut)}) were counted as success by the source (partial answers)"
                 f"{ctx.reach.scope_note(Fact.STREAMING, Fact.FINISH_REASON)}.")
    out = [Finding("streams.cut", "Streams with no finish_reason", statement,
                   {"streams": total, "cut": cut, "counted_as_success": counted},
                   Label.VENDOR_QUESTION if cut else None, "on-call, with the provider" if cut else None)]
    if counted:
        out.append(Finding("streams.partial_success", "Partial answers counted as success",
                           f"{counted} cut streams were recorded as successful answers; a stream with no "
                           "finish_reason must never be reported as success.", {"attempts": counted},
                           Label.CLIENT_BUG, "client library owner"))
    return out


def usage(ctx: Ctx) -> list[Finding]:
    if held := _held(ctx, "usage.absent", "Usage", Fact.USAGE):
        return held
    rows = {bool(s): (int(n), int(a)) for s, n, a in ctx.rows(q.USAGE)}
    n = sum(v[0] for v in rows.values())
    if not n:
        return [Finding("usage.absent", "Usage", "Not assessed: no successful 2xx response in an input that "
                        "records usage.", {"assessed": False})]
    absent = sum(v[1] for v in rows.values())
    parts = [f"{'streamed' if s else 'non-streamed'}: {a} of {c} ({pct(a, c)})" for s, (c, a) in sorted(rows.items())]
    statement = (f"usage was absent in {pct(absent, n)} of 2xx responses ({absent} of {n}; {'; '.join(parts)})"
                 f"{ctx.reach.scope_note(Fact.USAGE)}.")
    numbers = {"responses": n, "absent": absent, "by_streaming": {str(s): {"responses": c, "absent": a}
                                                                   for s, (c, a) in rows.items()}}
    return [Finding("usage.absent", "Usage present or absent", statement, numbers,
                    Label.DOCUMENTATION_DRIFT if absent else None, "account owner" if absent else None)]


def deployment_note(ctx: Ctx) -> list[Finding]:
    if ctx.has_deployment:
        return []
    return [Finding("fields.deployment_absent", "No deployment field",
                    "These logs carry no deployment field: no finding can name the deployment a failure came from.")]
