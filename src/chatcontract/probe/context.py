"""What a case gets to work with: the target, a budgeted sender, and a recorder.

:class:`CaseContext` sends a prepared :class:`httpx2.Request` through the one wire
(:class:`~chatcontract.client.sender.Sender`, counting it against the run's :class:`Budget`),
captures the outcome as an :class:`Exchange` (status, headers, body, timing, or the transport
error), and turns an exchange into an :class:`AttemptRecord` with the one classifier and the one
record builder (:func:`~chatcontract.client.attempt.build_record`). Records are redacted when
they are made; the key is additionally masked by value in every free-text field.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from chatcontract.client.attempt import Outcome, Place, RecordContext, build_record
from chatcontract.client.engine import Limits
from chatcontract.client.sender import Sender
from chatcontract.config import Credential
from chatcontract.contract.profile import Profile
from chatcontract.probe.semantics import Semantics
from chatcontract.record import AttemptRecord, Result, RetryDecision, utc_now
from chatcontract.taxonomy import Classification, TransportError, classify, decision_for
from chatcontract.wire_errors import transport_kind

CONNECT_S = 5.0
READ_S = 20.0  # the probe's first-chunk and idle limit, and a non-stream answer's read limit
DEADLINE_S = 60.0


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
    """One sent request and what came back (or the transport error instead), read on the one
    wire; ``outcome`` is the wire's own account of the attempt."""

    request: httpx2.Request
    request_body: bytes
    outcome: Outcome
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float | None = None
    transport_error: TransportError | None = None
    error_text: str | None = None

    @property
    def responded(self) -> bool:
        return self.status is not None

    @classmethod
    def of(cls, request: httpx2.Request, body: bytes, out: Outcome) -> Exchange:
        return cls(
            request=request,
            request_body=body,
            outcome=out,
            status=out.status,
            headers=dict(out.headers or {}),
            body=out.body or b"",
            elapsed_ms=out.elapsed_s * 1000.0,
            transport_error=out.transport_error,
            error_text=out.problem,
        )


def transport_error_of(exc: httpx2.TransportError, *, got_headers: bool = False) -> TransportError:
    """The kind of a transport exception (the one translation, :mod:`chatcontract.wire_errors`)."""
    return transport_kind(exc, got_headers=got_headers) or TransportError.CONNECT_ERROR


def probe_limits(started: float, read_s: float = READ_S) -> Limits:
    """The probe's per-attempt limits from ``started`` (wire-clock time)."""
    return Limits(connect_s=CONNECT_S, first_chunk_s=read_s, idle_s=read_s, deadline_at=started + DEADLINE_S)


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
    sender: Sender | None = None
    read_s: float | None = None  # each attempt's first-chunk, idle and read limit (default: the
    # HTTP client's read timeout, else READ_S)
    semantics: Semantics | None = None  # the run's tally of reliability semantics (every response)

    def __post_init__(self) -> None:
        if self.read_s is None:
            self.read_s = self.http.timeout.read or READ_S
        if self.sender is None:
            http = self.http
            self.sender = Sender(lambda request: http.send(request, stream=True))

    def begin(self, request: httpx2.Request) -> tuple[Outcome, Limits, bytes]:
        """Count ``request`` against the budget and start its attempt on the wire's clock."""
        self.budget.take()
        body = request.read()
        assert self.sender is not None
        out = Outcome(started=self.sender.clock(), wall=utc_now())
        limits = probe_limits(out.started, self.read_s or READ_S)
        request.extensions["timeout"] = {**limits.timeouts(), "write": 30.0}
        return out, limits, body

    def end(self, request: httpx2.Request, body: bytes, out: Outcome) -> Exchange:
        assert self.sender is not None
        out.elapsed_s = self.sender.clock() - out.started
        ex = Exchange.of(request, body, out)
        if self.semantics is not None:
            self.semantics.see(ex.status, ex.headers, ex.body, body)
        return ex

    def send(self, request: httpx2.Request) -> Exchange:
        """Send ``request`` (non-streaming) on the one wire, counting it against the budget."""
        out, _, body = self.begin(request)
        assert self.sender is not None
        self.sender.attempt(request, out)
        return self.end(request, body, out)

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
        """Make and keep the attempt record of ``ex`` as classified by ``cls`` (the one builder).

        A later attempt of the same request marks this one ``retry``; the runner stamps the
        case's verdict on the records and hands them to the sink once the case is judged.
        """
        assumption = self.profile.assumption(fields.pop("assumption", "chat_route"))
        ctx = RecordContext(
            request_id=uuid.uuid4().hex,
            run_id=self.run_id,
            request_class=request_class,
            streaming=ex.outcome.stream_state is not None or request_class == "chat-stream",
            source_reference=assumption.source_url,
            source_accessed=assumption.accessed.isoformat(),
            body=ex.request_body,
            secret=self.credential.key if self.credential is not None else None,
        )
        where = Place.of(str(ex.request.url), model=fields.pop("model", None), credential_source=credential_source)
        record = build_record(
            ctx, where, ex.outcome, cls, attempt_number=attempt_number,
            decision=decision_for(cls.failure_class, retried=False), result=result,
        )  # fmt: skip
        if fields:
            record = AttemptRecord.model_validate({**record.model_dump(), **fields})
        self._mark_retried(record)
        self.records.append(record)
        return record

    def _mark_retried(self, record: AttemptRecord) -> None:
        """The previous attempt of the same request was sent again: its decision is ``retry``."""
        if not self.records or record.attempt_number < 2:
            return
        last = self.records[-1]
        same = last.request_class == record.request_class and last.attempt_number == record.attempt_number - 1
        if same and last.failure_class is not None:
            self.records[-1] = last.model_copy(update={"retry_decision": RetryDecision.RETRY})

    def classify(self, ex: Exchange, **kwargs: Any) -> Classification:
        return classify(ex.status, ex.headers, ex.body, transport_error=ex.transport_error, **kwargs)
