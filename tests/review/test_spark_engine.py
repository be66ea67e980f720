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


def _both(session: Any, paths: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    duck = json.loads(render_json(run_review(ReviewOptions(paths=paths))))
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



def test_gateway_samples_together_same_result_on_both_engines(spark: Any) -> None:
    """Every gateway format at once: each pair of inputs is screened for the same traffic, then
    the whole review, on Spark as on DuckDB."""
    samples = Path(__file__).resolve().parent / "samples_gateways"
    duck, sparked = _both(spark, tuple(sorted(samples.iterdir())))
    assert duck["totals"]["attempts"] == 40
    assert {s["reader"] for s in duck["sources"]} >= {"litellm", "kong", "cloudflare", "langfuse"}
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
