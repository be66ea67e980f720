"""The probe's requests agree with the published OpenAPI document.

Valid cases send bodies the schema accepts; the schema-invalid negatives send bodies it
rejects, so a server that accepts them breaks the published contract (not the probe's
opinion). The document's ``nullable`` is rewritten to JSON Schema, as in ``tests/sim``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests import openapi

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.contract import requests as builders
from chatcontract.contract.profile import ErrorEnvelope
from chatcontract.probe.envelope import check_envelope

# one worker loads OpenAI's published document (~3 CPU-s with libyaml, cached per process)
pytestmark = pytest.mark.xdist_group("openapi")


@pytest.fixture
def components() -> dict[str, Any]:
    return openapi.components()


def _valid(components: dict[str, Any], name: str, instance: Any) -> bool:
    assert components is openapi.components()
    return openapi.validator(name).is_valid(instance)


def _body(case: str) -> Any:
    request = builders.build_request(
        case, "http://x/v1", Credential("k", "env:K"), "gpt-4o-mini", load_profile("openai")
    )
    return json.loads(request.read())


@pytest.mark.parametrize(
    ("case", "valid"),
    [
        pytest.param("happy", True, id="happy"),
        pytest.param("stream", True, id="stream"),
        pytest.param("unknown-model", True, id="unknown-model-is-schema-valid"),
        pytest.param("missing-model", False, id="missing-model"),
        pytest.param("empty-messages", False, id="empty-messages"),
        pytest.param("invalid-role", False, id="invalid-role"),
    ],
)
def test_request_bodies_against_the_published_schema(
    components: dict[str, Any], case: str, valid: bool
) -> None:
    assert _valid(components, "CreateChatCompletionRequest", _body(case)) is valid


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"error": {"message": "m", "type": "t", "param": None, "code": None}}, id="full"
        ),
        pytest.param(
            {"error": {"message": "m", "type": "t", "param": "", "code": "x"}}, id="cometapi-like"
        ),
        pytest.param({"error": {"message": "m"}}, id="message-only"),
        pytest.param({"detail": "nope"}, id="fastapi-detail"),
    ],
)
def test_envelope_check_agrees_with_error_response(
    components: dict[str, Any], body: dict[str, Any]
) -> None:
    strict = ErrorEnvelope(required=["message", "type"])
    ours = check_envelope(json.dumps(body).encode(), strict).ok
    assert ours is _valid(components, "ErrorResponse", body)
