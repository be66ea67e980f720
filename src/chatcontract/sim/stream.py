"""The SSE writer: turns chunk JSON into ``data:`` events with real servers' variations.

Variation is drawn once per stream from a seeded RNG, so a given ``--seed`` gives the same
bytes for the same request sequence. Variations (see ``faults.STREAM_VARIATIONS``): line
endings (LF or CRLF), ``: keep-alive`` comments, one event split across two writes (inside a
multi-byte UTF-8 character when the event has one), and extra random splits.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from starlette.types import Send


class ClientGoneError(Exception):
    """The client closed the connection; stop producing."""


@dataclass
class StreamStyle:
    """The variation of one stream, fixed before the first byte."""

    eol: bytes = b"\n"
    keepalive_before: frozenset[int] = frozenset()
    split_multibyte: bool = False
    random_splits: frozenset[int] = frozenset()
    empty_deltas: frozenset[int] = frozenset()
    extra_fields: bool = False
    null_fingerprint: bool = False
    usage_null: bool = True
    split_seed: int = 0


def draw_style(variation: str, rng: random.Random) -> StreamStyle:
    """Pick the variation of one stream from ``variation`` and the seeded ``rng``."""
    if variation == "plain":
        return StreamStyle(usage_null=False)
    if variation == "faithful":
        return StreamStyle(keepalive_before=frozenset({1}), split_multibyte=True, split_seed=rng.randrange(1 << 30))
    events = range(2, 60)
    return StreamStyle(
        eol=rng.choice((b"\n", b"\r\n")),
        keepalive_before=frozenset({0, *rng.sample(events, 3)}),
        split_multibyte=True,
        random_splits=frozenset(rng.sample(events, 4)),
        empty_deltas=frozenset(rng.sample(range(1, 40), 2)),
        extra_fields=True,
        null_fingerprint=True,
        split_seed=rng.randrange(1 << 30),
    )


def _multibyte_cut(data: bytes) -> int:
    """An offset inside the first multi-byte UTF-8 character of ``data``, or 0 if none."""
    for i, byte in enumerate(data):
        if byte >= 0xC0:
            return i + 1
    return 0


class SseWriter:
    """Writes SSE events to an ASGI ``send``, batching up to ``buffer_limit`` bytes.

    ``buffer_limit=0`` writes each event as it comes (what token-by-token servers do);
    long benchmark streams batch to keep the simulator cheap.
    """

    def __init__(self, send: Send, style: StreamStyle, *, buffer_limit: int = 0, is_closing: object = None) -> None:
        self._send = send
        self._style = style
        self._limit = buffer_limit
        self._buffer: list[bytes] = []
        self._size = 0
        self._index = 0
        self._rng = random.Random(style.split_seed)
        self._is_closing = is_closing
        self._sep = style.eol + style.eol
        self._multibyte_pending = style.split_multibyte

    async def _write(self, data: bytes) -> None:
        closing = self._is_closing
        if callable(closing) and closing():
            raise ClientGoneError
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def flush(self) -> None:
        """Write what is buffered."""
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            self._size = 0
            await self._write(data)

    async def _emit(self, data: bytes) -> None:
        if self._limit:
            self._buffer.append(data)
            self._size += len(data)
            if self._size >= self._limit:
                await self.flush()
            return
        await self._write(data)

    async def event(self, payload: bytes) -> None:
        """One ``data:`` event (with any keep-alive or split the style asks for)."""
        style = self._style
        index = self._index
        self._index += 1
        if index in style.keepalive_before:
            await self._emit(b": keep-alive" + self._sep)
        data = b"data: " + payload + self._sep
        cut = 0
        if self._multibyte_pending:
            cut = _multibyte_cut(data)
            self._multibyte_pending = cut == 0
        if not cut and index in style.random_splits:
            cut = self._rng.randrange(1, len(data))
        if cut:
            await self.flush()
            await self._write(data[:cut])
            await asyncio.sleep(0)
            await self._write(data[cut:])
            return
        await self._emit(data)

    async def raw(self, data: bytes) -> None:
        """Bytes as they are (a malformed event, say)."""
        await self._emit(data)

    async def done(self) -> None:
        """The ``data: [DONE]`` terminator."""
        await self._emit(b"data: [DONE]" + self._sep)

    @property
    def events_written(self) -> int:
        """How many ``event`` calls were made."""
        return self._index
