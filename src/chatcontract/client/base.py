"""Configuration shared by ``Client`` and ``AsyncClient``: routes, profile, records, the engine."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chatcontract.client.attempt import RecordContext
from chatcontract.client.engine import CallRun, Engine
from chatcontract.client.otel import Telemetry
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.contract.profile import Profile, load_profile
from chatcontract.errors import UsageError
from chatcontract.record import AttemptRecord
from chatcontract.sinks import RecordSink


class ClientBase:
    """Everything about a client except its I/O. One engine (budget, breakers) per client."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
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
    ) -> None:
        if not base_url or "://" not in base_url:
            raise UsageError(f"base_url {base_url!r} needs a scheme and host, e.g. https://api.cometapi.com/v1")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.policy = policy or Policy()
        self.fallbacks = tuple(fallbacks)
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.sink = sink
        self.credential_source = credential_source
        self._ctx = {
            "service": service,
            "deployment": deployment,
            "run_id": run_id,
            "incident_id": incident_id,
        }
        self._clock = clock
        self._telemetry = Telemetry(tracer_provider, meter_provider)
        self.engine = Engine(self.policy, clock=clock, on_record=self._on_record)
        self._targets: dict[str, tuple[Target, ...]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, fallbacks={len(self.fallbacks)})"

    def _on_record(self, record: AttemptRecord) -> None:
        if self.sink is not None:
            self.sink.append(record)
        self._telemetry.emit(record)

    def targets(self, model: str) -> tuple[Target, ...]:
        """The call's routes, primary first (cached per model: headers are built once)."""
        found = self._targets.get(model)
        if found is None:
            routes = (Route(), *self.fallbacks)
            found = tuple(
                resolve_target(
                    i,
                    route,
                    model=model,
                    base_url=self.base_url,
                    api_key=self._api_key,
                    credential_source=self.credential_source,
                    profile=self.profile,
                    max_request_chars=self.policy.max_request_chars,
                )
                for i, route in enumerate(routes)
            )
            self._targets[model] = found
        return found

    def begin(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        streaming: bool,
        live: bool,
        reissue: bool | None,
        deadline_s: float | None,
        request_class: str | None,
    ) -> CallRun:
        if not model:
            raise UsageError("model is required")
        ctx = RecordContext(
            request_id=uuid.uuid4().hex,
            request_class=request_class or ("chat-stream" if streaming else "chat-completion"),
            streaming=streaming,
            messages=messages,
            **self._ctx,
        )
        return self.engine.begin(
            self.targets(model),
            ctx,
            messages=messages,
            reissue=reissue,
            deadline_s=deadline_s,
            live=live,
        )

    @property
    def include_usage(self) -> bool:
        return self.profile.supports_include_usage
