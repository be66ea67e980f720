"""A transport error on a reused keep-alive connection before any response byte is resent once
on a fresh connection, in every command: Client, AsyncClient, both resilient transports (and so
the openai SDK), the probe and repro. The server here answers the first request on each
connection and closes the connection when a second one arrives on it (a peer that drops idle
connections as the request goes out)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import httpx2
import pytest
from tests.client.conftest import FAST, KEY, MESSAGES

from chatcontract.client import AsyncClient, AsyncResilientTransport, Client, ResilientTransport
from chatcontract.client.sender import Sender
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.contract import requests as builders
from chatcontract.evidence.wire import Timeouts, send_once
from chatcontract.probe.context import Budget, CaseContext
from chatcontract.sinks import MemorySink

ANSWER = json.dumps({
    "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
}).encode()  # fmt: skip


class OneShotServer:
    """Answers one request per connection, then closes the connection on the next request."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.connections = 0
        self.answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        while len(body) < length:
            body += conn.recv(65536)
        return True

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                if not self._read_request(conn):
                    return
                self.answered += 1
                head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(ANSWER)}\r\n\r\n"
                conn.sendall(head.encode() + ANSWER)
                self._read_request(conn)  # the next request on this connection: closed unanswered
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.listener.close()


@pytest.fixture
def server() -> Iterator[OneShotServer]:
    s = OneShotServer()
    yield s
    s.close()


def _two_calls_sync(server: OneShotServer, **kw: object) -> list[int]:
    with Client(base_url=server.base_url, api_key=KEY, policy=FAST, sleep=lambda _s: None, **kw) as client:  # type: ignore[arg-type]
        return [len(client.chat(model="m", messages=MESSAGES).attempts) for _ in range(2)]


def test_client(server: OneShotServer) -> None:
    assert _two_calls_sync(server) == [1, 1]
    assert server.answered == 2
    assert server.connections == 2


def test_client_on_a_callers_http_client(server: OneShotServer) -> None:
    with httpx2.Client() as http:
        assert _two_calls_sync(server, http_client=http) == [1, 1]


def test_async_client(server: OneShotServer) -> None:
    async def go() -> list[int]:
        async with AsyncClient(base_url=server.base_url, api_key=KEY, policy=FAST) as client:
            return [len((await client.chat(model="m", messages=MESSAGES)).attempts) for _ in range(2)]

    assert asyncio.run(go()) == [1, 1]
    assert server.connections == 2


def test_resilient_transport(server: OneShotServer) -> None:
    sink = MemorySink()
    transport = ResilientTransport(policy=FAST, sleep=lambda _s: None, sink=sink)
    body = {"model": "m", "messages": MESSAGES}
    with httpx2.Client(transport=transport) as http:
        codes = [http.post(server.base_url + "/chat/completions", json=body).status_code for _ in range(2)]
    assert codes == [200, 200]
    assert [r.failure_class for r in sink.records] == [None, None]  # no reset recorded, nothing retried


def test_async_resilient_transport(server: OneShotServer) -> None:
    sink = MemorySink()

    async def go() -> list[int]:
        transport = AsyncResilientTransport(policy=FAST, sink=sink)
        async with httpx2.AsyncClient(transport=transport) as http:
            body = {"model": "m", "messages": MESSAGES}
            return [(await http.post(server.base_url + "/chat/completions", json=body)).status_code for _ in range(2)]

    assert asyncio.run(go()) == [200, 200]
    assert [r.failure_class for r in sink.records] == [None, None]


def test_probe_and_repro(server: OneShotServer) -> None:
    profile = load_profile("cometapi")
    cred = Credential(KEY, "env:K")
    with httpx2.Client(trust_env=False) as http:
        ctx = CaseContext(server.base_url, profile, cred, "m", http, Budget(5), "run", read_s=1.0)
        statuses = [ctx.send(builders.build_request("happy", server.base_url, cred, "m", profile)).status
                    for _ in range(2)]  # fmt: skip
        assert ctx.sender is not None
        ctx.sender.close()
    assert statuses == [200, 200]
    with httpx2.Client(trust_env=False) as http:
        sender = Sender(lambda r: http.send(r, stream=True))
        outs = [send_once(sender, builders.build_request("happy", server.base_url, cred, "m", profile),
                          Timeouts(connect_s=1.0, read_s=1.0), stream=False) for _ in range(2)]  # fmt: skip
        sender.close()
    assert [o.status for o in outs] == [200, 200]
    assert sender.resends == 1
