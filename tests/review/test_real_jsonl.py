"""Generic JSON lines without --map: field names inferred from the documented synonym table.

Samples in ``samples_real/`` are hand-written in the shapes real loggers emit (ECS, pino,
Envoy JSON access logs, flat gateway lines); each test checks the records field by field.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.review.conftest import load_raw

from chatcontract.cli.app import main
from chatcontract.errors import UsageError
from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.infer import SYNONYMS, infer_from_docs
from chatcontract.review.mapping import load_map
from chatcontract.review.readers import choose_reader


def _pick(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in keys) for r in rows]


def test_ecs_nested_fields_with_ns_durations_and_offsets(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "ecs.jsonl"])
    assert sources[0].reader == "jsonl"
    assert sources[0].inferred == {
        "time": "@timestamp", "status": "http.response.status_code", "path": "url.path",
        "method": "http.request.method", "host": "url.domain", "latency": "event.duration (ns)",
        "request_id": "trace.id", "service": "service.name", "deployment": "host.name",
    }
    assert _pick(rows, "started_at", "status", "path", "latency_ms", "request_id", "deployment", "bad_reason") == [
        (datetime(2026, 11, 22, 14, 5, 0, 120000), 200, "/v1/chat/completions", 1250.0, "t-1", "pod-a", None),
        (datetime(2026, 11, 22, 14, 5, 3), 429, "/v1/chat/completions", 5.0, "t-2", "pod-b", None),
        (datetime(2026, 11, 22, 14, 5, 9, 500000), None, "/v1/chat/completions", 1e-6, "t-3", None,
         "status: not an HTTP status code"),
    ]
    assert bad.counts == {"status: not an HTTP status code": 1, "invalid JSON (malformed or truncated line)": 1}
    assert sources[0].lines == 4
    assert sources[0].records + sources[0].bad == sources[0].lines


def test_flat_lines_with_full_urls_string_statuses_and_seconds(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "flat.jsonl"])
    assert sources[0].inferred["latency"] == "elapsed (s)"
    assert sources[0].inferred["path"] == "url (URL path)"
    assert _pick(rows, "started_at", "status", "host", "path", "latency_ms", "request_id", "model", "deployment") == [
        (datetime(2026, 11, 22, 14, 5), 502, "api.cometapi.com", "/v1/chat/completions", 1500.0, "r-1", "gpt-4o",
         "prod"),
        (datetime(2026, 11, 22, 14, 5, 1), 200, "api.cometapi.com", "/v1/chat/completions", 250.0, "r-1", "gpt-4o",
         "prod"),
    ]
    assert bad.total == 0


def test_pino_lines_epoch_ms_and_query_keys_dropped(samples: Path) -> None:
    rows, sources, _ = load_raw([samples / "pino.jsonl"])
    assert sources[0].inferred["status"] == "res.statusCode"
    assert sources[0].inferred["latency"] == "responseTime (ms)"
    assert _pick(rows, "started_at", "status", "method", "path", "latency_ms", "request_id", "deployment") == [
        (datetime(2026, 11, 22, 14, 5), 401, "POST", "/v1/chat/completions", 12.0, "req-1", "web-1"),
        (datetime(2026, 11, 22, 14, 5, 1, 500000), 200, "POST", "/v1/chat/completions", 950.0, "req-2", "web-1"),
    ]
    assert all("sk-" not in str(r) for r in rows)
    assert sources[0].skipped == {"line without the status field (not a request line)": 1}  # "Server listening"
    assert sources[0].lines == 3
    assert sources[0].records == 2
    assert sources[0].bad == 0


def test_envoy_json_access_log(samples: Path) -> None:
    path = samples / "envoy.json.log"
    assert choose_reader(path).name == "jsonl"
    rows, sources, _ = load_raw([path])
    assert sources[0].inferred["status"] == "response_code"
    assert sources[0].inferred["host"] == "authority"
    assert _pick(rows, "started_at", "status", "path", "latency_ms", "request_id", "host") == [
        (datetime(2026, 11, 22, 14, 8, 0, 310000), 200, "/v1/chat/completions", 1200.0, "0f6a-1", "api.cometapi.com"),
        (datetime(2026, 11, 22, 14, 8, 1), 404, "/v1/chat/completion", 3.0, "0f6a-2", "api.cometapi.com"),
    ]


def test_the_review_says_which_fields_were_inferred(samples: Path) -> None:
    result = run_review(ReviewOptions(paths=(samples / "flat.jsonl",)))
    note = result.finding("fields.inferred")
    assert note.statement.startswith("fields inferred: flat.jsonl: time←timestamp, status←status_code")
    assert note.label is None
    assert result.totals["attempts"] == 2


def test_no_status_field_asks_for_a_map(samples: Path) -> None:
    with pytest.raises(UsageError, match=r"no recognisable status field .*--map FILE.yaml"):
        run_review(ReviewOptions(paths=(samples / "nostatus.jsonl",)))


def test_a_map_still_wins_over_inference(samples: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("fields:\n  time: timestamp\n  status: status_code\n  latency: elapsed\n")  # ms, as given
    rows, sources, _ = load_raw([samples / "flat.jsonl"], field_map=load_map(mapping))
    assert _pick(rows, "status", "latency_ms", "path") == [(502, 1.5, None), (200, 0.25, None)]
    assert all(not s.inferred for s in sources)
    result = run_review(ReviewOptions(paths=(samples / "flat.jsonl",), map_file=mapping))
    assert "fields.inferred" not in {f.key for f in result.findings}


@pytest.mark.parametrize(
    ("doc", "field", "expected"),
    [
        pytest.param({"ts": 1763820300, "status": 200, "duration": 1.25}, "latency", "duration (s)", id="bare-s"),
        pytest.param({"ts": 1763820300, "status": 200, "duration": 1250}, "latency", "duration (ms)", id="bare-ms"),
        pytest.param({"ts": 1763820300, "status": 200, "duration_ns": 5}, "latency", "duration_ns (ns)",
                     id="ns-suffix"),
        pytest.param({"ts": 1763820300, "status": 200, "request_time": "0.5"}, "latency", "request_time (s)",
                     id="nginx-request-time"),
        pytest.param({"time": "not a time", "timestamp": "2026-11-22T14:05:00.123456789Z", "status": 200}, "time",
                     "timestamp", id="skips-unparseable-time"),
        pytest.param({"ts": 1, "time": 1763820300, "status": "ok", "http_status": 503}, "status", "http_status",
                     id="skips-text-status"),
        pytest.param({"ts": 1763820300, "status": 200, "http.response.status_code": 500}, "status", "status",
                     id="table-order-breaks-ties"),
        pytest.param({"ts": 1763820300, "status": 200, "host": "web-1", "authority": "api.cometapi.com"}, "host",
                     "authority", id="authority-is-the-server"),
        pytest.param({"ts": 1763820300, "status": 200, "host": "web-1", "authority": "api.cometapi.com"},
                     "deployment", "host", id="then-host-is-the-machine"),
        pytest.param({"ts": "1763820300.25", "status": 200}, "time", "ts", id="epoch-as-string"),
    ],
)
def test_synonym_choice(doc: dict[str, Any], field: str, expected: str) -> None:
    _, used = infer_from_docs([doc], "sample")
    assert used[field] == expected


def test_flat_dotted_otel_names_as_literal_keys(samples: Path) -> None:
    rows, sources, bad = load_raw([samples / "flat_dotted.jsonl"])
    assert sources[0].inferred["status"] == "http.response.status_code"
    assert sources[0].inferred["prompt_tokens"] == "gen_ai.usage.input_tokens"
    assert _pick(rows, "started_at", "status", "method", "path", "latency_ms", "model", "service") == [
        (datetime(2026, 11, 22, 14, 5), 503, "POST", "/v1/chat/completions", 12.5, "gpt-4o", "svc"),
        (datetime(2026, 11, 22, 14, 5, 1), 200, "POST", "/v1/chat/completions", 7.0, "gpt-4o", "svc"),
    ]
    assert bad.total == 0


def _review_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    """``chatcontract review ARGS`` in this process: the exit code and stderr."""
    with pytest.raises(SystemExit) as exc:
        main(["review", *args])
    return exc.value.code, capsys.readouterr().err


def test_cli_notes_the_inferred_fields_and_asks_for_a_map(samples: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _review_cli([str(samples / "pino.jsonl"), "--format", "json", "--out", str(tmp_path)], capsys)
    assert code in (0, 1), err
    assert "fields inferred: pino.jsonl: time←time, status←res.statusCode" in err
    keys = {f["key"] for f in json.loads((tmp_path / "review.json").read_text())["findings"]}
    assert "fields.inferred" in keys
    code, err = _review_cli([str(samples / "nostatus.jsonl")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "--map FILE.yaml" in err
    assert "Traceback" not in err


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
_DOCS = st.recursive(_SCALARS, lambda inner: st.dictionaries(st.sampled_from(
    ["status", "status_code", "time", "ts", "@timestamp", "duration", "elapsed", "url", "path", "http", "response",
     "event", "usage", "prompt_tokens", "x"]), inner, max_size=5), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=8) | st.sampled_from(list(SYNONYMS)), _DOCS, max_size=6),
                max_size=5))
def test_inference_never_crashes(docs: list[dict[str, Any]]) -> None:
    """Any sampled lines give a mapping or the one-line --map error, nothing else."""
    message = ""
    try:
        fmap, used = infer_from_docs(docs, "fuzz")
    except UsageError as exc:
        message = str(exc)
    if message:
        assert "--map FILE.yaml" in message
        assert "\n" not in message
        return
    assert {"time", "status"} <= set(fmap.fields)
    assert set(used) == set(fmap.fields)


def test_application_lines_among_request_lines_are_skipped_not_failures(samples: Path) -> None:
    result = run_review(ReviewOptions(paths=(samples / "pino.jsonl",)))
    assert result.totals["attempts"] == 2
    assert result.finding("failures.by_class").numbers["by_class"] == {"auth": 1}
    assert result.sources[0].skipped == {"line without the status field (not a request line)": 1}
    assert result.bad_input.total == 0
