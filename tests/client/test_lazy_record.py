"""A call nobody observes (no sink, no telemetry, no observer) records its answering attempt
when its attempts are first read: the record is the one an observed call makes, the
failures before it are recorded as they happen, and nothing is recorded twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.client.conftest import FAST, KEY

from chatcontract.client import Client, Route
from chatcontract.client import engine as engine_mod
from chatcontract.record import AttemptRecord
from chatcontract.sim import SimServer
from chatcontract.sinks import MemorySink

HELLO = [{"role": "user", "content": "hi"}]
_VARY = {"request_id", "started_at", "elapsed_ms", "first_chunk_ms", "provider_request_id"}


def _call(sim: SimServer, sink: MemorySink | None) -> list[AttemptRecord]:
    with Client(
        base_url=sim.base_url, api_key=KEY, policy=FAST, sink=sink, fallbacks=[Route(model="sim-ok")],
        sleep=lambda _s: None, service="svc",
    ) as client:  # fmt: skip
        return client.chat(model="sim-503", messages=HELLO).attempts


def test_the_unobserved_answer_is_recorded_as_an_observed_one(sim: SimServer) -> None:
    sink = MemorySink()
    observed = _call(sim, sink)
    assert sink.records == observed
    sim.reset()
    lazy = _call(sim, None)
    assert [r.failure_class for r in lazy] == [r.failure_class for r in observed]
    assert lazy[-1].model_dump(exclude=_VARY) == observed[-1].model_dump(exclude=_VARY)
    assert lazy[-1].failure_class is None
    assert lazy[-1].fallback_of == observed[-1].fallback_of is not None
    assert lazy[-1].provider_request_id is not None


def test_the_record_is_made_once_when_first_read(sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = engine_mod.build_record

    def counting(*args: object, **kw: object) -> AttemptRecord:
        made.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_mod, "build_record", counting)
    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST) as client:
        done = client.chat(model="sim-ok", messages=HELLO)
        assert made == []  # an answer nobody observes costs no record per call
        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(lambda _i: len(done.attempts), range(16)))
    assert seen == [1] * 16
    assert made == [1]
    assert done.provider_request_id == done.attempts[0].provider_request_id


def test_a_completion_pickles_with_its_records(sim: SimServer) -> None:
    import copy
    import pickle

    with Client(base_url=sim.base_url, api_key=KEY, policy=FAST) as client:
        done = client.chat(model="sim-ok", messages=HELLO)
    again = pickle.loads(pickle.dumps(done))  # noqa: S301 - our own bytes
    assert again.attempts == done.attempts
    assert (again.content, again.model, again.route) == (done.content, done.model, done.route)
    assert copy.deepcopy(done).attempts == done.attempts
