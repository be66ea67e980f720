"""What ``Client`` and ``AsyncClient`` share: configuration, and the non-I/O half of one call
(:class:`ClientCall`: each attempt's request, the result). The two drivers only do I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client.common import EngineConfig, EngineOwner
from chatcontract.client.engine import CallRun, Send
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.client.wire import Completion, RequestMaker, completion, request_body
from chatcontract.errors import UsageError
from chatcontract.redact import remember_secret, url_for_message

if TYPE_CHECKING:
    from typing_extensions import Unpack


class ClientBase(EngineOwner):
    """Everything about a client except its I/O. One engine (budget, breakers) per client.

    Takes ``base_url``, ``api_key`` and the keyword arguments of :class:`EngineOwner`.
    """

    _maker: RequestMaker  # set by the subclass, from its HTTP client's default headers

    def __init__(self, *, base_url: str, api_key: str | None = None, **config: Unpack[EngineConfig]) -> None:
        if not base_url or "://" not in base_url:
            shown = url_for_message(base_url or "")
            raise UsageError(f"base_url {shown!r} needs a scheme and host, e.g. https://api.cometapi.com/v1")
        super().__init__(**config)
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        if api_key:
            remember_secret(api_key)
        self._targets: dict[str, tuple[Target, ...]] = {}

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

    @property
    def include_usage(self) -> bool:
        return self.profile.supports_include_usage


class ClientCall:
    """One call of a client: the engine's run, each attempt's request, the final result."""

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
        self.live = live
        self.params = params
        self._bodies: dict[str, bytes] = {}

    def request(self, step: Send) -> httpx2.Request:
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

    def result(self) -> Completion:
        """The whole answer once the run stopped; raises its :class:`CallFailed` otherwise."""
        stop = self.run.stopped
        if stop.error is not None:
            raise stop.error
        assert stop.outcome is not None
        assert stop.target is not None
        return completion(stop.outcome, stop.target, self.run.attempts, self.model)
