"""Probe verdicts a user can trust: a completed cut stream is caught, filtered and stitched
streams are noted, and the reproduce command names the key variable the user gave."""

from __future__ import annotations

import json

import httpx2
import pytest

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.probe.registry import default_registry
from chatcontract.probe.results import CaseResult
from chatcontract.probe.runner import Target, run_probe
from chatcontract.probe.verdicts import SIM_OPENING, incomplete_answer
from chatcontract.record import Result
from chatcontract.report.curl import key_variable
from chatcontract.selfcheck import verify
from chatcontract.sim import CANONICAL_TEXT

WORDS = CANONICAL_TEXT.split(" ")


def _chunk(content: str | None = None, finish: str | None = None, cid: str = "chatcmpl-1", **extra: object) -> bytes:
    delta = {"content": content} if content is not None else {}
    doc = {"id": cid, "object": "chat.completion.chunk", "created": 1, "model": "sim-stream-cut-40",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return b"data: " + json.dumps(doc).encode() + b"\n\n"


USAGE = (b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [], '
         b'"usage": {"prompt_tokens": 3, "completion_tokens": 40, "total_tokens": 43}}\n\n')
DONE = b"data: [DONE]\n\n"


def _words(n: int, cid: str = "chatcmpl-1") -> bytes:
    return b"".join(_chunk(w if i == 0 else " " + w, cid=cid) for i, w in enumerate(WORDS[:n]))


def _run(case: str, body: bytes, content_type: str = "text/event-stream", model: str = "sim-stream-cut-40",
         credential: Credential | None = None) -> CaseResult:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"content-type": content_type})

    cred = credential or Credential("k" * 24, "env:K")
    target = Target("http://gateway.test/v1", load_profile("openai"), cred, model)
    run = run_probe(default_registry().select([case]), target, max_requests=2,
                    http=httpx2.Client(transport=httpx2.MockTransport(handler)), sleep=lambda _s: None)
    return run.result(case)


def test_sim_opening_is_the_simulators() -> None:
    assert CANONICAL_TEXT.startswith(SIM_OPENING)
    assert verify(CANONICAL_TEXT).whole


@pytest.mark.parametrize(
    ("body", "expected", "why"),
    [
        pytest.param(_words(len(WORDS)) + _chunk(finish="stop") + USAGE + DONE, Result.PASS, None, id="whole"),
        pytest.param(_words(40) + _chunk(finish="stop") + USAGE + DONE, Result.FAIL,
                     "completed a cut stream", id="gateway-completed-cut-stream"),
        pytest.param(_words(40) + DONE, Result.FAIL, "no finish_reason", id="cut-visible"),
    ],
)
def test_a_gateway_that_completes_a_cut_stream_is_caught(body: bytes, expected: Result, why: str | None) -> None:
    result = _run("stream", body)
    assert result.result is expected, (result.notes, result.observed)
    if why is not None:
        assert why in result.notes[0]


def test_non_streamed_sim_answer_cut_short_fails() -> None:
    half = " ".join(WORDS[:40])
    doc = {"id": "c", "object": "chat.completion", "created": 1, "model": "sim-ok",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": half}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 1, "completion_tokens": 40, "total_tokens": 41}}
    result = _run("happy", json.dumps(doc).encode(), "application/json", model="sim-ok")
    assert result.result is Result.FAIL
    assert "not whole" in result.notes[0]
    assert "characters arrived" in result.notes[0]


@pytest.mark.parametrize(
    ("model", "answered", "text", "judged"),
    [
        pytest.param("gpt-4o", "gpt-4o", "pong", False, id="not-the-simulator"),
        pytest.param("my-alias", "gpt-4o", SIM_OPENING + " and then the cut", True, id="sim-text-behind-an-alias"),
        pytest.param("openai/sim-ok", None, "pong", True, id="sim-model-through-a-gateway"),
        pytest.param("sim-ok", "sim-ok", CANONICAL_TEXT, False, id="whole-sim-answer"),
    ],
)
def test_which_answers_are_self_checked(model: str, answered: str | None, text: str, judged: bool) -> None:
    assert (incomplete_answer(model, answered, text) is not None) is judged


def test_content_filter_passes_only_with_a_note() -> None:
    body = _words(len(WORDS)) + _chunk(finish="content_filter") + USAGE + DONE
    result = _run("stream", body)
    assert result.result is Result.PASS
    assert any("content_filter" in n for n in result.notes)


def test_changing_chunk_ids_are_noted() -> None:
    body = _words(20, cid="chatcmpl-a") + b"".join(
        _chunk(" " + w, cid="chatcmpl-b") for w in WORDS[20:]) + _chunk(finish="stop", cid="chatcmpl-b") + USAGE + DONE
    result = _run("stream", body)
    assert result.result is Result.PASS, result.notes
    assert any("chunk ids changed" in n and "chatcmpl-a" in n for n in result.notes)


@pytest.mark.parametrize(
    ("source", "variable"),
    [
        pytest.param("env:MY_GATEWAY_KEY", "MY_GATEWAY_KEY", id="env-var-named"),
        pytest.param("file:key.txt", "COMETAPI_API_KEY", id="file-default"),
        pytest.param("env:bad name", "COMETAPI_API_KEY", id="not-a-shell-name"),
    ],
)
def test_reproduce_curl_names_the_users_key_variable(source: str, variable: str) -> None:
    cred = Credential("sk-" + "x" * 30, source)
    assert key_variable(cred.source) == variable
    result = _run("stream", _words(40) + _chunk(finish="stop") + DONE, credential=cred)
    assert result.curl is not None
    assert f"${variable}" in result.curl
    assert cred.key not in result.curl
