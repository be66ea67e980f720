"""``AsyncClient``: the resilient client on asyncio, same engine as ``Client``, no threads.

Stream limits are one ``asyncio.timeout`` re-scheduled per event: until the first content event
it is the first-chunk limit, then the idle gap, always capped by the call's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx

from chatcontract.client.attempt import Outcome, read_answer
from chatcontract.client.base import ClientBase
from chatcontract.client.engine import CallRun, Send, Wait
from chatcontract.client.sse import StreamChecker
from chatcontract.client.wire import (
    Completion,
    RequestMaker,
    completion,
    fail_transport,
    finish_stream,
    first_chunk_timeout,
    header_dict,
    request_body,
)
from chatcontract.record import utc_now


class AsyncClient(ClientBase):
    """Async mirror of :class:`~chatcontract.client.sync.Client`."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **config: Any,
    ) -> None:
        super().__init__(**config)
        self._own_http = http_client is None
        if http_client is None:  # our own pool: straight to the transport, as Client does
            transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
            self._http = httpx.AsyncClient(transport=transport)
            self._send: Callable[[httpx.Request], Awaitable[httpx.Response]] = transport.handle_async_request
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
        run = self.begin(
            model,
            messages,
            streaming=stream,
            live=False,
            reissue=reissue,
            deadline_s=deadline_s,
            request_class=request_class,
        )
        result = AsyncChatStream()
        async for _ in self._drive(run, model, messages, stream=stream, live=False, params=params, result=result):
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
        run = self.begin(
            model,
            messages,
            streaming=True,
            live=True,
            reissue=reissue,
            deadline_s=deadline_s,
            request_class=request_class,
        )
        result = AsyncChatStream()
        result.bind(self._drive(run, model, messages, stream=True, live=True, params=params, result=result))
        return result

    async def _drive(
        self,
        run: CallRun,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        live: bool,
        params: Mapping[str, Any],
        result: AsyncChatStream,
    ) -> AsyncIterator[str]:
        bodies: dict[str, bytes] = {}
        while True:
            step = run.next_step()
            if isinstance(step, Send):
                body = bodies.get(step.target.model)
                if body is None:
                    body = request_body(
                        step.target.model,
                        messages,
                        stream=stream,
                        include_usage=self.include_usage,
                        params=params,
                    )
                    bodies[step.target.model] = body
                out = Outcome(started=self._clock(), wall=utc_now())
                if stream:
                    async for delta in self._stream_attempt(step, body, live, out):
                        yield delta
                else:
                    await self._attempt(step, body, out)
                out.elapsed_s = self._clock() - out.started
                run.report(out)
            elif isinstance(step, Wait):
                await self._sleep(step.seconds)
            elif step.error is not None:
                raise step.error
            else:
                assert step.outcome is not None
                assert step.target is not None
                result.completion = completion(step.outcome, step.target, run.attempts, model)
                return

    def _request(self, step: Send, body: bytes) -> httpx.Request:
        timeouts = {
            "connect": step.connect_s,
            "read": step.first_chunk_s,
            "write": step.first_chunk_s,
            "pool": step.connect_s,
        }
        return self._maker.build(step.target, body, timeouts)

    async def _attempt(self, step: Send, body: bytes, out: Outcome) -> None:
        response: httpx.Response | None = None
        try:
            response = await self._send(self._request(step, body))
            out.status = response.status_code
            out.headers = header_dict(response)
            out.body = await response.aread()
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
            return
        finally:
            if response is not None:
                await response.aclose()
        if 200 <= out.status < 300:
            read_answer(out)

    async def _stream_attempt(self, step: Send, body: bytes, live: bool, out: Outcome) -> AsyncIterator[str]:
        try:
            response = await self._send(self._request(step, body))
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            return
        try:
            out.status = response.status_code
            out.headers = header_dict(response)
            if not 200 <= out.status < 300:
                out.body = await response.aread()
            else:
                async for delta in self._read_stream(response, step, out, live):
                    yield delta
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
        finally:
            await response.aclose()

    async def _read_stream(self, response: httpx.Response, step: Send, out: Outcome, live: bool) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        offset = loop.time() - self._clock()  # engine clock -> loop clock
        deadline = step.deadline_at + offset
        idle, grace = step.idle_s, self.policy.post_finish_grace_s
        checker = StreamChecker()
        parts = checker.parts
        want_usage = self.include_usage
        limit = min(out.started + offset + step.first_chunk_s, deadline)
        chunks = response.aiter_bytes().__aiter__()
        try:
            while True:
                async with asyncio.timeout(limit):  # never spans a yield to the caller
                    data = await anext(chunks, None)
                if data is None:
                    checker.eof()
                    break
                new = checker.feed(data)
                if new:
                    if out.first_chunk_s is None:
                        out.first_chunk_s = self._clock() - out.started
                    if live:
                        out.delivered = True
                        for part in parts[-new:]:
                            yield part
                if checker.state is not None:
                    if checker.settled(want_usage):
                        break
                    limit = min(loop.time() + grace, deadline)
                elif out.first_chunk_s is not None:
                    limit = min(loop.time() + idle, deadline)
        except (TimeoutError, httpx.TimeoutException):
            if checker.state is None:
                if checker.first_content:
                    checker.stalled()
                else:
                    first_chunk_timeout(out)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            checker.eof()
        if out.transport_error is None:
            finish_stream(out, checker)


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
