"""``AsyncResilientTransport``: :class:`ResilientTransport` for ``httpx2.AsyncClient`` (and so
``openai.AsyncOpenAI``), on the same engine; stream limits are per-read asyncio timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx2

from chatcontract.client import legacy
from chatcontract.client.aio_stream import checked_astream
from chatcontract.client.attempt import Outcome
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Send, Wait
from chatcontract.client.sender import aopen_fresh, event_stream
from chatcontract.client.sse import StreamChecker
from chatcontract.client.transport_base import CallBase, CheckedTailBase, TransportConfig, started_response
from chatcontract.client.wire import received

if TYPE_CHECKING:
    from typing_extensions import Unpack


class AsyncResilientTransport(TransportConfig, httpx2.AsyncBaseTransport):
    """An async httpx transport that applies a :class:`Policy` to chat-completions requests."""

    def __init__(
        self,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **config: Unpack[EngineConfig],
    ) -> None:
        super().__init__(**config)
        self.inner = transport or httpx2.AsyncHTTPTransport()
        self.sleep = sleep

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if not isinstance(request, httpx2.Request):  # an httpx client (an SDK still on httpx)
            return await legacy.handle_async(self._handle, request)
        return await self._handle(request)

    async def _handle(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        doc = self.chat_doc(request, body)
        if doc is None:
            return await self.inner.handle_async_request(request)
        return await _AsyncCall(self, request, doc, body).run()


class _AsyncCall(CallBase):
    owner: AsyncResilientTransport

    async def run(self) -> httpx2.Response:
        for step in self.run_.steps():
            if isinstance(step, Wait):
                await self.owner.sleep(step.seconds)
                continue
            ready = await self._send(step)
            if ready is not None:
                return ready
        return self.final()

    async def _send(self, step: Send) -> httpx2.Response | None:
        out, outgoing = self.begin_attempt(step)
        try:
            response = await aopen_fresh(self.owner.inner.handle_async_request, outgoing, None)
        except httpx2.HTTPError as exc:
            self.failed(out, exc, streaming=self.stream)
            return None
        if received(out, response) and self.stream and event_stream(out):  # else read whole, as Client
            return await self._start_stream(step, outgoing, response, out)
        try:
            body = await response.aread()
        except httpx2.HTTPError as exc:
            self.failed(out, exc, streaming=False)
            return None
        finally:
            await response.aclose()
        self.buffered(response, out, body)
        return None

    async def _start_stream(
        self, step: Send, outgoing: httpx2.Request, response: httpx2.Response, out: Outcome
    ) -> httpx2.Response | None:
        checker = StreamChecker()
        # The decoded body, as in the sync transport (the handed-over response claims no encoding).
        chunks = checked_astream(
            response.aiter_bytes(), checker, out, step, request=outgoing, clock=self.owner.clock,
            grace_s=self.owner.policy.post_finish_grace_s, want_usage=self.want_usage,
        )  # fmt: skip
        prefix: list[bytes] = []
        async for data in chunks:
            prefix.append(data)
            if checker.first_content:
                tail = _AsyncCheckedTail(self, prefix, chunks, response, out=out, checker=checker)
                return started_response(response, tail)
        await response.aclose()
        self.report(out)
        return None


class _AsyncCheckedTail(CheckedTailBase, httpx2.AsyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    def __init__(
        self, call: _AsyncCall, prefix: list[bytes], chunks: AsyncIterator[bytes], response: httpx2.Response, **kw: Any
    ) -> None:
        super().__init__(call, prefix, response, **kw)
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for data in self._prefix:
            yield data
        self._prefix = []
        async for data in self._chunks:
            if not self.bad_event():  # the checker ends the stream right after a bad event
                yield data
        if self._claim():
            await self._response.aclose()
            self._verdict()

    async def aclose(self) -> None:
        if not self._claim():
            return
        self._closed_early()
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            await closer()
        await self._response.aclose()
