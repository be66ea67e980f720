"""What the client sends: usage asked for only where the profile supports it; params pass through."""

from __future__ import annotations

import json

import httpx2
import pytest

from chatcontract.client import Client
from chatcontract.contract import load_profile

STREAM = (
    b'data: {"object":"chat.completion.chunk","model":"m","choices":[{"delta":{"content":"hi"},'
    b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


def _client(seen: list[dict[str, object]], profile: object) -> Client:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return Client(
        base_url="http://provider.test/v1", api_key="sk-unit-0000000000000000", http_client=http, profile=profile
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("supports", "asked"), [pytest.param(True, True, id="supported"), pytest.param(False, False, id="unsupported")]
)
def test_streams_ask_for_usage_only_where_supported(supports: bool, asked: bool) -> None:
    base = load_profile("openai")
    usage = base.assumptions.stream_include_usage.model_copy(update={"value": supports})
    profile = base.model_copy(
        update={"assumptions": base.assumptions.model_copy(update={"stream_include_usage": usage})}
    )
    seen: list[dict[str, object]] = []
    c = _client(seen, profile).chat(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True, temperature=0.2
    )
    assert c.content == "hi"
    assert ("stream_options" in seen[0]) is asked
    assert seen[0]["temperature"] == 0.2
    assert seen[0]["stream"] is True


def test_completion_names_the_route_without_its_key() -> None:
    seen: list[dict[str, object]] = []
    c = _client(seen, "openai").chat(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    assert c.route.model == "m"
    assert c.route.base_url == "http://provider.test/v1"
    assert c.route.api_key is None


def test_request_ids_are_version_4_uuids() -> None:
    import uuid

    from chatcontract.client.common import new_request_id

    ids = {new_request_id() for _ in range(200)}
    assert len(ids) == 200
    for rid in ids:
        parsed = uuid.UUID(rid)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, rid)
