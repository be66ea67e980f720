"""OpenTelemetry with the real SDK against the simulator: one GenAI span per logical call with
one HTTP span per attempt beneath it, waits and fallbacks as events, and metrics whose
per-call / per-attempt meaning is the conventions' one."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai
import pytest
from opentelemetry import trace
from tests.client.conftest import FAST, KEY, MESSAGES
from tests.client.otel_kit import Otel, attrs

from chatcontract.client import AsyncClient, CallFailed, Client, Policy, ResilientTransport, Route
from chatcontract.client.observe import CallStart
from chatcontract.client.otel import Telemetry, latest_only
from chatcontract.sim import SimServer

NO_SLEEP: dict[str, Any] = {"sleep": lambda s: None}


@pytest.fixture
def otel() -> Otel:
    return Otel.make()


def retry_twice_then_fall_back(sim: SimServer, otel: Otel) -> None:
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, fallbacks=[Route(model="sim-ok")],
                **otel.providers, **NO_SLEEP) as client:  # fmt: skip
        answer = client.chat(model="sim-503", messages=MESSAGES)
    assert answer.fell_back


def test_one_call_span_with_its_attempts_beneath_in_order(sim: SimServer, otel: Otel) -> None:
    retry_twice_then_fall_back(sim, otel)
    [root] = otel.roots()
    assert root.name == "chat sim-503"
    assert root.kind is trace.SpanKind.CLIENT
    kids = otel.children(root)
    assert [k.name for k in kids] == ["POST /v1/chat/completions"] * 4
    assert all(k.kind is trace.SpanKind.CLIENT for k in kids)
    got = [attrs(k) for k in kids]
    assert [a.get("http.request.resend_count") for a in got] == [None, 1, 2, 3]
    assert [a["gen_ai.request.model"] for a in got] == ["sim-503"] * 3 + ["sim-ok"]
    assert [a.get("http.response.status_code") for a in got] == [503, 503, 503, 200]
    assert [a.get("error.type") for a in got] == ["server_error"] * 3 + [None]
    assert [a["chatcontract.decision"] for a in got] == ["retry", "retry", "fallback", "answered"]
    assert got[0]["server.address"] == "127.0.0.1"
    assert got[0]["server.port"] == urlsplit(sim.base_url).port
    assert got[0]["url.full"] == sim.base_url + "/chat/completions"
    events = [[(e.name, dict(e.attributes or {})) for e in k.events] for k in kids]
    assert [[name for name, _ in each] for each in events] == [
        ["chatcontract.wait"], ["chatcontract.wait"], ["chatcontract.fallback"], []]
    wait = events[0][0][1]
    assert wait["chatcontract.wait.reason"] == "backoff"
    assert 0 <= wait["chatcontract.wait.seconds"] <= 0.05
    assert events[2][0][1]["chatcontract.fallback.to"].startswith("sim-ok@")
    assert all(root.start_time <= k.start_time and k.end_time <= root.end_time for k in kids)  # type: ignore[operator]
    top = attrs(root)
    assert top["gen_ai.operation.name"] == "chat"
    assert top["gen_ai.provider.name"] == "cometapi"
    assert top["gen_ai.request.model"] == "sim-503"
    assert top["gen_ai.response.model"] == attrs(kids[-1])["gen_ai.response.model"]
    assert top["gen_ai.response.finish_reasons"] == ("stop",)
    assert top["gen_ai.response.id"]
    assert top["gen_ai.usage.output_tokens"] > 0
    assert top["chatcontract.attempt_count"] == 4
    assert top["chatcontract.retry_count"] == 2
    assert top["chatcontract.fallback.used"] is True
    assert top["chatcontract.fallback.from"].startswith("sim-503@")
    assert top["chatcontract.outcome"] == "answered"
    assert top["chatcontract.parser_outcome"] == "ok"
    assert "error.type" not in top


def test_metrics_once_per_call_and_once_per_attempt(sim: SimServer, otel: Otel) -> None:
    retry_twice_then_fall_back(sim, otel)
    assert otel.units() == {
        "gen_ai.client.operation.duration": "s", "http.client.request.duration": "s",
        "gen_ai.client.token.usage": "{token}", "chatcontract.client.attempts": "{attempt}",
    }
    [operation] = otel.points("gen_ai.client.operation.duration")
    assert operation.count == 1
    assert operation.attributes["gen_ai.response.model"]
    assert "error.type" not in operation.attributes
    requests = otel.points("http.client.request.duration")
    assert sum(p.count for p in requests) == 4
    assert {p.attributes["http.response.status_code"]: p.count for p in requests} == {503: 3, 200: 1}
    decisions = {p.attributes["chatcontract.decision"]: p.value for p in otel.points("chatcontract.client.attempts")}
    assert decisions == {"retry": 2, "fallback": 1, "answered": 1}
    tokens = {p.attributes["gen_ai.token.type"]: p for p in otel.points("gen_ai.client.token.usage")}
    assert set(tokens) == {"input", "output"}
    assert tokens["output"].sum > 0
    assert otel.points("gen_ai.client.operation.time_to_first_chunk") == []  # not a stream
    for point in [*requests, operation]:  # low cardinality: no ids, no URLs
        assert not {"gen_ai.response.id", "url.full", "chatcontract.request_id"} & set(point.attributes)


def test_stream_time_to_first_chunk_and_verdicts(sim: SimServer, otel: Otel) -> None:
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, **otel.providers, **NO_SLEEP) as client:
        assert client.chat(model="sim-ok", messages=MESSAGES, stream=True).content
        with pytest.raises(Exception, match="stream"):
            client.chat(model="sim-stream-cut-5", messages=MESSAGES, stream=True,
                        deadline_s=2.0)  # fmt: skip
    ok_root, cut_root = sorted(otel.roots(), key=lambda s: s.start_time or 0)
    assert attrs(ok_root)["chatcontract.stream.verdict"] == "complete"
    ttfc = attrs(ok_root)["gen_ai.response.time_to_first_chunk"]
    assert 0 < ttfc <= (ok_root.end_time - ok_root.start_time) / 1e9  # type: ignore[operator]
    cut = attrs(cut_root)
    assert cut["error.type"] == cut["chatcontract.stream.verdict"] == "stream_interrupted"
    assert cut_root.status.status_code is trace.StatusCode.ERROR
    [point] = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert point.count == 1  # the stream that answered
    by_error = {p.attributes.get("error.type"): p.count for p in otel.points("gen_ai.client.operation.duration")}
    assert by_error == {None: 1, "stream_interrupted": 1}


def test_retry_after_wait_and_breaker_changes(sim: SimServer, otel: Otel) -> None:
    policy = Policy(**{**FAST.__dict__, "breaker_failure_threshold": 1, "max_attempts_per_route": 1})
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, **otel.providers, **NO_SLEEP) as client:
        client.chat(model="sim-429-retry-after-1", messages=MESSAGES)
    with Client(base_url=sim.base_url, api_key=KEY, policy=policy, fallbacks=[Route(model="sim-ok")],
                **otel.providers, **NO_SLEEP) as client:  # fmt: skip
        client.chat(model="sim-503", messages=MESSAGES)
        client.chat(model="sim-503", messages=MESSAGES)  # the route is skipped: circuit open
    first, opened, skipped = sorted(otel.roots(), key=lambda s: s.start_time or 0)
    [wait] = otel.children(first)[0].events
    assert dict(wait.attributes or {})["chatcontract.wait.reason"] == "retry_after"
    assert dict(wait.attributes or {})["chatcontract.wait.seconds"] == 1.0
    assert [e.name for e in otel.children(opened)[0].events] == ["chatcontract.breaker", "chatcontract.fallback"]
    skip = otel.children(skipped)[0]
    assert skip.kind is trace.SpanKind.INTERNAL
    assert "http.request.method" not in attrs(skip)
    assert attrs(skip)["chatcontract.decision"] == "circuit_open"
    assert attrs(skipped)["chatcontract.circuit_open_count"] == 1
    [change] = otel.points("chatcontract.client.breaker.changes")
    assert change.value == 1
    assert change.attributes["chatcontract.breaker.to"] == "open"


def test_async_client_same_shape(sim: SimServer, otel: Otel) -> None:
    async def go() -> None:
        async with AsyncClient(base_url=sim.base_url, api_key=KEY, policy=FAST, fallbacks=[Route(model="sim-ok")],
                               sleep=_no_sleep, **otel.providers) as client:  # fmt: skip
            await client.chat(model="sim-503", messages=MESSAGES)

    asyncio.run(go())
    [root] = otel.roots()
    kids = otel.children(root)
    assert [attrs(k)["chatcontract.decision"] for k in kids] == ["retry", "retry", "fallback", "answered"]


async def _no_sleep(seconds: float) -> None:
    return None


def test_openai_sdk_call_is_the_logical_call_under_the_callers_span(sim: SimServer, otel: Otel) -> None:
    transport = ResilientTransport(policy=FAST, fallbacks=[Route(model="sim-ok")], **otel.providers, **NO_SLEEP)
    sdk = openai.OpenAI(base_url=sim.base_url, api_key=KEY, max_retries=0,
                        http_client=httpx2.Client(transport=transport))  # fmt: skip
    with otel.tracer_provider.get_tracer("app").start_as_current_span("handle request"):
        sdk.chat.completions.create(model="sim-503", messages=MESSAGES)  # type: ignore[arg-type]
    [app] = otel.roots()
    [call] = otel.children(app)
    assert call.name == "chat sim-503"
    decisions = [attrs(k)["chatcontract.decision"] for k in otel.children(call)]
    assert decisions == ["retry", "retry", "fallback", "answered"]


def test_no_key_or_userinfo_in_any_attribute(sim: SimServer, otel: Otel) -> None:
    userinfo = sim.base_url.replace("http://", "http://alice:hunter2pw@")
    client = Client(base_url=userinfo, api_key=KEY, policy=FAST, **otel.providers, **NO_SLEEP)
    with client, contextlib.suppress(CallFailed):  # either outcome has telemetry
        client.chat(model="sim-ok", messages=MESSAGES)
    texts = [str(v) for s in otel.spans() for v in [*attrs(s).values(), *(
        x for e in s.events for x in (e.attributes or {}).values())]]
    assert texts
    assert not [t for t in texts if KEY in t or "hunter2pw" in t or "alice" in t]


@pytest.mark.parametrize(
    ("env", "old_name"),
    [
        pytest.param("", True, id="default-also-v1.36"),
        pytest.param("http, gen_ai_latest_experimental", False, id="latest-only"),
    ],
)
def test_semconv_opt_in(sim: SimServer, otel: Otel, monkeypatch: pytest.MonkeyPatch, env: str, old_name: bool) -> None:
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", env)
    assert latest_only() is not old_name
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST, **otel.providers) as client:
        client.chat(model="sim-ok", messages=MESSAGES)
    [root] = otel.roots()
    assert ("gen_ai.system" in attrs(root)) is old_name
    assert attrs(root)["gen_ai.provider.name"] == "cometapi"


def test_no_provider_no_telemetry(sim: SimServer) -> None:
    call = CallStart(request_id="r", model="m", provider="openai", url=sim.base_url, streaming=False)
    assert Telemetry().start_call(call) is None  # the global providers are the no-op ones: nothing built
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST) as client:
        assert client.chat(model="sim-ok", messages=MESSAGES).content


def test_openai_sdk_stream_call_span_ends_with_the_stream(sim: SimServer, otel: Otel) -> None:
    transport = ResilientTransport(policy=FAST, **otel.providers, **NO_SLEEP)
    sdk = openai.OpenAI(base_url=sim.base_url, api_key=KEY, max_retries=0,
                        http_client=httpx2.Client(transport=transport))  # fmt: skip
    chunks = sdk.chat.completions.create(model="sim-ok", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    assert otel.roots() == []  # the call is not over while the caller reads the stream
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    [root] = otel.roots()
    top = attrs(root)
    assert top["chatcontract.stream.verdict"] == "complete"
    assert top["gen_ai.response.time_to_first_chunk"] > 0
    assert [attrs(k)["chatcontract.decision"] for k in otel.children(root)] == ["answered"]
