"""``AsyncResilientTransport``: :class:`ResilientTransport` for ``httpx2.AsyncClient`` (and so
``openai.AsyncOpenAI``), on the same engine; stream limits are per-read asyncio timeouts. Its
:meth:`~AsyncResilientTransport.drive` is the one async loop (``AsyncClient`` runs through it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import httpx2

from chatcontract.client import legacy
from chatcontract.client.common import EngineConfig
from chatcontract.client.engine import Wait
from chatcontract.client.sender import AsyncSender, AsyncStreamRead
from chatcontract.client.transport_base import CallBase, CheckedTailBase, SdkCall, TransportConfig
from chatcontract.client.wire import fail_transport
from chatcontract.tls import default_context

if TYPE_CHECKING:
    from typing_extensions import Unpack

R = TypeVar("R")


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
        self.inner = transport or httpx2.AsyncHTTPTransport(verify=default_context())
        self.sleep = sleep
        self.sender = AsyncSender(
            self.inner.handle_async_request, clock=self.clock, grace_s=self.policy.post_finish_grace_s
        )

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
        return await self.drive(SdkCall(self, request, doc, body))

    async def drive(self, call: CallBase[R]) -> R:
        """The one async loop (see :meth:`ResilientTransport.drive`)."""
        run = call.run
        sender = self.sender
        for step in run.steps():
            if isinstance(step, Wait):
                await self.sleep(step.seconds)
                continue
            out = run.start_attempt()
            request = call.outgoing(step)
            if not call.stream:
                call.answered(await sender.attempt(request, out), out)
                continue
            got = await sender.open_stream(request, step, out, want_usage=call.want_usage)
            if not isinstance(got, AsyncStreamRead):  # an error, a body that is no stream, no answer
                call.answered(got, out)
                continue
            tail = await _start(call, got)
            if tail is not None:
                return call.started(tail)
            run.end_attempt(out)
        return call.final()


async def _start(call: CallBase[R], got: AsyncStreamRead) -> _AsyncCheckedTail | None:
    """Read a stream up to its first content event (see the sync ``_start``)."""
    prefix: list[bytes] = []
    try:
        async for data in got.chunks:
            prefix.append(data)
            if call.handover and got.checker.first_content:
                return _AsyncCheckedTail(call, prefix, got)
    except httpx2.HTTPError as exc:
        fail_transport(got.out, exc, streaming=True)
    except BaseException:
        await got.aclose()
        raise
    await got.aclose()
    return None


class _AsyncCheckedTail(CheckedTailBase, httpx2.AsyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    read: AsyncStreamRead

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for data in self._prefix:
            yield data
        self._prefix = []
        async for data in self.read.chunks:
            if not self.bad_event():  # the checker ends the stream right after a bad event
                yield data
        if self._claim():
            await self.read.response.aclose()
            self._verdict()

    async def aclose(self) -> None:
        if not self._claim():
            return
        self._closed_early()
        await self.read.aclose()
