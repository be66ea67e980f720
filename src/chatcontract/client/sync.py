"""``Client``: the resilient client, synchronous. Safe to share across threads.

A typed API over a :class:`~chatcontract.client.transport.ResilientTransport`, as
``httpx2.Client`` sits on its transport: each call enters the transport's one loop (the loop
an SDK's requests run through), which sends every attempt through the one single-attempt
driver. One ``httpx2`` connection pool is reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client.base import ClientBase, ClientCall, check_base_url
from chatcontract.client.common import EngineConfig
from chatcontract.client.transport import ResilientTransport, StreamBroken
from chatcontract.client.wire import Completion, Deltas, RequestMaker
from chatcontract.tls import default_context

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _ViaClient(httpx2.BaseTransport):
    """The caller's ``httpx2.Client`` as the transport's inner one (its hooks, auth and
    default headers apply; it stays the caller's to close)."""

    def __init__(self, client: httpx2.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self._client.send(request, stream=True)

    def close(self) -> None:
        pass


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
        check_base_url(base_url)
        inner: httpx2.BaseTransport
        if http_client is None:
            # Our own pool: attempts go straight to the transport (no cookie jar, no redirects,
            # no auth flow: a chat call needs none of them, and they cost per call).
            limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
            inner = httpx2.HTTPTransport(verify=default_context(), limits=limits)
            self._http = httpx2.Client(transport=inner)
        else:
            self._http = http_client
            inner = _ViaClient(http_client)
        self._own_http = http_client is None
        self.transport = ResilientTransport(transport=inner, sleep=sleep, **config)
        super().__init__(self.transport, base_url=base_url, api_key=api_key)
        self._maker = RequestMaker(self._http.headers)

    def close(self) -> None:
        self.transport.close()
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
        done = self.transport.drive(call)
        assert isinstance(done, Completion)  # a call that is not live is never handed over
        return done

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
        return ChatStream(self._live(call))

    def _live(self, call: ClientCall) -> Generator[str, None, Completion]:
        """Run the call through the transport; once its stream started, hand the caller each
        new text as it is checked. A break after content raises the call's ``CallFailed``."""
        got = self.transport.drive(call)
        if isinstance(got, Completion):  # ended before any content (or failed: raised)
            return got
        deltas = Deltas(got.checker, got.out)
        tail = got
        assert isinstance(tail, httpx2.SyncByteStream)
        try:
            for _ in tail:
                yield from deltas.take()
        except StreamBroken as broken:
            raise broken.call_failed from None
        finally:
            tail.close()  # a caller that stopped reading: verdict if known, else abandoned
        return call.final()


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
