"""Checks, judged from the simulator's attempt log and the returned value, never the client's word.

Each check is a small named function in ``CHECKS`` (names are fixed: reports and CI filters use
them). It gets the ``Evidence`` of one scenario and returns a ``CheckResult`` or None when it
does not apply. A check that crashes is reported as a failed check with the crash, never aborts
the run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatcontract.conduct.catalogue import ConductScenario
from chatcontract.conduct.worker import CallOutcome
from chatcontract.selfcheck import verify

HAMMER_GAP_S = 0.02  # a client with no backoff: every gap below this (full jitter rarely gives two)
RETRY_AFTER_SLACK_S = 0.1
JITTER_SAME_S = 0.05  # scheduling noise on a loaded CI machine reaches ~20 % of a 1 s wait
JITTER_SAME_RATIO = 0.3
JITTER_RUNS = 6  # with 3 all agreeing, the default Client looked deterministic in 0.9 % of gradings (one CI run)
JITTER_OUTLIER_FROM = 5  # from this many runs on, one run may disagree (a stalled worker) and still be "the same"
ATTRIBUTION_SLACK_S = 0.001  # an attempt belongs to the last call started before it


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome (``pass`` or ``fail``) and the evidence for it in one sentence."""

    name: str
    outcome: str
    evidence: str


@dataclass
class Evidence:
    """Everything one scenario produced: calls, the attempts the simulator saw, the follow-up."""

    scenario: ConductScenario
    deadline_s: float
    calls: list[CallOutcome]
    attempts: list[dict[str, Any]]
    healthy: CallOutcome | None = None
    other_runs_gaps: list[list[float]] | None = None
    per_call: list[list[dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.per_call:
            starts = [c.started_t - ATTRIBUTION_SLACK_S for c in self.calls]
            bounds = zip(starts, [*starts[1:], float("inf")], strict=True)
            self.per_call = [[a for a in self.attempts if lo <= a["t"] < hi] for lo, hi in bounds]

    def on(self, model: str | None, attempts: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Chat attempts on ``model`` (all calls, or the given list)."""
        rows = self.attempts if attempts is None else attempts
        return [a for a in rows if model is not None and a["model"] == model and a["attempt"] > 0]


def gaps(attempts: list[dict[str, Any]]) -> list[float]:
    """Seconds between consecutive attempts (by the simulator's monotonic clock)."""
    times = [a["t"] for a in attempts]
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


Check = Callable[[Evidence], CheckResult | None]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name`` (a duplicate name is a programming error)."""

    def register(fn: Check) -> Check:
        if name in CHECKS:
            raise ValueError(f"conduct check {name!r} registered twice")
        CHECKS[name] = fn
        return fn

    return register


def _result(name: str, ok: bool, evidence: str) -> CheckResult:
    return CheckResult(name, "pass" if ok else "fail", evidence)


@check("attempts-bounded")
def attempts_bounded(ev: Evidence) -> CheckResult:
    limit = ev.scenario.expect.max_attempts
    counts = [len(ev.on(ev.scenario.model, rows)) for rows in ev.per_call]
    return _result(
        "attempts-bounded", max(counts, default=0) <= limit, f"attempts on the primary per call {counts}, limit {limit}"
    )


@check("no-hammering")
def no_hammering(ev: Evidence) -> CheckResult | None:
    limit = ev.scenario.expect.max_total_attempts
    if limit is None:
        return None
    total = len(ev.on(ev.scenario.model))
    return _result(
        "no-hammering", total <= limit, f"{total} attempts on the primary over {len(ev.calls)} calls, limit {limit}"
    )


@check("no-retry")
def no_retry(ev: Evidence) -> CheckResult | None:
    if ev.scenario.expect.retry:
        return None
    counts = [len(ev.on(ev.scenario.model, rows)) for rows in ev.per_call]
    statuses = sorted({str(a["status"]) for a in ev.on(ev.scenario.model)})
    ok = max(counts, default=0) <= 1
    return _result("no-retry", ok, f"answer {'/'.join(statuses)} is not retryable; attempts per call {counts}")


@check("no-fallback")
def no_fallback(ev: Evidence) -> CheckResult | None:
    fallback = ev.scenario.fallback
    if ev.scenario.expect.fallback or fallback is None or fallback == ev.scenario.model:
        return None
    used = len(ev.on(fallback))
    return _result(
        "no-fallback", used == 0, f"{used} attempts on the fallback {fallback} (this failure class must not fail over)"
    )


@check("retry-after")
def retry_after(ev: Evidence) -> CheckResult | None:
    wait = ev.scenario.expect.retry_after_s
    if wait is None:
        return None
    early = []
    for rows in ev.per_call:
        primary = ev.on(ev.scenario.model, rows)
        for before, gap in zip(primary, gaps(primary), strict=False):
            if before["status"] == 429 and gap < wait - RETRY_AFTER_SLACK_S:
                early.append(gap)
    if early:
        return _result("retry-after", False, f"retried {early} s after a 429 with Retry-After: {wait}")
    if wait > ev.deadline_s:
        return _result(
            "retry-after", True, f"Retry-After: {wait} exceeds the {ev.deadline_s:g} s deadline; no early retry"
        )
    return _result("retry-after", True, f"every retry after a 429 waited >= {wait} s")


@check("retry-spacing")
def retry_spacing(ev: Evidence) -> CheckResult | None:
    if ev.scenario.expect.retry_after_s is not None:
        return None
    waits = [g for rows in ev.per_call for g in gaps(ev.on(ev.scenario.model, rows))]
    if len(waits) < 2:
        return None
    hammered = max(waits) < HAMMER_GAP_S
    return _result(
        "retry-spacing",
        not hammered,
        f"gaps between attempts {waits} s ({'every one' if hammered else 'not every one'} under "
        f"{HAMMER_GAP_S} s: {'no backoff' if hammered else 'backed off'})",
    )


def _same(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= max(JITTER_SAME_S, JITTER_SAME_RATIO * max(x, y)) for x, y in zip(a, b, strict=False))


def _agree(runs: list[list[float]]) -> bool:
    return all(_same(a, b) for a, b in itertools.combinations(runs, 2))


def _agreeing(runs: list[list[float]]) -> int:
    """How many runs agree: all of them, all but one (when there are enough runs for one to be
    an outlier: scheduling noise only ever lengthens a wait), or 0."""
    if _agree(runs):
        return len(runs)
    if len(runs) >= JITTER_OUTLIER_FROM and any(_agree(runs[:i] + runs[i + 1 :]) for i in range(len(runs))):
        return len(runs) - 1
    return 0


@check("jitter")
def jitter(ev: Evidence) -> CheckResult | None:
    """Deterministic waits repeat run after run; jittered ones do not. Waits count as the same
    within 30 % (or 50 ms), and with ``JITTER_RUNS`` (6) runs all but one must agree, so one run
    stalled by a loaded machine does not make a deterministic client look jittered. A jittered
    client (full jitter, base 0.5 s, two waits a run) then looks deterministic by chance in about
    1 grading in 2,700 (Monte Carlo, 200,000 gradings; all 3 of 3 runs agreeing, the old rule,
    happened in 0.9 %; 5 of 5 in 0.0075 % but then one slow wake-up flips a deterministic client)."""
    if not ev.scenario.expect.jitter or ev.other_runs_gaps is None:
        return None
    first = gaps(ev.on(ev.scenario.model, ev.per_call[0])) if ev.per_call else []
    runs = [first, *ev.other_runs_gaps]
    if min(len(r) for r in runs) < 2:
        return None
    agreeing = _agreeing(runs)
    verdict = (
        f"stay within {JITTER_SAME_RATIO:.0%} of each other in {agreeing} of {len(runs)} runs (no jitter "
        "wider than scheduling noise: synchronized clients retry nearly in step)"
        if agreeing
        else "differ (jittered)"
    )
    return _result("jitter", not agreeing, f"waits in {len(runs)} runs {runs} s {verdict}")


@check("no-cut-as-whole")
def no_cut_as_whole(ev: Evidence) -> CheckResult:
    bad = []
    for i, call in enumerate(ev.calls, 1):
        if call.kind != "returned":
            continue
        if call.value is None:
            bad.append(f"call {i} returned a {call.value_type}, not text")
        elif not (result := verify(call.value)).whole:
            bad.append(f"call {i} returned {len(call.value)} characters as an answer: {result.reason}")
    returned = sum(c.kind == "returned" for c in ev.calls)
    return _result(
        "no-cut-as-whole", not bad, "; ".join(bad) or f"{returned} returned answer(s), each whole by its self-check"
    )


@check("within-deadline")
def within_deadline(ev: Evidence) -> CheckResult:
    slow = [
        f"call {i}: {c.kind} after {c.elapsed_s:.1f} s"
        for i, c in enumerate(ev.calls, 1)
        if c.kind == "hung" or c.elapsed_s > ev.deadline_s
    ]
    longest = max((c.elapsed_s for c in ev.calls), default=0.0)
    return _result(
        "within-deadline", not slow, "; ".join(slow) or f"longest call {longest:.2f} s, deadline {ev.deadline_s:g} s"
    )


@check("no-prefill-continuation")
def no_prefill(ev: Evidence) -> CheckResult:
    prefills = [a for a in ev.attempts if a.get("prefill")]
    models = sorted({a["model"] for a in prefills})
    evidence = f"{len(prefills)} attempt(s) ending with an assistant message (continuing a cut answer) on {models}"
    return _result(
        "no-prefill-continuation", not prefills, evidence if prefills else "no attempt sent an assistant prefill"
    )


@check("healthy-after")
def healthy_after(ev: Evidence) -> CheckResult | None:
    call = ev.healthy
    if call is None:
        return None
    ok = call.kind == "returned" and verify(call.value).whole
    what = call.error if call.kind != "returned" else verify(call.value).reason
    return _result("healthy-after", ok, f"a healthy call afterwards: {call.kind} ({what})")


def run_checks(ev: Evidence) -> list[CheckResult]:
    """Every applicable check; a check that crashes is a failed check naming the crash."""
    results = []
    for name, fn in CHECKS.items():
        try:
            result = fn(ev)
        except Exception as exc:  # noqa: BLE001 - a broken check is reported, never aborts the run
            result = CheckResult(name, "fail", f"the check crashed: {type(exc).__name__}: {exc}")
        if result is not None:
            results.append(result)
    return results


def verdict(ev: Evidence, results: list[CheckResult]) -> tuple[str, str]:
    """pass / safe / fail and why, from the check results and what the calls produced."""
    failed = [r.name for r in results if r.outcome == "fail"]
    if failed:
        return "fail", "failed: " + ", ".join(failed)
    whole = all(c.kind == "returned" and verify(c.value).whole for c in ev.calls)
    if ev.scenario.expect.rescue:
        if whole:
            return "pass", "rescued: the whole answer came back"
        return "safe", "not rescued, but a bounded clean error"
    return "pass", "a clean error, as this failure class deserves"
