"""The registry and the runner: duplicates, unknown names, crashing checks, key leaks, echoes."""

from __future__ import annotations

import json

import httpx2
import pytest

from chatcontract.config import Credential
from chatcontract.contract import load_profile
from chatcontract.contract import requests as builders
from chatcontract.errors import UsageError
from chatcontract.probe.context import CaseContext
from chatcontract.probe.registry import (
    DEFAULT_CASES,
    DuplicateCaseError,
    Registry,
    default_registry,
)
from chatcontract.probe.render import junit_report
from chatcontract.probe.results import CaseResult
from chatcontract.probe.runner import Target, run_probe
from chatcontract.record import FailureClass, Result
from chatcontract.sinks import MemorySink

PLAIN_KEY = "plainkey"  # matches no secret pattern: only masking by value can hide it
PROFILE = load_profile("openai")


def _target(key: str = PLAIN_KEY) -> Target:
    return Target("http://probe.test/v1", PROFILE, Credential(key, "env:TEST"), "m")


def _client(handler: httpx2.MockTransport) -> httpx2.Client:
    return httpx2.Client(transport=handler)


def test_duplicate_case_names_are_an_error() -> None:
    registry = Registry()
    registry.register("a", title="A", assumption="auth")(lambda ctx: CaseResult("a", Result.PASS))
    with pytest.raises(DuplicateCaseError, match="'a'"):
        registry.register("a", title="A again", assumption="auth")(
            lambda ctx: CaseResult("a", Result.PASS)
        )


def test_default_case_names_are_fixed_and_unknown_names_are_usage_errors() -> None:
    registry = default_registry()
    assert registry.names() == list(DEFAULT_CASES)
    assert [c.name for c in registry.select(["wrong-path", "happy"])] == ["happy", "wrong-path"]
    with pytest.raises(UsageError, match="unknown probe case 'nope'"):
        registry.select(["nope"])
    assert registry.budget() == 12  # every case once, happy and stream with one retry


def test_a_crashing_check_is_reported_and_the_run_goes_on() -> None:
    registry = Registry()

    def boom(ctx: CaseContext) -> CaseResult:
        raise RuntimeError(f"bad check holding {ctx.credential.key if ctx.credential else ''}")

    registry.register("boom", title="crashes", assumption="auth")(boom)
    registry.register("fine", title="passes", assumption="auth")(
        lambda ctx: CaseResult("fine", Result.PASS)
    )
    run = run_probe(
        registry.select(None), _target("sk-crash-secret-abcdefghijklmnop"), max_requests=5
    )
    boom_result, fine_result = run.results
    assert boom_result.result is Result.INCONCLUSIVE
    assert boom_result.crashed
    assert "RuntimeError" in boom_result.observed
    assert "sk-crash-secret" not in boom_result.observed
    assert fine_result.result is Result.PASS
    assert 'name="boom"' in junit_report(run)
    assert "<error" in junit_report(run)
    assert run.exit_code == 3


def test_a_case_that_leaks_the_key_fails() -> None:
    registry = Registry()
    registry.register("leaky", title="leaks", assumption="auth")(
        lambda ctx: CaseResult("leaky", Result.PASS, observed=f"saw {PLAIN_KEY}")
    )
    run = run_probe(registry.select(None), _target(), max_requests=1)
    (result,) = run.results
    assert result.result is Result.FAIL
    assert "API key appears" in result.notes[0]


def test_an_echoed_key_is_masked_in_records_and_judged_normally() -> None:
    def echo(request: httpx2.Request) -> httpx2.Response:
        auth = request.headers.get("authorization", "")
        body = {
            "error": {
                "message": f"Incorrect API key provided: {auth}",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }
        return httpx2.Response(401, json=body)

    sink = MemorySink()
    registry = default_registry()
    run = run_probe(
        registry.select(["missing-auth", "wrong-path", "missing-model"]),
        _target(),
        max_requests=5,
        http=_client(httpx2.MockTransport(echo)),
        sink=sink,
    )
    assert [r.name for r in run.results] == ["missing-auth", "missing-model", "wrong-path"]
    assert run.result("missing-auth").result is Result.PASS
    assert run.result("wrong-path").result is Result.FAIL  # 401 on a wrong path with a key
    assert run.result("missing-model").result is Result.FAIL
    assert len(sink.records) == 3
    dumped = "".join(r.to_json() for r in sink.records) + json.dumps(run.results_document())
    assert PLAIN_KEY not in dumped
    assert sink.records[1].error_summary is not None
    assert "[REDACTED]" in sink.records[1].error_summary
    assert {r.result for r in sink.records} == {Result.PASS, Result.FAIL}


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "why"),
    [
        pytest.param(
            422,
            {"error": {"message": "bad", "type": "invalid_request_error"}},
            {},
            Result.PASS,
            None,
            id="422-is-a-faithful-variant",
        ),
        pytest.param(
            400, {"detail": "bad"}, {}, Result.FAIL, 'no "error" object', id="no-envelope"
        ),
        pytest.param(
            400,
            {"error": {"message": "bad"}},
            {},
            Result.FAIL,
            "error.type",
            id="openai-needs-type",
        ),
        pytest.param(
            500,
            {"error": {"message": "bad", "type": "server_error"}},
            {},
            Result.FAIL,
            "expected HTTP 400 or 422",
            id="5xx",
        ),
        pytest.param(200, {"choices": []}, {}, Result.FAIL, "expected HTTP 400 or 422", id="2xx"),
        pytest.param(
            400,
            {"error": {"message": "bad", "type": "invalid_request_error"}},
            {"x-should-retry": "true"},
            Result.PASS,
            None,
            id="header-cannot-make-400-retryable",
        ),
    ],
)
def test_empty_messages_judgement(
    status: int, body: dict[str, object], headers: dict[str, str], expected: Result, why: str | None
) -> None:
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(status, json=body, headers=headers)
    )
    run = run_probe(
        default_registry().select(["empty-messages"]),
        _target(),
        max_requests=1,
        http=_client(transport),
    )
    result = run.result("empty-messages")
    assert result.result is expected
    if why is not None:
        assert why in result.notes[0]
        assert result.curl is not None
        assert "$TEST" in result.curl  # the variable the key came from (env:TEST)
    (record,) = run.records
    assert record.request_class == "negative-empty-messages"
    if status in (400, 422):
        assert record.failure_class is FailureClass.REQUEST_INVALID


def test_retryable_refusal_fails_because_the_client_would_retry() -> None:
    body = {"error": {"message": "slow down", "type": "rate_limit"}}
    transport = httpx2.MockTransport(lambda request: httpx2.Response(429, json=body))
    run = run_probe(
        default_registry().select(["missing-auth"]),
        _target(),
        max_requests=1,
        http=_client(transport),
    )
    assert run.result("missing-auth").result is Result.FAIL


def test_happy_retries_once_what_is_retryable_within_the_budget() -> None:
    answers = iter(
        [
            httpx2.Response(503, json={"error": {"message": "busy", "type": "server_error"}}),
            httpx2.Response(
                200,
                json={
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1,
                    "model": "m",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "pong"},
                        }
                    ],
                },
            ),
        ]
    )
    waits: list[float] = []
    run = run_probe(
        default_registry().select(["happy"]),
        _target(),
        max_requests=2,
        http=_client(httpx2.MockTransport(lambda request: next(answers))),
        sleep=waits.append,
    )
    result = run.result("happy")
    assert result.result is Result.PASS
    assert result.attempts == 2
    assert [r.attempt_number for r in run.records] == [1, 2]
    assert waits == [0.5]
    assert "no usage object" in result.notes


def test_builders_build_what_each_case_needs() -> None:
    cred = Credential(PLAIN_KEY, "env:TEST")
    base = "http://probe.test/v1"
    req = {name: builders.build_request(name, base, cred, "m", PROFILE) for name in DEFAULT_CASES}
    assert "authorization" not in req["missing-auth"].headers
    assert req["invalid-key"].headers["authorization"] == f"Bearer {builders.INVALID_KEY}"
    assert req["happy"].headers["authorization"] == f"Bearer {PLAIN_KEY}"
    assert str(req["wrong-path"].url) == f"{base}/{builders.WRONG_ROUTE}"
    assert str(req["happy"].url) == f"{base}/chat/completions"
    bodies = {name: json.loads(r.read()) for name, r in req.items()}
    assert "model" not in bodies["missing-model"]
    assert bodies["empty-messages"]["messages"] == []
    assert bodies["invalid-role"]["messages"][0]["role"] not in PROFILE.assumptions.roles.value
    assert bodies["unknown-model"]["model"] == builders.UNKNOWN_MODEL
    assert bodies["stream"]["stream"] is True
    assert bodies["stream"]["stream_options"] == {"include_usage": True}
    assert len(req["oversized"].read()) > 1024 * 1024
    with pytest.raises(KeyError):
        builders.build_request("nope", base, cred, "m", PROFILE)


def test_oversized_body_generator_recreates_the_body() -> None:
    import subprocess

    command = builders.body_generator("oversized", "m")
    assert command is not None
    out = subprocess.run(["sh", "-c", command], capture_output=True, check=True, timeout=30).stdout
    assert json.loads(out) == builders.oversized_body("m")
    assert builders.body_generator("happy", "m") is None
