"""The contract-assumption table and the exemplar requests.

Each profile assumption is marked by what the logs show: ``supported`` (the logs contain
evidence consistent with it), ``unsupported`` (the logs contradict it), ``needs_confirmation``
(the inputs could show it but held no case to judge) or ``not_assessed`` (no input can show the
evidence: an nginx log has no headers, so its silence about Retry-After proves nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chatcontract.review import queries as q
from chatcontract.review.context import Ctx, when
from chatcontract.review.grouping import grouping_basis, retried
from chatcontract.review.reach import Fact

SUPPORTED, UNSUPPORTED, CONFIRM = "supported", "unsupported", "needs_confirmation"
NOT_ASSESSED = "not_assessed"  # the input cannot show the evidence: never supported nor contradicted
VERDICTS = (SUPPORTED, UNSUPPORTED, CONFIRM, NOT_ASSESSED)
Verdict = tuple[str, str]


def _reach(ctx: Ctx, *facts: Fact) -> Verdict | None:
    """``not_assessed`` when no input can show one of ``facts`` (absence proves nothing)."""
    missing = ctx.reach.not_assessed(*facts)
    return (NOT_ASSESSED, missing.removeprefix("not assessed (").removesuffix(")")) if missing else None


def _base_url(ctx: Ctx) -> Verdict:
    if not ctx.has_host or not ctx.reach.can(Fact.HOST):
        return NOT_ASSESSED, "the input cannot show the server address"
    n = ctx.facts["ok_host"]
    return (SUPPORTED, f"{n} successful attempts at {ctx.expected_host}") if n else \
        (CONFIRM, f"no successful attempt at {ctx.expected_host}")


def _route(path: Callable[[Ctx], str], fact: str) -> Callable[[Ctx], Verdict]:
    def check(ctx: Ctx) -> Verdict:
        if not ctx.has_path or not ctx.reach.can(Fact.PATH):
            return NOT_ASSESSED, "the input cannot show the request path"
        n = ctx.facts[fact]
        return (SUPPORTED, f"{n} successful attempts on {path(ctx)}") if n else \
            (CONFIRM, f"no successful attempt on {path(ctx)}")
    return check


def _error_envelope(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.BODIES)) is not None:
        return held
    types = ctx.rows(q.ERROR_TYPES)
    expected = set(ctx.profile.assumptions.error_envelope.value.type_values)
    if not types or not expected:
        return CONFIRM, "no error type recorded" if not types else "the profile names no error type"
    other = [(t, n) for t, n in types if t not in expected]
    if not other:
        return SUPPORTED, f"all {sum(n for _, n in types)} recorded error types are {', '.join(sorted(expected))}"
    return UNSUPPORTED, "error types outside the profile: " + ", ".join(f"{t} ({n})" for t, n in other[:5])


def _status_semantics(ctx: Ctx) -> Verdict:
    semantics = {int(k): v for k, v in ctx.profile.assumptions.status_semantics.value.items()}
    seen: dict[int, tuple[str | None, int]] = {}
    for status, cls, n in ctx.rows(q.STATUS_CLASSES):
        if status not in seen:
            seen[status] = (cls, n)  # the most frequent class of each status
    checked = {s: c for s, (c, _) in seen.items() if s in semantics}
    if not checked:
        return CONFIRM, "no documented status observed"
    wrong = {s: c for s, c in checked.items() if c is not None and c != semantics[s]}
    if wrong:
        return UNSUPPORTED, "; ".join(
            f"{s} mostly classed {c}, documented {semantics[s]}" for s, c in sorted(wrong.items()))
    return SUPPORTED, f"statuses {', '.join(map(str, sorted(checked)))} behave as documented"


def _retry_stance(ctx: Ctx) -> Verdict:
    grouping = grouping_basis(ctx)
    if not retried(ctx):
        return NOT_ASSESSED, f"no logical request had more than one attempt, so no retry could be judged ({grouping})"
    recovered = {cls: rec for cls, _, _, _, _, _, rec in ctx.rows(q.NEVER_RETRIED)}
    if not recovered:
        return CONFIRM, f"no retried non-retryable failure found ({grouping})"
    if not any(recovered.values()):
        return SUPPORTED, "retried non-retryable failures never recovered: " + ", ".join(sorted(recovered)) + \
            f" ({grouping})"
    return UNSUPPORTED, "some non-retryable failures recovered on retry: " + \
        ", ".join(f"{c} ({n})" for c, n in recovered.items() if n) + f" ({grouping})"


def _request_id(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.PROVIDER_IDS)) is not None:
        return held
    # a provider id may come from the header or from error.message: the rows do not say which
    return CONFIRM, (f"{ctx.facts['provider_ids']} attempts carry a provider request id (from the header or "
                     "the error message; the logs do not say which)")


def _retry_after(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.HEADERS)) is not None:
        return held
    n429, with_ra = ctx.facts["status_429_headers"], ctx.facts["status_429_retry_after"]
    if not n429:
        return CONFIRM, "no 429 response in an input that records headers"
    documented = bool(ctx.profile.assumptions.retry_after_header.value)
    present = with_ra > 0
    verdict = SUPPORTED if present == documented else UNSUPPORTED
    return verdict, f"{with_ra} of {n429} 429 responses (in inputs that record headers) carried Retry-After"


def _stream_usage(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.STREAMING, Fact.USAGE)) is not None:
        return held
    n, with_usage = ctx.facts["streams_ok_can_usage"], ctx.facts["streams_ok_usage"]
    if not n:
        return CONFIRM, "no successful stream in an input that records usage"
    return (SUPPORTED if with_usage else UNSUPPORTED), f"{with_usage} of {n} successful streams carried usage"


def _stream_format(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.STREAMING, Fact.FINISH_REASON)) is not None:
        return held
    n = ctx.facts["streams_ok_can_finish"]
    return (SUPPORTED, f"{n} streams completed with a finish_reason") if n else (CONFIRM, "no successful streams")


def _response_fields(ctx: Ctx) -> Verdict:
    bad = ctx.facts["unparseable_2xx"]
    if bad:
        return UNSUPPORTED, f"{bad} 2xx responses were not parseable chat completions"
    if (held := _reach(ctx, Fact.BODIES)) is not None:
        return held
    return CONFIRM, "no 2xx response failed to parse; the fields the parser needs are not listed per response"


def _wrong_path(ctx: Ctx) -> Verdict:
    if (held := _reach(ctx, Fact.PATH)) is not None:
        return held
    allowed = set(ctx.profile.assumptions.wrong_path.value.statuses) | {301, 302, 307, 308}
    expected = {ctx.chat_path, ctx.models_path}
    statuses: set[int] = set()
    for path, *_ in ctx.rows(q.PATHS):
        if path is not None and path not in expected:
            statuses |= {s for _, s, _ in ctx.rows(q.PATH_DETAIL, path) if s is not None}
    if not statuses:
        return CONFIRM, "no request to a path outside the profile"
    odd = sorted(statuses - allowed)
    if odd:
        return UNSUPPORTED, f"paths outside the profile answered {', '.join(map(str, odd))}"
    return SUPPORTED, f"paths outside the profile answered {', '.join(map(str, sorted(statuses)))}"


def _no_evidence(ctx: Ctx) -> Verdict:
    return NOT_ASSESSED, "not checked from logs (the review reads no request headers, request bodies or stream framing)"


CHECKS: dict[str, Callable[[Ctx], Verdict]] = {
    "base_url": _base_url,
    "version_prefix": _route(lambda c: c.chat_path, "ok_chat_path"),
    "chat_route": _route(lambda c: c.chat_path, "ok_chat_path"),
    "models_route": _route(lambda c: c.models_path, "ok_models_path"),
    "error_envelope": _error_envelope,
    "status_semantics": _status_semantics,
    "retry_stance": _retry_stance,
    "request_id_header": _request_id,
    "retry_after_header": _retry_after,
    "stream_format": _stream_format,
    "stream_include_usage": _stream_usage,
    "response_fields": _response_fields,
    "wrong_path": _wrong_path,
}


def expected_value(value: Any) -> str:
    """The profile's expected value, short enough for a table cell."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {expected_value(v)}" for k, v in value.items() if v not in (None, [], {}))
    if isinstance(value, list | tuple):
        return ", ".join(expected_value(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def assumption_table(ctx: Ctx) -> list[dict[str, Any]]:
    """One row per profile assumption: the profile's statement, expected value and status, and the
    logs' verdict with its evidence (``not_assessed`` when the input cannot show it)."""
    rows = []
    for key, assumption in ctx.profile.items():
        verdict, evidence = CHECKS.get(key, _no_evidence)(ctx)
        rows.append({"assumption": key, "statement": assumption.statement,
                     "expected": expected_value(assumption.value),
                     "profile_status": assumption.status.value, "logs": verdict, "evidence": evidence,
                     "source_url": assumption.source_url})
    return rows


_EXEMPLAR_FIELDS = ("time", "method", "host", "path", "status", "failure_class", "model", "response_model",
                    "streaming", "finish_reason", "total_tokens", "latency_ms", "error_type", "error_code",
                    "error_summary", "provider_request_id", "deployment", "source_file", "source_line",
                    "grouped_by")


def _peak_failure(ctx: Ctx, peak: datetime | None) -> tuple[Any, ...]:
    """The first failure of the peak minute's most frequent class."""
    if peak is None:
        return ()
    top = ctx.one(q.PEAK_CLASS, peak, peak + timedelta(minutes=1))
    return ctx.one(q.EXEMPLAR_OF_CLASS, top[0], peak) if top else ()


def exemplars(ctx: Ctx, peak: datetime | None) -> dict[str, Any]:
    """One successful and one failed attempt from the window, next to the profile's expectation."""
    from chatcontract.redact import redact

    out: dict[str, Any] = {}
    for name, failed in (("success", False), ("failure", True)):
        row = _peak_failure(ctx, peak) if failed else ()
        row = row or ctx.one(q.EXEMPLAR, failed, peak or datetime(1970, 1, 1))
        if not row and peak is not None:  # nothing after the peak minute: the first one at all
            row = ctx.one(q.EXEMPLAR, failed, datetime(1970, 1, 1))
        if row:
            data = dict(zip(_EXEMPLAR_FIELDS, row, strict=True))
            data["time"] = when(data["time"])
            out[name] = {k: (redact(v) if isinstance(v, str) else v) for k, v in data.items()}
    a = ctx.profile.assumptions
    out["expected"] = {
        "method": "POST", "host": ctx.expected_host, "path": ctx.chat_path, "status": "2xx",
        "failure_class": None, "finish_reason": "present (" + a.stream_terminator.value + " ends a stream)",
        "total_tokens": "present" if ctx.profile.supports_include_usage else "not promised",
        "error_type": ", ".join(a.error_envelope.value.type_values) or "any",
    }
    return out
