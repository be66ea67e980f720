"""What every entry point sets up alike (``Client``, ``AsyncClient`` and both transports):
policy, routes, profile, and the one engine (budget, breakers) with its observers: the record
sink, telemetry and the caller's own :class:`~chatcontract.client.observe.Observer`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

from chatcontract.client.attempt import RecordContext
from chatcontract.client.engine import Engine
from chatcontract.client.observe import Observer, SinkObserver, fan_out
from chatcontract.client.otel import Telemetry
from chatcontract.client.otel_names import provider_name
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route
from chatcontract.contract.profile import Profile, load_profile
from chatcontract.sinks import RecordSink


def new_request_id() -> str:
    """A random (version 4) UUID as 32 hex digits, as ``uuid.uuid4().hex`` makes it, without
    building a ``UUID`` object per call."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


class EngineConfig(TypedDict, total=False):
    """The keyword arguments every entry point takes (``Client``, ``AsyncClient`` and both
    transports), typed: an unknown or misspelt keyword fails ``mypy --strict`` and, at run
    time, raises ``TypeError``. See :class:`EngineOwner` for what each one does."""

    policy: Policy | None
    fallbacks: Sequence[Route]
    profile: str | Path | Profile
    sink: RecordSink | None
    credential_source: str | None
    service: str | None
    deployment: str | None
    run_id: str | None
    incident_id: str | None
    clock: Callable[[], float]
    tracer_provider: Any
    meter_provider: Any
    observer: Observer | None


class EngineOwner:
    """Configuration and the engine of one client or transport (one engine each)."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        fallbacks: Sequence[Route] = (),
        profile: str | Path | Profile = "cometapi",
        sink: RecordSink | None = None,
        credential_source: str | None = None,
        service: str | None = None,
        deployment: str | None = None,
        run_id: str | None = None,
        incident_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy or Policy()
        self.fallbacks = tuple(fallbacks)
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.sink = sink
        self.credential_source = credential_source
        self.ctx = {"service": service, "deployment": deployment, "run_id": run_id, "incident_id": incident_id}
        self.clock = clock
        self.telemetry = Telemetry(tracer_provider, meter_provider)
        records = SinkObserver(sink) if sink is not None else None
        self.observer = fan_out(records, self.telemetry, observer)
        self.engine = Engine(self.policy, clock=clock, observer=self.observer, provider=provider_name(self.profile))

    def record_context(
        self, messages: Sequence[Mapping[str, Any]], *, streaming: bool, request_class: str | None = None
    ) -> RecordContext:
        """What every record of one call carries (a fresh request id)."""
        return RecordContext(
            request_id=new_request_id(),
            request_class=request_class or ("chat-stream" if streaming else "chat-completion"),
            streaming=streaming,
            messages=messages,
            service=self.ctx["service"],
            deployment=self.ctx["deployment"],
            run_id=self.ctx["run_id"],
            incident_id=self.ctx["incident_id"],
        )
