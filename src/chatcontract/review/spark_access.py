"""Access logs parsed by Spark itself (``review --engine spark``): nginx and Envoy lines as
``spark.read.text`` and column expressions, no Python per line.

The Python readers (:mod:`chatcontract.review.readers.access`) are the reference: the patterns
here are theirs (:func:`java` turns a Python pattern into Java's: the same groups, with ``.``
and ``$`` seeing only ``\\n`` as a line end, as Python's do), and each step mirrors one of
theirs, so a line gives the same canonical row on both engines (``tests/review/test_spark_engine.py``
holds them to it, row for row and in whole reviews). Every non-blank line becomes one row: a line that is
not of the format, or is skipped on purpose, keeps its ``reader_reason`` (and a bad line its first
400 characters), so the loader's accounting counts it. Line numbers are each line's position in
its file: one counting pass per input over the file's splits (as ``zipWithIndex`` does), joined
back by split (none for a file read as one split).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chatcontract.review.load_sql import SKIPPED
from chatcontract.review.readers.access import (
    ENVOY,
    EXTRA_KEYS,
    FLAG_ERRORS,
    FLOAT,
    ISO_TIME,
    KEY_VALUE,
    LOCAL_TIME,
    MONTHS,
    NGINX,
    NGINX_NO_REQUEST,
    NGINX_REQUEST_ID,
    NO_REQUEST,
    SPACES,
    unparsed_reason,
)
from chatcontract.review.readers.base import API_ROUTE, OUT_OF_SCOPE, is_gzip

TEXT_FORMATS = frozenset({"nginx", "envoy"})
# the canonical fields a parsed line fills (the others stay NULL)
FIELDS = ("time", "method", "host", "path", "status", "latency", "request_id", "provider_request_id",
          "idempotency_key", "retry_count", "model", "service", "deployment", "transport_error", "error_type",
          "error_code", "client", "source_line")
_DIGITS = r"(?d)^\d+$"  # Java's $ would also match before a last \r
_WS, _NOT_WS = r"[ \t\n\r\x0b\x0c]", r"[^ \t\n\r\x0b\x0c]"  # ASCII whitespace, as bytes.split() sees it


def java(pattern: re.Pattern[str] | re.Pattern[bytes]) -> str:
    """A Python pattern as Java reads it: named groups spelled ``(?<name>``, and ``(?d)`` so that
    only ``\\n`` ends a line for ``.`` and ``$`` (Java also counts ``\\r``, ``\\u0085``, ...)."""
    text = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("ascii")
    return "(?d)" + text.replace("(?P<", "(?<")


def _g(name: str) -> Any:
    """A group of the line's pattern, extracted once (column ``g_<name>``)."""
    from pyspark.sql import functions as F  # noqa: N812

    return F.col(f"g_{name}")


def _with_time(F: Any, df: Any) -> Any:  # noqa: N803
    """:func:`~chatcontract.review.readers.access.parse_time` of ``g_time`` as the column ``time``:
    the UTC time as text, read back by the loader's SQL as the Python rows' ISO text is."""
    text = _g("time")
    df = df.select("*", text.rlike(java(LOCAL_TIME)).alias("t_local"), text.rlike(java(ISO_TIME)).alias("t_iso"))
    names = ("day", "mon", "year", "hour", "min", "sec", "frac", "sign", "oh", "om")
    parts = []
    for name in names:
        local = F.regexp_extract(text, java(LOCAL_TIME), LOCAL_TIME.groupindex[name]) \
            if name in LOCAL_TIME.groupindex else F.lit("")
        iso = F.regexp_extract(text, java(ISO_TIME), ISO_TIME.groupindex[name])
        parts.append(F.when(F.col("t_local"), local).when(F.col("t_iso"), iso).alias(f"t_{name}"))
    df = df.select("*", *parts)
    t = {name: F.col(f"t_{name}") for name in names}
    months = F.create_map(*(F.lit(x) for i, name in enumerate(MONTHS) for x in (name, i + 1)))
    month = F.coalesce(F.try_element_at(months, t["mon"]), t["mon"].try_cast("int"))
    sec = F.when(t["sec"] == "", F.lit("0")).otherwise(t["sec"])
    seconds = F.concat(sec, F.lit("."), F.rpad(F.substring(t["frac"], 1, 6), 6, "0")).try_cast("decimal(8,6)")
    year = t["year"].try_cast("int")
    wall = F.make_timestamp_ntz(year, month, t["day"].try_cast("int"), t["hour"].try_cast("int"),
                                t["min"].try_cast("int"), seconds)
    offset = F.coalesce(t["oh"].try_cast("int") * 60 + t["om"].try_cast("int"), F.lit(0))
    df = df.select("*", wall.alias("t_wall"), F.when(t["sign"] == "-", -offset).otherwise(offset).alias("t_offset"),
                   year.alias("t_y"))
    utc = F.col("t_wall") - F.make_dt_interval(F.lit(0), F.lit(0), F.col("t_offset"))
    lo, hi = (F.lit(x).cast("timestamp_ntz") for x in ("0001-01-01 00:00:00", "9999-12-31 23:59:59.999999"))
    ok = (F.col("t_local") | F.col("t_iso")) & (F.col("t_y") >= 1) & (F.abs(F.col("t_offset")) < 24 * 60)
    return df.select("*", F.when(ok & utc.between(lo, hi), utc.cast("string")).alias("time"))


def _dash(F: Any, col: Any) -> Any:  # noqa: N803
    return F.when(~col.isin("", "-"), col)


def _path(F: Any, target: Any) -> Any:  # noqa: N803
    """The route: no query string; no scheme and host when a proxy logged the absolute form."""
    text = F.substring_index(target, "?", 1)
    at = F.instr(text, "://")
    after = F.substring(text, at + 3, 1 << 30)
    slash = F.instr(after, "/")
    hostless = F.concat(F.lit("/"), F.when(slash > 0, F.substring(after, slash + 1, 1 << 30)).otherwise(F.lit("")))
    return F.when(at.between(1, 10), hostless).otherwise(text)


def _client(F: Any, addr: Any, ua: Any) -> Any:  # noqa: N803
    return F.substring(F.sha1(F.concat(addr, F.lit("|"), ua)), 1, 16)


def _last(F: Any, pairs: Any, keys: tuple[str, ...], ok: Any) -> Any:  # noqa: N803
    """The value of the last ``key=value`` pair whose key is one of ``keys`` and whose value passes ``ok``."""
    hits = F.filter(pairs, lambda p: p["k"].isin(*keys) & ok(p["v"]))
    return F.try_element_at(hits, F.lit(-1))["v"]


def _nginx(F: Any, df: Any) -> tuple[Any, dict[str, Any]]:  # noqa: N803
    """The canonical fields of an nginx line (see ``nginx_row`` and ``_extras``)."""
    rest = _g("rest")
    bare = F.regexp_replace(rest, f'^(?:{_WS}*"{_NOT_WS}*)*', "")  # leading "quoted" tokens: forwarded-for
    pairs = F.zip_with(F.regexp_extract_all(rest, F.lit(java(KEY_VALUE)), F.lit(1)),
                       F.regexp_extract_all(rest, F.lit(java(KEY_VALUE)), F.lit(2)),
                       lambda k, v: F.struct(k.alias("k"), F.regexp_replace(v, '(?d)^"+|"+$', "").alias("v")))
    df = df.select("*", F.filter(F.split(bare, SPACES), lambda t: t != "").alias("tokens"), pairs.alias("pairs"))
    tokens, pairs = F.col("tokens"), F.col("pairs")
    first = F.try_element_at(tokens, F.lit(1))
    positional = F.when(first.rlike(java(FLOAT)), first.try_cast("double") * 1000.0)
    ids = F.filter(F.slice(tokens, 1, 4), lambda t: t.rlike(java(NGINX_REQUEST_ID)))
    rt = _last(F, pairs, ("rt", "request_time"), lambda v: v.rlike(java(FLOAT)))
    status = _g("status")
    closed = status == "499"
    fields: dict[str, Any] = {
        "method": _g("method"),
        "path": _path(F, _g("target")),
        "status": F.when((status != "000") & ~closed, status),
        "client": _client(F, _g("addr"), _g("ua")),
        "transport_error": F.when(closed, F.lit("read_timeout")),
        "error_type": F.when(closed, F.lit("client_closed_request")),
        "latency": F.coalesce(rt.try_cast("double") * 1000.0, positional),
        "provider_request_id": F.try_element_at(ids, F.lit(1)),
        "retry_count": _last(F, pairs, ("retry",), lambda v: v.rlike(_DIGITS)),
    }
    for target in dict.fromkeys(EXTRA_KEYS.values()):
        names = tuple(k for k, v in EXTRA_KEYS.items() if v == target)
        fields[target] = _last(F, pairs, names, lambda v: ~v.isin("", "-"))
    return df, fields


def _envoy(F: Any, df: Any) -> tuple[Any, dict[str, Any]]:  # noqa: N803
    """The canonical fields of an Envoy line (see ``envoy_row``)."""
    status, flags, duration = _g("status"), _g("flags"), _g("duration")
    missing = status.rlike(r"(?d)^0+$")
    errors = F.filter(F.split(flags, ","), lambda f: f.isin(*FLAG_ERRORS))
    error_map = F.create_map(*(F.lit(x) for kv in FLAG_ERRORS.items() for x in kv))
    return df, {
        "method": _g("method"),
        "path": _path(F, _g("target")),
        "status": F.when(~missing, status),
        "latency": F.when(duration != "-", duration.try_cast("double")),
        "host": _dash(F, _g("authority")),
        "provider_request_id": _dash(F, _g("rid")),
        "client": _client(F, F.lit(""), _g("ua")),
        "transport_error": F.when(missing, F.try_element_at(error_map, F.try_element_at(errors, F.lit(1)))),
        "error_code": F.when(flags != "-", flags),
    }


def _numbered(F: Any, spark: Any, lines: Any) -> Any:  # noqa: N803
    """``lines`` (``file``, ``block``, ``mid``, ...) with ``source_line``: the line's number in its
    file, from the lines of the file's earlier splits plus its place in its own split. The splits'
    line counts are one small aggregate collected to the driver; the shift per split joins back."""
    counted = lines.groupBy("file", "block").agg(F.count(F.lit(1)).alias("n"), F.min("mid").alias("first"))
    shifts: list[tuple[str, int, int]] = []
    seen: dict[str, int] = {}
    for file, block, n, first in sorted(tuple(r) for r in counted.collect()):
        shifts.append((file, block, seen.get(file, 0) - first + 1))
        seen[file] = seen.get(file, 0) + n
    table = spark.createDataFrame(shifts, "file string, block bigint, shift bigint")
    return lines.join(F.broadcast(table), ["file", "block"]).withColumn("source_line", F.col("mid") + F.col("shift"))


def conf_bytes(text: str) -> int | None:
    """A Spark size setting (``134217728``, ``128m``, ``128MB``, ``4194304b``) in bytes; ``None``
    if it does not read as one."""
    m = re.fullmatch(r"(\d+)\s*([kmgtp]?)b?", text.strip().lower())
    return int(m[1]) << (10 * " kmgtp".index(m[2] or " ")) if m else None


def one_split(spark: Any, path: Path) -> bool:
    """Whether Spark reads the local file ``path`` as one split (gzip, or no larger than the
    smallest split Spark makes): its lines are then numbered without a counting pass."""
    if not path.is_file():
        return False
    if is_gzip(path):
        return True
    sizes = [conf_bytes(str(spark.conf.get(k))) for k in ("spark.sql.files.maxPartitionBytes",
                                                          "spark.sql.files.openCostInBytes")]
    return None not in sizes and path.stat().st_size <= min(s for s in sizes if s is not None)


def access_frame(spark: Any, text: str, fmt: str, *, single: bool = False) -> Any:
    """Every non-blank line of the access logs at ``text`` (a file, directory, glob or URI) in
    format ``fmt`` as one row: the canonical :data:`FIELDS` as text (latency as a number), and
    ``reader_reason``, ``bad_file``, ``bad_text`` (see :mod:`chatcontract.review.load_sql`).
    ``single``: the input is read as one split (:func:`one_split`).

    Built in steps (each a projection over the one before) so that every pattern runs once per line.
    """
    from pyspark.sql import functions as F  # noqa: N812

    read = spark.read.option("lineSep", "\n").text(text)
    lines = read.select(
        F.col("_metadata.file_path").alias("file"), F.col("_metadata.file_block_start").alias("block"),
        F.monotonically_increasing_id().alias("mid"), F.regexp_replace("value", r"[\r\n]+\z", "").alias("line"))
    if single:  # one split, one partition: the row's place in it is its line number
        lines = lines.withColumn("source_line", F.col("mid") - F.spark_partition_id().cast("bigint") * (1 << 33) + 1)
    else:
        lines = _numbered(F, spark, lines)
    lines = lines.where(~F.col("line").rlike(r"^[ \t\n\r\x0b\x0c]*\z"))
    pattern = NGINX if fmt == "nginx" else ENVOY
    line = F.col("line")
    groups = (F.regexp_extract(line, java(pattern), i).alias(f"g_{n}") for n, i in pattern.groupindex.items())
    df = lines.select("file", "source_line", "line", line.rlike(java(pattern)).alias("matched"), *groups)
    df = _with_time(F, df)
    df, fields = _nginx(F, df) if fmt == "nginx" else _envoy(F, df)
    df = df.select("*", *(v.alias(f"f_{k}") for k, v in fields.items()))
    unparsed = F.lit(unparsed_reason(fmt))
    if fmt == "nginx":
        unparsed = F.when(line.rlike(java(NGINX_NO_REQUEST)), F.lit(SKIPPED + NO_REQUEST)).otherwise(unparsed)
    parsed = F.col("matched") & F.col("time").isNotNull()
    reason = F.when(~parsed, unparsed).when(~F.col("f_path").rlike(java(API_ROUTE)), F.lit(SKIPPED + OUT_OF_SCOPE))
    df = df.select("*", reason.alias("reader_reason"))
    keep, bad = F.col("reader_reason").isNull(), F.col("reader_reason") == unparsed_reason(fmt)
    cols = [F.when(keep, F.col("time" if f == "time" else f"f_{f}")).alias(f) if f == "time" or f in fields
            else F.lit(None).cast("string").alias(f) for f in FIELDS if f != "source_line"]
    return df.select(
        *cols, F.col("source_line").cast("string").alias("source_line"), "reader_reason",
        F.when(bad, F.col("file")).alias("bad_file"), F.when(bad, F.substring(line, 1, 400)).alias("bad_text"))
