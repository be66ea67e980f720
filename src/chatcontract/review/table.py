"""Loading logs into DuckDB: one ``raw`` table of attempt rows, every input line accounted for.

JSON lines go straight to DuckDB (the fast path). Other formats are read in Python and
batched through a temporary JSON-lines file that DuckDB reads the same way, so one SQL
transform types and checks every row. Rows that fail a check keep a ``bad_reason`` and are
counted; nothing is dropped silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from chatcontract.errors import UsageError
from chatcontract.review import queries as q
from chatcontract.review.mapping import CANONICAL_MAP, FieldMap
from chatcontract.review.model import BadInput, SourceInfo
from chatcontract.review.readers import (
    PythonRead,
    ReadContext,
    Reader,
    RowSink,
    choose_reader,
    diagnose_unparsed,
    is_gzip,
)

ON_DISK_BYTES = 1 << 30  # inputs above this (gzip counted 5x) get an on-disk database


def connect(paths: list[Path] | None = None, workdir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC: in memory for small inputs, a temporary on-disk database
    (which DuckDB pages to and from disk) when the inputs may not fit in memory."""
    size = 0
    for path in paths or []:
        try:
            size += path.stat().st_size * (5 if is_gzip(path) else 1)
        except OSError:
            continue
    target = ":memory:"
    if workdir is not None and size > ON_DISK_BYTES:
        target = str(workdir / "review.duckdb")
    con = duckdb.connect(target)
    con.execute("SET TimeZone='UTC'")
    if workdir is not None:
        con.execute(f"SET temp_directory='{str(workdir / 'spill').replace(chr(39), '')}'")
    con.execute(q.create_raw())
    return con


def _insert_json_lines(con: duckdb.DuckDBPyConnection, path: Path, fmap: FieldMap, source: str) -> str:
    """Insert a JSON-lines file into ``raw``: strictly typed first, leniently if that fails.

    Returns ``"strict"`` or ``"lenient"``. The strict read is DuckDB's typed scan (fast) and
    stops at the first bad line; the lenient read then keeps every line and checks types in SQL.
    """
    compression = "gzip" if is_gzip(path) else "none"
    for strict in (True, False):
        params: dict[str, Any] = {"path": str(path), "columns": q.source_columns(fmap, strict), "source": source}
        try:
            con.execute(q.load_json_lines(fmap, compression, strict), params)
            return "strict" if strict else "lenient"
        except duckdb.Error as exc:
            if strict:
                continue
            first = str(exc).strip().splitlines()[0][:200]
            raise UsageError(f"{path}: cannot read as JSON lines: {first}") from None
    raise AssertionError("unreachable")


def _count(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> int:
    row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0


def _load_sql(con: duckdb.DuckDBPyConnection, path: Path, reader: Any, ctx: ReadContext, bad: BadInput) -> SourceInfo:
    fmap: FieldMap = reader.field_map(ctx)
    source = str(path)
    _insert_json_lines(con, path, fmap, source)
    rows = _count(con, "SELECT count(*) FROM raw WHERE source_file = ?", source)
    unparsed = _count(con, "SELECT count(*) FROM raw WHERE source_file = ? AND bad_reason = 'unparsed'", source)
    if unparsed:
        diagnose_unparsed(path, fmap, unparsed, bad)
    if rows and unparsed == rows:
        raise UsageError(f"{path}: none of its {rows} lines is a {reader.description} record")
    return SourceInfo(path=source, reader=reader.name, lines=rows, records=0, bad=0)


def _load_rows(con: duckdb.DuckDBPyConnection, path: Path, reader: Any, ctx: ReadContext, bad: BadInput) -> SourceInfo:
    out = PythonRead()
    sink = RowSink(directory=ctx.workdir)
    source = str(path)
    try:
        for row in reader.rows(path, ctx, out):
            sink.add(row)
        sink.close()
        if sink.count:
            _insert_json_lines(con, sink.path, CANONICAL_MAP, source)
    finally:
        sink.remove()
    bad.merge(out.bad)
    if out.lines and not sink.count and out.bad.total:
        raise UsageError(f"{path}: none of its {out.lines} entries is a {reader.description} record")
    return SourceInfo(path=source, reader=reader.name, lines=out.lines, records=0, bad=out.bad.total,
                      skipped=dict(out.skipped))


def load(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    forced: str | None,
    field_map: FieldMap | None,
    workdir: Path | None = None,
) -> tuple[list[SourceInfo], BadInput]:
    """Read every file into ``raw``; return per-file accounting and the bad input by reason."""
    ctx = ReadContext(field_map=field_map, workdir=str(workdir) if workdir else None)
    bad = BadInput()
    infos: list[SourceInfo] = []
    for path in paths:
        reader: Reader = choose_reader(path, forced)
        loader = _load_sql if hasattr(reader, "field_map") else _load_rows
        infos.append(loader(con, path, reader, ctx, bad))
    _account_sql_bad(con, infos, bad)
    return infos, bad


def _account_sql_bad(con: duckdb.DuckDBPyConnection, infos: list[SourceInfo], bad: BadInput) -> None:
    """Add the rows SQL marked bad (wrong types, no time) to ``bad``; fill per-file counts."""
    by_file: dict[str, int] = {}
    for source, reason, n in con.execute(q.BAD_COUNTS).fetchall():
        by_file[source] = by_file.get(source, 0) + int(n)
        if reason != "unparsed":
            bad.counts[reason] = bad.counts.get(reason, 0) + int(n)
    for source, line, reason, started, status, path, model in con.execute(q.BAD_EXAMPLES).fetchall():
        fields = {"time": started, "status": status, "path": path, "model": model}
        text = ", ".join(f"{k}={v}" for k, v in fields.items() if v is not None) or "(no usable field)"
        bad.add(reason, Path(source).name, line, text, n=0)
    totals = dict(con.execute(q.ROWS_PER_SOURCE).fetchall())
    for info in infos:
        info.bad += by_file.get(info.path, 0)
        info.records = int(totals.get(info.path, 0)) - by_file.get(info.path, 0)
