"""One sync loop and one async loop: only the two resilient transports walk an engine run's
steps; ``Client`` and ``AsyncClient`` run their calls through the transport they sit on."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import httpx2
import pytest
from tests.client.conftest import KEY

import chatcontract
from chatcontract.client import AsyncClient, AsyncResilientTransport, Client, ResilientTransport
from chatcontract.sim import SimServer

HELLO = [{"role": "user", "content": "hi"}]


def _loops() -> dict[str, list[str]]:
    """Module -> functions that iterate ``<something>.steps()`` (an engine run's loop)."""
    root = Path(chatcontract.__file__).parent
    found: dict[str, list[str]] = {}
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.iter, ast.Call):
                    func = node.iter.func
                    if isinstance(func, ast.Attribute) and func.attr == "steps":
                        found.setdefault(str(path.relative_to(root)), []).append(fn.name)
    return found


def test_only_the_transports_loop_over_an_engine_run() -> None:
    assert _loops() == {"client/transport.py": ["drive"], "client/transport_aio.py": ["drive"]}


class _Counting(ResilientTransport):
    calls = 0

    def drive(self, call):  # type: ignore[no-untyped-def]
        _Counting.calls += 1
        return super().drive(call)


def test_client_calls_enter_the_transport_loop(sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chatcontract.client.sync.ResilientTransport", _Counting)
    with Client(base_url=sim.base_url, api_key=KEY) as client:
        assert isinstance(client.transport, ResilientTransport)
        assert client.engine is client.transport.engine  # one engine: the transport's
        client.chat(model="sim-ok", messages=HELLO)
        assert "".join(client.stream(model="sim-ok", messages=HELLO))
    assert _Counting.calls == 2


def test_async_client_sits_on_the_async_transport(sim: SimServer) -> None:
    async def go() -> None:
        async with (
            httpx2.AsyncClient() as http,
            AsyncClient(base_url=sim.base_url, api_key=KEY, http_client=http) as client,
        ):
            assert isinstance(client.transport, AsyncResilientTransport)
            assert client.engine is client.transport.engine
            done = await client.chat(model="sim-ok", messages=HELLO)
            assert done.content
            assert client.engine.budget.calls == 1

    asyncio.run(go())
