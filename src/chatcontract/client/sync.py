"""``Client``: the resilient client, synchronous. Safe to share across threads.

One ``httpx2.Client`` is reused; all decisions come from the engine; this module only does I/O:
send one attempt, read its body or stream under the first-chunk, idle and deadline limits, and
sleep when the engine says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client.base import ClientBase, ClientCall
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Wait
from chatcontract.client.sender import Sender
from chatcontract.client.tls import default_ssl_context
from chatcontract.client.wire import Completion, RequestMaker

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Client(ClientBase):
    """Resilient chat-completions client (see ``chatcontract.client`` for the behaviour)."""

    def __init__(
        self,
        *,
        http_client: httpx2.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str,
        api_key: str | None = None,
        **config: Unpack[EngineConfig],
    ) -> None:
        super().__init__(base_url=base_url, api_key=api_key, **config)
        self._own_http = http_client is None
        if http_client is None:
            # Our own pool: attempts go straight to the transport (no cookie jar, no redirects,
            # no auth flow: a chat call needs none of them, and they cost per call).
            limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
            transport = httpx2.HTTPTransport(verify=default_ssl_context(), limits=limits)
            self._http = httpx2.Client(transport=transport)
            self._send: Callable[[httpx2.Request], httpx2.Response] = transport.handle_request
        else:
            self._http = http_client
            self._send = lambda request: http_client.send(request, stream=True)
        self._sleep = sleep
        self._sender = Sender(self._send, clock=self.clock, grace_s=self.policy.post_finish_grace_s)
        self._maker = RequestMaker(self._http.headers)

    def close(self) -> None:
        self._sender.close()
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API --------------------------------------------------------------------

    def chat(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: bool = False,
        reissue: bool | None = None,
        deadline_s: float | None = None,
        request_class: str | None = None,
        **params: Any,
    ) -> Completion:
        """One whole, checked answer (streamed or not); raises :class:`CallFailed` otherwise."""
        call = self.start(
            model, messages, stream=stream, live=False, params=params,
            reissue=reissue, deadline_s=deadline_s, request_class=request_class,
        )  # fmt: skip
        gen = self._drive(call)
        try:
            while True:
                next(gen)
        except StopIteration as stop:
            result: Completion = stop.value
            return result

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        reissue: bool | None = None,
        deadline_s: float | None = None,
        request_class: str | None = None,
        **params: Any,
    ) -> ChatStream:
        """Live text deltas; the stream ends with a checked final (``.completion``)."""
        call = self.start(
            model, messages, stream=True, live=True, params=params,
            reissue=reissue, deadline_s=deadline_s, request_class=request_class,
        )  # fmt: skip
        return ChatStream(self._drive(call))

    # -- driver: the I/O only ----------------------------------------------------------

    def _drive(self, call: ClientCall) -> Generator[str, None, Completion]:
        run = call.run
        for step in run.steps():
            if isinstance(step, Wait):
                self._sleep(step.seconds)
                continue
            out = run.start_attempt()
            if call.stream:
                try:
                    yield from self._sender.stream_attempt(
                        call.request(step), step, out, live=call.live, want_usage=self.include_usage
                    )
                except GeneratorExit:  # the caller stopped reading: no verdict on the route
                    run.abandon()
                    raise
            else:
                self._sender.attempt(call.request(step), out)
            run.end_attempt(out)
        return call.result()


class ChatStream:
    """Iterator of live text deltas; ``completion`` is set once the stream finished whole."""

    def __init__(self, gen: Generator[str, None, Completion]) -> None:
        self._gen = gen
        self.completion: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._gen)
        except StopIteration as stop:
            self.completion = stop.value
            raise StopIteration from None

    def close(self) -> None:
        self._gen.close()
