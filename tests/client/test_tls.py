"""Clients share one verifying TLS context: made once per process, not per client."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import certifi
import pytest

from chatcontract import AsyncClient, Client
from chatcontract.tls import default_context, verifying_context


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
        assert shared is default_context()
    finally:
        one.close()
        two.close()
        asyncio.run(three.aclose())


def test_commands_reuse_the_shared_contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatcontract.target import Connection

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    plain = Connection((), None, None)
    assert plain.client_options("http://127.0.0.1:1/v1", embedded=True)["verify"] is default_context()
    assert plain.client_options("https://a.example/v1", embedded=False)["verify"] is default_context()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    own = Connection((), None, bundle)
    first = own.client_options("https://a.example/v1", embedded=False)["verify"]
    assert own.client_options("https://b.example/v1", embedded=False)["verify"] is first
    assert first is not default_context()
    bundle.write_bytes(bundle.read_bytes() + b"\n")  # a rewritten bundle is read again
    assert verifying_context(str(bundle)) is not first
