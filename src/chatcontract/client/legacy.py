"""The ``httpx`` variant of the resilient transports, for SDKs still on ``httpx``.

The wire is built once, on ``httpx2``. An ``httpx.Client(transport=ResilientTransport(...))``
hands the transport ``httpx`` requests: they are converted at the boundary, run through the
same ``httpx2`` implementation, and the answer goes back as an ``httpx`` response whose body
stream (and every error it raises) is ``httpx``'s again. An error that ends a call keeps its
:class:`~chatcontract.client.errors.CallFailed` as ``call_failed`` (class and attempts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import httpx2

_FOR_CALL_FAILED = {"TransportTimeout": "ReadTimeout", "StreamBroken": "RemoteProtocolError"}


def to_httpx2(request: httpx.Request, body: bytes) -> httpx2.Request:
    return httpx2.Request(
        request.method, str(request.url), headers=request.headers.raw, content=body, extensions=dict(request.extensions)
    )


def legacy_error(exc: httpx2.HTTPError, request: httpx.Request | None = None) -> httpx.HTTPError:
    """The ``httpx`` exception of the same kind as ``exc`` (its ``call_failed`` kept)."""
    name = type(exc).__name__
    if hasattr(exc, "call_failed"):
        name = _FOR_CALL_FAILED.get(name, "TransportError")
    else:
        name = next((c.__name__ for c in type(exc).__mro__ if hasattr(httpx, c.__name__)), "TransportError")
    cls: Any = getattr(httpx, name, httpx.TransportError)
    if not (isinstance(cls, type) and issubclass(cls, httpx.HTTPError)):
        cls = httpx.TransportError
    try:
        out: httpx.HTTPError = cls(str(exc), request=request) if request is not None else cls(str(exc))
    except TypeError:
        out = httpx.TransportError(str(exc))
    out.call_failed = getattr(exc, "call_failed", None)  # type: ignore[attr-defined]
    return out


class _Stream(httpx.SyncByteStream):
    def __init__(self, response: httpx2.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        if self._response.is_stream_consumed:  # a buffered answer
            yield self._response.content
            return
        try:
            yield from self._response.iter_raw()
        except httpx2.HTTPError as exc:
            raise legacy_error(exc) from exc

    def close(self) -> None:
        self._response.close()


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx2.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._response.is_stream_consumed:  # a buffered answer
            yield self._response.content
            return
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx2.HTTPError as exc:
            raise legacy_error(exc) from exc

    async def aclose(self) -> None:
        await self._response.aclose()


def _back(response: httpx2.Response, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> httpx.Response:
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    return httpx.Response(response.status_code, headers=response.headers.raw, stream=stream, extensions=extensions)


def handle(run: Callable[[httpx2.Request], httpx2.Response], request: httpx.Request) -> httpx.Response:
    """Run an ``httpx`` request through the ``httpx2`` implementation ``run``."""
    try:
        response = run(to_httpx2(request, request.read()))
    except httpx2.HTTPError as exc:
        raise legacy_error(exc, request) from exc
    return _back(response, _Stream(response))


async def handle_async(
    run: Callable[[httpx2.Request], Awaitable[httpx2.Response]], request: httpx.Request
) -> httpx.Response:
    """The async :func:`handle`."""
    try:
        response = await run(to_httpx2(request, await request.aread()))
    except httpx2.HTTPError as exc:
        raise legacy_error(exc, request) from exc
    return _back(response, _AsyncStream(response))
