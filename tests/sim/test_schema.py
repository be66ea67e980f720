"""What the simulator serves validates against the published OpenAPI document.

The document is loaded once per session by ``tests/openapi.py`` (which also rewrites its
OpenAPI 3.0 ``nullable`` to JSON Schema).
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from tests import openapi
from tests.loopback import TLS

from chatcontract.sim import SimServer, serve

from .wire import auth, chat_url, parse_sse, post

# one worker loads OpenAI's published document (~3 CPU-s with libyaml, cached per process)
pytestmark = pytest.mark.xdist_group("openapi")


@pytest.fixture
def components() -> dict[str, Any]:
    return openapi.components()


def _validate(components: dict[str, Any], name: str, instance: Any) -> None:
    assert components is openapi.components()
    openapi.validator(name).validate(instance)


def test_schema_check_can_fail(components: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        _validate(components, "CreateChatCompletionResponse", {"id": "x", "object": "chat.completion"})


@pytest.mark.parametrize("model", ["sim-ok", "sim-content-filter-finish", "sim-500-once"])
def test_non_streaming_answers_match_the_schema(components: dict[str, Any], model: str) -> None:
    with serve() as sim:
        _validate(
            components,
            "CreateChatCompletionResponse",
            post(sim, model, headers={"x-sim-fault": "ok"}).json(),
        )
        body = post(sim, model).json()
        _validate(
            components,
            "CreateChatCompletionResponse" if "choices" in body else "ErrorResponse",
            body,
        )


@pytest.mark.parametrize("variation", ["plain", "faithful"])
def test_stream_chunks_match_the_schema(components: dict[str, Any], variation: str) -> None:
    with serve(stream_variation=variation) as sim:
        events = parse_sse(post(sim, stream=True, stream_options={"include_usage": True}).content)
    chunks = events.chunks()
    assert len(chunks) > 60
    for chunk in chunks:
        _validate(components, "CreateChatCompletionStreamResponse", chunk)


def test_wild_stream_deviates_only_by_null_fingerprint(components: dict[str, Any]) -> None:
    """``system_fingerprint: null`` is seen in the wild but the document says string."""
    with serve(stream_variation="wild") as sim:
        chunks = parse_sse(post(sim, stream=True).content).chunks()
    for chunk in chunks:
        assert chunk["system_fingerprint"] is None
        _validate(components, "CreateChatCompletionStreamResponse", {**chunk, "system_fingerprint": "fp"})


@pytest.mark.parametrize(
    "model",
    [
        "sim-429",
        "sim-429-quota",
        "sim-503",
        "sim-context-exceeded",
        "sim-content-filter",
        "nope-model",
    ],
)
@pytest.mark.parametrize("style", ["openai", "cometapi"])
def test_error_bodies_match_the_schema(
    components: dict[str, Any], shared_sim: SimServer, model: str, style: str
) -> None:
    body: Any
    if style == "openai":
        body = post(shared_sim, model).json()
    else:
        with serve(error_style=style) as sim:
            body = post(sim, model).json()
    _validate(components, "ErrorResponse", body)


def test_validation_errors_match_the_schema(components: dict[str, Any], sim: SimServer) -> None:
    bodies: list[dict[str, Any]] = [{"model": "sim-ok"}, {"model": "sim-ok", "messages": []}, {"messages": []}]
    for body in bodies:
        response = httpx.post(chat_url(sim), json=body, headers=auth(sim), verify=TLS)
        assert response.status_code == 400
        _validate(components, "ErrorResponse", response.json())
