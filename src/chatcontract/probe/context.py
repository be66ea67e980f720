"""What a case gets to work with: the target, a budgeted sender, and a recorder.

:class:`CaseContext` sends a prepared :class:`httpx2.Request` (counting it against the run's
:class:`Budget`), captures the outcome as an :class:`Exchange` (status, headers, body, timing,
or the transport error), and turns an exchange into an :class:`AttemptRecord` with the one
classifier (:mod:`chatcontract.taxonomy`). Records are redacted when they are made; the key is
additionally masked by value in every free-text field, since a server may echo it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2

from chatcontract.config import Credential
from chatcontract.contract.profile import Profile
from chatcontract.record import AttemptRecord, Result, RetryDecision
from chatcontract.redact import MASK, shape_of_body
from chatcontract.taxonomy import Classification, TransportError, classify
from chatcontract.wire_errors import transport_kind


class BudgetSpentError(Exception):
    """The run's request budget is spent; the case cannot send another request."""


class Budget:
    """A hard cap on requests sent by one run."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.used = 0

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def take(self) -> None:
        if self.used >= self.limit:
            raise BudgetSpentError(f"request budget of {self.limit} spent")
        self.used += 1


@dataclass
class Exchange:
    """One sent request and what came back (or the transport error instead)."""

    request: httpx2.Request
    request_body: bytes
    started: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float | None = None
    transport_error: TransportError | None = None
    error_text: str | None = None

    @property
    def responded(self) -> bool:
        return self.status is not None


def transport_error_of(exc: httpx2.TransportError, *, got_headers: bool = False) -> TransportError:
    """The kind of a transport exception (the one translation, :mod:`chatcontract.wire_errors`)."""
    return transport_kind(exc, got_headers=got_headers) or TransportError.CONNECT_ERROR


@dataclass
class CaseContext:
    """The target and tools one case runs with."""

    base_url: str
    profile: Profile
    credential: Credential | None
    model: str | None
    http: httpx2.Client
    budget: Budget
    run_id: str
    records: list[AttemptRecord] = field(default_factory=list)
    clock: Callable[[], float] = time.perf_counter
    sleep: Callable[[float], None] = time.sleep

    def send(self, request: httpx2.Request) -> Exchange:
        """Send ``request`` (non-streaming), counting it against the budget."""
        self.budget.take()
        body = request.read()
        ex = Exchange(request=request, request_body=body, started=self.clock())
        try:
            response = self.http.send(request, follow_redirects=False)
        except httpx2.TransportError as exc:
            ex.transport_error = transport_error_of(exc)
            ex.error_text = f"{type(exc).__name__}: {exc}"
        else:
            ex.status = response.status_code
            ex.headers = {k.lower(): v for k, v in response.headers.items()}
            ex.body = response.content
        ex.elapsed_ms = (self.clock() - ex.started) * 1000.0
        return ex

    def scrub(self, text: str | None) -> str | None:
        """``text`` with the key (by value) masked; the record's validator redacts the rest."""
        if text is None:
            return None
        if self.credential is not None and self.credential.key:
            text = text.replace(self.credential.key, MASK)
        return text

    def record(
        self,
        ex: Exchange,
        cls: Classification,
        *,
        request_class: str,
        attempt_number: int = 1,
        result: Result | None = None,
        credential_source: str | None = None,
        **fields: Any,
    ) -> AttemptRecord:
        """Make and keep the attempt record of ``ex`` as classified by ``cls``.

        The runner stamps the case's verdict on the records and hands them to the sink once
        the case is judged.
        """
        assumption = self.profile.assumption(fields.pop("assumption", "chat_route"))
        summary = cls.observation.error_message or ex.error_text
        wire = {**_wire_fields(ex, cls), **fields}
        record = AttemptRecord(
            run_id=self.run_id,
            request_class=request_class,
            source_reference=assumption.source_url,
            source_accessed=assumption.accessed.isoformat(),
            credential_source=credential_source,
            attempt_number=attempt_number,
            error_summary=self.scrub(summary[:500] if summary else None),
            result=result,
            **wire,
        )
        self.records.append(record)
        return record

    def classify(self, ex: Exchange, **kwargs: Any) -> Classification:
        return classify(
            ex.status, ex.headers, ex.body, transport_error=ex.transport_error, **kwargs
        )


def _wire_fields(ex: Exchange, cls: Classification) -> dict[str, Any]:
    """The record fields that come from the exchange and its classification."""
    obs = cls.observation
    parts = urlsplit(str(ex.request.url))
    decision = None
    if cls.failure_class is not None:
        decision = RetryDecision.RETRY if cls.retryable else RetryDecision.DO_NOT_RETRY
    return {
        "elapsed_ms": ex.elapsed_ms,
        "http_method": ex.request.method,
        "route_template": parts.path or "/",
        "server_address": parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}",
        "http_status": ex.status,
        "failure_class": cls.failure_class,
        "retry_decision": decision,
        "operator_action": cls.operator_action,
        "retry_after_ms": obs.retry_after_ms,
        "response_shape": obs.shape,
        "provider_request_id": obs.provider_request_id,
        "request_shape": _request_shape(ex.request_body),
    }


def _request_shape(body: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        return {"non_json_bytes": len(body)}
    if not isinstance(doc, dict):
        return None
    shaped = shape_of_body(doc)
    return shaped if isinstance(shaped, dict) else None
