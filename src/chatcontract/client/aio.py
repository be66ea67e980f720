"""``AsyncClient``: the resilient client on asyncio, same engine as ``Client``, no threads.

Stream limits are one ``asyncio.timeout`` re-scheduled per event: until the first content event
it is the first-chunk limit, then the idle gap, always capped by the call's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client.aio_stream import checked_astream
from chatcontract.client.attempt import Outcome
from chatcontract.client.base import ClientBase, ClientCall
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Send, Wait
from chatcontract.client.sender import aopen_fresh, event_stream
from chatcontract.client.sse import StreamChecker
from chatcontract.client.tls import default_ssl_context
from chatcontract.client.wire import Completion, Deltas, RequestMaker, fail_transport, received, whole_body

if TYPE_CHECKING:
    from typing_extensions import Unpack


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
        super().__init__(base_url=base_url, api_key=api_key, **config)
        self._own_http = http_client is None
        if http_client is None:  # our own pool: straight to the transport, as Client does
            limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
            transport = httpx2.AsyncHTTPTransport(verify=default_ssl_context(), limits=limits)
            self._http = httpx2.AsyncClient(transport=transport)
            self._send: Callable[[httpx2.Request], Awaitable[httpx2.Response]] = transport.handle_async_request
        else:
            self._http = http_client
            self._send = lambda request: http_client.send(request, stream=True)
        self._maker = RequestMaker(self._http.headers)
        self._sleep = sleep

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
        result = AsyncChatStream()
        async for _ in self._drive(call, result):
            pass
        assert result.completion is not None
        return result.completion

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
        result.bind(self._drive(call, result))
        return result

    # -- driver: the I/O only ----------------------------------------------------------

    async def _drive(self, call: ClientCall, result: AsyncChatStream) -> AsyncIterator[str]:
        run = call.run
        for step in run.steps():
            if isinstance(step, Wait):
                await self._sleep(step.seconds)
                continue
            out = run.start_attempt()
            if call.stream:
                try:
                    async for delta in self._stream_attempt(call.request(step), step, out, call.live):
                        yield delta
                except GeneratorExit:  # the caller stopped reading: no verdict on the route
                    run.abandon()
                    raise
            else:
                await self._attempt(call.request(step), out)
            run.end_attempt(out)
        result.completion = call.result()

    async def _attempt(self, request: httpx2.Request, out: Outcome) -> None:
        response: httpx2.Response | None = None
        try:
            response = await aopen_fresh(self._send, request, None)
            received(out, response)
            whole_body(out, await response.aread())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
        finally:
            if response is not None:
                await response.aclose()

    async def _stream_attempt(
        self, request: httpx2.Request, step: Send, out: Outcome, live: bool
    ) -> AsyncIterator[str]:
        try:
            response = await aopen_fresh(self._send, request, None)
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            return
        try:
            if received(out, response) and event_stream(out):
                async for delta in self._read_stream(request, response, step, out, live):
                    yield delta
            else:  # an error, or a 2xx that is no event stream: read whole, the classifier judges it
                whole_body(out, await response.aread())
        except httpx2.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
        finally:
            await response.aclose()

    async def _read_stream(
        self, request: httpx2.Request, response: httpx2.Response, step: Send, out: Outcome, live: bool
    ) -> AsyncIterator[str]:
        """Read SSE under the limits; hand new text to the caller as it arrives when ``live``."""
        checker = StreamChecker()
        deltas = Deltas(checker, out)
        async for _ in checked_astream(
            response.aiter_bytes(), checker, out, step, request=request, clock=self.clock,
            grace_s=self.policy.post_finish_grace_s, want_usage=self.include_usage,
        ):  # fmt: skip
            if live:
                for part in deltas.take():
                    yield part


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
