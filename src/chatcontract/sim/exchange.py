"""One request/response exchange: headers, sends, waits that end on disconnect or shutdown,
and the transport-level tricks (TCP reset, abrupt close) that ASGI alone cannot express.

uvicorn's ``receive`` is a bound method of its request/response cycle, which holds the
connection's ``asyncio.Transport``; that is how the simulator reaches the socket. Under a
server without it, a reset or silence ends the app without a response (that server's 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from starlette.types import Receive, Send

from chatcontract.sim.errors import SimError, error_body
from chatcontract.sim.state import SimState
from chatcontract.sim.stream import ClientGoneError

JSON = b"application/json"
_LINGER_RST = struct.pack("ii", 1, 0)
DISCONNECT_WAIT_S = 2.0


def transport_of(receive: Receive) -> asyncio.Transport | None:
    """The connection's transport, reached through uvicorn's bound ``receive``."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if all(hasattr(transport, name) for name in ("abort", "close", "get_extra_info", "is_closing")):
        return transport  # uvloop's transports are not asyncio subclasses
    return None


class Exchange:
    """The state of one chat request while the simulator answers it (a plain slotted class:
    it is built on every request, so it stays cheap)."""

    __slots__ = ("_looked_up", "_transport", "completion_id", "extra_headers", "receive", "request_id", "send", "state")

    def __init__(self, state: SimState, receive: Receive, send: Send, request_id: str, completion_id: str) -> None:
        self.state = state
        self.receive = receive
        self.send = send
        self.request_id = request_id
        self.completion_id = completion_id
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._transport: asyncio.Transport | None = None
        self._looked_up = False

    @property
    def transport(self) -> asyncio.Transport | None:
        """The connection's transport, looked up on first use (only faults need it)."""
        if not self._looked_up:
            self._transport = transport_of(self.receive)
            self._looked_up = True
        return self._transport

    def headers(self, content_type: bytes = JSON) -> list[tuple[bytes, bytes]]:
        """Response headers: content type, ``x-request-id`` (openai style) and extras."""
        out = [(b"content-type", content_type)]
        if self.state.config.error_style == "openai":
            out.append((b"x-request-id", self.request_id.encode()))
        return out + self.extra_headers

    async def respond(
        self,
        status: int,
        body: bytes,
        content_type: bytes = JSON,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> int:
        """A complete response with a content length."""
        hdrs = self.headers(content_type) + (headers or [])
        hdrs.append((b"content-length", b"%d" % len(body)))
        await self.send({"type": "http.response.start", "status": status, "headers": hdrs})
        await self.send({"type": "http.response.body", "body": body})
        return status

    async def error(self, err: SimError, headers: list[tuple[bytes, bytes]] | None = None) -> int:
        """An error answer in the configured style (or without envelope in that mode)."""
        config = self.state.config
        envelope = "errors-without-envelope" not in config.modes
        body = error_body(err, config.error_style, self.request_id, envelope=envelope)
        return await self.respond(err.status, body, headers=headers)

    async def _disconnected(self) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return

    async def wait(self, seconds: float) -> None:
        """Wait ``seconds`` (scaled, sim clock); ``ClientGoneError`` on disconnect or stop."""
        scaled = seconds * self.state.config.time_scale
        if scaled <= 0:
            return
        sleeper = asyncio.ensure_future(self.state.config.clock.sleep(scaled))
        if not await self._race(sleeper):
            raise ClientGoneError

    async def _race(self, main: asyncio.Future[Any]) -> bool:
        """Await ``main`` unless the client leaves or the server stops; True if it finished."""
        watcher = asyncio.ensure_future(self._disconnected())
        stop = asyncio.ensure_future(self.state.stopping().wait())
        done, pending = await asyncio.wait({main, watcher, stop}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return main in done

    async def hold(self, cap_s: float) -> None:
        """Never answer: wait for the client to leave (or the cap, or shutdown), then drop."""
        await self._race(asyncio.ensure_future(asyncio.sleep(cap_s)))
        await self.drop(reset=False)

    async def drop(self, *, reset: bool) -> None:
        """Close the connection without (more) response bytes; ``reset`` sends a TCP RST."""
        transport = self.transport
        if transport is None:
            raise ClientGoneError
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
            transport.abort()
        else:
            transport.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._disconnected(), DISCONNECT_WAIT_S)

    def is_closing(self) -> bool:
        """True once the connection is going away."""
        return self.transport is not None and self.transport.is_closing()
