"""The budgeted runner: cases in order, one result each, never aborted by a crashing check.

:func:`run_probe` runs the selected cases against one target and returns a :class:`ProbeRun`
(results plus every attempt record). It decides what a case cannot judge before it runs (no
credential, no model, the budget spent), turns a crashing check into an ``inconclusive`` result
marked ``crashed``, checks that the key appears nowhere in what the case recorded, and attaches a
redacted ``curl`` command to every result that did not pass. Callers observe progress through
``on_start``/``on_result`` callbacks and may pass a :class:`RecordSink` (the evidence store,
a JSON-lines file) that receives each record as it is made. With OpenTelemetry configured, a
run is a span with one call span per case (its attempts beneath), through the client's
observer hook (see docs/telemetry.md).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2

from chatcontract.client.observe import CallReport, CallStart, Observer
from chatcontract.client.otel import Telemetry
from chatcontract.client.otel_names import provider_name
from chatcontract.client.sender import Sender
from chatcontract.contract import requests as builders
from chatcontract.probe.context import Budget, BudgetSpentError, CaseContext
from chatcontract.probe.registry import Case
from chatcontract.probe.results import CaseResult, ProbeRun
from chatcontract.record import Result
from chatcontract.redact import redact
from chatcontract.report.curl import curl_command, key_variable
from chatcontract.sinks import RecordSink
from chatcontract.target import Target

DEFAULT_TIMEOUT = httpx2.Timeout(connect=5.0, read=20.0, write=30.0, pool=5.0)


def _inconclusive(case: Case, missing: str) -> CaseResult:
    return CaseResult(
        name=case.name,
        result=Result.INCONCLUSIVE,
        expected=case.title,
        missing=missing,
        observed="not run",
    )


def _precheck(case: Case, target: Target, budget: Budget) -> CaseResult | None:
    if budget.remaining <= 0:
        return _inconclusive(case, "budget spent (--max-requests)")
    if case.needs_key and target.credential is None:
        # Worded so our own lint does not read "credential: set" as a secret assignment.
        return _inconclusive(
            case, "no API key (set COMETAPI_API_KEY, or use --api-key-env or --api-key-file)"
        )
    if case.needs_model and not target.model:
        return _inconclusive(case, "missing model: pass --model or set COMETAPI_MODEL")
    return None


def _run_case(case: Case, ctx: CaseContext) -> CaseResult:
    try:
        return case.run(ctx)
    except BudgetSpentError:
        return _inconclusive(case, "budget spent (--max-requests) during the case")
    except Exception as exc:  # noqa: BLE001 - a crashing check is reported, never aborts the run
        result = _inconclusive(case, "a verdict: the check crashed")
        result.crashed = True
        result.observed = f"check crashed: {type(exc).__name__}: {redact(str(exc))[:300]}"
        return result


def _leak_check(result: CaseResult, target: Target) -> None:
    """Fail the case when the key appears anywhere in what it recorded or reports."""
    if target.credential is None or not target.credential.key:
        return
    key = target.credential.key
    text = "\n".join(r.to_json() for r in result.records) + json.dumps(
        result.to_dict(), default=str
    )
    if key in text:
        result.result = Result.FAIL
        result.notes.insert(0, "the API key appears in the recorded evidence")
        result.records.clear()  # never hand a leaking record to a renderer or a store


def _curl_for(result: CaseResult, target: Target) -> str | None:
    request = result.last_request
    if request is None:
        return None
    return curl_command(
        request.method,
        str(request.url),
        list(request.headers.items()),
        request.content,
        key_var=key_variable(target.credential.source if target.credential else None),
        secret=target.credential.key if target.credential else None,
        auth_value=f"Bearer {builders.INVALID_KEY}" if result.name == "invalid-key" else None,
        body_generator=builders.body_generator(result.name, target.model),
    )


class StopRun(Exception):  # noqa: N818 - a signal to the runner, not an error
    """Raised by an ``on_start`` or ``on_result`` hook to end the run there (``probe -x``,
    ``--max-time``): the cases finished so far are the run."""


@dataclass(frozen=True)
class Hooks:
    """Where a run reports to: a record sink and progress callbacks (all optional)."""

    sink: RecordSink | None = None
    on_start: Callable[[Case], None] | None = None
    on_result: Callable[[CaseResult], None] | None = None
    observer: Observer | None = None


def run_probe(
    cases: Sequence[Case],
    target: Target,
    *,
    max_requests: int,
    sink: RecordSink | None = None,
    on_start: Callable[[Case], None] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    http: httpx2.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    run_id: str | None = None,
    telemetry: Telemetry | None = None,
) -> ProbeRun:
    """Run ``cases`` against ``target`` within ``max_requests`` requests (``telemetry``: default
    the global OpenTelemetry providers)."""
    run = ProbeRun(
        target=target.label or target.base_url,
        profile=target.profile.name,
        run_id=run_id or uuid.uuid4().hex,
        embedded=target.embedded,
        model=target.model,
        credential_source=target.credential.source if target.credential else None,
        max_requests=max_requests,
    )
    budget = Budget(max_requests)
    client = http or httpx2.Client(timeout=DEFAULT_TIMEOUT, **target.client_options())
    add_headers = target.connection.add_headers
    sender = Sender(lambda request: client.send(add_headers(request), stream=True))
    telemetry = telemetry or Telemetry(scope="chatcontract.probe")
    span = {"chatcontract.run_id": run.run_id, "chatcontract.profile": target.profile.name}
    try:
        with telemetry.run_span(f"probe {target.profile.name}", span):
            for case in cases:
                ctx = CaseContext(target.base_url, target.profile, target.credential, target.model, client, budget,
                                  run.run_id, sleep=sleep, semantics=run.semantics, sender=sender)
                try:
                    _run_one(case, ctx, target, run, Hooks(sink, on_start, on_result, telemetry))
                except StopRun:
                    break
    finally:
        sender.close()
        if http is None:
            client.close()
        if sink is not None:
            sink.flush()
    run.requests_sent = budget.used
    run.budget_spent = any(r.missing and r.missing.startswith("budget spent") for r in run.results)
    run.finished_at = datetime.now(UTC)
    return run


def _run_one(case: Case, ctx: CaseContext, target: Target, run: ProbeRun, hooks: Hooks) -> None:
    if hooks.on_start is not None:
        hooks.on_start(case)
    url = f"{target.base_url.rstrip('/')}/{target.profile.chat_route}"
    report = CallReport(hooks.observer, CallStart(
        request_id=uuid.uuid4().hex, model=target.model or "", provider=provider_name(target.profile), url=url,
        streaming="stream" in (case.request_class or case.name), request_class=case.name,
    ))  # fmt: skip
    result = _precheck(case, target, ctx.budget) or _run_case(case, ctx)
    _finish(result, ctx, target, run)
    for record in result.records:
        report.attempt(record)
    report.end(result=result.result.value)
    if hooks.sink is not None:
        for record in result.records:
            hooks.sink.append(record)
    if hooks.on_result is not None:
        hooks.on_result(result)


def _finish(result: CaseResult, ctx: CaseContext, target: Target, run: ProbeRun) -> None:
    result.records = list(ctx.records)
    result.attempts = len(ctx.records)
    elapsed = [r.elapsed_ms for r in ctx.records if r.elapsed_ms is not None]
    result.elapsed_ms = sum(elapsed) if elapsed else None
    if result.first_chunk_ms is None:
        result.first_chunk_ms = next(
            (r.first_chunk_ms for r in reversed(ctx.records) if r.first_chunk_ms), None
        )
    if result.result is not Result.PASS:
        result.curl = _curl_for(result, target)
    _leak_check(result, target)
    result.records = [r.model_copy(update={"result": result.result}) for r in result.records]
    run.results.append(result)
    run.records.extend(result.records)
