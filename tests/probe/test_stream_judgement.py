"""How the stream case judges what a server streams (wire bytes via a mock transport)."""

from __future__ import annotations

import json

import httpx2
import pytest

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import default_registry
from chatcontract.probe.results import CaseResult
from chatcontract.probe.runner import Target, run_probe
from chatcontract.record import Result


def chunk(delta: dict[str, object] | None = None, finish: str | None = None, **extra: object) -> bytes:
    doc: dict[str, object] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(doc).encode() + b"\n\n"


ROLE = chunk({"role": "assistant"})
TEXT = chunk({"content": "pong"})
FINISH = chunk(finish="stop")
USAGE = (
    b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [], '
    b'"usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}\n\n'
)
DONE = b"data: [DONE]\n\n"
SSE = {"content-type": "text/event-stream"}


def run_stream(profile: str, body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> CaseResult:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, content=body, headers=headers if headers is not None else SSE)

    target = Target("http://probe.test/v1", load_profile(profile), Credential("k" * 20, "env:K"), "m")
    run = run_probe(
        default_registry().select(["stream"]),
        target,
        max_requests=2,
        http=httpx2.Client(transport=httpx2.MockTransport(handler)),
        sleep=lambda _s: None,
    )
    return run.result("stream")


@pytest.mark.parametrize(
    ("profile", "body", "headers", "expected", "why"),
    [
        pytest.param("openai", ROLE + TEXT + FINISH + USAGE + DONE, None, Result.PASS, None, id="complete"),
        pytest.param(
            "openai", ROLE + TEXT + FINISH + DONE, None, Result.FAIL, "no usage chunk", id="no-usage-where-supported"
        ),
        pytest.param(
            "cometapi",
            ROLE + TEXT + FINISH + DONE,
            None,
            Result.PASS,
            "no usage chunk",
            id="no-usage-needs-confirmation-is-a-note",
        ),
        pytest.param("openai", ROLE + TEXT + FINISH + USAGE, None, Result.FAIL, "no [DONE]", id="no-done"),
        pytest.param("openai", ROLE + TEXT + DONE, None, Result.FAIL, "no finish_reason", id="no-finish-reason"),
        pytest.param(
            "openai",
            ROLE + b"data: {not json}\n\n" + TEXT + FINISH + USAGE + DONE,
            None,
            Result.FAIL,
            "not valid JSON",
            id="malformed-event",
        ),
        pytest.param(
            "openai",
            ROLE + TEXT + b'data: {"error": {"message": "upstream"}}\n\n',
            None,
            Result.FAIL,
            "error event",
            id="error-event",
        ),
        pytest.param("openai", ROLE + FINISH + USAGE + DONE, None, Result.FAIL, "no content", id="no-content"),
        pytest.param(
            "openai",
            b'{"id": "x", "object": "chat.completion", "choices": []}',
            {"content-type": "application/json"},
            Result.FAIL,
            "not text/event-stream",
            id="json-not-sse",
        ),
    ],
)
def test_stream_judgement(
    profile: str, body: bytes, headers: dict[str, str] | None, expected: Result, why: str | None
) -> None:
    result = run_stream(profile, body, headers)
    assert result.result is expected, result.notes
    if why is not None:
        assert any(why in note for note in result.notes), result.notes
