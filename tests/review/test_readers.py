"""Readers: sniffing, each format's sample against the generator's truth, gzip, bad lines."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from chatcontract.errors import UsageError
from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.readers import READERS, choose_reader


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        pytest.param("attempts.jsonl", "attempts", id="attempts"),
        pytest.param("generic.jsonl", "jsonl", id="generic-jsonl"),
        pytest.param("access.log", "nginx", id="nginx"),
        pytest.param("capture.har", "har", id="har"),
        pytest.param("spans.otlp.json", "otlp", id="otlp"),
    ],
)
def test_sniffing_picks_the_reader(incident: tuple[Path, dict[str, Any]], name: str, reader: str) -> None:
    directory, _ = incident
    assert choose_reader(directory / name).name == reader


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary data", id="png"),
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"   \n\n", "empty file", id="blank"),
        pytest.param(b"Dear diary,\nnothing happened today.\n", "no known log format", id="prose"),
        pytest.param(gzip.compress(b"\x00\x01\x02" * 100), "binary data", id="gzipped-binary"),
    ],
)
def test_not_a_log_is_a_usage_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.log"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        choose_reader(path)


def test_unknown_reader_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        choose_reader(tmp_path / "missing.log")
    (tmp_path / "a.log").write_text("x\n")
    with pytest.raises(UsageError, match="unknown reader 'csv'"):
        choose_reader(tmp_path / "a.log", "csv")


def test_generic_jsonl_needs_a_map(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = incident
    with pytest.raises(UsageError, match="--map"):
        run_review(ReviewOptions(paths=(directory / "generic.jsonl",)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("fields: {status: code}\n", "'time' is required", id="no-time"),
        pytest.param("fields: {time: ts, colour: c}\n", "unknown field 'colour'", id="unknown-field"),
        pytest.param("fields: {time: ts, latency: {field: d, unit: hours}}\n", "unit must be", id="bad-unit"),
        pytest.param("fields: [1, 2]\n", "expected a mapping", id="not-a-mapping"),
        pytest.param("fields: {time: [\n", "not valid YAML", id="bad-yaml"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, incident: tuple[Path, dict[str, Any]], text: str, message: str) -> None:
    directory, _ = incident
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text)
    with pytest.raises(UsageError, match=message):
        run_review(ReviewOptions(paths=(directory / "generic.jsonl",), map_file=mapping))


def _by_class(result: Any) -> dict[str, int]:
    return dict(result.finding("failures.by_class").numbers["by_class"])


def test_har_sample(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    result = run_review(ReviewOptions(paths=(directory / "capture.har",)))
    assert result.totals["attempts"] == truth["sample"]["attempts"]
    assert _by_class(result) == truth["sample"]["by_class"]
    assert result.grouping["methods"] == {"x-stainless-retry-count": truth["sample"]["attempts"]}


def test_otlp_sample(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    result = run_review(ReviewOptions(paths=(directory / "spans.otlp.json",)))
    assert _by_class(result) == truth["sample"]["by_class"]
    assert result.grouping["methods"] == {"http.request.resend_count": truth["sample"]["attempts"]}
    assert result.finding("fields.deployment_absent") if False else True  # deployment comes from the resource
    assert "fields.deployment_absent" not in {f.key for f in result.findings}


def test_nginx_sample_counts_bad_lines(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    result = run_review(ReviewOptions(paths=(directory / "access.log",)))
    sample = truth["sample"]
    assert result.totals["attempts"] == sample["with_status"]  # connect errors never reach a gateway
    assert result.bad_input.counts == {"not a nginx access-log line": sample["nginx_bad"]}
    assert result.grouping["methods"] == {"heuristic": sample["with_status"]}
    assert result.grouping["heuristic"]
    expected = {k: v for k, v in sample["by_class"].items() if k not in ("connect_error", "stream_interrupted")}
    assert _by_class(result) == expected


def test_envoy_lines(tmp_path: Path) -> None:
    lines = [
        '[2026-11-22T14:08:00.310Z] "POST /v1/chat/completions HTTP/2" 200 - 154 512 1200 1190 "10.0.0.1" '
        '"OpenAI/Python" "a1" "api.cometapi.com" "10.1.1.1:443"',
        '[2026-11-22T14:08:01.000Z] "POST /v1/chat/completions HTTP/2" 0 UF 154 0 30 - "10.0.0.1" '
        '"OpenAI/Python" "a2" "api.cometapi.com" "-"',
        '[2026-11-22T14:08:02.000Z] "POST /v1/chat/completions HTTP/2" 503 UT 154 0 5000 - "10.0.0.1" '
        '"OpenAI/Python" "a3" "api.cometapi.com" "10.1.1.1:443"',
        "garbage",
    ]
    path = tmp_path / "envoy.log"
    path.write_text("\n".join(lines) + "\n")
    assert choose_reader(path).name == "envoy"
    result = run_review(ReviewOptions(paths=(path,)))
    assert _by_class(result) == {"connect_error": 1, "server_error": 1}
    assert result.bad_input.total == 1


def test_gzip_by_magic_bytes(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    packed = tmp_path / "attempts.log"  # no .gz suffix: detected by magic bytes
    packed.write_bytes(gzip.compress((directory / "attempts.jsonl").read_bytes()))
    har = tmp_path / "capture.bin"
    har.write_bytes(gzip.compress((directory / "capture.har").read_bytes()))
    assert run_review(ReviewOptions(paths=(packed,))).totals["attempts"] == truth["attempts"]
    assert run_review(ReviewOptions(paths=(har,))).totals["attempts"] == truth["sample"]["attempts"]


def test_bad_jsonl_lines_counted_by_reason(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    path = tmp_path / "attempts.jsonl"
    shutil.copy(directory / "attempts.jsonl", path)
    good = json.loads((directory / "attempts.jsonl").read_text().splitlines()[0])
    extra = [
        b"{not json",
        b"[1, 2, 3]",
        b"\xff\xfe\x00 not utf-8",
        b"{}",
        json.dumps({**good, "http_status": "abc"}).encode(),
        json.dumps({**good, "elapsed_ms": -5}).encode(),
        json.dumps({k: v for k, v in good.items() if k != "started_at"}).encode(),
        json.dumps({**good, "started_at": "yesterday"}).encode(),
        b"",
    ]
    with path.open("ab") as fh:
        fh.write(b"\n".join(extra) + b"\n")
    result = run_review(ReviewOptions(paths=(path,)))
    assert result.totals["attempts"] == truth["attempts"]
    assert result.bad_input.counts == {
        "invalid JSON (malformed or truncated line)": 1,
        "not a JSON object": 1,
        "not UTF-8": 1,
        "none of the mapped fields": 1,
        "status: not an HTTP status code": 1,
        "latency: not a non-negative number": 1,
        "time: missing": 1,
        "time: not a timestamp": 1,
    }
    assert result.sources[0].bad == 8
    assert len(result.bad_input.examples) == 5


def test_truncated_har_keeps_entries_before_the_cut(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = incident
    text = (directory / "capture.har").read_text()
    path = tmp_path / "cut.har"
    path.write_text(text[: len(text) // 2])
    result = run_review(ReviewOptions(paths=(path,)))
    assert result.bad_input.counts == {"document truncated or invalid JSON": 1}
    assert result.totals["attempts"] > 0


def test_readers_registry_names_are_unique() -> None:
    from chatcontract.review.readers import register

    with pytest.raises(ValueError, match="already registered"):
        register(READERS["har"])


def test_cut_gzip_keeps_the_lines_before_the_cut(tmp_path: Path, incident: tuple[Path, dict[str, Any]]) -> None:
    directory, truth = incident
    packed = gzip.compress((directory / "attempts.jsonl").read_bytes())
    path = tmp_path / "attempts.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])  # a log still being written
    result = run_review(ReviewOptions(paths=(path,)))
    assert 0 < result.totals["attempts"] < truth["attempts"]
    assert result.bad_input.counts["compressed stream cut short or corrupt"] == 1
    assert set(result.bad_input.counts) <= {"compressed stream cut short or corrupt",
                                            "invalid JSON (malformed or truncated line)"}
