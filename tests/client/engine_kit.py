"""Test doubles for the sans-I/O engine: a fake clock and outcome builders (no network)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from chatcontract.client.attempt import Outcome, RecordContext
from chatcontract.client.engine import CallRun, Engine
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route, Target, resolve_target
from chatcontract.contract import load_profile
from chatcontract.taxonomy import StreamState, TransportError

PROFILE = load_profile("openai")
BASE = "https://primary.example/v1"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def targets(*routes: Route, model: str = "m", key: str = "sk-primary-000000000000") -> tuple[Target, ...]:
    return tuple(
        resolve_target(
            i,
            r,
            model=model,
            base_url=BASE,
            api_key=key,
            credential_source="env:X",
            profile=PROFILE,
            max_request_chars=None,
        )
        for i, r in enumerate((Route(), *routes))
    )


def engine(clock: FakeClock, **policy: float | int | bool | None) -> Engine:
    return Engine(Policy(**policy), clock=clock, rng=random.Random(7))  # type: ignore[arg-type]


def begin(
    eng: Engine,
    routes: Sequence[Route] = (),
    *,
    reissue: bool | None = None,
    messages: Sequence[dict[str, str]] = (),
    deadline_s: float | None = None,
) -> CallRun:
    ctx = RecordContext(request_id="r1", service="svc")
    return eng.begin(targets(*routes), ctx, messages=messages, reissue=reissue, deadline_s=deadline_s)


def error(
    status: int,
    code: str | None = None,
    message: str = "boom",
    headers: dict[str, str] | None = None,
    clock: FakeClock | None = None,
) -> Outcome:
    body = json.dumps({"error": {"message": message, "type": "error", "param": None, "code": code}}).encode()
    return Outcome(started=clock() if clock else 0.0, wall=T0, status=status, headers=headers or {}, body=body)


def ok(model: str = "m") -> Outcome:
    body = json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "hi"},
                    "finish_reason": "stop",
                }
            ],
        }
    ).encode()
    out = Outcome(started=0.0, wall=T0, status=200, headers={"content-type": "application/json"}, body=body)
    out.response_model = model
    return out


def transport(kind: TransportError) -> Outcome:
    sent = kind not in (TransportError.CONNECT_ERROR, TransportError.CONNECT_TIMEOUT)
    return Outcome(started=0.0, wall=T0, transport_error=kind, sent=sent)


def stream(state: StreamState, *, delivered: bool = False) -> Outcome:
    return Outcome(
        started=0.0,
        wall=T0,
        status=200,
        headers={"content-type": "text/event-stream"},
        stream_state=state,
        delivered=delivered,
    )
