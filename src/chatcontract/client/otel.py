"""OpenTelemetry for the client: one GenAI span per logical call, one HTTP span per attempt.

An :class:`~chatcontract.client.observe.Observer` (see there for the events). Uses the
OpenTelemetry API only (the SDK is the ``[otel]`` extra). A client takes explicit
``tracer_provider`` / ``meter_provider`` (as OTel instrumentations do) or uses the global ones;
when neither is configured, :meth:`Telemetry.start_call` returns ``None`` (two type checks) and
the call pays nothing more.

Per logical call: a span ``{gen_ai.operation.name} {gen_ai.request.model}`` (kind CLIENT, the
GenAI inference span) as a child of the caller's current span, and one
``gen_ai.client.operation.duration`` point (plus ``gen_ai.client.token.usage`` per token type
and, for streams, ``gen_ai.client.operation.time_to_first_chunk``). Per attempt: a child span
``POST {url.template}`` (kind CLIENT, HTTP client conventions) carrying the events of what
followed it (``chatcontract.wait``, ``chatcontract.fallback``, ``chatcontract.breaker``), one
``http.client.request.duration`` point and one ``chatcontract.client.attempts`` count by
decision; a route skipped without sending (open circuit, over the size limit, deadline) is an
INTERNAL child span with no HTTP attributes. Breaker changes count in
``chatcontract.client.breaker.changes``. Names and the version they follow: ``docs/telemetry.md``.
No prompt or answer text is ever emitted; URLs lose userinfo and secret query values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.environment_variables import OTEL_PYTHON_METER_PROVIDER, OTEL_PYTHON_TRACER_PROVIDER
from opentelemetry.metrics import _internal as _metrics_api

from chatcontract.client import otel_names as names
from chatcontract.client.observe import (
    AttemptEnd,
    BreakerChange,
    CallEnd,
    CallStart,
    Decision,
    FallbackSwitch,
    Verdict,
    WaitStart,
)
from chatcontract.record import AttemptRecord
from chatcontract.redact import strip_url_secrets

SCOPE = "chatcontract.client"
_NOOP_TRACERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
_NOOP_METERS = ("_ProxyMeterProvider", "NoOpMeterProvider")
# OTel loads a global provider named in these variables when one is first asked for; read once
# here, so a call does not look the environment up twice (a variable set after this import, with
# no provider asked for since, is not seen).
_PROVIDERS_FROM_ENV = OTEL_PYTHON_TRACER_PROVIDER in os.environ or OTEL_PYTHON_METER_PROVIDER in os.environ
_UNKNOWN = object()


def _global_provider(module: Any, name: str, get: Any) -> Any:
    """The global provider, or ``None`` when none was set (the API's no-op proxy): the API's
    set-once global is read directly, so an unset one costs no environment lookup per call."""
    provider = getattr(module, name, _UNKNOWN)
    if provider is None and not _PROVIDERS_FROM_ENV:
        return None
    return get()


Attrs = dict[str, Any]


def latest_only(env: str | None = None) -> bool:
    """``OTEL_SEMCONV_STABILITY_OPT_IN`` lists ``gen_ai_latest_experimental``: emit only the latest
    GenAI names (else the v1.36 names that moved are emitted too)."""
    raw = os.environ.get("OTEL_SEMCONV_STABILITY_OPT_IN", "") if env is None else env
    return names.OPT_IN_LATEST in {part.strip() for part in raw.split(",")}


class _Instruments:
    """The meters of one meter provider."""

    def __init__(self, provider: Any) -> None:
        meter = provider.get_meter(SCOPE)
        self.operation = meter.create_histogram(names.OPERATION_DURATION, unit="s", description=names.OPERATION_DOC)
        self.request = meter.create_histogram(names.REQUEST_DURATION, unit="s", description=names.REQUEST_DOC)
        self.tokens = meter.create_histogram(names.TOKEN_USAGE, unit="{token}", description=names.TOKEN_DOC)
        self.ttfc = meter.create_histogram(names.TIME_TO_FIRST_CHUNK, unit="s", description=names.TTFC_DOC)
        self.attempts = meter.create_counter(names.ATTEMPTS, unit="{attempt}", description=names.ATTEMPTS_DOC)
        self.breaker = meter.create_counter(names.BREAKER_CHANGES, unit="{change}", description=names.BREAKER_DOC)


class Telemetry:
    """The telemetry observer of one client (spans and metrics, when providers are configured)."""

    def __init__(self, tracer_provider: Any = None, meter_provider: Any = None, *, scope: str = SCOPE) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._scope = scope
        self._instruments: dict[int, _Instruments] = {}
        self.latest_only = latest_only()

    def tracer(self) -> Any:
        provider = self._tracer_provider or _global_provider(trace, "_TRACER_PROVIDER", trace.get_tracer_provider)
        if provider is None or type(provider) in _NOOP_TRACERS or isinstance(provider, _NOOP_TRACERS):
            return None  # (the type first: no ABC check per call)
        return provider.get_tracer(self._scope)

    def instruments(self) -> _Instruments | None:
        provider = self._meter_provider or _global_provider(_metrics_api, "_METER_PROVIDER", metrics.get_meter_provider)
        if provider is None or type(provider).__name__ in _NOOP_METERS:
            return None
        found = self._instruments.get(id(provider))
        if found is None:
            found = self._instruments[id(provider)] = _Instruments(provider)
        return found

    @contextmanager
    def run_span(self, name: str, attributes: Attrs) -> Iterator[None]:
        """An INTERNAL span around a run of calls (a probe run, a repro), current while it lasts,
        so each call's span is its child; nothing when no tracer is configured."""
        tracer = self.tracer()
        if tracer is None:
            yield
            return
        with tracer.start_as_current_span(name, kind=trace.SpanKind.INTERNAL, attributes=attributes):
            yield

    def quiet(self) -> bool:
        """No tracer and no meter now: a call has nothing to tell (the engine then skips it)."""
        return self.tracer() is None and self.instruments() is None

    def start_call(self, call: CallStart) -> CallTelemetry | None:
        tracer = self.tracer()
        instruments = self.instruments()
        if tracer is None and instruments is None:
            return None
        return CallTelemetry(call, tracer, instruments, latest_only=self.latest_only)


def _server(url: str) -> Attrs:
    """``server.address`` and ``server.port`` of ``url`` (the scheme's port when not given)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return {k: v for k, v in (("server.address", parts.hostname), ("server.port", port)) if v is not None}


def _ns(record: AttemptRecord) -> tuple[int, int]:
    start = int(record.started_at.timestamp() * 1e9)
    return start, start + int((record.elapsed_ms or 0.0) * 1e6)


def _answer_attrs(record: AttemptRecord) -> Attrs:
    """GenAI response facts of one record (model, finish reason, usage)."""
    found: Attrs = {
        "gen_ai.response.model": record.response_model,
        "gen_ai.usage.input_tokens": record.prompt_tokens,
        "gen_ai.usage.output_tokens": record.completion_tokens,
        "chatcontract.parser_outcome": record.parser_outcome.value if record.parser_outcome else None,
    }
    if record.finish_reason is not None:
        found["gen_ai.response.finish_reasons"] = [record.finish_reason]
    return {k: v for k, v in found.items() if v is not None}


def attempt_attrs(event: AttemptEnd) -> Attrs:
    """The attributes of one attempt span (HTTP client names; none when nothing was sent)."""
    record = event.record
    attrs: Attrs = {
        "gen_ai.request.model": record.model,
        "chatcontract.request_id": record.request_id,
        "chatcontract.attempt_number": record.attempt_number,
        "chatcontract.decision": event.decision.value,
        "chatcontract.retry_after_ms": record.retry_after_ms,
        "chatcontract.backoff_ms": record.backoff_ms,
        "chatcontract.fallback_of": record.fallback_of,
        "chatcontract.circuit_state": record.circuit_state,
        "error.type": record.failure_class.value if record.failure_class else None,
        "gen_ai.response.id": event.response_id,
        "chatcontract.provider_request_id": record.provider_request_id,
        **_answer_attrs(record),
    }
    if event.sent:
        attrs.update(
            {
                "http.request.method": record.http_method,
                "url.template": record.route_template,
                "http.response.status_code": record.http_status,
                "http.request.resend_count": record.attempt_number - 1 or None,
            }
        )
        if event.url:
            attrs["url.full"] = strip_url_secrets(event.url)
            attrs.update(_server(event.url))
        if record.first_chunk_ms is not None:
            attrs["gen_ai.response.time_to_first_chunk"] = record.first_chunk_ms / 1000.0
    return {k: v for k, v in attrs.items() if v is not None}


class CallTelemetry:
    """The spans and metric points of one logical call (one instance per call, one driver)."""

    def __init__(self, call: CallStart, tracer: Any, instruments: _Instruments | None, *, latest_only: bool) -> None:
        self.call = call
        self.instruments = instruments
        self.start_ns = time.time_ns()
        self.end_ns = self.start_ns
        self.base: Attrs = {
            "gen_ai.operation.name": call.operation,
            "gen_ai.provider.name": call.provider,
            "gen_ai.request.model": call.model,
            **_server(call.url),
        }
        if not latest_only:
            self.base[names.OLD_PROVIDER] = call.provider
        self.tracer = tracer
        self.root: Any = None
        self.context: Any = None
        self.pending: tuple[Any, int] | None = None  # the last attempt's span, kept open for its events
        self.decisions: dict[Decision, int] = {}
        if tracer is not None:
            extra = {"chatcontract.request_id": call.request_id, "chatcontract.streaming": call.streaming}
            if call.request_class:
                extra["chatcontract.request_class"] = call.request_class
            self.root = tracer.start_span(
                f"{call.operation} {call.model}", kind=trace.SpanKind.CLIENT,
                start_time=self.start_ns, attributes={**self.base, **extra},
            )  # fmt: skip
            self.context = trace.set_span_in_context(self.root)

    # -- events -------------------------------------------------------------------------

    def attempt(self, event: AttemptEnd) -> None:
        self._close_pending()
        record = event.record
        start_ns, end_ns = _ns(record)
        self.end_ns = max(self.end_ns, end_ns)
        self.decisions[event.decision] = self.decisions.get(event.decision, 0) + 1
        attrs = attempt_attrs(event)
        if self.tracer is not None:
            kind = trace.SpanKind.CLIENT if event.sent else trace.SpanKind.INTERNAL
            name = f"{record.http_method} {record.route_template}" if event.sent else f"skip {record.model}"
            span = self.tracer.start_span(name, context=self.context, kind=kind, start_time=start_ns, attributes=attrs)
            if record.failure_class is not None:
                span.set_status(trace.Status(trace.StatusCode.ERROR, record.failure_class.value))
            self.pending = (span, end_ns)
        if self.instruments is not None:
            self._attempt_points(event, attrs)

    def _attempt_points(self, event: AttemptEnd, attrs: Attrs) -> None:
        assert self.instruments is not None
        small = {k: attrs[k] for k in names.ATTEMPT_LABELS if k in attrs}
        self.instruments.attempts.add(1, {**small, "chatcontract.decision": event.decision.value})
        if event.sent:
            http = {k: attrs[k] for k in names.REQUEST_LABELS if k in attrs}
            self.instruments.request.record((event.record.elapsed_ms or 0.0) / 1000.0, http)

    def wait(self, event: WaitStart) -> None:
        attrs = {
            "chatcontract.wait.seconds": event.seconds,
            "chatcontract.wait.reason": event.reason,
            "chatcontract.attempt_number": event.attempt_number,
            "error.type": event.failure_class.value,
        }
        self._event("chatcontract.wait", attrs)

    def fallback(self, event: FallbackSwitch) -> None:
        attrs = {
            "chatcontract.fallback.from": event.from_route,
            "chatcontract.fallback.to": event.to_route,
            "gen_ai.request.model": event.to_model,
            "chatcontract.attempt_number": event.attempt_number,
            "error.type": event.failure_class.value,
        }
        self._event("chatcontract.fallback", attrs)

    def breaker(self, event: BreakerChange) -> None:
        attrs = {"chatcontract.breaker.route": event.route, "chatcontract.breaker.from": event.old,
                 "chatcontract.breaker.to": event.new}  # fmt: skip
        self._event("chatcontract.breaker", attrs)
        if self.instruments is not None:
            labels = {"chatcontract.breaker.from": event.old, "chatcontract.breaker.to": event.new}
            self.instruments.breaker.add(1, {**labels, **{k: self.base[k] for k in names.SERVER if k in self.base}})

    def _event(self, name: str, attrs: Attrs) -> None:
        """An event on the attempt span it followed (at the attempt's end), else on the call."""
        if self.pending is not None:
            self.pending[0].add_event(name, attrs, timestamp=self.pending[1])
        elif self.root is not None:
            self.root.add_event(name, attrs)

    def _close_pending(self) -> None:
        if self.pending is not None:
            span, end_ns = self.pending
            span.end(end_time=end_ns)
            self.pending = None

    def end(self, event: CallEnd) -> None:
        self._close_pending()
        end_ns = max(time.time_ns(), self.end_ns)
        attrs = {**self.base, **self._outcome(event)}
        if self.root is not None:
            self.root.set_attributes(attrs)
            if event.failure_class is not None:
                self.root.set_status(trace.Status(trace.StatusCode.ERROR, event.failure_class.value))
            self.root.end(end_time=end_ns)
        if self.instruments is not None:
            self._call_points(attrs, (end_ns - self.start_ns) / 1e9)

    def _outcome(self, event: CallEnd) -> Attrs:
        """The call's facts once it ended: the answer (GenAI names) and ours (``chatcontract.*``)."""
        records = event.attempts
        last = records[-1] if records else None
        out: Attrs = {
            "chatcontract.outcome": event.verdict.value,
            "chatcontract.attempt_count": len(records),
            "chatcontract.retry_count": self.decisions.get(Decision.RETRY, 0),
            "chatcontract.fallback_count": self.decisions.get(Decision.FALLBACK, 0),
            "chatcontract.fallback.used": bool(last and last.fallback_of),
            "chatcontract.budget_exhausted": Decision.BUDGET_EXHAUSTED in self.decisions,
            "chatcontract.deadline_exceeded": Decision.DEADLINE_EXCEEDED in self.decisions,
            "chatcontract.circuit_open_count": self.decisions.get(Decision.CIRCUIT_OPEN, 0),
        }
        if last is not None and last.fallback_of:
            out["chatcontract.fallback.from"] = last.fallback_of
            out["chatcontract.fallback.to"] = f"{last.model}@{last.server_address}"
        if event.failure_class is not None:
            out["error.type"] = event.failure_class.value
        if event.result is not None:
            out["chatcontract.result"] = event.result
        if self.call.streaming:
            out["chatcontract.stream.verdict"] = (
                "complete"
                if event.verdict is Verdict.ANSWERED
                else (event.failure_class.value if event.failure_class else "unknown")
            )
        if last is not None:
            out.update(_answer_attrs(last) if event.verdict is Verdict.ANSWERED else {})
            if last.parser_outcome is not None:
                out["chatcontract.parser_outcome"] = last.parser_outcome.value
        if event.response_id:
            out["gen_ai.response.id"] = event.response_id
        ttfc = self._first_chunk_s(event)
        if ttfc is not None:
            out["gen_ai.response.time_to_first_chunk"] = ttfc
        return out

    def _first_chunk_s(self, event: CallEnd) -> float | None:
        """Seconds from the call's start to the answer's first chunk (streams that answered)."""
        last = event.attempts[-1] if event.attempts else None
        if event.verdict is not Verdict.ANSWERED or last is None or last.first_chunk_ms is None:
            return None
        before = _ns(last)[0] - self.start_ns
        return max(0.0, before / 1e9) + last.first_chunk_ms / 1000.0

    def _call_points(self, attrs: Attrs, duration_s: float) -> None:
        assert self.instruments is not None
        labels = {k: attrs[k] for k in names.OPERATION_LABELS if k in attrs}
        self.instruments.operation.record(duration_s, labels)
        for token_type, key in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens")):
            if key in attrs:
                self.instruments.tokens.record(attrs[key], {**labels, "gen_ai.token.type": token_type})
        ttfc = attrs.get("gen_ai.response.time_to_first_chunk")
        if ttfc is not None and self.call.streaming:
            self.instruments.ttfc.record(ttfc, labels)
