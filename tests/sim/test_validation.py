"""Request validation like a real provider, in both error styles, and wrong paths."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.sim import SimServer, serve

from .wire import MESSAGES, auth, chat_url, post

BIG = "x" * 401_000


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        pytest.param({"messages": MESSAGES}, 400, "missing_required_parameter", "model", id="missing-model"),
        pytest.param(
            {"model": "sim-ok"},
            400,
            "missing_required_parameter",
            "messages",
            id="missing-messages",
        ),
        pytest.param({"model": "sim-ok", "messages": []}, 400, "empty_array", "messages", id="empty-messages"),
        pytest.param(
            {"model": "sim-ok", "messages": "hi"},
            400,
            "invalid_value",
            "messages",
            id="messages-not-list",
        ),
        pytest.param(
            {"model": "sim-ok", "messages": [{"role": "wizard", "content": "x"}]},
            400,
            "invalid_value",
            "messages[0].role",
            id="bad-role",
        ),
        pytest.param(
            {"model": "sim-ok", "messages": [{"content": "x"}]},
            400,
            "invalid_value",
            "messages[0].role",
            id="missing-role",
        ),
        pytest.param({"model": 3, "messages": MESSAGES}, 400, "invalid_value", "model", id="model-not-string"),
        pytest.param(
            {"model": "gpt-nope", "messages": MESSAGES},
            404,
            "model_not_found",
            "model",
            id="unknown-model",
        ),
        pytest.param(
            {"model": "sim-503-nope", "messages": MESSAGES},
            404,
            "model_not_found",
            "model",
            id="unknown-sim-name",
        ),
        pytest.param(
            {"model": "sim-ok", "messages": [{"role": "user", "content": BIG}]},
            400,
            "context_length_exceeded",
            "messages",
            id="context-too-long",
        ),
    ],
)
def test_invalid_requests_get_the_openai_envelope(
    sim: SimServer, body: dict[str, object], status: int, code: str, param: str
) -> None:
    response = httpx.post(chat_url(sim), json=body, headers=auth(sim), verify=TLS)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["code"], error["param"], error["type"]) == (code, param, "invalid_request_error")
    assert sim.attempts()[-1]["status"] == status


@pytest.mark.parametrize(
    ("headers", "message_part"),
    [
        pytest.param({}, "didn't provide an API key", id="missing"),
        pytest.param({"Authorization": "Bearer sk-wrong"}, "Incorrect API key", id="wrong"),
        pytest.param({"Authorization": "Basic c2stdGVzdC0xMjM="}, "Incorrect API key", id="not-bearer"),
    ],
)
def test_bad_keys_get_401(sim: SimServer, headers: dict[str, str], message_part: str) -> None:
    response = httpx.post(chat_url(sim), json={"model": "sim-ok", "messages": MESSAGES}, headers=headers, verify=TLS)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert message_part in error["message"]
    assert "sk-wrong" not in response.text
    models = httpx.get(sim.base_url + "/models", headers=headers, verify=TLS)
    assert models.status_code == 401


def test_auth_is_checked_before_the_body(sim: SimServer) -> None:
    response = httpx.post(chat_url(sim), content=b"not json", headers={"content-type": "application/json"}, verify=TLS)
    assert response.status_code == 401


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b"{"], ids=["text", "array", "truncated"])
def test_body_that_is_not_a_json_object_gets_400(sim: SimServer, content: bytes) -> None:
    response = httpx.post(chat_url(sim), content=content, headers={**auth(sim), "content-type": "application/json"},
                          verify=TLS)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_body_over_the_size_limit_gets_413() -> None:
    with serve(max_body_bytes=2048) as sim:
        big = post(sim, messages=[{"role": "user", "content": "y" * 4096}])
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "request_too_large"
        streamed = httpx.post(
            chat_url(sim),
            content=iter([b"{" + b" " * 1500, b" " * 1500 + b"}"]),
            headers={**auth(sim), "content-type": "application/json"}, verify=TLS,
        )
        assert streamed.status_code == 413
        assert post(sim).status_code == 200


def test_get_on_the_chat_route_gets_405(sim: SimServer) -> None:
    response = httpx.get(chat_url(sim), headers=auth(sim), verify=TLS)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_cometapi_style_embeds_the_request_id() -> None:
    with serve(error_style="cometapi") as sim:
        response = httpx.post(chat_url(sim), json={"model": "sim-ok", "messages": []}, headers=auth(sim), verify=TLS)
        fault = post(sim, "sim-503")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "comet_api_error"
    assert re.search(r" \(request id: req_[0-9a-f]+\)$", error["message"])
    assert "x-request-id" not in response.headers
    assert fault.json()["error"]["code"] == ""
    assert fault.json()["error"]["param"] == ""
    assert fault.json()["error"]["type"] == "comet_api_error"


@pytest.mark.parametrize(
    ("style", "status", "content_type", "location"),
    [
        pytest.param("404", 404, "application/json", None, id="json-404"),
        pytest.param("301", 301, "text/plain", "/v1/chat/completions", id="redirect"),
        pytest.param("html", 404, "text/html; charset=utf-8", None, id="html"),
    ],
)
def test_wrong_path_styles(style: str, status: int, content_type: str, location: str | None) -> None:
    with serve(wrong_path=style) as sim:
        response = httpx.post(
            sim.base_url + "/chat/completion",
            json={"model": "sim-ok", "messages": MESSAGES},
            headers=auth(sim), verify=TLS,
        )
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.headers.get("location") == location
    if style == "404":
        assert response.json()["error"]["code"] == "unknown_url"
    if style == "html":
        assert response.text.startswith("<!doctype html>")


def test_unknown_fault_header_is_refused(sim: SimServer) -> None:
    response = post(sim, headers={"x-sim-fault": "sim-nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_fault"
