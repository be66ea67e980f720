"""From an incident to a regression test: recorded failure timelines as a conduct scenario file.

The logs are read exactly as ``review`` reads them (any reader it supports, the same classifier,
the same logical-request grouping), so a timeline here is what the review calls one logical
request. Each recorded attempt becomes one simulator step, in order, on the model it went to:

- an error status keeps its status, error code (or the code its class stands for), Retry-After
  (whole seconds, at least 1) and latency (``delay_s``);
- a usable answer is a healthy 200 after the recorded latency;
- a cut stream is ``sim-stream-cut-5``, a stalled one ``sim-stream-stall-N`` (N: the recorded
  seconds), an in-stream error ``sim-stream-error``, a 2xx that is not JSON ``sim-non-json``, one
  without choices ``sim-no-choices``, a 200 ending in ``content_filter`` ``sim-content-filter-finish``;
- a connect error or reset is ``sim-reset``, a timeout with no response ``sim-silent``.

Attempts the caller decided locally (circuit open, deadline, budget) sent nothing and are not
replayed; attempts on a third model are not either (conduct hands a client one fallback). Both
are counted. Timelines with the same steps (latencies aside) are one scenario that names how
many requests it stands for. The simulator repeats a model's last step, so a client that tries
more often than the recorded one meets the last recorded answer again.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcontract.action_table import FallbackRule, RetryRule, action_for
from chatcontract.record import FailureClass

LOCAL_CLASSES = frozenset({"circuit_open", "deadline_exceeded", "budget_exhausted"})
CLASS_CODES = {  # the code a simulator error carries so a client classifies it as recorded
    "rate_limited": "rate_limit_exceeded",
    "quota_exhausted": "insufficient_quota",
    "context_exceeded": "context_length_exceeded",
    "content_filtered": "content_policy_violation",
    "auth": "invalid_api_key",
    "model_unknown": "model_not_found",
    "request_invalid": "invalid_request_error",
}
FAULT_STEPS = {
    "stream_interrupted": "sim-stream-cut-5",
    "stream_error": "sim-stream-error",
    "invalid_response": "sim-non-json",
    "schema_mismatch": "sim-no-choices",
    "connect_error": "sim-reset",
}
RETRYABLE = frozenset({RetryRule.YES, RetryRule.ONCE, RetryRule.BEFORE_SEND, RetryRule.BEFORE_CONTENT})
FALLBACK_OK = frozenset({FallbackRule.YES, FallbackRule.UNLESS_SIDE_EFFECTS})
COLUMNS = (
    "logical_key, group_method, started_at, model, status, latency_ms, failure_class, retry_after_ms, "
    "streaming, stream_state, error_code, finish_reason, service, deployment"
)
QUERY = f"SELECT {COLUMNS} FROM attempts ORDER BY logical_key, started_at, attempt_no"  # noqa: S608 - fixed text
BATCH = 5000


@dataclass(frozen=True)
class Seen:
    """One recorded attempt, as the review classified it."""

    model: str | None
    status: int | None
    failure_class: str | None
    latency_s: float
    retry_after_s: float | None
    stream_state: str | None
    error_code: str | None
    finish_reason: str | None

    def label(self) -> str:
        """How the recorded attempt reads in a title: ``429 (Retry-After 2 s)``, ``reset``, ``200``."""
        what = str(self.status) if self.status is not None else (self.failure_class or "no answer")
        if self.status is not None and self.failure_class and self.status < 300:
            what += f" {self.failure_class}"
        if self.retry_after_s is not None:
            what += f" (Retry-After {self.retry_after_s:g} s)"
        return what


@dataclass
class Timeline:
    """One logical request: its attempts in order and who made it."""

    key: str
    method: str
    started: str
    who: str
    stream: bool
    attempts: list[Seen] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether any attempt failed (a healthy one-attempt request has nothing to replay)."""
        return any(a.failure_class for a in self.attempts)


@dataclass(frozen=True)
class Options:
    """What to replay: request ids (default: the most common failed shapes), how many, time compression."""

    request_ids: tuple[str, ...] = ()
    top: int = 20
    compress: float = 1.0
    include_healthy: bool = False


@dataclass
class Replay:
    """The scenario file's document and what was read, kept and left out (each a count)."""

    document: dict[str, Any]
    requests: int = 0
    failed: int = 0
    shapes: int = 0
    not_replayed: dict[str, int] = field(default_factory=dict)
    grouping: dict[str, int] = field(default_factory=dict)
    matched: set[str] = field(default_factory=set)  # the --request-id values found

    def skip(self, reason: str, n: int = 1) -> None:
        self.not_replayed[reason] = self.not_replayed.get(reason, 0) + n


def _seen(row: tuple[Any, ...]) -> Seen:
    _, _, _, model, status, latency, cls, retry_after, _, state, code, finish, _, _ = row
    return Seen(
        model=model,
        status=status,
        failure_class=cls,
        latency_s=max(0.0, float(latency or 0.0)) / 1000.0,
        retry_after_s=None if retry_after is None else float(retry_after) / 1000.0,
        stream_state=state,
        error_code=code,
        finish_reason=finish,
    )


def timelines(rows: Iterable[tuple[Any, ...]]) -> Iterator[Timeline]:
    """Rows of ``attempts`` in (logical key, time) order, one ``Timeline`` per logical request."""
    current: Timeline | None = None
    for row in rows:
        key, method, started, *_ = row
        if current is None or current.key != key:
            if current is not None:
                yield current
            who = "/".join(str(x) for x in row[12:14] if x) or "unknown caller"
            stamp = started.isoformat(timespec="seconds") if hasattr(started, "isoformat") else str(started)
            current = Timeline(str(key), str(method), stamp, who, bool(row[8]))
        current.attempts.append(_seen(row))
    if current is not None:
        yield current


def _seconds(value: float, compress: float) -> float:
    return round(value / compress, 3)


def step(seen: Seen, compress: float) -> dict[str, Any] | str:
    """The simulator step that answers like the recorded attempt did."""
    cls = seen.failure_class
    if cls in FAULT_STEPS:
        return {"fault": FAULT_STEPS[cls]}
    if cls == "stream_stalled":
        return {"fault": f"sim-stream-stall-{max(0.1, _seconds(seen.latency_s, compress)):g}"}
    if cls == "content_filtered" and seen.status is not None and seen.status < 300:
        return {"fault": "sim-content-filter-finish"}
    if seen.status is None:
        return {"fault": "sim-silent" if cls == "timeout" else "sim-reset"}
    item: dict[str, Any] = {"status": seen.status if cls else 200}
    code = seen.error_code or CLASS_CODES.get(cls or "")
    if cls and code:
        item["code"] = code
    if seen.retry_after_s is not None:
        item["retry_after"] = max(1, math.ceil(seen.retry_after_s / compress))
    delay = _seconds(seen.latency_s, compress)
    if delay:
        item["delay_s"] = delay
    return item


def _shape(steps: dict[str, list[Any]]) -> str:
    """The steps without their delays: timelines that differ only in latency are one shape."""
    bare = {m: [{k: v for k, v in s.items() if k != "delay_s"} if isinstance(s, dict) else s for s in ss]
            for m, ss in steps.items()}
    return repr(sorted((m, repr(ss)) for m, ss in bare.items()))


@dataclass
class Shape:
    """Timelines with the same steps: the first one stands for all (``count``)."""

    timeline: Timeline
    steps: dict[str, list[Any]]  # role ("primary" / "fallback") -> steps
    models: dict[str, str]  # role -> recorded model name
    count: int = 1


def _roles(timeline: Timeline, compress: float, replay: Replay) -> tuple[dict[str, list[Any]], dict[str, str]]:
    steps: dict[str, list[Any]] = {}
    models: dict[str, str] = {}
    for seen in timeline.attempts:
        if seen.failure_class in LOCAL_CLASSES:
            replay.skip(f"decided by the caller, nothing sent ({seen.failure_class})")
            continue
        model = seen.model or "unknown model"
        role = next((r for r, m in models.items() if m == model), None)
        if role is None:
            if len(models) == 2:
                replay.skip("an attempt on a third model (conduct hands one fallback)")
                continue
            role = "primary" if not models else "fallback"
            models[role] = model
        steps.setdefault(role, []).append(step(seen, compress))
    return steps, models


def _safe(cls: str) -> tuple[bool, bool]:
    """(may the client retry, may it fail over) for one recorded failure class, by the action table."""
    try:
        row = action_for(FailureClass(cls))
    except ValueError:
        return False, False
    return row.retry in RETRYABLE, row.fallback in FALLBACK_OK


def _expect(shape: Shape, compress: float) -> dict[str, Any]:
    primary = [a for a in shape.timeline.attempts if a.model == shape.models["primary"]]
    fallback = [a for a in shape.timeline.attempts if a.model == shape.models.get("fallback")]
    classes = [a.failure_class for a in primary if a.failure_class]
    rules = [_safe(c) for c in classes]
    retry = all(r for r, _ in rules)
    may_fall_back = all(f for _, f in rules)
    rescue = (retry and any(a.failure_class is None for a in primary)) or (
        may_fall_back and any(a.failure_class is None for a in fallback)
    )
    expect: dict[str, Any] = {"retry": retry, "fallback": may_fall_back, "rescue": rescue}
    waits = [a.retry_after_s for a in primary if a.retry_after_s is not None]
    if waits:
        expect["retry_after_s"] = max(1, math.ceil(max(waits) / compress))
    if any(c == "invalid_response" for c in classes):
        expect["max_attempts"] = 2
    return expect


def _entry(index: int, shape: Shape, compress: float) -> tuple[dict[str, Any], dict[str, Any]]:
    name = f"replay-{index:02d}"
    t = shape.timeline
    sim_models = {"primary": name, "fallback": f"{name}-fallback"}
    labels = [f"{a.model or 'unknown model'}: {a.label()}" for a in t.attempts]
    like = f" like {t.key}" if t.method in ("request id", "idempotency key") else ""
    classes = sorted({a.failure_class for a in t.attempts if a.failure_class})
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(classes).lower()).strip("-")[:40] or "healthy"
    scenario: dict[str, Any] = {
        "name": f"{name}-{slug}",
        "title": f"{shape.count} request(s){like} ({t.who}, {t.started}): "
        + " -> ".join(a.label() for a in t.attempts),
        "model": name,
        "stream": t.stream,
        "expect": _expect(shape, compress),
        "recorded": labels,
    }
    if "fallback" in shape.steps:
        scenario["fallback"] = sim_models["fallback"]
    models = {sim_models[role]: steps for role, steps in shape.steps.items()}
    return models, scenario


def _keep(timeline: Timeline, options: Options) -> bool:
    if options.request_ids:
        return timeline.key in options.request_ids
    return timeline.failed or options.include_healthy


def build(rows: Iterable[tuple[Any, ...]], options: Options) -> Replay:
    """The scenario document for the timelines in ``rows`` (``attempts`` rows in key/time order)."""
    replay = Replay({})
    shapes: dict[str, Shape] = {}
    for timeline in timelines(rows):
        replay.requests += 1
        replay.grouping[timeline.method] = replay.grouping.get(timeline.method, 0) + 1
        replay.failed += timeline.failed
        if not _keep(timeline, options):
            continue
        if options.request_ids:
            replay.matched.add(timeline.key)
        steps, models = _roles(timeline, options.compress, replay)
        if not steps:
            replay.skip("a request with no replayable attempt")
            continue
        key = _shape(steps)
        if key in shapes:
            shapes[key].count += 1
        else:
            shapes[key] = Shape(timeline, steps, models)
    replay.shapes = len(shapes)
    ranked = sorted(shapes.values(), key=lambda s: (-s.count, s.timeline.started))
    if not options.request_ids and len(ranked) > options.top:
        replay.skip(f"a rarer shape past --top {options.top}", len(ranked) - options.top)
        ranked = ranked[: options.top]
    sim_models: dict[str, Any] = {}
    scenarios = []
    for index, shape in enumerate(ranked, 1):
        more, scenario = _entry(index, shape, options.compress)
        sim_models.update(more)
        scenarios.append(scenario)
    replay.document = {"models": sim_models, "scenarios": scenarios}
    return replay


def _rows(con: Any) -> Iterator[tuple[Any, ...]]:
    cursor = con.execute(QUERY)
    while batch := cursor.fetchmany(BATCH):
        yield from batch


def replay_logs(paths: list[Path], options: Options, *, reader: str | None = None, map_file: Path | None = None,
                group_window_s: float = 60.0) -> Replay:
    """Read logs as ``review`` does and build the replay (``UsageError`` for input that is not a log)."""
    from chatcontract.review.engine import load_attempts
    from chatcontract.review.mapping import load_map
    from chatcontract.review.model import ReviewOptions
    from chatcontract.review.table import connect

    review = ReviewOptions(paths=tuple(paths), reader=reader, map_file=map_file, group_window_s=group_window_s)
    fmap = load_map(map_file) if map_file is not None else None
    with tempfile.TemporaryDirectory(prefix="chatcontract-replay-") as work:
        con = connect(list(paths), Path(work))
        try:
            loaded = load_attempts(con, review, fmap, Path(work))
            replay = build(_rows(con), options)
        finally:
            con.close()
    bad = loaded.bad.total
    if bad:
        replay.skip("a bad input line (see 'chatcontract review' for why)", bad)
    return replay


def header(replay: Replay, sources: list[str], options: Options) -> str:
    """The scenario file's comment header: where it came from and what was left out, as counts."""
    grouping = ", ".join(f"{n} by {m}" for m, n in sorted(replay.grouping.items())) or "none"
    lines = [
        "Replayed incident: a chatcontract conduct scenario file (chatcontract replay).",
        f"From: {', '.join(sources)}",
        f"Logical requests read: {replay.requests} ({grouping}); with a failure: {replay.failed}.",
        f"Shapes found: {replay.shapes}; replayed: {len(replay.document.get('scenarios', []))}.",
        f"Time compressed {options.compress:g}x (delays divided; Retry-After in whole seconds, at least 1).",
    ]
    lines += [f"Not replayed: {n} x {reason}" for reason, n in sorted(replay.not_replayed.items())]
    lines.append("Run: chatcontract conduct --only-files --scenario-file THIS_FILE --client MODULE:FUNCTION")
    return "".join(f"# {line}\n" for line in lines)
