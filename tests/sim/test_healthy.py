"""The happy path as the official openai SDK and raw httpx see it."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from tests.loopback import TLS

from chatcontract.sim import CANONICAL_TEXT, SIM_DEFAULT_KEY, FakeClock, SimServer, serve
from chatcontract.sim.payloads import WORDS

from .wire import MESSAGES, auth, chat_url, parse_sse, post

SDK_MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say the canonical text."}]


def _client(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url, api_key=sim.api_key, max_retries=0, timeout=10)


def test_canonical_text_is_long_and_joins_back() -> None:
    assert len(WORDS) >= 60
    assert " ".join(WORDS) == CANONICAL_TEXT
    assert any(ord(ch) > 127 for ch in CANONICAL_TEXT)  # multi-byte characters travel too


def test_sdk_parses_non_streaming_answer(sim: SimServer) -> None:
    raw = _client(sim).chat.completions.with_raw_response.create(model="sim-ok", messages=SDK_MESSAGES)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == CANONICAL_TEXT
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert raw.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("variation", ["plain", "faithful", "wild"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_sdk_parses_every_stream_variation(variation: str, seed: int) -> None:
    with serve(seed=seed, stream_variation=variation) as sim:
        stream = _client(sim).chat.completions.create(
            model="sim-ok",
            messages=SDK_MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == CANONICAL_TEXT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert not chunks[0].choices[0].delta.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(WORDS)


def test_stream_on_the_wire_has_role_first_words_then_finish_and_done(sim: SimServer) -> None:
    response = post(sim, stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.content)
    chunks = events.chunks()
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert events.content_chunks() == len(WORDS)
    assert events.content() == CANONICAL_TEXT
    assert events.finish_reasons() == ["stop"]
    assert events.data[-1] == "[DONE]"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert "usage" not in [k for c in chunks if c["choices"] == [] for k in c]  # no usage chunk unasked


def test_include_usage_adds_a_usage_chunk_with_empty_choices(sim: SimServer) -> None:
    events = parse_sse(post(sim, stream=True, stream_options={"include_usage": True}).content)
    last = events.chunks()[-1]
    assert last["choices"] == []
    assert last["usage"]["completion_tokens"] == len(WORDS)
    assert all(c["usage"] is None for c in events.chunks()[:-1])


def test_faithful_stream_has_keepalive_and_usage_null(sim: SimServer) -> None:
    events = parse_sse(post(sim, stream=True).content)
    assert "keep-alive" in events.comments
    assert all("usage" in c and c["usage"] is None for c in events.chunks())


def test_wild_stream_bytes_are_deterministic_per_seed() -> None:
    bodies = []
    for _ in range(2):
        with serve(seed=5, stream_variation="wild", clock=FakeClock()) as sim:
            bodies.append(post(sim, stream=True).content)
    assert bodies[0] == bodies[1]
    with serve(seed=6, stream_variation="wild", clock=FakeClock()) as sim:
        other = post(sim, stream=True).content
    assert other != bodies[0]


def test_wild_stream_carries_crlf_or_extras() -> None:
    seen_crlf = False
    for seed in range(6):
        with serve(seed=seed, stream_variation="wild") as sim:
            raw = post(sim, stream=True).content
        seen_crlf |= b"\r\n\r\n" in raw
        events = parse_sse(raw)
        chunks = events.chunks()
        assert events.content() == CANONICAL_TEXT
        assert all(c["system_fingerprint"] is None and "x_sim_extra" in c for c in chunks)
        assert any(
            c["choices"] and c["choices"][0]["delta"] == {} and not c["choices"][0]["finish_reason"] for c in chunks
        )
    assert seen_crlf


def test_long_stream_carries_n_chunks(sim: SimServer) -> None:
    events = parse_sse(post(sim, "sim-long-5000", stream=True, stream_options={"include_usage": True}).content)
    assert events.content_chunks() == 5000
    assert events.finish_reasons() == ["stop"]
    assert events.chunks()[-1]["usage"]["completion_tokens"] == 5000
    assert events.done


def test_aliases_answer_like_sim_ok() -> None:
    with serve(models=("my-model",)) as sim:
        body = post(sim, "my-model").json()
    assert body["model"] == "my-model"
    assert body["choices"][0]["message"]["content"] == CANONICAL_TEXT


def test_models_lists_healthy_and_fault_names(sim: SimServer) -> None:
    listed = _client(sim).models.list()
    names = {m.id for m in listed.data}
    assert {"sim-ok", "sim-429", "sim-reset-once", "sim-stream-cut-5"} <= names


def test_default_key_is_the_public_test_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATCONTRACT_SIM_API_KEY", raising=False)
    with serve() as sim:
        assert sim.api_key == SIM_DEFAULT_KEY
        assert post(sim).status_code == 200
    monkeypatch.setenv("CHATCONTRACT_SIM_API_KEY", "sk-from-env-456")
    with serve() as sim:
        assert sim.api_key == "sk-from-env-456"
        ok = httpx.post(chat_url(sim), json={"model": "sim-ok", "messages": MESSAGES}, headers=auth(sim), verify=TLS)
        assert ok.status_code == 200


def test_attempt_log_counts_per_model_and_admin_routes(sim: SimServer) -> None:
    post(sim, "sim-500-once")
    post(sim, "sim-500-once")
    post(sim, stream=True)
    log = httpx.get(sim.base_url.removesuffix("/v1") + "/_sim/attempts", headers=auth(sim), verify=TLS).json()
    assert [(a["model"], a["attempt"], a["behaviour"], a["status"], a["stream"]) for a in log] == [
        ("sim-500-once", 1, "sim-500-once", 500, False),
        ("sim-500-once", 2, "ok", 200, False),
        ("sim-ok", 1, "ok", 200, True),
    ]
    assert log == sim.attempts()
    assert httpx.post(sim.base_url.removesuffix("/v1") + "/_sim/reset", headers=auth(sim),
                      verify=TLS).json() == {"reset": True}
    assert sim.attempts() == []
    assert post(sim, "sim-500-once").status_code == 500  # counters restart


def test_admin_routes_are_off_by_default() -> None:
    with serve() as sim:
        response = httpx.get(sim.base_url.removesuffix("/v1") + "/_sim/attempts", verify=TLS)
        assert response.status_code == 404
        assert json.loads(response.content)["error"]["code"] == "unknown_url"


def test_async_variant_serves_the_async_sdk() -> None:
    import asyncio

    from chatcontract.sim import aserve

    async def run() -> str | None:
        async with aserve(api_key="sk-async-1") as sim:
            client = openai.AsyncOpenAI(base_url=sim.base_url, api_key=sim.api_key, max_retries=0)
            completion = await client.chat.completions.create(model="sim-ok", messages=SDK_MESSAGES)
            await client.close()
            return completion.choices[0].message.content

    assert asyncio.run(run()) == CANONICAL_TEXT
