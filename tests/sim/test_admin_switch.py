"""``PUT /_sim/models/NAME``: a running simulator's model turns into a fault, and back."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.sim import SimServer, serve

KEY = "sk-sim-switch-tests-0123456789"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with serve(api_key=KEY, models=("m1", "m2"), admin=True) as server:
        yield server


def _chat(sim: SimServer, model: str) -> int:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    return httpx.post(f"{sim.base_url}/chat/completions", json=body, headers=headers, trust_env=False,
                      verify=TLS).status_code


def _switch(sim: SimServer, model: str, body: object, method: str = "PUT") -> httpx.Response:
    root = sim.base_url.removesuffix("/v1")
    headers = {"Authorization": f"Bearer {KEY}"}
    return httpx.request(method, f"{root}/_sim/models/{model}", json=body, headers=headers, trust_env=False, verify=TLS)


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param("sim-503", 503, id="server-error"),
        pytest.param("sim-429-quota", 429, id="quota"),
        pytest.param("sim-context-exceeded", 400, id="context"),
        pytest.param("m2", 200, id="another-healthy-model"),
    ],
)
def test_switch_and_restore(sim: SimServer, fault: str, status: int) -> None:
    assert _chat(sim, "m1") == 200
    assert _switch(sim, "m1", {"behaves_as": fault}).json() == {"model": "m1", "behaves_as": fault}
    assert _chat(sim, "m1") == status
    assert _chat(sim, "m2") == 200  # only the switched model changed
    assert _switch(sim, "m1", {"behaves_as": None}).status_code == 200
    assert _chat(sim, "m1") == 200


def test_switches_are_not_followed_in_a_loop(sim: SimServer) -> None:
    assert _switch(sim, "m1", {"behaves_as": "m2"}).status_code == 200
    assert _switch(sim, "m2", {"behaves_as": "sim-503"}).status_code == 200
    assert _chat(sim, "m1") == 200  # m1 behaves as m2 itself, not as what m2 was switched to
    assert _switch(sim, "m2", {"behaves_as": "m1"}).status_code == 200
    assert _chat(sim, "m2") == 200


@pytest.mark.parametrize(
    ("body", "method", "status"),
    [
        pytest.param({"behaves_as": "no-such-fault"}, "PUT", 400, id="unknown-fault"),
        pytest.param({"behaves_as": 5}, "PUT", 400, id="not-a-string"),
        pytest.param(["x"], "PUT", 400, id="not-an-object"),
        pytest.param({"behaves_as": "sim-503"}, "POST", 405, id="wrong-method"),
    ],
)
def test_bad_switches_are_refused(sim: SimServer, body: object, method: str, status: int) -> None:
    assert _switch(sim, "m1", body, method).status_code == status
    assert _chat(sim, "m1") == 200


def test_no_switch_without_admin() -> None:
    with serve(api_key=KEY, models=("m1",)) as plain:
        root = plain.base_url.removesuffix("/v1")
        response = httpx.put(f"{root}/_sim/models/m1", json={"behaves_as": "sim-503"}, trust_env=False, verify=TLS)
        assert response.status_code == 404
        assert _chat(plain, "m1") == 200
