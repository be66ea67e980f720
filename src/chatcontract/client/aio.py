"""``AsyncClient``: the resilient client on asyncio, no threads.

A typed API over an :class:`~chatcontract.client.transport_aio.AsyncResilientTransport` (see
:mod:`chatcontract.client.sync`): each call enters the transport's one async loop. Stream limits
are one ``asyncio.timeout`` per read: until the first content event the first-chunk limit, then
the idle gap, always capped by the call's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client.base import ClientBase, ClientCall, check_base_url
from chatcontract.client.common import EngineConfig
from chatcontract.client.transport_aio import AsyncResilientTransport
from chatcontract.client.transport_base import StreamBroken
from chatcontract.client.wire import Completion, Deltas, RequestMaker
from chatcontract.tls import default_context

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _ViaAsyncClient(httpx2.AsyncBaseTransport):
    """The caller's ``httpx2.AsyncClient`` as the transport's inner one (it stays theirs)."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self._client.send(request, stream=True)

    async def aclose(self) -> None:
        pass


class AsyncClient(ClientBase):
    """Async mirror of :class:`~chatcontract.client.sync.Client`."""

    def __init__(
        self,
        *,
        http_client: httpx2.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        base_url: str,
        api_key: str | None = None,
        **config: Unpack[EngineConfig],
    ) -> None:
        check_base_url(base_url)
        inner: httpx2.AsyncBaseTransport
        if http_client is None:  # our own pool: straight to the transport, as Client does
            limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
            inner = httpx2.AsyncHTTPTransport(verify=default_context(), limits=limits)
            self._http = httpx2.AsyncClient(transport=inner)
        else:
            self._http = http_client
            inner = _ViaAsyncClient(http_client)
        self._own_http = http_client is None
        self.transport = AsyncResilientTransport(transport=inner, sleep=sleep, **config)
        super().__init__(self.transport, base_url=base_url, api_key=api_key)
        self._maker = RequestMaker(self._http.headers)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def chat(
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
        """One whole, checked answer; raises :class:`CallFailed` otherwise."""
        call = self.start(
            model, messages, stream=stream, live=False, params=params,
            reissue=reissue, deadline_s=deadline_s, request_class=request_class,
        )  # fmt: skip
        done = await self.transport.drive(call)
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
    ) -> AsyncChatStream:
        """Live text deltas (``async for``); ``.completion`` is set once the stream ended whole."""
        call = self.start(
            model, messages, stream=True, live=True, params=params,
            reissue=reissue, deadline_s=deadline_s, request_class=request_class,
        )  # fmt: skip
        result = AsyncChatStream()
        result.bind(self._live(call, result))
        return result

    async def _live(self, call: ClientCall, result: AsyncChatStream) -> AsyncIterator[str]:
        """Run the call through the transport; once its stream started, hand the caller each
        new text as it is checked. A break after content raises the call's ``CallFailed``."""
        got = await self.transport.drive(call)
        if isinstance(got, Completion):  # ended before any content (or failed: raised)
            result.completion = got
            return
        deltas = Deltas(got.checker, got.out)
        tail = got
        assert isinstance(tail, httpx2.AsyncByteStream)
        try:
            async for _ in tail:
                for part in deltas.take():
                    yield part
        except StreamBroken as broken:
            raise broken.call_failed from None
        finally:
            await tail.aclose()  # a caller that stopped reading: verdict if known, else abandoned
        result.completion = call.final()


class AsyncChatStream:
    """Async iterator of live deltas; ``completion`` is set once the stream finished whole."""

    def __init__(self) -> None:
        self.completion: Completion | None = None
        self._gen: AsyncIterator[str] | None = None

    def bind(self, gen: AsyncIterator[str]) -> None:
        self._gen = gen

    def __aiter__(self) -> AsyncIterator[str]:
        assert self._gen is not None
        return self._gen
