"""``AsyncResilientTransport``: :class:`ResilientTransport` for ``httpx.AsyncClient`` (and so
``openai.AsyncOpenAI``), on the same engine; stream limits are per-read asyncio timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from chatcontract.client.aio_stream import checked_astream, widen_read_timeout
from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Send, Stop, Wait
from chatcontract.client.sse import StreamChecker
from chatcontract.client.transport_base import CallBase, StreamBroken, TransportConfig, started_response
from chatcontract.client.wire import fail_transport, finish_stream, header_dict
from chatcontract.record import utc_now


class AsyncResilientTransport(TransportConfig, httpx.AsyncBaseTransport):
    """An async httpx transport that applies a :class:`Policy` to chat-completions requests."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **config: Any,
    ) -> None:
        super().__init__(**config)
        self.inner = transport or httpx.AsyncHTTPTransport()
        self.sleep = sleep

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        doc = self.chat_doc(request, body)
        if doc is None:
            return await self.inner.handle_async_request(request)
        return await _AsyncCall(self, request, doc, body).run()


class _AsyncCall(CallBase):
    owner: AsyncResilientTransport

    async def run(self) -> httpx.Response:
        run = self.run_
        while True:
            step = run.next_step()
            if isinstance(step, Send):
                ready = await self._send(step)
                if ready is not None:
                    return ready
            elif isinstance(step, Wait):
                await self.owner.sleep(step.seconds)
            elif step.error is not None:
                return self.give_up(step.error)
            else:
                assert self.last_response is not None
                return self.last_response

    async def _send(self, step: Send) -> httpx.Response | None:
        out = Outcome(started=self.owner.clock(), wall=utc_now())
        self.last_response = None
        outgoing = self.outgoing(step)
        try:
            response = await self.owner.inner.handle_async_request(outgoing)
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=self.stream)
            self.report(out)
            return None
        out.status, out.headers = response.status_code, header_dict(response)
        if self.stream and 200 <= response.status_code < 300:
            return await self._start_stream(step, outgoing, response, out)
        try:
            out.body = await response.aread()
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
            self.report(out)
            return None
        finally:
            await response.aclose()
        self.buffered(response, out)
        return None

    async def _start_stream(
        self, step: Send, outgoing: httpx.Request, response: httpx.Response, out: Outcome
    ) -> httpx.Response | None:
        widen_read_timeout(outgoing.extensions["timeout"], step.first_chunk_s, step.idle_s)
        checker = StreamChecker()
        raw = response.stream
        assert isinstance(raw, httpx.AsyncByteStream)
        chunks = checked_astream(
            raw,
            checker,
            out,
            clock=self.owner.clock,
            first_chunk_s=step.first_chunk_s,
            idle_s=step.idle_s,
            deadline=step.deadline_at,
            grace_s=self.owner.policy.post_finish_grace_s,
            want_usage=self.want_usage,
        )
        prefix: list[bytes] = []
        async for data in chunks:
            prefix.append(data)
            if checker.first_content:
                tail = _AsyncCheckedTail(self, prefix, chunks, response, out=out, checker=checker)
                return started_response(response, tail)
        await response.aclose()
        self.report(out)
        return None


class _AsyncCheckedTail(httpx.AsyncByteStream):
    """The rest of a started stream, checked; settles the call when it ends or is closed."""

    def __init__(
        self,
        call: _AsyncCall,
        prefix: list[bytes],
        chunks: AsyncIterator[bytes],
        response: httpx.Response,
        *,
        out: Outcome,
        checker: StreamChecker,
    ) -> None:
        self._call = call
        self._prefix = prefix
        self._chunks = chunks
        self._response = response
        self._out = out
        self._checker = checker
        self._settled = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for data in self._prefix:
            yield data
        self._prefix = []
        async for data in self._chunks:
            yield data
        await self._settle()

    async def _settle(self) -> None:
        if self._settled:
            return
        self._settled = True
        await self._response.aclose()
        self._out.delivered = True
        self._call.report(self._out)
        step = self._call.run_.next_step()
        if isinstance(step, Stop) and step.error is not None:
            raise StreamBroken(step.error)

    async def aclose(self) -> None:
        if self._settled:
            return
        self._settled = True
        if self._checker.state is not None:
            finish_stream(self._out, self._checker)
            self._out.delivered = True
            self._call.report(self._out)
        else:
            self._call.run_.abandon()
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            await closer()
        await self._response.aclose()
