"""One wire: the same fault through the client, the resilient transport (the SDK's path), the
probe and ``repro`` gives the same class, response shape and retry decision (every simulator
fault, plain and streamed; every transport error of the HTTP library)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import httpx2
import pytest
from tests.client.conftest import KEY

from chatcontract.client import CallFailed, Client, Policy, ResilientTransport
from chatcontract.client.attempt import Place, RecordContext, build_record, classify_outcome
from chatcontract.client.sender import Sender
from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.contract import requests as builders
from chatcontract.evidence.wire import Timeouts, send_once
from chatcontract.probe.context import Budget, CaseContext
from chatcontract.probe.streaming import read_stream
from chatcontract.record import AttemptRecord
from chatcontract.sim import FAULTS as SIM_FAULTS
from chatcontract.sim import SimServer
from chatcontract.sinks import MemorySink
from chatcontract.taxonomy import decision_for

PROFILE = load_profile("cometapi")
CREDENTIAL = Credential(key=KEY, source="env:TEST_KEY")


class Seen(NamedTuple):
    failure_class: str | None
    shape: str | None
    decision: str | None


def _seen(record: AttemptRecord) -> Seen:
    def v(x: object) -> str | None:
        return None if x is None else str(getattr(x, "value", x))

    return Seen(v(record.failure_class), v(record.response_shape), v(record.retry_decision))


_ONE = Policy(
    connect_timeout_s=1.0, first_chunk_timeout_s=0.5, stream_idle_timeout_s=0.5, deadline_s=6.0,
    max_attempts_per_route=1, post_finish_grace_s=0.2,
)  # fmt: skip


def via_client(base_url: str, model: str, stream: bool, http: httpx2.Client | None = None) -> Seen:
    policy = _ONE
    with Client(base_url=base_url, api_key=KEY, policy=policy, http_client=http, sleep=lambda _s: None) as client:
        try:
            done = client.chat(model=model, messages=[{"role": "user", "content": builders.PROMPT}], stream=stream)
            attempts = done.attempts
        except CallFailed as failed:
            attempts = failed.attempts
    return _seen(attempts[0])


def via_probe(base_url: str, model: str, stream: bool, http: httpx2.Client | None = None) -> Seen:
    with http or httpx2.Client(trust_env=False) as client:
        ctx = CaseContext(base_url, PROFILE, CREDENTIAL, model, client, Budget(5), "run", read_s=0.5)
        request = builders.build_request("stream" if stream else "happy", base_url, CREDENTIAL, model, PROFILE)
        if stream:
            ex, report = read_stream(ctx, request)
            sse = ex.status is not None and "text/event-stream" in report.content_type
            cls = ctx.classify(ex, stream_state=report.state if sse else None)
        else:
            ex = ctx.send(request)
            cls = ctx.classify(ex)
        record = ctx.record(ex, cls, request_class="chat-stream" if stream else "chat-completion-smoke")
        assert ctx.sender is not None
        ctx.sender.close()
    return _seen(record)


def via_repro(base_url: str, model: str, stream: bool, http: httpx2.Client | None = None) -> Seen:
    with http or httpx2.Client(trust_env=False) as client:
        sender = Sender(lambda r: client.send(r, stream=True))
        request = builders.build_request("stream" if stream else "happy", base_url, CREDENTIAL, model, PROFILE)
        out = send_once(sender, request, Timeouts(connect_s=1.0, read_s=0.5, stream_idle_s=0.5), stream=stream)
        sender.close()
    cls = classify_outcome(out, attempt_number=1)
    record = build_record(
        RecordContext(request_id="r", body=request.content), Place.of(str(request.url), model=model,
        credential_source=None), out, cls, attempt_number=1, decision=decision_for(cls.failure_class, retried=False),
    )  # fmt: skip
    return _seen(record)


def via_transport(base_url: str, model: str, stream: bool, http: httpx2.Client | None = None) -> Seen:
    """The resilient transport (what the openai SDK sends through): its first record."""
    sink = MemorySink()
    inner = None if http is None else http._transport
    transport = ResilientTransport(policy=_ONE, sink=sink, sleep=lambda _s: None, transport=inner)
    body = {"model": model, "messages": [{"role": "user", "content": builders.PROMPT}], "stream": stream}
    with httpx2.Client(transport=transport) as client:
        try:
            with client.stream("POST", base_url + "/chat/completions", json=body,
                               headers={"Authorization": f"Bearer {KEY}"}) as response:  # fmt: skip
                for _ in response.iter_bytes():
                    pass
        except httpx2.HTTPError:
            pass
    return _seen(sink.records[0])


PATHS: dict[str, Callable[..., Seen]] = {
    "client": via_client, "probe": via_probe, "repro": via_repro, "transport": via_transport,
}  # fmt: skip
FAULTS = sorted(
    {spec.example.split("|")[0].replace("sim-flap-2", "sim-flap-60") for spec in SIM_FAULTS}
    | {"sim-ok", "sim-slow-first-token-10", "sim-stream-stall-10", "sim-502", "sim-504", "sim-524"}
)  # every fault of the simulator's catalogue, plus the timing variants that cross the limits
# (the flap window is 60 s, not the example's 2 s: on a loaded machine one path can take 2 s)


@pytest.mark.parametrize("stream", [pytest.param(False, id="plain"), pytest.param(True, id="stream")])
@pytest.mark.parametrize("model", FAULTS)
def test_every_simulator_fault_is_seen_alike(sim: SimServer, model: str, stream: bool) -> None:
    if any(word in model for word in ("once", "flap", "retry-after")):  # stateful: each path starts over, in turn
        seen: dict[str, Seen] = {}
        for name, path in PATHS.items():
            sim.reset()
            seen[name] = path(sim.base_url, model, stream)
    else:  # the paths side by side: a timing fault costs its limit once, not once per path
        with ThreadPoolExecutor(len(PATHS)) as pool:
            futures = {name: pool.submit(path, sim.base_url, model, stream) for name, path in PATHS.items()}
            seen = {name: future.result() for name, future in futures.items()}
    assert len(set(seen.values())) == 1, seen


def _raising(exc_type: type[Exception]) -> httpx2.Client:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc_type("injected", request=request) if exc_type is not httpx2.DecodingError else exc_type("injected")

    return httpx2.Client(transport=httpx2.MockTransport(handler))


def _transport_errors() -> list[type[Exception]]:
    found: list[type[Exception]] = []
    stack: list[type[Exception]] = [httpx2.TransportError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted((c for c in found if c.__module__.startswith("httpx2")), key=lambda c: c.__name__)


@pytest.mark.parametrize("exc_type", [pytest.param(c, id=c.__name__) for c in _transport_errors()])
@pytest.mark.parametrize("stream", [pytest.param(False, id="plain"), pytest.param(True, id="stream")])
def test_every_transport_error_is_seen_alike(exc_type: type[Exception], stream: bool) -> None:
    base = "http://provider.test/v1"
    seen = {name: path(base, "m", stream, _raising(exc_type)) for name, path in PATHS.items()}
    assert len(set(seen.values())) == 1, seen
    assert next(iter(seen.values())).failure_class is not None
