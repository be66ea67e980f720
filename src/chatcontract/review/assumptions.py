"""The contract-assumption table and the exemplar requests.

Each profile assumption is marked by what the logs show: ``supported`` (the logs contain
evidence consistent with it), ``unsupported`` (the logs contradict it) or
``needs_confirmation`` (the logs cannot tell — most logs carry no headers or bodies).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chatcontract.review import queries as q
from chatcontract.review.context import Ctx, when

SUPPORTED, UNSUPPORTED, CONFIRM = "supported", "unsupported", "needs_confirmation"
Verdict = tuple[str, str]


def _base_url(ctx: Ctx) -> Verdict:
    if not ctx.has_host:
        return CONFIRM, "the logs record no server address"
    n = ctx.facts["ok_host"]
    return (SUPPORTED, f"{n} successful attempts at {ctx.expected_host}") if n else \
        (CONFIRM, f"no successful attempt at {ctx.expected_host}")


def _route(path: Callable[[Ctx], str], fact: str) -> Callable[[Ctx], Verdict]:
    def check(ctx: Ctx) -> Verdict:
        if not ctx.has_path:
            return CONFIRM, "the logs record no request path"
        n = ctx.facts[fact]
        return (SUPPORTED, f"{n} successful attempts on {path(ctx)}") if n else \
            (CONFIRM, f"no successful attempt on {path(ctx)}")
    return check


def _error_envelope(ctx: Ctx) -> Verdict:
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
    recovered = {cls: rec for cls, _, _, _, _, _, rec in ctx.rows(q.NEVER_RETRIED)}
    if recovered and not any(recovered.values()):
        return SUPPORTED, "retried non-retryable failures never recovered: " + ", ".join(sorted(recovered))
    if any(recovered.values()):
        return UNSUPPORTED, "some non-retryable failures recovered on retry: " + \
            ", ".join(f"{c} ({n})" for c, n in recovered.items() if n)
    return CONFIRM, "no non-retryable failure was retried"


def _request_id(ctx: Ctx) -> Verdict:
    n = ctx.facts["provider_ids"]
    if n:
        return SUPPORTED, f"{n} attempts carry a provider request id"
    return CONFIRM, "no provider request id recorded"


def _retry_after(ctx: Ctx) -> Verdict:
    n429, with_ra = ctx.facts["status_429"], ctx.facts["status_429_retry_after"]
    if not n429:
        return CONFIRM, "no 429 responses"
    documented = bool(ctx.profile.assumptions.retry_after_header.value)
    present = with_ra > 0
    verdict = SUPPORTED if present == documented else UNSUPPORTED
    return verdict, f"{with_ra} of {n429} 429 responses carried Retry-After"


def _stream_usage(ctx: Ctx) -> Verdict:
    n, with_usage = ctx.facts["streams_ok"], ctx.facts["streams_ok_usage"]
    if not n:
        return CONFIRM, "no successful streams"
    if not ctx.facts["any_usage"]:
        return CONFIRM, "the logs record no usage"
    return (SUPPORTED if with_usage else UNSUPPORTED), f"{with_usage} of {n} successful streams carried usage"


def _stream_format(ctx: Ctx) -> Verdict:
    n = ctx.facts["streams_ok"]
    return (SUPPORTED, f"{n} streams completed with a finish_reason") if n else (CONFIRM, "no successful streams")


def _response_fields(ctx: Ctx) -> Verdict:
    bad = ctx.facts["unparseable_2xx"]
    if bad:
        return UNSUPPORTED, f"{bad} 2xx responses were not parseable chat completions"
    return CONFIRM, "the logs carry no response bodies to check fields against"


def _wrong_path(ctx: Ctx) -> Verdict:
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
    return CONFIRM, "logs do not show this (no headers or request bodies)"


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


def assumption_table(ctx: Ctx) -> list[dict[str, Any]]:
    """One row per profile assumption: the profile's statement and status, and the logs' verdict."""
    rows = []
    for key, assumption in ctx.profile.items():
        verdict, evidence = CHECKS.get(key, _no_evidence)(ctx)
        rows.append({"assumption": key, "statement": assumption.statement,
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
