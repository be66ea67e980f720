"""The admin routes: the simulator's key required, and a log that keeps no key."""

from __future__ import annotations

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.sim import SimServer

from .wire import MESSAGES, auth

PASTED = "sk-" + "Qm7Xr2Lp9Vb4Nw8Kt3Yh6Jd1Gf5Cs0Ae"


def _admin_url(sim: SimServer, route: str) -> str:
    return sim.base_url.removesuffix("/v1") + route


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-key"),
        pytest.param({"Authorization": "Bearer wrong-key-123"}, id="wrong-key"),
        pytest.param({"Authorization": "Basic c2ltOnNpbQ=="}, id="other-scheme"),
    ],
)
@pytest.mark.parametrize(("method", "route"), [("GET", "/_sim/attempts"), ("POST", "/_sim/reset")])
def test_admin_routes_refuse_without_the_key(sim: SimServer, headers: dict[str, str], method: str, route: str) -> None:
    httpx.post(sim.base_url + "/chat/completions", json={"model": "sim-ok", "messages": MESSAGES}, headers=auth(sim),
               verify=TLS)
    response = httpx.request(method, _admin_url(sim, route), headers=headers, verify=TLS)
    assert response.status_code == 401
    assert len(sim.attempts()) == 1  # a refused reset cleared nothing


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"/v1/{PASTED}/chat/completions", id="key-in-path"),
        pytest.param(f"/v1/chat/completions/{PASTED}", id="key-after-route"),
        pytest.param(f"/{PASTED}", id="key-as-path"),
    ],
)
def test_attempt_log_keeps_no_key_pasted_into_a_path(sim: SimServer, path: str) -> None:
    httpx.post(sim.base_url.removesuffix("/v1") + path, json={"model": PASTED, "messages": MESSAGES}, headers=auth(sim),
               verify=TLS)
    served = httpx.get(_admin_url(sim, "/_sim/attempts"), headers=auth(sim), verify=TLS)
    assert served.status_code == 200
    assert PASTED not in served.text
    assert PASTED not in repr(sim.attempts())
    assert "[REDACTED]" in served.text
