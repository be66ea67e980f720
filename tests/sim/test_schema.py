"""What the simulator serves validates against the published OpenAPI document.

The document mixes OpenAPI 3.0's ``nullable: true`` into 3.1 schemas; JSON Schema 2020-12
ignores that keyword, so the fixture rewrites it to ``anyOf [..., {type: null}]`` — the
meaning the document states — before validating.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from chatcontract.sim import SimServer, serve

from .wire import auth, chat_url, parse_sse, post

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "openai-openapi.yaml"


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="session")
def components() -> dict[str, Any]:
    """The document's components, loaded once (the file is large)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return {"schemas": _nullable(document["components"]["schemas"])}


def _validate(components: dict[str, Any], name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    jsonschema.Draft202012Validator(schema).validate(instance)


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
        response = httpx.post(chat_url(sim), json=body, headers=auth(sim))
        assert response.status_code == 400
        _validate(components, "ErrorResponse", response.json())
