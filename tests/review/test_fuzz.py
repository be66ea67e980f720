"""Hypothesis fuzzing of every reader: arbitrary bytes, truncated lines, wrong types, huge fields,
non-UTF-8. No crash (only a one-line UsageError for input that is not a log at all), and every
line is accounted for: records + bad lines (+ lines skipped on purpose) = lines read.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chatcontract.errors import UsageError
from chatcontract.review import ReviewOptions, ReviewResult, run_review

# Each example is a whole review (readers, DuckDB load, every finding query: ~0.1 CPU-s), so each
# property draws 12 inputs a run (was 25); the inputs are new every run, so CI runs add up.
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = {"schema_version": 1, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z", "elapsed_ms": 10,
        "http_method": "POST", "route_template": "/v1/chat/completions", "http_status": 200, "attempt_number": 1}
NGINX = ('10.0.0.1 - - [22/Nov/2026:14:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 5 "-" "ua" 0.5')

values = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                   st.text(max_size=30), st.lists(st.integers(), max_size=3), st.just("x" * 100_000))


def _review(content: bytes, reader: str) -> ReviewResult | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.log"
        path.write_bytes(content)
        mapping = Path(tmp) / "map.yaml"
        mapping.write_text("fields: {time: t, status: s.code, latency: {field: d, unit: s}, path: p}\n")
        try:
            return run_review(ReviewOptions(paths=(path,), reader=reader, map_file=mapping))
        except UsageError as exc:
            message = str(exc)
        assert "\n" not in message
        return None


def _accounted(result: ReviewResult | None, lines: int) -> None:
    if result is None or result.bad_input.counts.get("compressed stream cut short or corrupt"):
        return
    src = result.sources[0]
    assert src.records + src.bad + sum(src.skipped.values()) == src.lines
    assert src.lines == lines
    assert result.totals["attempts"] == src.records


def _accounted_document(result: ReviewResult | None) -> None:
    """One document: each entry is a record, a bad entry or skipped; a cut document adds one."""
    if result is None:
        return
    src = result.sources[0]
    cut = result.bad_input.counts.get("document truncated or invalid JSON", 0)
    assert src.records + src.bad + sum(src.skipped.values()) == src.lines + cut


def _nonblank(content: bytes) -> int:
    return sum(1 for line in content.split(b"\n") if line.strip(b"\r").strip())


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=80), st.dictionaries(st.sampled_from(sorted(GOOD)), values, max_size=6)
                          .map(lambda d: json.dumps({**GOOD, **d}).encode()),
                          st.just(json.dumps(GOOD).encode())), min_size=1, max_size=12))
# Found by this test: DuckDB quotes the bad value in its error message, cut mid-character, and the
# message then failed to decode (UnicodeDecodeError escaped the strict scan's fallback).
@example(lines=[json.dumps({**GOOD, "attempt_number": "0000\x1f\x1f\x80\x80"}).encode(), json.dumps(GOOD).encode()])
# Found by this test on a fresh clone: an ISO time of "infinity" or 9999-12-31T23:59:59.999999 on a
# failed attempt was loaded as a time, and the peak minute's next minute overflowed Python's datetime.
@example(lines=[json.dumps({**GOOD, "started_at": "infinity", "http_status": 500}).encode()])
@example(lines=[json.dumps({**GOOD, "started_at": "9999-12-31T23:59:59.999999Z", "http_status": 500}).encode()])
@example(lines=[json.dumps({**GOOD, "started_at": float("-inf"), "http_status": 500}).encode()])
def test_attempts_reader(lines: list[bytes]) -> None:
    content = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    _accounted(_review(content, "attempts"), _nonblank(content))


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=120), st.just(NGINX.encode()),
                          st.text(max_size=60).map(lambda t: (NGINX[:40] + t).encode("utf-8", "replace"))),
                min_size=1, max_size=12))
def test_nginx_reader(lines: list[bytes]) -> None:
    content = b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines) + b"\n"
    _accounted(_review(content, "nginx"), _nonblank(content))


@SETTINGS
@given(st.lists(st.binary(max_size=120), min_size=1, max_size=8))
def test_envoy_reader(lines: list[bytes]) -> None:
    content = b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines) + b"\n"
    _accounted(_review(content, "envoy"), _nonblank(content))


def _har(entries: list[object]) -> bytes:
    return json.dumps({"log": {"version": "1.2", "entries": entries}}).encode()


entry = st.fixed_dictionaries({
    "startedDateTime": st.one_of(st.just("2026-11-22T14:00:00Z"), values),
    "time": values,
    "request": st.one_of(values, st.fixed_dictionaries({"method": values, "url": st.one_of(
        st.just("https://api.cometapi.com/v1/chat/completions"), values)})),
    "response": st.one_of(values, st.fixed_dictionaries({"status": values, "content": st.one_of(
        values, st.fixed_dictionaries({"mimeType": st.just("application/json"), "text": values}))})),
})


@SETTINGS
@given(st.lists(st.one_of(entry, values), max_size=6), st.integers(0, 400))
def test_har_reader(entries: list[object], cut: int) -> None:
    content = _har(entries)
    result = _review(content[: len(content) - cut] if cut else content, "har")
    _accounted_document(result)


span = st.fixed_dictionaries({
    "traceId": values, "startTimeUnixNano": st.one_of(st.just("1795356000000000000"), values),
    "endTimeUnixNano": values,
    "attributes": st.one_of(values, st.lists(st.fixed_dictionaries({
        "key": st.sampled_from(["http.request.method", "http.response.status_code", "gen_ai.request.model",
                                "error.type", "http.request.resend_count"]),
        "value": st.one_of(values, st.fixed_dictionaries({"stringValue": values}),
                           st.fixed_dictionaries({"intValue": values}))}), max_size=4)),
})


@SETTINGS
@given(st.lists(span, max_size=6), st.integers(0, 300))
def test_otlp_reader(spans: list[object], cut: int) -> None:
    content = json.dumps({"resourceSpans": [{"resource": {"attributes": []},
                                             "scopeSpans": [{"spans": spans}]}]}).encode()
    result = _review(content[: len(content) - cut] if cut else content, "otlp")
    _accounted_document(result)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["attempts", "jsonl", "otlp", "har", "nginx", "envoy"]))
def test_arbitrary_bytes_never_crash(content: bytes, reader: str) -> None:
    result = _review(content, reader)
    if reader in ("attempts", "jsonl", "nginx", "envoy"):
        _accounted(result, _nonblank(content))


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=60), st.fixed_dictionaries(
    {"t": st.one_of(st.just("2026-11-22T14:00:00Z"), st.just(1795356000), values),
     "s": st.one_of(st.fixed_dictionaries({"code": values}), values), "d": values, "p": values})
    .map(lambda d: json.dumps(d).encode())), min_size=1, max_size=10))
def test_mapped_jsonl_reader(lines: list[bytes]) -> None:
    content = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    _accounted(_review(content, "jsonl"), _nonblank(content))
