"""``review --engine spark`` gives the same JSON result as ``--engine duckdb``, field by field.

One Spark session (local[2], two shuffle partitions, no UI, tuned for small inputs) serves every test here; it starts
once (seconds) and is stopped at the end. Marked ``spark``: ``pytest -m "not spark"`` skips them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatcontract.errors import UsageError
from chatcontract.report.review_md import render_json
from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.load_sql import raw_columns
from chatcontract.review.readers import access as access_reader

# The timeout is a hang guard, not a speed check: the JVM start and a review take ~50 s on a
# quiet 2-core machine and over 120 s (the suite's default) when the machine is shared.
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark"), pytest.mark.timeout(400)]

# Inputs of a few thousand rows: the cost is the JVM compiling, not the rows. Measured on the
# two reviews below (2-core box): 98 CPU-s of Java with Spark's defaults, 44 with these. The
# results cannot differ (Spark falls back to the interpreted path whenever codegen fails, and
# AQE re-plans, it does not change answers); two shuffle partitions are kept, so a query whose
# order depends on partitioning still shows it.
SMALL_INPUTS = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",  # re-planning each of ~120 tiny jobs costs more than it saves
    "spark.sql.codegen.wholeStage": "false",  # no Java source generated and compiled per query
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",  # expressions interpreted, not compiled
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # a short-lived JVM
    "spark.ui.showConsoleProgress": "false",
}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from pyspark.sql import SparkSession

    from chatcontract.review.spark import SESSION_CONF

    builder = SparkSession.builder.master("local[2]").appName("chatcontract-tests")
    for key, value in {**SESSION_CONF, **SMALL_INPUTS}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


MAX_JOBS = 150  # a review runs few, batched Spark jobs (118 measured on the incident; per-job overhead dominates)


def _both(session: Any, paths: tuple[Path, ...], python_access: pytest.MonkeyPatch | None = None,
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The review on DuckDB, then on Spark (with ``python_access``: the Python access-log reader
    fails if anything calls it during the Spark run)."""
    duck = json.loads(render_json(run_review(ReviewOptions(paths=paths))))
    if python_access is not None:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("an access log was parsed in Python")

        python_access.setattr(access_reader._LineReader, "rows", refuse)
    context = session.sparkContext
    group = f"review-{len(paths)}-{paths[0].name}"  # a group per review: the tracker keeps past groups' jobs
    context.setJobGroup(group, "one review")
    spark = json.loads(render_json(run_review(ReviewOptions(paths=paths, engine="spark"))))
    jobs = context.statusTracker().getJobIdsForGroup(group)
    context.setJobGroup("other", "")
    assert 0 < len(jobs) <= MAX_JOBS
    return duck, spark


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Every field where two JSON results differ (an empty list: identical)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in one" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += _differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{where}[{i}]")]
    return [] if a == b and type(a) is type(b) else [f"{where}: {a!r} vs {b!r}"]


def test_generated_incident_same_result_on_both_engines(spark: Any, incident: tuple[Path, dict[str, Any]]) -> None:
    out, truth = incident
    duck, sparked = _both(spark, (out / "attempts.jsonl",))
    assert duck["totals"]["attempts"] > 1000  # a real incident, not an empty review
    assert any(f["key"] == "failures.by_class" for f in duck["findings"])
    assert _differences(duck, sparked) == []
    assert sparked["totals"]["attempts"] == truth["attempts"]



def test_gateway_samples_and_access_logs_together_same_result_on_both_engines(
    spark: Any, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every gateway format and the real nginx and Envoy access logs at once: each pair of inputs is
    screened for the same traffic, then the whole review, on Spark as on DuckDB. Spark parses the
    access logs itself (their Python reader is out of reach during its run)."""
    gateways = sorted((Path(__file__).resolve().parent / "samples_gateways").iterdir())
    access = [samples / n for n in ("nginx_combined.log", "envoy.log")]  # the others: the load test below
    duck, sparked = _both(spark, (*gateways, *access), python_access=monkeypatch)
    assert duck["totals"]["attempts"] == 40 + 3 + 4
    assert {s["reader"] for s in duck["sources"]} >= {"litellm", "kong", "cloudflare", "langfuse", "nginx", "envoy"}
    assert duck["bad_input"]["examples"]  # the access logs' bad lines, listed alike
    assert _differences(duck, sparked) == []


def test_a_table_rebuilt_over_itself_keeps_a_small_plan(spark: Any, tmp_path: Path) -> None:
    """Each version of an appended table is cut from the one before: a query that reads the table
    twice (as the same-traffic rounds read their pairs) would otherwise double the plan at every
    append, until planning alone exhausts the driver's heap."""
    from chatcontract.review.spark import SparkEngine

    engine = SparkEngine(spark, tmp_path, owns=False)
    try:
        engine.create_rows("pairs", [("a", "BIGINT")], [(1,)])
        sizes = []
        for _ in range(4):
            engine.append("pairs", "SELECT a + 1 FROM pairs WHERE a + 1 NOT IN (SELECT a FROM pairs)")
            sizes.append(len(spark.table("pairs")._jdf.queryExecution().analyzed().treeString()))
        assert engine.execute("SELECT COUNT(*), MAX(a) FROM pairs").fetchall() == [(5, 5)]
        assert max(sizes) < 2 * min(sizes)  # without the cut: doubling at each append
    finally:
        engine.close()


def test_without_pyspark_the_option_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from chatcontract.review.spark import spark_engine

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # an import of it fails, as if not installed
    with pytest.raises(UsageError, match=r"chatcontract\[spark\]") as err:
        spark_engine(None, tmp_path)
    assert "\n" not in str(err.value)


NGINX_EDGES = [  # beside the real samples: extras, times, statuses the parser must read as Python does
    '10.0.0.9 - - [22/Nov/2026:14:07:00 +0000] "POST /v1/chat/completions HTTP/1.1" 499 0 "-" "ua" 2.500 rt=2.5 '
    'request_id=r-1 model="gpt-4o" retry=2 service=checkout deployment=- idempotency_key=k1',
    '10.0.0.9 - - [22/Nov/2026:14:07:01 +0000] "POST /v1/chat/completions HTTP/1.1" 200 10 "-" "ua" - req_id=r-2 '
    'rt=abc retry=x host=api.example.com rt=0.25 request_id=""',
    '10.0.0.9 - - [31/Feb/2026:14:07:02 +0000] "POST /v1/chat/completions HTTP/1.1" 200 10 "-" "ua"',
    '10.0.0.9 - - [22/Nov/2026:14:07:03 +2500] "POST /v1/chat/completions HTTP/1.1" 200 10 "-" "ua"',
    '10.0.0.9 - - [2026-11-22T14:07:04.123456789+05:30] "GET /v1/models HTTP/1.1" 200 3 "-" "ua"',
    "",
    '10.0.0.9 - - [2026-11-22 14:07:05] "POST /chat/completions HTTP/1.1" 000 0 "-" "ua"\r',
    '10.0.0.9 - - [22/Nov/2026:14:07:06 +0000] "POST /v1/chat/completions HTTP/1.1" 700 0 "-" "ua"',
    '10.0.0.9 - - [22/Nov/2026:14:07:07 -0330] "POST https://api.cometapi.com/v1/chat/completions?key=x HTTP/1.1" '
    '200 5 "-" "ua" "1.2.3.4" "5.6.7.8" 0.100 0123456789abcdef0123456789abcdef',
    '10.0.0.9 - - [22/Nov/2026:14:07:08 +0000] "POST /v1/chat/completions HTTP/1.1" 200 5 "-" "ua" 1e3 retry=0007',
    '10.0.0.9 - - [22/Nov/2026:14:07:09 +0000] "POST /completionsX HTTP/1.1" 200 5 "-" "ua"',
    '10.0.0.9 - - [22/Nov/2026:14:07:09 +0000] "POST /v1/chat/completions HTTP/1.1" 200 5 "-" "ua" retry="3\r" '
    'rt="0.5\r" model="a\rb"',
    '10.0.0.9 - - [22/Nov/2026:14:07:10 +0000] "POST /v1/chat/completions HTTP/1.1" 200 5 "-" "Üser ✓" model=modèle',
]
ENVOY_EDGES = [
    '[2026-11-22T14:09:00Z] "POST /v1/chat/completions HTTP/1.1" 0 UC,UT 10 0 - - "-" "ua" "-" "api.x" "-"',
    '[2026-11-22T14:09:01+01:00] "POST /v1/embeddings HTTP/1.1" 0200 - 1 2 3 4 "-" "ua" "rid" "host" "up"',
    '[2026-11-22T14:09:02] "GET /v1/models?x=1 HTTP/1.1" 503 UO 1 2 33 4 "-" "ua" "" "" ""',
    '[2026-13-22T14:09:03Z] "GET /v1/models HTTP/1.1" 200 - 1 2 3 4 "-" "ua" "r" "h" "u"',
]
_COMPARED = [n for n, _ in raw_columns() if n not in ("source_file", "kh", "hkey", "bad_file", "bad_text")]
_ROWS = (f"SELECT {', '.join(_COMPARED)} FROM raw WHERE bad_text IS NULL "  # noqa: S608 - fixed column names
         "AND (bad_reason IS NULL OR NOT starts_with(bad_reason, 'skipped: '))")


def test_access_log_directory_and_glob_read_by_spark_as_duckdb_reads_their_files(
    spark: Any, samples: Path, tmp_path: Path
) -> None:
    """A gzip file cut short, a directory of nginx logs (one gzipped) and a glob of Envoy logs,
    files cut into several splits, loaded by Spark itself: the same rows, line numbers, counts and
    bad-line examples as DuckDB's load of the files one by one through the Python readers."""
    import gzip

    from chatcontract.review.spark import SparkEngine
    from chatcontract.review.table import connect, load

    nginx, envoy, work = tmp_path / "nginx", tmp_path / "envoy", tmp_path / "work"
    for directory in (nginx, envoy, work):
        directory.mkdir()
    (nginx / "a_combined.log").write_bytes((samples / "nginx_combined.log").read_bytes())
    (nginx / "b_timed.log.gz").write_bytes(gzip.compress((samples / "nginx_timed.log").read_bytes()))
    invalid_utf8 = (b'10.0.0.9 - - [22/Nov/2026:14:07:11 +0000] "POST /v1/chat/\xff\xfecompletions HTTP/1.1" 200 5 '
                    b'"-" "ua\xc3(" model=m\xe9\n\xff\xfe not \xe9 a line\n')  # see docs/scale.md
    (nginx / "c_edges.log").write_bytes(("\n".join(NGINX_EDGES) + "\n").encode() + invalid_utf8)
    (envoy / "envoy_a.log").write_bytes((samples / "envoy.log").read_bytes())
    (envoy / "envoy_b.log").write_text("\n".join(ENVOY_EDGES), "utf-8")  # no newline at the end
    packed = gzip.compress((samples / "nginx_combined.log").read_bytes())
    cut = tmp_path / "cut.log"  # a gzip stream cut short, no .gz in its name: the lines before the cut count
    cut.write_bytes(packed[: len(packed) * 3 // 4])
    files = [cut, *sorted(nginx.iterdir()), *sorted(envoy.iterdir())]
    duck = connect(files)
    try:
        duck_sources, duck_bad = load(duck, files, forced=None, field_map=None, workdir=work)
        duck_rows = sorted(map(repr, duck.execute(_ROWS).fetchall()))
    finally:
        duck.close()
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4k")  # several splits per file: numbered across them
    engine = SparkEngine(spark, work, owns=False)
    try:
        spark_sources, spark_bad = load(engine, [cut, nginx, envoy / "envoy_*.log"], forced=None, field_map=None,
                                         workdir=work)  # what it decompresses stays in the test's folder
        spark_rows = sorted(map(repr, engine.execute(_ROWS).fetchall()))
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
        engine.close()
    assert len(duck_rows) > 24
    assert spark_rows == duck_rows
    assert [s.reader for s in spark_sources] == ["nginx", "nginx", "envoy"]
    for combined, parts in ((spark_sources[0], duck_sources[:1]), (spark_sources[1], duck_sources[1:4]),
                            (spark_sources[2], duck_sources[4:])):
        assert (combined.lines, combined.records, combined.bad) == tuple(
            sum(getattr(p, k) for p in parts) for k in ("lines", "records", "bad"))
        skipped: dict[str, int] = {}
        for part in parts:
            for reason, n in part.skipped.items():
                skipped[reason] = skipped.get(reason, 0) + n
        assert combined.skipped == skipped
    assert spark_bad.counts == duck_bad.counts
    assert duck_bad.counts["compressed stream cut short or corrupt"] == 1
    assert spark_bad.examples == duck_bad.examples
    assert (duck_bad.examples[0]["source"], duck_bad.examples[0]["text"]) == (
        "cut.log", "after line 4: Compressed file ended before the end-of-stream marker was reached")
