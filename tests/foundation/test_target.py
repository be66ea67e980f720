"""The one target resolver: a dead or wrong-scheme target is one line and exit 3 for every
command; extra headers, proxy and CA bundle are resolved in one place."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import trustme

from chatcontract.cli.app import main
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.errors import UsageError
from chatcontract.probe.registry import default_registry
from chatcontract.probe.runner import run_probe
from chatcontract.redact import mask_known_secrets
from chatcontract.sim import SimServer, serve
from chatcontract.target import (
    Connection,
    Target,
    TargetInput,
    TargetUnreachableError,
    check_answers,
    open_target,
    parse_headers,
)

PROFILE = load_profile("cometapi")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with serve(api_key="k" * 20) as server:
        yield server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def tls_port() -> Iterator[int]:
    """A TLS-only server on loopback: handshakes, then closes (no HTTP)."""
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve_tls() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve_tls, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(2)
    listener.close()


def _target(url: str) -> Target:
    return Target(url, PROFILE, Credential("k" * 20, "env:K"), "m")


def test_refused_connection_is_one_line() -> None:
    with pytest.raises(TargetUnreachableError, match="connection refused") as info:
        check_answers(_target(f"http://127.0.0.1:{_free_port()}/v1"))
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 3


def test_tls_spoken_to_plain_http_says_so(sim: SimServer) -> None:
    with pytest.raises(TargetUnreachableError, match="plain HTTP, not TLS"):
        check_answers(_target(sim.base_url.replace("http://", "https://")))


def test_plain_http_spoken_to_tls_says_so(tls_port: int) -> None:
    with pytest.raises(TargetUnreachableError, match="TLS port"):
        check_answers(_target(f"http://127.0.0.1:{tls_port}/v1"))


def test_a_target_that_answers_passes(sim: SimServer) -> None:
    check_answers(_target(sim.base_url))


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["probe"], id="probe"),
        pytest.param(["call", "--model", "m"], id="call"),
        pytest.param(["repro", "--incident", "INC-1", "--class", "server_error"], id="repro"),
    ],
)
def test_every_command_exits_3_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", "sk-test-" + "a" * 24)
    monkeypatch.chdir(tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(SystemExit) as info:
        main([*argv, "--base-url", url])
    _, err = capsys.readouterr()
    assert info.value.code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [
        f"chatcontract: error: http://127.0.0.1:{port} does not answer: "
        "connection refused (nothing listens on that port)"
    ]


def test_headers_parse_and_refuse() -> None:
    assert parse_headers(["X-Team: search", "X-Empty:"]) == (("X-Team", "search"), ("X-Empty", ""))
    for bad in ["no-colon", "bad name: v", "Content-Length: 5", "X-A: caf\u00e9"]:
        with pytest.raises(UsageError):
            parse_headers([bad])


def test_secret_looking_header_values_are_masked_everywhere() -> None:
    value = "gw_9fK2mQ7xLp4RtZ8vWc3N"
    parse_headers([f"X-Gateway-Token: {value}", "X-Team: search"])
    assert value not in mask_known_secrets(f"sent {value}")
    assert "search" in mask_known_secrets("team search")


def test_extra_headers_reach_every_probe_request() -> None:
    seen: list[str | None] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("x-team"))
        return httpx2.Response(503, json={"error": {"message": "down"}})

    target = Target("http://gw.test/v1", PROFILE, Credential("k" * 20, "env:K"), "m",
                    connection=Connection(headers=(("X-Team", "search"),)))  # fmt: skip
    with httpx2.Client(transport=httpx2.MockTransport(handler)) as http:
        run_probe(default_registry().select(["happy"]), target, max_requests=2, http=http, sleep=lambda _s: None)
    assert seen
    assert set(seen) == {"search"}


def test_proxy_and_ca_bundle_come_from_flags_or_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert Connection().client_options("https://api.example.com/v1", embedded=False)["proxy"] == (
        "http://proxy.internal:3128"
    )
    assert "proxy" not in Connection().client_options("https://gw.internal.example/v1", embedded=False)
    assert "proxy" not in Connection().client_options("http://127.0.0.1:1/v1", embedded=True)
    flag = Connection(proxy="http://other:8080").client_options("https://api.example.com/v1", embedded=False)
    assert flag["proxy"] == "http://other:8080"
    with pytest.raises(UsageError, match="--proxy"):
        Connection(proxy="not a url")
    with pytest.raises(UsageError, match="--ca-bundle"):
        Connection(ca_bundle=tmp_path / "missing.pem")
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    options = Connection(ca_bundle=pem).client_options("https://x/v1", embedded=False)
    assert isinstance(options["verify"], ssl.SSLContext)


def test_the_embedded_simulator_gets_a_minted_key_and_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", "sk-real-" + "b" * 24)
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    given = TargetInput(None, "openai", "COMETAPI_API_KEY", None, None)
    with open_target(given, sim_model="sim-ok") as target:
        assert target.embedded
        assert target.profile.name == "openai"
        assert target.credential is not None
        assert target.credential.key != "sk-real-" + "b" * 24
        assert target.note is not None
        assert "ignoring COMETAPI_API_KEY" in target.note
        r = httpx2.post(target.base_url + "/chat/completions", json={"model": "sim-ok", "messages": []},
                        headers={"Authorization": "Bearer wrong"})  # fmt: skip
        assert r.status_code == 401




def test_a_slow_target_is_not_called_dead() -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        check_answers(_target(f"http://127.0.0.1:{listener.getsockname()[1]}/v1"), timeout_s=0.2)
    finally:
        listener.close()
