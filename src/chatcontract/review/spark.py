# ruff: noqa: S608 - SQL here is built from fixed table and column names; values go in as literals
"""The review on Apache Spark (``review --engine spark``): the same SQL, transpiled by sqlglot.

The review's SQL is written once in DuckDB's dialect; :func:`to_spark` parses it with sqlglot,
mends the one function sqlglot reads the other way (``epoch_ms(timestamp)`` is milliseconds, not
a timestamp) and names Spark's percentile (one of a list of percentiles by ``element_at``, which
counts from 1 as DuckDB's ``[i]`` does), puts parameter values in as literals and writes Spark
SQL. Spark reads the JSON lines itself and parses nginx and Envoy access logs itself
(:mod:`spark_access`); gzip, directories, globs and ``s3a://`` / ``hdfs://`` / ``file://`` URIs
pass through to it. Every field is read as text and typed by the loader's SQL, as DuckDB's
lenient read does. ``raw`` gets a ``rowid`` column and is kept (memory, then disk) once loaded;
an update is a new version of the ``raw`` view over the kept previous one. Timestamps are
``TIMESTAMP_NTZ`` in UTC, as DuckDB's ``TIMESTAMP`` in a UTC session.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.review import load_sql as q
from chatcontract.review.mapping import CANONICAL_MAP, FieldMap
from chatcontract.review.readers import is_gzip
from chatcontract.review.spark_access import TEXT_FORMATS
from chatcontract.review.sqlengine import Params

EXTRA = "pip install 'chatcontract[spark]'"
_SPARK_TYPES = {"VARCHAR": "string", "TIMESTAMP": "timestamp_ntz", "DOUBLE": "double", "INTEGER": "int",
                "BIGINT": "bigint", "UBIGINT": "bigint", "BOOLEAN": "boolean"}
PARALLEL_QUERIES = 4  # findings queried at once (small results; the cost is per-job overhead)
_URI = ("s3a://", "s3://", "hdfs://", "file://", "gs://", "abfs://", "abfss://")


def _literal(value: Any) -> Any:
    from sqlglot import exp

    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(repr(value))
    if isinstance(value, datetime):
        ts = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return exp.cast(exp.Literal.string(ts.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP"))
    return exp.Literal.string(str(value))


def to_spark(sql: str, params: Params = None) -> str:
    """DuckDB-dialect SQL with ``?``, ``$1`` or ``$name`` parameters -> Spark SQL with literals."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    for epoch in list(tree.find_all(exp.UnixToTime)):
        if epoch.args.get("scale") == exp.UnixToTime.MILLIS:  # epoch_ms(ts): here always a timestamp's millis
            epoch.replace(exp.Anonymous(this="unix_millis", expressions=[epoch.this]))
    for pc in list(tree.find_all(exp.PercentileCont)):  # quantile_cont(x, p): Spark's percentile(x, p)
        spark_pc = exp.Anonymous(this="percentile", expressions=[pc.this, pc.expression])
        at = pc.parent
        if isinstance(at, exp.Bracket) and at.this is pc:  # quantile_cont(x, [p, q])[i]: from 1, as element_at
            at.replace(exp.Anonymous(this="element_at", expressions=[spark_pc, *at.expressions]))
        else:
            pc.replace(spark_pc)
    positional = iter(params if isinstance(params, Sequence) and not isinstance(params, str) else ())
    for node in list(tree.find_all(exp.Placeholder, exp.Parameter, bfs=False)):  # in the order written
        name = node.name
        if isinstance(params, Mapping):
            value = params[name]
        elif name.isdigit():
            value = list(params or ())[int(name) - 1]
        else:
            value = next(positional)
        node.replace(_literal(value))
    return tree.sql(dialect="spark")


class _Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class SparkEngine:
    """The review's SQL on a Spark session (see the module doc)."""

    name = "spark"
    lazy = True
    text_formats = TEXT_FORMATS

    def __init__(self, session: Any, workdir: Path | None, *, owns: bool) -> None:
        self.spark = session
        self.workdir = workdir
        self.owns = owns
        self.parts: list[Any] = []  # each file's rows, until finish_load
        self.kept: dict[str, Any] = {}  # name -> the persisted DataFrame behind a view
        self.jobs = 0  # queries collected (for tests and the benchmark)
        self.create_rows("raw", [*q.raw_columns(), ("rowid", "BIGINT")], [])

    # --- queries ------------------------------------------------------------------------------
    def sql(self, sql: str, params: Params = None) -> Any:
        return self.spark.sql(to_spark(sql, params))

    def execute(self, sql: str, params: Params = None) -> _Rows:
        from pyspark.sql import functions as F  # noqa: N812
        from pyspark.sql.types import TimestampType

        df = self.sql(sql, params)
        # a Spark TIMESTAMP (local time zone) reaches Python in the process's zone: as UTC wall time
        cols = [F.col(f"`{f.name}`").cast("timestamp_ntz") if isinstance(f.dataType, TimestampType)
                else F.col(f"`{f.name}`") for f in df.schema.fields]
        self.jobs += 1
        return _Rows([tuple(r) for r in df.select(*cols).collect()])

    def execute_many(self, sqls: Sequence[str]) -> list[list[Any]]:
        """The queries as concurrent Spark jobs: each costs more in scheduling than in work."""
        from pyspark import inheritable_thread_target

        run = inheritable_thread_target(self.spark)(self.execute)  # the caller's job group and properties go along
        with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
            return [r.fetchall() for r in pool.map(run, sqls)]

    # --- loading ------------------------------------------------------------------------------
    def _location(self, path: Path, source: str) -> str:
        """What Spark reads for ``path``: a URI as given, a gzip file under a name ending ``.gz``."""
        text = re.sub(r"^([a-z][a-z0-9+.-]*):/(?!/)", r"\1://", str(path))  # a Path keeps one slash of "s3a://"
        if text.startswith("file://") and not text.startswith("file:///"):
            text = "file:/" + text.removeprefix("file://")
        if path.is_file() and is_gzip(path) and not text.endswith(".gz"):
            link = self._workfile(f"{source}.log.gz")  # Spark knows gzip by its name
            link.symlink_to(path.resolve())
            text = str(link)
        return text

    def insert_json_lines(self, path: Path, fmap: FieldMap, source: str) -> str:
        from pyspark.sql.types import StringType, StructField, StructType

        cols = q.source_columns(fmap, strict=False)
        schema = StructType([StructField(c, StringType()) for c in cols])
        view = f"src_{source}"
        reader = self.spark.read.schema(schema).option("mode", "PERMISSIVE")
        reader.json(self._location(path, source)).createOrReplaceTempView(view)
        self._add_part(self.sql(q.select_raw(fmap, view), {"source": source}))
        return "lenient"

    def insert_text_lines(self, path: Path, fmt: str, source: str) -> None:
        from chatcontract.review.spark_access import FIELDS, access_frame, one_split

        view = f"src_{source}"
        frame = access_frame(self.spark, self._location(path, source), fmt, single=one_split(self.spark, path))
        frame.createOrReplaceTempView(view)
        fmap = FieldMap("access", {f: CANONICAL_MAP.fields[f] for f in FIELDS})
        self._add_part(self.sql(q.select_raw(fmap, view, reader_reason=True), {"source": source}))

    def _add_part(self, df: Any) -> None:
        from pyspark.sql import functions as F  # noqa: N812

        have = set(df.columns)
        self.parts.append(df.select(*[
            (F.col(n) if n in have else F.lit(None)).cast(_SPARK_TYPES[t]).alias(n) for n, t in q.raw_columns()
        ]))

    def finish_load(self) -> None:
        from pyspark.sql import functions as F  # noqa: N812

        if not self.parts:
            return
        df = self.parts[0]
        for part in self.parts[1:]:
            df = df.unionByName(part)
        self.parts = []
        self._keep("raw", df.withColumn("rowid", F.monotonically_increasing_id()), materialize=True)

    def _workfile(self, name: str) -> Path:
        if self.workdir is None:
            raise UsageError("the Spark engine needs a work directory")
        return self.workdir / name

    # --- views and tables -----------------------------------------------------------------------
    def _keep(self, name: str, df: Any, *, materialize: bool = False) -> None:
        """Keep ``df`` as the view ``name``; with ``materialize``, computed now and cut from its
        lineage: a version built over the previous one (an append, an update) would otherwise carry
        every earlier version's plan, and a query reading the table twice doubles that plan at each
        version (the same-traffic rounds read ``dup_pairs`` twice: 2^n plan nodes, the driver's heap
        exhausted while analysing)."""
        from pyspark import StorageLevel

        old = self.kept.pop(name, None)
        if materialize:
            df = df.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
            self.jobs += 1
        else:
            df = df.persist(StorageLevel.MEMORY_AND_DISK)
        df.createOrReplaceTempView(name)
        self.kept[name] = df
        if old is not None and materialize:
            old.unpersist()

    def create(self, name: str, sql: str, *, table: bool = False, reused: bool = False) -> None:
        df = self.sql(sql)
        if table or reused:
            self._keep(name, df, materialize=True)  # the queries over it plan against its rows, not its lineage
        else:
            df.createOrReplaceTempView(name)

    def create_rows(self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        schema = ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in columns)
        df = self.spark.createDataFrame([tuple(r) for r in rows], schema)
        self._keep(name, df)

    def append(self, name: str, sql: str, params: Params = None) -> None:
        old = self.kept[name]
        self._keep(name, old.union(self.sql(sql, params).toDF(*old.columns)), materialize=True)

    def update(self, table: str, sets: Mapping[str, str], where: str) -> None:
        old = self.kept[table]
        if "select" in where.lower():  # a subquery may only filter in Spark: find the rows first
            hit = "__hit.rowid IS NOT NULL"
            source = f"{table} LEFT JOIN (SELECT rowid FROM {table} WHERE {where}) __hit ON {table}.rowid = __hit.rowid"
        else:
            hit, source = where, table
        cols = [f"CASE WHEN {hit} THEN {sets[c]} ELSE {table}.{c} END AS {c}" if c in sets else f"{table}.{c}"
                for c in old.columns]
        self._keep(table, self.sql(f"SELECT {', '.join(cols)} FROM {source}"), materialize=True)

    def assign(self, table: str, column: str, sql: str) -> None:
        old = self.kept[table]
        cols = [f"CASE WHEN g.rid IS NOT NULL THEN g.v ELSE r.{c} END AS {c}" if c == column else f"r.{c}"
                for c in old.columns]
        self._keep(table, self.sql(f"SELECT {', '.join(cols)} FROM {table} r LEFT JOIN ({sql}) g ON r.rowid = g.rid"),
                   materialize=True)

    def renumber(self, table: str, column: str, pairs: Sequence[tuple[int, int]]) -> bool:
        del table, column, pairs  # a broadcast join of the small side costs no more on a hash
        return False

    def close(self) -> None:
        for df in self.kept.values():
            df.unpersist()
        self.kept.clear()
        if self.owns:
            self.spark.stop()


def spark_engine(master: str | None, workdir: Path | None) -> SparkEngine:
    """A Spark engine on the active session, or a new one on ``master`` (``local[*]`` by default).

    Raises :class:`UsageError` (exit 2) without PySpark, naming the extra that brings it.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(f"--engine spark needs PySpark and sqlglot: {EXTRA}") from None
    try:
        import sqlglot  # noqa: F401
    except ImportError:
        raise UsageError(f"--engine spark needs PySpark and sqlglot: {EXTRA}") from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return SparkEngine(active, workdir, owns=False)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master or "local[*]").appName("chatcontract-review")
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return SparkEngine(session, workdir, owns=True)


SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.caseSensitive": "true",  # JSON keys differ by case as DuckDB sees them
    "spark.sql.ansi.enabled": "false",  # a value that does not cast is NULL (and counted), not an error
    "spark.ui.enabled": "false",
    # inferring constraints through the loader's nested CASE expressions grows without bound
    "spark.sql.constraintPropagation.enabled": "false",
}
