"""The fault registry: model names (or ``x-sim-fault`` values) that select a behaviour.

A fault name carries its parameters (``sim-429-retry-after-3``); resolving it gives a
``FaultPlan`` that says what to do on attempt *n*, *t* seconds after start/reset.
Delays in a ``Behaviour`` are unscaled seconds; the server multiplies them by ``time_scale``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

STREAM_ONLY_KINDS = frozenset({"cut", "abort", "stall", "malformed", "no_done", "stream_error", "tool_cut"})
MAX_LONG_CHUNKS = 1_000_000
HEALTHY_MODEL = "sim-ok"


@dataclass(frozen=True)
class Behaviour:
    """What the server does for one attempt (``kind`` picks the handler)."""

    name: str
    kind: str = "ok"
    status: int = 200
    code: str | None = None
    retry_after: int | None = None
    delay_s: float = 0.0
    count: int = 0
    body: str | None = None


OK = Behaviour("ok")

Planner = Callable[[tuple[str, ...], int, float], Behaviour]


@dataclass(frozen=True)
class FaultSpec:
    """One entry of the registry: name pattern, documentation, and planner."""

    pattern: str
    regex: re.Pattern[str]
    doc: str
    planner: Planner
    example: str


@dataclass(frozen=True)
class FaultPlan:
    """A resolved fault name: ``behaviour(attempt, since_reset_s)`` for each attempt."""

    name: str
    spec: FaultSpec
    args: tuple[str, ...]

    def behaviour(self, attempt: int, since_reset_s: float) -> Behaviour:
        """The behaviour at ``attempt`` (1-based), ``since_reset_s`` unscaled s after reset."""
        return self.spec.planner(self.args, attempt, since_reset_s)


def _named(name: str, behaviour: Behaviour) -> Behaviour:
    return Behaviour(
        name,
        behaviour.kind,
        behaviour.status,
        behaviour.code,
        behaviour.retry_after,
        behaviour.delay_s,
        behaviour.count,
        behaviour.body,
    )


def _always(kind: str, **fields: int | float | str | None) -> Planner:
    def plan(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
        return Behaviour(kind, kind, **fields)  # type: ignore[arg-type]

    return plan


def _first_then_ok(kind: str, **fields: int | float | str | None) -> Planner:
    def plan(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
        return Behaviour(kind, kind, **fields) if attempt == 1 else OK  # type: ignore[arg-type]

    return plan


def _retry_after(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
    if attempt > 1:
        return OK
    return Behaviour("error", "error", 429, "rate_limit_exceeded", retry_after=int(args[0]))


def _status(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
    return Behaviour("error", "error", int(args[0]))


def _param(kind: str, field: str) -> Planner:
    def plan(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
        value = float(args[0]) if field == "delay_s" else int(args[0])
        return Behaviour(kind, kind, **{field: value})  # type: ignore[arg-type]

    return plan


def _flap(args: tuple[str, ...], attempt: int, since: float) -> Behaviour:
    return Behaviour("error", "error", 503) if since < float(args[0]) else OK


_NUM = r"(\d+(?:\.\d+)?)"
_INT = r"(\d+)"


def _spec(pattern: str, regex: str, doc: str, planner: Planner, example: str = "") -> FaultSpec:
    return FaultSpec(pattern, re.compile(regex), doc, planner, example or pattern)


FAULTS: tuple[FaultSpec, ...] = (
    _spec(
        "sim-long-N",
        rf"sim-long-{_INT}",
        "healthy; a stream carries N content chunks (N <= 1,000,000)",
        _param("long", "count"),
        "sim-long-1000",
    ),
    _spec(
        "sim-429-retry-after-N",
        rf"sim-429-retry-after-{_INT}",
        "attempt 1: 429 with Retry-After: N (seconds); later attempts healthy",
        _retry_after,
        "sim-429-retry-after-1",
    ),
    _spec(
        "sim-429",
        "sim-429",
        "persistent 429 rate_limit_exceeded, no Retry-After",
        _always("error", status=429, code="rate_limit_exceeded"),
    ),
    _spec(
        "sim-429-quota",
        "sim-429-quota",
        "persistent 429 with code insufficient_quota",
        _always("error", status=429, code="insufficient_quota"),
    ),
    _spec(
        "sim-500-once",
        "sim-500-once",
        "attempt 1: 500; then healthy",
        _first_then_ok("error", status=500),
    ),
    _spec(
        "sim-500-invalid-request",
        "sim-500-invalid-request",
        "persistent 500 with code invalid_request (CometAPI: do not retry)",
        _always("error", status=500, code="invalid_request"),
    ),
    _spec(
        "sim-502|503|504|524",
        r"sim-(502|503|504|524)",
        "persistent status 502, 503, 504 or 524",
        _status,
        "sim-503",
    ),
    _spec(
        "sim-reset-once",
        "sim-reset-once",
        "attempt 1: TCP reset before any response byte; then healthy",
        _first_then_ok("reset"),
    ),
    _spec(
        "sim-reset",
        "sim-reset",
        "every attempt: TCP reset (RST) before any response byte",
        _always("reset"),
    ),
    _spec(
        "sim-silent",
        "sim-silent",
        "reads the request, never answers; held until the client disconnects (capped at 120 s)",
        _always("silent"),
    ),
    _spec(
        "sim-slow-first-token-N",
        rf"sim-slow-first-token-{_NUM}",
        "stream: headers at once, first content chunk after N s; non-stream: answer after N s",
        _param("slow", "delay_s"),
        "sim-slow-first-token-2",
    ),
    _spec(
        "sim-stream-cut-N",
        rf"sim-stream-cut-{_INT}",
        "stream: N content chunks, then the body ends and the connection closes "
        "(no finish_reason, no [DONE]; a clean HTTP end, which SDKs can mistake for success)",
        _param("cut", "count"),
        "sim-stream-cut-5",
    ),
    _spec(
        "sim-stream-abort-N",
        rf"sim-stream-abort-{_INT}",
        "stream: N content chunks, then the TCP connection drops mid-body (incomplete chunked)",
        _param("abort", "count"),
        "sim-stream-abort-5",
    ),
    _spec(
        "sim-stream-stall-N",
        rf"sim-stream-stall-{_NUM}",
        "stream: a few chunks, then N s of silence, then close (no finish_reason)",
        _param("stall", "delay_s"),
        "sim-stream-stall-3",
    ),
    _spec(
        "sim-stream-tool-cut-N",
        rf"sim-stream-tool-cut-{_INT}",
        "stream: a tool call (the request's first tool, else a built-in 'lookup') whose arguments "
        "stop after N fragments; no finish_reason, no [DONE], a clean close",
        _param("tool_cut", "count"),
        "sim-stream-tool-cut-3",
    ),
    _spec(
        "sim-stream-malformed",
        "sim-stream-malformed",
        "stream: one content chunk mid-stream is malformed JSON (its word is lost), then the stream ends normally",
        _always("malformed"),
    ),
    _spec(
        "sim-stream-no-done",
        "sim-stream-no-done",
        "stream: complete with finish_reason (and usage if asked) but no [DONE]; then closes",
        _always("no_done"),
    ),
    _spec(
        "sim-stream-error",
        "sim-stream-error",
        'stream: a few chunks, then data: {"error": {...}}, then close',
        _always("stream_error"),
    ),
    _spec(
        "sim-context-exceeded",
        "sim-context-exceeded",
        "400 code context_length_exceeded",
        _always("error", status=400, code="context_length_exceeded"),
    ),
    _spec(
        "sim-content-filter",
        "sim-content-filter",
        "400 code content_policy_violation",
        _always("error", status=400, code="content_policy_violation"),
    ),
    _spec(
        "sim-content-filter-finish",
        "sim-content-filter-finish",
        '200 healthy shape with finish_reason "content_filter"',
        _always("content_filter_finish"),
    ),
    _spec(
        "sim-no-prefill",
        "sim-no-prefill",
        "healthy, but a conversation ending with an assistant message (a prefill) gets 400",
        _always("no_prefill"),
    ),
    _spec("sim-non-json", "sim-non-json", "200 text/plain body that is not JSON", _always("non_json")),
    _spec("sim-no-choices", "sim-no-choices", "200 JSON without choices", _always("no_choices")),
    _spec(
        "sim-flap-N",
        rf"sim-flap-{_NUM}",
        "503 for the first N s after start/reset, then healthy",
        _flap,
        "sim-flap-2",
    ),
)


@lru_cache(maxsize=1024)
def resolve_fault(name: str) -> FaultPlan | None:
    """The plan for a fault or healthy-parametric name, or None if the name is not one."""
    for spec in FAULTS:
        match = spec.regex.fullmatch(name)
        if match is None:
            continue
        if spec.pattern == "sim-long-N" and int(match.group(1)) > MAX_LONG_CHUNKS:
            return None
        return FaultPlan(name, spec, match.groups())
    return None


def plan_behaviour(plan: FaultPlan, attempt: int, since_reset_s: float) -> Behaviour:
    """The behaviour of ``plan`` at ``attempt``, named after the fault (``ok`` stays ``ok``)."""
    behaviour = plan.behaviour(attempt, since_reset_s)
    healthy = behaviour.kind in ("ok", "long")  # sim-long-N is a healthy model
    return _named("ok" if healthy else plan.name, behaviour)


MODES: dict[str, str] = {
    "key-ignored": "any key, or none, is accepted",
    "empty-messages-accepted": "an empty messages list is answered 200",
    "bad-role-accepted": "a message with an unknown role is answered 200",
    "wrong-path-html-200": "wrong paths answer 200 with an HTML page",
    "unknown-model-served": "unknown model names are served as sim-ok",
    "stream-no-finish-reason": "healthy streams omit the finish_reason chunk",
    "errors-without-envelope": 'error bodies are {"detail": "..."} without the error envelope',
    "no-choices": "healthy non-streaming 200 answers lack choices",
    "bad-key-500": "a missing or invalid key answers 500 instead of 401",
}
STREAM_VARIATIONS: dict[str, str] = {
    "plain": "LF line endings, one write per event, no comments, no extra fields",
    "faithful": "role-only first delta, usage: null, a keep-alive comment, one event split across "
    "two writes inside a multi-byte character (default)",
    "wild": "faithful plus CRLF line endings, more keep-alives and splits, empty deltas, unknown "
    "fields, system_fingerprint: null (choices drawn from --seed)",
}
