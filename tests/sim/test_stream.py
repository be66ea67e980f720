"""Write boundaries of the SSE writer and of whole streams (observed at the ASGI interface,
because TCP may merge writes on the wire)."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from chatcontract.sim import CANONICAL_TEXT, Simulator, make_config
from chatcontract.sim.stream import ClientGoneError, SseWriter, StreamStyle, draw_style

from .wire import parse_sse

EVENTS = [b'{"n":1}', '{"word":"café"}'.encode(), b'{"n":3}']


class Capture:
    """An ASGI ``send`` that keeps every body write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.start: dict[str, Any] = {}

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message.get("body"):
            self.writes.append(message["body"])


def _write(style: StreamStyle, events: list[bytes], **kwargs: Any) -> Capture:
    capture = Capture()

    async def run() -> None:
        writer = SseWriter(capture, style, **kwargs)
        for event in events:
            await writer.event(event)
        await writer.done()
        await writer.flush()

    asyncio.run(run())
    return capture


def test_plain_style_writes_one_event_per_write_with_lf() -> None:
    capture = _write(draw_style("plain", random.Random(0)), EVENTS)
    assert capture.writes == [b"data: " + e + b"\n\n" for e in EVENTS] + [b"data: [DONE]\n\n"]


def test_faithful_style_splits_inside_the_multibyte_character() -> None:
    capture = _write(draw_style("faithful", random.Random(0)), EVENTS)
    joined = b"".join(capture.writes)
    assert b": keep-alive\n\n" in joined
    split = [i for i, w in enumerate(capture.writes) if w.endswith(b"\xc3")]
    assert len(split) == 1
    assert capture.writes[split[0] + 1].startswith(b"\xa9")
    events = parse_sse(joined)
    assert [json.loads(d) for d in events.data[:-1]] == [json.loads(e) for e in EVENTS]


@pytest.mark.parametrize("seed", range(5))
def test_wild_style_is_reproducible_and_parses(seed: int) -> None:
    many = [json.dumps({"i": i, "w": "é—"}).encode() for i in range(70)]
    first = _write(draw_style("wild", random.Random(seed)), many)
    again = _write(draw_style("wild", random.Random(seed)), many)
    assert first.writes == again.writes
    events = parse_sse(b"".join(first.writes))
    assert [json.loads(d)["i"] for d in events.data[:-1]] == list(range(70))
    assert len(first.writes) > 70 + 1 + 3  # extra splits and keep-alives


def test_buffered_writer_batches_events() -> None:
    many = [b'{"n":%d}' % i for i in range(1000)]
    capture = _write(StreamStyle(usage_null=False), many, buffer_limit=4096)
    assert len(capture.writes) < 10
    assert parse_sse(b"".join(capture.writes)).data[:-1] == [m.decode() for m in many]


def test_writer_stops_when_the_connection_is_closing() -> None:
    async def run() -> None:
        writer = SseWriter(Capture(), StreamStyle(), is_closing=lambda: True)
        await writer.event(b"{}")

    with pytest.raises(ClientGoneError):
        asyncio.run(run())


def test_whole_faithful_stream_splits_the_cafe_event_across_writes() -> None:
    """Drive the ASGI app directly to see each write the server makes."""
    simulator = Simulator(make_config(api_key="sk-k", seed=3))
    body = json.dumps({"model": "sim-ok", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/chat/completions",
        "headers": [(b"authorization", b"Bearer sk-k")],
    }
    capture = Capture()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    asyncio.run(simulator(scope, receive, capture))
    assert capture.start["status"] == 200
    assert any(w.endswith(b"caf\xc3") for w in capture.writes)
    assert parse_sse(b"".join(capture.writes)).content() == CANONICAL_TEXT
