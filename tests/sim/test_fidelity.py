"""What real clients send today: tools, JSON output, token limits, several choices, runs."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest
from tests.loopback import TLS

from chatcontract.selfcheck import verify
from chatcontract.sim import CANONICAL_TEXT, SimServer

from .wire import auth, chat_url, parse_sse, post

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
        },
    },
}


def sdk(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url, api_key=sim.api_key, max_retries=0, timeout=10)


def test_tool_call_answer(sim: SimServer) -> None:
    reply = sdk(sim).chat.completions.create(
        model="sim-ok", messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER]  # type: ignore[list-item]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"city": "sim", "days": 1}  # type: ignore[union-attr]


def test_after_a_tool_result_the_answer_is_text(sim: SimServer) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    reply = sdk(sim).chat.completions.create(model="sim-ok", messages=messages, tools=[WEATHER])  # type: ignore[list-item]
    assert reply.choices[0].message.content == CANONICAL_TEXT


def test_tool_choice_none_answers_text(sim: SimServer) -> None:
    body = post(sim, tools=[WEATHER], tool_choice="none").json()
    assert body["choices"][0]["message"]["content"] == CANONICAL_TEXT


def test_streamed_tool_call_deltas_accumulate(sim: SimServer) -> None:
    events = parse_sse(post(sim, stream=True, tools=[WEATHER], tool_choice="required").content)
    deltas = [c["choices"][0]["delta"] for c in events.chunks() if c.get("choices")]
    calls = [d["tool_calls"][0] for d in deltas if d.get("tool_calls")]
    assert calls[0]["id"].startswith("call_")
    assert calls[0]["function"]["name"] == "get_weather"
    assert len(calls) > 2
    assert json.loads("".join(c["function"]["arguments"] for c in calls)) == {"city": "sim", "days": 1}
    assert events.finish_reasons() == ["tool_calls"]
    assert events.done


def test_tool_cut_stops_inside_the_arguments(sim: SimServer) -> None:
    events = parse_sse(post(sim, "sim-stream-tool-cut-3", stream=True).content)
    deltas = [c["choices"][0]["delta"] for c in events.chunks()]
    calls = [d["tool_calls"][0] for d in deltas if d.get("tool_calls")]
    assert len(calls) == 4  # the start, then three argument fragments
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        json.loads("".join(c["function"]["arguments"] for c in calls))
    assert events.finish_reasons() == []
    assert not events.done
    assert post(sim, "sim-stream-tool-cut-3").json()["choices"][0]["message"]["content"] == CANONICAL_TEXT


class Weather(pydantic.BaseModel):
    city: str
    days: int
    tags: list[str]
    windy: bool | None


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_structured_output_parses(sim: SimServer, stream: bool) -> None:
    client = sdk(sim)
    messages: Any = [{"role": "user", "content": "weather"}]
    if stream:
        with client.chat.completions.stream(model="sim-ok", messages=messages, response_format=Weather) as s:
            parsed = s.get_final_completion().choices[0].message.parsed
    else:
        parsed = client.chat.completions.parse(model="sim-ok", messages=messages, response_format=Weather).choices[
            0
        ].message.parsed
    assert parsed == Weather(city="sim", days=1, tags=["sim"], windy=True)


def test_json_object_is_json(sim: SimServer) -> None:
    content = post(sim, response_format={"type": "json_object"}).json()["choices"][0]["message"]["content"]
    assert verify(json.loads(content)["answer"]).whole


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_token_limit_ends_in_length(sim: SimServer, field: str, stream: bool) -> None:
    response = post(sim, stream=stream, **{field: 7})
    if stream:
        events = parse_sse(response.content)
        text, reasons = events.content(), events.finish_reasons()
    else:
        choice = response.json()["choices"][0]
        text, reasons = choice["message"]["content"], [choice["finish_reason"]]
    assert reasons == ["length"]
    assert text == " ".join(CANONICAL_TEXT.split(" ")[:7])
    assert not verify(text).whole


def test_n_choices(sim: SimServer) -> None:
    reply = sdk(sim).chat.completions.create(model="sim-ok", messages=[{"role": "user", "content": "x"}], n=3)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert all(c.message.content == CANONICAL_TEXT for c in reply.choices)
    events = parse_sse(post(sim, stream=True, n=2).content)
    for index in (0, 1):
        text = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in events.chunks() if c["choices"][0]["index"] == index
        )
        assert text == CANONICAL_TEXT


def test_get_one_model(sim: SimServer) -> None:
    client = sdk(sim)
    assert client.models.retrieve("sim-500-once").id == "sim-500-once"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"messages": [{"role": {"x": 1}, "content": "hi"}]}, "messages[0].role", id="role-object"),
        pytest.param({"messages": [{"role": ["user"], "content": "hi"}]}, "messages[0].role", id="role-list"),
        pytest.param({"temperature": 3}, "temperature", id="temperature-high"),
        pytest.param({"temperature": "hot"}, "temperature", id="temperature-string"),
        pytest.param({"n": 0}, "n", id="n-zero"),
        pytest.param({"n": True}, "n", id="n-bool"),
        pytest.param({"top_p": 1.5}, "top_p", id="top-p"),
        pytest.param({"stop": ["a", "b", "c", "d", "e"]}, "stop", id="stop-five"),
        pytest.param({"tools": [{"type": "function", "function": {"name": "bad name"}}]}, "tools[0].function.name",
                     id="tool-name"),
        pytest.param({"tool_choice": "auto"}, "tool_choice", id="tool-choice-without-tools"),
        pytest.param({"response_format": {"type": "yaml"}}, "response_format.type", id="format"),
        pytest.param({"stream_options": {"include_usage": "yes"}}, "stream_options.include_usage", id="stream-options"),
        pytest.param({"max_tokens": 0}, "max_completion_tokens", id="max-tokens-zero"),
    ],
)
def test_bad_optional_parameters_get_400(sim: SimServer, body: dict[str, Any], param: str) -> None:
    payload = {"model": "sim-ok", "messages": [{"role": "user", "content": "hi"}], **body}
    response = httpx.post(chat_url(sim), json=payload, headers=auth(sim), verify=TLS)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("GET", "/chat/completions", "POST", id="chat"),
        pytest.param("DELETE", "/models", "GET", id="models"),
        pytest.param("POST", "/models/sim-ok", "GET", id="one-model"),
    ],
)
def test_405_names_the_allowed_method(sim: SimServer, method: str, path: str, allow: str) -> None:
    response = httpx.request(method, sim.base_url + path, headers=auth(sim), verify=TLS)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_once_only_faults_count_per_run(sim: SimServer) -> None:
    root = sim.base_url.removesuffix("/v1")

    def status(run: str) -> int:
        url = f"{root}/run/{run}/v1/chat/completions"
        return httpx.post(url, json={"model": "sim-500-once", "messages": [{"role": "user", "content": "x"}]},
                          headers=auth(sim), verify=TLS).status_code

    assert [status("a"), status("a"), status("b"), status("b")] == [500, 200, 500, 200]
    assert [a["status"] for a in sim.attempts() if a["run"] == "a"] == [500, 200]
    header = {**auth(sim), "x-sim-run": "c"}
    first = httpx.post(chat_url(sim), json={"model": "sim-500-once", "messages": [{"role": "user", "content": "x"}]},
                       headers=header, verify=TLS)
    assert first.status_code == 500
    sim.simulator.state.reset("a")
    assert status("a") == 500
    assert {a["run"] for a in sim.simulator.state.attempts("b")} == {"b"}


def test_no_prefill_model_refuses_only_prefills(sim: SimServer) -> None:
    ok = post(sim, "sim-no-prefill")
    assert ok.json()["choices"][0]["message"]["content"] == CANONICAL_TEXT
    refused = post(sim, "sim-no-prefill", messages=[{"role": "user", "content": "x"},
                                                    {"role": "assistant", "content": "The simulator"}])
    assert refused.status_code == 400
    assert "prefill" in refused.json()["error"]["message"]
    assert [a["prefill"] for a in sim.attempts()] == [False, True]
