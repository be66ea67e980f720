# ruff: noqa: S608 - SQL here is built from fixed table and column names; values go in as parameters
"""The engine seam: the one interface the review runs its SQL against (DuckDB or Spark).

The review's SQL is written once, in DuckDB's dialect (:mod:`queries`, :mod:`load_sql`,
:mod:`dedup`); DuckDB runs it as written, the Spark engine (:mod:`chatcontract.review.spark`)
transpiles it with sqlglot. Besides queries (``execute``), the review needs a few verbs that
are not portable SQL — reading a JSON-lines file into ``raw``, creating a view or a table from
a query, a small table from Python rows, appending, updating rows — and each engine implements
them its own way (DuckDB mutates tables; Spark, whose temporary views are immutable, redefines
a view over the cached previous one). Nothing in the findings knows which engine runs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb

from chatcontract.errors import UsageError
from chatcontract.review import load_sql as q
from chatcontract.review.mapping import FieldMap
from chatcontract.review.readers import is_gzip

ENGINES = ("duckdb", "spark")
RENUMBER_MAX = 64  # values DuckEngine.renumber rewrites through one CASE (more: not worth the pass)
Params = Sequence[Any] | Mapping[str, Any] | None


class Result(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Engine(Protocol):
    """What the review asks of an SQL engine. Tables: ``raw`` (every input line), the views
    and tables built over it, and small tables made from Python rows (``classes``)."""

    name: str
    lazy: bool  # reads inserted files only when a query needs them (keep the files until the review ends)
    text_formats: frozenset[str]  # line formats (reader names) the engine parses itself: insert_text_lines

    def execute(self, sql: str, params: Params = None) -> Result:
        """Run a query (DuckDB dialect; ``?``, ``$1`` or ``$name`` parameters)."""
        ...

    def execute_many(self, sqls: Sequence[str]) -> list[list[Any]]:
        """Run independent queries (no parameters); their rows in order (an engine may run them at once)."""
        ...

    def insert_json_lines(self, path: Path, fmap: FieldMap, source: str) -> str:
        """Append a JSON-lines file to ``raw`` (``load_sql``); raise :class:`UsageError` if unreadable."""
        ...

    def insert_text_lines(self, path: Path, fmt: str, source: str) -> None:
        """Append every non-blank line of a log in the text format ``fmt`` (one of :attr:`text_formats`)
        to ``raw``; a line skipped or not of the format keeps its reason (``load_sql.select_raw``)."""
        ...

    def finish_load(self) -> None:
        """Make ``raw`` hold every file inserted so far (files may be removed after it)."""
        ...

    def create(self, name: str, sql: str, *, table: bool = False, reused: bool = False) -> None:
        """A view (or, with ``table``, a materialized table) named ``name`` over a query;
        ``reused``: a view many queries read (an engine may keep its rows)."""
        ...

    def create_rows(self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        """A small table from Python rows (``columns``: name, DuckDB type); replaces one of that name."""
        ...

    def append(self, name: str, sql: str, params: Params = None) -> None:
        """Append a query's rows to a table made by :meth:`create_rows`."""
        ...

    def update(self, table: str, sets: Mapping[str, str], where: str) -> None:
        """Set columns (SQL expressions over the old row) on the rows of ``raw`` matching ``where``."""
        ...

    def assign(self, table: str, column: str, sql: str) -> None:
        """Set ``column`` from a query of ``(rid, value)`` rows, matched on the row id ``rowid``."""
        ...

    def renumber(self, table: str, column: str, pairs: Sequence[tuple[int, int]]) -> bool:
        """Replace the integer values of ``column`` by new ones (``pairs``: old, new, the most
        frequent first; a value not listed becomes NULL), if the engine gains by it; whether it did."""
        ...

    def close(self) -> None: ...


ROWS = "raw_rows"  # DuckEngine: the table under the ``raw`` view


class DuckEngine:
    """The review on DuckDB: the SQL runs as written.

    ``raw`` is a view over the table ``raw_rows``, which holds only the columns some load gave
    values (:func:`load_sql.stored_columns`); the view adds the rest as typed NULLs. Storing a
    column costs every row, even a NULL one; a NULL the view adds costs nothing. Updates store
    the columns they name first.
    """

    name = "duckdb"
    lazy = False
    text_formats: frozenset[str] = frozenset()  # access logs come through the Python readers

    def __init__(self, con: duckdb.DuckDBPyConnection, *, small: bool = False) -> None:
        self.con = con
        self.small = small  # a small input: views many queries read are kept as tables
        self.types = dict(q.raw_columns())
        self.stored = ["source_file"]
        self.loaded = False
        con.execute(f"CREATE TABLE {ROWS} (source_file VARCHAR)")
        self._view()

    def _view(self) -> None:
        cols = [n if n in self.stored else f"CAST(NULL AS {t}) AS {n}" for n, t in q.raw_columns()]
        self.con.execute(f"CREATE OR REPLACE VIEW raw AS SELECT {', '.join(cols)}, rowid AS rowid FROM {ROWS}")

    def _store(self, names: Sequence[str]) -> None:
        """Give the columns ``names`` of ``raw`` a place in ``raw_rows`` (NULL on the rows there)."""
        new = [n for n in dict.fromkeys(names) if n not in self.stored]
        for name in new:
            self.con.execute(f"ALTER TABLE {ROWS} ADD COLUMN {name} {self.types[name]}")
            self.stored.append(name)
        if new:
            self._view()

    def _target(self, table: str, *sql: str) -> str:
        """The table an update of ``table`` writes (``raw``: ``raw_rows``, with every column of
        ``raw`` that ``sql`` names stored)."""
        if table != "raw":
            return table
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", " ".join(sql)))
        self._store([n for n in self.types if n in words])
        return ROWS

    def execute(self, sql: str, params: Params = None) -> Any:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def execute_many(self, sqls: Sequence[str]) -> list[list[Any]]:
        return [self.con.execute(sql).fetchall() for sql in sqls]

    def insert_json_lines(self, path: Path, fmap: FieldMap, source: str) -> str:
        """Strictly typed first (DuckDB's typed scan, fast; stops at the first bad line), then
        leniently (every line kept, types checked in SQL). Returns ``"strict"`` or ``"lenient"``."""
        compression = "gzip" if is_gzip(path) else "none"
        create = not self.loaded  # the first load makes raw_rows (a failed one leaves it as it was)
        for strict in (True, False):
            params: dict[str, Any] = {"path": str(path), "columns": q.source_columns(fmap, strict), "source": source}
            if not create:
                self._store(q.stored_columns(fmap))
            try:
                self.con.execute(q.load_json_lines(fmap, compression, strict, table=ROWS, create=create), params)
                if create:
                    self.stored = q.stored_columns(fmap)
                    self._view()
                self.loaded = True
                return "strict" if strict else "lenient"
            except (duckdb.Error, UnicodeDecodeError) as exc:
                # DuckDB quotes the offending value in its message and may cut it mid-character:
                # the message then fails to decode, and that is still this scan's error.
                if strict:
                    continue
                first = str(exc).strip().splitlines()[0][:200]
                raise UsageError(f"{path}: cannot read as JSON lines: {first}") from None
        raise AssertionError("unreachable")

    def insert_text_lines(self, path: Path, fmt: str, source: str) -> None:
        raise UsageError(f"{path}: the DuckDB engine reads {fmt} logs through the Python reader")

    def finish_load(self) -> None:
        return None

    def create(self, name: str, sql: str, *, table: bool = False, reused: bool = False) -> None:
        # A view over ``raw`` costs less than a copy of the wide table on a large input; on a small
        # one each of ~25 queries planning the view stack again costs more than the copy (a review
        # of 50 requests: 119 -> 97 ms of CPU; of the 3,000-request incident: 248 -> 230 ms).
        table = table or (reused and self.small)
        self.con.execute(f"CREATE OR REPLACE {'TABLE' if table else 'VIEW'} {name} AS {sql}")

    def create_rows(self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
        for start in range(0, len(rows), 500):  # one statement per 500 rows, not one per row
            batch = rows[start:start + 500]
            marks = ", ".join("(" + ", ".join("?" for _ in columns) + ")" for _ in batch)
            self.con.execute(f"INSERT INTO {name} VALUES {marks}", [v for r in batch for v in r])

    def append(self, name: str, sql: str, params: Params = None) -> None:
        self.execute(f"INSERT INTO {name} {sql}", params)

    def update(self, table: str, sets: Mapping[str, str], where: str) -> None:
        target = self._target(table, *sets, *sets.values(), where)
        self.con.execute(f"UPDATE {target} SET {', '.join(f'{c} = {e}' for c, e in sets.items())} WHERE {where}")

    def assign(self, table: str, column: str, sql: str) -> None:
        target = self._target(table, column)
        self.con.execute(f"UPDATE {target} SET {column} = g.v FROM ({sql}) g WHERE {target}.rowid = g.rid")

    def renumber(self, table: str, column: str, pairs: Sequence[tuple[int, int]]) -> bool:
        """The column rewritten in one pass (``ALTER ... USING``: no update chain for later scans
        to merge). Worth it for a join key: a small range of integers is joined by direct lookup,
        not by hashing every row. A value's cost is its place in the ``CASE``: a few values only."""
        if not pairs or len(pairs) > RENUMBER_MAX:
            return False
        table = self._target(table, column)
        row = self.con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                               [table, column]).fetchone()
        if row is None:
            return False
        kind = row[0]
        whens = " ".join(f"WHEN CAST({int(old)} AS {kind}) THEN CAST({int(new)} AS {kind})" for old, new in pairs)
        self.con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DATA TYPE {kind} "
                         f"USING (CASE {column} {whens} END)")
        return True

    def close(self) -> None:
        self.con.close()


def open_engine(name: str, paths: list[Path], workdir: Path | None, master: str | None = None) -> Engine:
    """The engine ``name`` with an empty ``raw`` table."""
    if name == "duckdb":
        from chatcontract.review.table import connect

        return connect(paths, workdir)
    if name == "spark":
        from chatcontract.review.spark import spark_engine

        return spark_engine(master, workdir)
    raise UsageError(f"--engine {name!r}: use one of {', '.join(ENGINES)}")
