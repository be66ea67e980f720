"""Clients share one verifying TLS context: made once per process, not per client."""

from __future__ import annotations

import asyncio
import ssl

from chatcontract import AsyncClient, Client


def _context(http: object) -> ssl.SSLContext:
    context = http._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(context, ssl.SSLContext)
    return context


def test_clients_share_one_verifying_context() -> None:
    one = Client(base_url="https://a.example/v1", api_key="sk-test-1")
    two = Client(base_url="http://127.0.0.1:9/v1", api_key="sk-test-2")
    three = AsyncClient(base_url="https://b.example/v1", api_key="sk-test-3")
    try:
        shared = _context(one._http)
        assert _context(two._http) is shared
        assert _context(three._http) is shared
        assert shared.verify_mode == ssl.CERT_REQUIRED
        assert shared.check_hostname
    finally:
        one.close()
        two.close()
        asyncio.run(three.aclose())
