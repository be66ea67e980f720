"""The attempt record: every field, JSON round trip, OTel names, exports, schema, redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from chatcontract.record import (
    EXPORT_ALIASES,
    AttemptRecord,
    FailureClass,
    OperatorAction,
    ParserOutcome,
    ResponseShape,
    Result,
    RetryDecision,
    record_json_schema,
    record_json_schema_text,
)
from chatcontract.record_schema import REGENERATE, SCHEMA_PATH, main
from chatcontract.redact import MASK
from chatcontract.sinks import JsonlSink, MemorySink, RecordSink, write_jsonl

SECRET = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3Ty5Ub7Ev9Hn2Km4Qx6Sz8"


def _words(text: str) -> list[str]:
    return text.split()


# DESIGN.md's table plus the additions: the record must have every one of these.
DESIGN_FIELDS = _words(
    "incident_id run_id request_id provider_request_id request_class source_reference "
    "source_accessed started_at elapsed_ms first_chunk_ms service deployment credential_source "
    "parser_outcome http_method route_template server_address http_status attempt_number "
    "failure_class retry_decision operator_action backoff_ms retry_after_ms response_shape "
    "model response_model streaming finish_reason prompt_tokens completion_tokens total_tokens "
    "fallback_of circuit_state error_summary result"
)


def full_record(**overrides: Any) -> AttemptRecord:
    """A record with every field set."""
    fields: dict[str, Any] = {
        "incident_id": "inc-2026-11-22-01",
        "run_id": "run_9f86d081884c7d65",
        "request_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "provider_request_id": "20251122040812345678901234",
        "request_class": "chat-completion-smoke",
        "source_reference": "https://apidoc.cometapi.com/",
        "source_accessed": "2026-11-22",
        "started_at": datetime(2026, 11, 22, 4, 8, 12, 345000, tzinfo=UTC),
        "elapsed_ms": 812.5,
        "first_chunk_ms": 240.0,
        "service": "checkout-assistant",
        "deployment": "prod-eu",
        "credential_source": "env:COMETAPI_API_KEY",
        "parser_outcome": ParserOutcome.OK,
        "http_method": "POST",
        "route_template": "/v1/chat/completions",
        "server_address": "api.cometapi.com",
        "http_status": 500,
        "attempt_number": 3,
        "failure_class": FailureClass.SERVER_ERROR,
        "retry_decision": RetryDecision.RETRY,
        "operator_action": OperatorAction.RETRY_THEN_FALLBACK,
        "backoff_ms": 2000.0,
        "retry_after_ms": 1500.0,
        "response_shape": ResponseShape.ERROR_JSON,
        "model": "gpt-4o-mini",
        "response_model": "gpt-4o-mini-2024-07-18",
        "streaming": True,
        "finish_reason": "stop",
        "prompt_tokens": 12,
        "completion_tokens": 5,
        "total_tokens": 17,
        "fallback_of": "primary",
        "circuit_state": "half_open",
        "error_summary": "upstream error",
        "result": Result.FAIL,
        "request_shape": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": {"chars": 5}}],
        },
    }
    fields.update(overrides)
    return AttemptRecord(**fields)


def test_record_has_every_design_field() -> None:
    assert set(DESIGN_FIELDS) <= set(AttemptRecord.model_fields)


def test_json_round_trip_keeps_every_field() -> None:
    record = full_record()
    again = AttemptRecord.from_json(record.to_json())
    assert again == record
    assert again.model_dump() == record.model_dump()
    assert json.loads(record.to_json())["failure_class"] == "server_error"


def test_minimal_record_round_trips_and_omits_absent_fields() -> None:
    record = AttemptRecord()
    doc = json.loads(record.to_json())
    assert "http_status" not in doc
    assert AttemptRecord.from_json(record.to_json()) == record


def test_naive_and_offset_times_become_utc() -> None:
    naive = AttemptRecord(started_at=datetime(2026, 11, 22, 4, 8))
    assert naive.started_at.tzinfo is UTC
    offset = AttemptRecord(started_at=datetime(2026, 11, 22, 6, 8, tzinfo=timezone(timedelta(hours=2))))
    assert offset.started_at == datetime(2026, 11, 22, 4, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"attempt_number": 0}, id="attempt-zero"),
        pytest.param({"http_status": 42}, id="status-range"),
        pytest.param({"elapsed_ms": -1.0}, id="negative-elapsed"),
        pytest.param({"failure_class": "meltdown"}, id="unknown-class"),
        pytest.param({"nonsense": 1}, id="unknown-field"),
    ],
)
def test_invalid_records_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AttemptRecord(**bad)


def test_record_is_frozen() -> None:
    record = AttemptRecord()
    with pytest.raises(ValidationError):
        record.http_status = 200  # type: ignore[misc]


def test_otel_attributes() -> None:
    attrs = full_record().to_otel_attributes()
    assert attrs == {
        "http.request.method": "POST",
        "url.template": "/v1/chat/completions",
        "server.address": "api.cometapi.com",
        "http.response.status_code": 500,
        "http.request.resend_count": 2,
        "error.type": "server_error",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.response.time_to_first_chunk": 0.24,
    }


def test_otel_attributes_of_a_bare_attempt() -> None:
    attrs = AttemptRecord(http_method="GET").to_otel_attributes()
    assert attrs == {
        "http.request.method": "GET",
        "http.request.resend_count": 0,
        "gen_ai.operation.name": "chat",
    }


def test_export_with_operator_names() -> None:
    record = full_record()
    plain = record.export()
    ops = record.export(operator_names=True)
    assert plain["result"] == "fail"
    assert plain["error_summary"] == "upstream error"
    assert "result" not in ops
    assert "error_summary" not in ops
    assert ops["operator_result"] == "fail"
    assert ops["sanitary_error_summary"] == "upstream error"
    assert set(EXPORT_ALIASES) == {"result", "error_summary"}
    assert {k for k in ops if k not in plain} == set(EXPORT_ALIASES.values())


def test_ok_property() -> None:
    assert AttemptRecord(http_status=200).ok
    assert not AttemptRecord(http_status=500, failure_class=FailureClass.SERVER_ERROR).ok
    assert not AttemptRecord().ok


@pytest.mark.parametrize(
    "field",
    [
        pytest.param("error_summary", id="error-summary"),
        pytest.param("service", id="service"),
        pytest.param("deployment", id="deployment"),
        pytest.param("credential_source", id="credential-source"),
        pytest.param("request_class", id="request-class"),
        pytest.param("model", id="model"),
        pytest.param("fallback_of", id="fallback-of"),
        pytest.param("provider_request_id", id="provider-request-id"),
    ],
)
def test_secret_in_text_field_never_held(field: str) -> None:
    record = AttemptRecord(**{field: f"Incorrect API key provided: {SECRET}"})
    assert SECRET not in record.to_json()
    assert MASK in str(getattr(record, field))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("env:COMETAPI_API_KEY", "env:COMETAPI_API_KEY", id="env"),
        pytest.param("file:key.txt", "file:key.txt", id="file"),
        pytest.param("q8Zr4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2A", MASK, id="opaque-key-pasted"),
        pytest.param("env:q8Zr4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2A", f"env:{MASK}", id="opaque-key-after-prefix"),
    ],
)
def test_credential_source_is_a_name_never_a_key(source: str, expected: str) -> None:
    assert AttemptRecord(credential_source=source).credential_source == expected


def test_secret_in_request_shape_never_held() -> None:
    shape = {
        "headers": {"Authorization": f"Bearer {SECRET}"},
        "messages": [{"role": "user", "content": f"my key is {SECRET}"}],
        "metadata": {"api_key": "hunter2hunter2"},
    }
    record = AttemptRecord(request_shape=shape)
    dumped = record.to_json()
    assert SECRET not in dumped
    assert "hunter2hunter2" not in dumped
    assert record.request_shape is not None
    assert record.request_shape["messages"][0]["role"] == "user"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param(f"https://u:{SECRET}@api.example.com", "https://api.example.com", id="url-userinfo"),
        pytest.param(f"user:{SECRET}@api.example.com", "api.example.com", id="bare-userinfo"),
        pytest.param("api.cometapi.com", "api.cometapi.com", id="clean"),
        pytest.param("127.0.0.1:8080", "127.0.0.1:8080", id="loopback"),
    ],
)
def test_server_address_never_holds_secrets(address: str, expected: str) -> None:
    assert AttemptRecord(server_address=address).server_address == expected


def test_route_template_query_secrets_are_masked() -> None:
    record = AttemptRecord(route_template=f"/v1/chat/completions?api_key={SECRET}")
    assert record.route_template == f"/v1/chat/completions?api_key={MASK}"


def test_long_error_summary_is_truncated_after_redaction() -> None:
    record = AttemptRecord(error_summary="x" * 1000 + SECRET)
    assert record.error_summary is not None
    assert len(record.error_summary) == 500
    assert record.error_summary.endswith("...")


def test_stored_schema_matches_the_model(repo_root: Path) -> None:
    stored = repo_root / SCHEMA_PATH
    assert stored.exists(), f"missing {SCHEMA_PATH}; run `{REGENERATE}` from the repository root"
    assert stored.read_text("utf-8") == record_json_schema_text(), (
        f"{SCHEMA_PATH} is out of date; run `{REGENERATE}` from the repository root"
    )


def test_records_validate_against_the_schema() -> None:
    schema = record_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(full_record().to_json()), schema)
    jsonschema.validate(json.loads(AttemptRecord().to_json()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"attempt_number": 0}, schema)


def test_schema_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "schema.json"
    assert main([str(target)]) == 0
    assert target.read_text("utf-8") == record_json_schema_text()
    assert str(target) in capsys.readouterr().out


def test_memory_and_jsonl_sinks(tmp_path: Path) -> None:
    records = [full_record(attempt_number=n) for n in (1, 2, 3)]
    memory = MemorySink()
    memory.extend(records)
    assert isinstance(memory, RecordSink)
    assert memory.records == records
    path = tmp_path / "deep" / "records.jsonl"
    with JsonlSink(path) as sink:
        assert isinstance(sink, RecordSink)
        for r in records:
            sink.append(r)
        sink.flush()
    lines = path.read_text("utf-8").splitlines()
    assert [AttemptRecord.from_json(line) for line in lines] == records
    assert write_jsonl(tmp_path / "all.jsonl", records) == 3
    assert len((tmp_path / "all.jsonl").read_text("utf-8").splitlines()) == 3


def test_sink_on_unwritable_path_is_a_usage_error(tmp_path: Path) -> None:
    from chatcontract.errors import UsageError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="cannot write"):
        JsonlSink(blocker / "records.jsonl")
    with pytest.raises(UsageError, match="cannot write"):
        write_jsonl(blocker / "records.jsonl", [])
