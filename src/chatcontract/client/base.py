"""What ``Client`` and ``AsyncClient`` share: the typed API's checks and routes, and the non-I/O
half of one call (:class:`ClientCall`: each attempt's request, the result). Neither keeps a
loop: a call runs through the resilient transport each client sits on (as ``httpx2.Client``
sits on its transport), the one sync or async loop an SDK's requests run through too."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx2

from chatcontract.client.engine import CallRun, Engine, Send
from chatcontract.client.observe import Observer
from chatcontract.client.otel import Telemetry
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.client.transport_base import CallBase, CheckedTailBase, TransportConfig
from chatcontract.client.wire import Completion, RequestMaker, completion, request_body
from chatcontract.contract.profile import Profile
from chatcontract.errors import UsageError
from chatcontract.redact import remember_secret, url_for_message
from chatcontract.sinks import RecordSink


def check_base_url(base_url: str) -> None:
    if not base_url or "://" not in base_url:
        shown = url_for_message(base_url or "")
        raise UsageError(f"base_url {shown!r} needs a scheme and host, e.g. https://api.cometapi.com/v1")


class ClientBase:
    """Everything about a client except its I/O, over the transport it sits on (whose engine,
    budget and breakers it uses: one engine per client)."""

    _maker: RequestMaker  # set by the subclass, from its HTTP client's default headers
    policy: Policy
    fallbacks: tuple[Route, ...]
    profile: Profile
    sink: RecordSink | None
    credential_source: str | None
    ctx: dict[str, str | None]
    clock: Callable[[], float]
    telemetry: Telemetry
    observer: Observer | None
    engine: Engine

    def __init__(self, transport: TransportConfig, *, base_url: str, api_key: str | None) -> None:
        check_base_url(base_url)
        for name in (
            "policy", "fallbacks", "profile", "sink", "credential_source", "ctx", "clock", "telemetry", "observer",
            "engine",
        ):  # fmt: skip
            setattr(self, name, getattr(transport, name))
        self.record_context = transport.record_context
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        if api_key:
            remember_secret(api_key)
        self._targets: dict[str, tuple[Target, ...]] = {}
        self.include_usage = self.profile.supports_include_usage

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={url_for_message(self.base_url)!r}, fallbacks={len(self.fallbacks)})"

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

    def start(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        live: bool,
        params: Mapping[str, Any],
        reissue: bool | None,
        deadline_s: float | None,
        request_class: str | None,
    ) -> ClientCall:
        """Begin one logical call on the engine (checks the arguments first)."""
        if not model:
            raise UsageError("model is required")
        ctx = self.record_context(messages, streaming=stream, request_class=request_class)
        run = self.engine.begin(
            self.targets(model), ctx, messages=messages, reissue=reissue, deadline_s=deadline_s, live=live
        )
        return ClientCall(self, run, model, messages, stream=stream, live=live, params=params)


class ClientCall(CallBase[Completion | CheckedTailBase]):
    """One call of a client: the engine's run, each attempt's request, the final result. A live
    stream is handed over at its first content event (the caller reads the checked tail)."""

    def __init__(
        self,
        client: ClientBase,
        run: CallRun,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        live: bool,
        params: Mapping[str, Any],
    ) -> None:
        self.client = client
        self.run = run
        self.model = model
        self.messages = messages
        self.stream = stream
        self.handover = live
        self.want_usage = stream and client.include_usage
        self.params = params
        self._bodies: dict[str, bytes] = {}

    def outgoing(self, step: Send) -> httpx2.Request:
        """The request of one attempt (its body built once per model)."""
        model = step.target.model
        body = self._bodies.get(model)
        if body is None:
            body = self._bodies[model] = request_body(
                model,
                self.messages,
                stream=self.stream,
                include_usage=self.client.include_usage,
                params=self.params,
            )
        return self.client._maker.build(step.target, body, step.timeouts())

    def final(self) -> Completion:
        """The whole answer once the run stopped; raises its :class:`CallFailed` otherwise."""
        stop = self.run.stopped
        if stop.error is not None:
            raise stop.error
        assert stop.outcome is not None
        assert stop.target is not None
        return completion(stop.outcome, stop.target, self.run, self.model)

    def started(self, tail: CheckedTailBase) -> CheckedTailBase:
        return tail
