"""The pieces the Python access-log readers and Spark's parsing share, without Spark: one time
grammar, ASCII extras, Java spellings of the patterns, which inputs Spark reads as access logs."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatcontract.errors import UsageError
from chatcontract.review.readers.access import ENVOY, NGINX, envoy_row, nginx_row, parse_time
from chatcontract.review.readers.base import in_api_scope
from chatcontract.review.spark_access import TEXT_FORMATS, conf_bytes, java
from chatcontract.review.table import _spark_input, gzip_complete


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("22/Nov/2026:15:05:00 +0100", datetime(2026, 11, 22, 14, 5, tzinfo=UTC), id="time-local"),
        pytest.param("22/Nov/2026:15:05:00 +01:00", datetime(2026, 11, 22, 14, 5, tzinfo=UTC), id="local-colon"),
        pytest.param("2026-11-22T14:08:00.310Z", datetime(2026, 11, 22, 14, 8, 0, 310000, tzinfo=UTC), id="envoy"),
        pytest.param("2026-11-22T15:05:00+01:00", datetime(2026, 11, 22, 14, 5, tzinfo=UTC), id="iso8601"),
        pytest.param("2026-11-22 14:05", datetime(2026, 11, 22, 14, 5, tzinfo=UTC), id="naive-is-utc"),
        pytest.param("2026-11-22T14:05:00.123456789-03:30", datetime(2026, 11, 22, 17, 35, 0, 123456, tzinfo=UTC),
                     id="nanoseconds-cut"),
        pytest.param("9999-12-31T23:00:00-01:00", None, id="past-9999"),
        pytest.param("31/Feb/2026:10:00:00 +0000", None, id="no-such-day"),
        pytest.param("22/Nov/2026:10:00:60 +0000", None, id="leap-second"),
        pytest.param("22/Nov/2026:10:00:00 +2400", None, id="offset-of-a-day"),
        pytest.param("22/nov/2026:10:00:00 +0000", None, id="month-case"),
        pytest.param("20261122T140500", None, id="basic-iso"),
        pytest.param("２０２６-11-22T14:05:00Z", None, id="non-ascii-digits"),
    ],
)
def test_one_time_grammar(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_extras_are_ascii_and_the_last_valid_value_wins() -> None:
    line = (b'10.0.0.1 - - [22/Nov/2026:14:05:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 5 "-" "ua" '
            b'"1.2.3.4" \xd9\xa3 rt=0.5 rt=x retry=\xd9\xa3 retry=2 model=a model=- caf\xc3\xa9=1')
    row = nginx_row(line)
    assert row is not None
    assert (row["latency"], row["retry_count"], row["model"]) == (500.0, 2, "a")  # Arabic-Indic 3 is no number


def test_client_key_hashes_the_text_as_read() -> None:
    """Invalid UTF-8 in the user agent is replaced before hashing, as Spark reads the line."""
    row = envoy_row(b'[2026-11-22T14:08:00Z] "POST /v1/chat/completions HTTP/2" 200 - 1 2 3 4 "-" "ua\xc3(" '
                    b'"r" "h" "u"')
    same = envoy_row('[2026-11-22T14:08:00Z] "POST /v1/chat/completions HTTP/2" 200 - 1 2 3 4 "-" "ua\ufffd(" '
                     '"r" "h" "u"'.encode())
    assert row is not None
    assert same is not None
    assert row["client"] == same["client"]


def test_api_scope_is_ascii() -> None:
    assert in_api_scope("/v1/chat/completions")
    assert in_api_scope("/completions")
    assert not in_api_scope("/v\u0663/x")  # an Arabic-Indic digit is no API version
    assert not in_api_scope("/completionsX")
    assert in_api_scope("/completions.json")


@pytest.mark.parametrize("pattern", [NGINX, ENVOY], ids=["nginx", "envoy"])
def test_java_spelling_keeps_the_groups(pattern: re.Pattern[bytes]) -> None:
    spelled = java(pattern)
    assert spelled.startswith("(?d)")
    assert "(?P<" not in spelled
    assert re.findall(r"\(\?<(\w+)>", spelled) == list(pattern.groupindex)  # the same groups, in order


@pytest.mark.parametrize(("text", "size"), [("134217728b", 134217728), ("128m", 128 << 20), ("4MB", 4 << 20),
                                            ("1g", 1 << 30), ("4096", 4096), ("lots", None)])
def test_spark_size_settings(text: str, size: int | None) -> None:
    assert conf_bytes(text) == size


def test_a_directory_or_glob_of_access_logs_is_read_as_its_first_file_says(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text('[2026-11-22T14:08:00Z] "POST /v1/chat/completions HTTP/2" 200 - 1 2 3 4 "-" '
                                '"ua" "r" "h" "u"\n')
    (logs / "_SUCCESS").write_text("")
    assert _spark_input(logs, None, TEXT_FORMATS).name == "envoy"
    assert _spark_input(logs / "*.log", None, TEXT_FORMATS).name == "envoy"
    assert _spark_input(logs, "nginx", TEXT_FORMATS).name == "nginx"  # --reader decides
    assert _spark_input(Path("s3a://bucket/logs"), None, TEXT_FORMATS).name == "attempts"
    with pytest.raises(UsageError, match=r"--reader envoy or nginx"):
        _spark_input(logs, "har", TEXT_FORMATS)


def test_a_gzip_stream_is_checked_to_its_end(tmp_path: Path) -> None:
    whole = gzip.compress(b"line\n" * 50_000)
    good, cut = tmp_path / "good.gz", tmp_path / "cut.gz"
    good.write_bytes(whole)
    cut.write_bytes(whole[: len(whole) // 2])
    assert gzip_complete(good)
    assert not gzip_complete(cut)
