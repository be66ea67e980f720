"""The simulator's table of optional parameters agrees with the published OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from tests import openapi

from chatcontract.sim.options import SCALARS, Scalar

# one worker loads OpenAI's published document (~3 CPU-s with libyaml, cached per process)
pytestmark = pytest.mark.xdist_group("openapi")


def _properties(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every property of the request schema, through its ``allOf`` and ``$ref`` parts."""
    schemas = openapi.components()["schemas"]
    if schema is None:
        schema = schemas["CreateChatCompletionRequest"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    props: dict[str, Any] = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(_properties(part))
    return props


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of a nullable schema."""
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return _plain(branch)
    return schema


@pytest.mark.parametrize(("name", "rule"), [pytest.param(n, r, id=n) for n, r in SCALARS.items()])
def test_scalar_rule_matches_the_document(name: str, rule: Scalar) -> None:
    props = _properties()
    assert name in props, f"{name} is not a request parameter in the published document"
    schema = _plain(props[name])
    if "$ref" in schema:
        schema = _plain(openapi.components()["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    assert schema.get("type") == rule.kind
    assert schema.get("minimum") == rule.minimum
    assert schema.get("maximum") == rule.maximum
