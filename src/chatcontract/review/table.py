"""Loading logs into the engine (DuckDB or Spark, :mod:`sqlengine`): one ``raw`` table of attempt rows,
every input line accounted for.

JSON lines go straight to DuckDB (the fast path). Other formats are read in Python and
batched through a temporary JSON-lines file that DuckDB reads the same way, so one SQL
transform types and checks every row. Rows that fail a check keep a ``bad_reason`` and are
counted; nothing is dropped silently.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
import weakref
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb

from chatcontract.errors import UsageError
from chatcontract.review import load_sql as q
from chatcontract.review.infer import infer_map
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
from chatcontract.review.readers.access import unparsed_reason
from chatcontract.review.sqlengine import DuckEngine, Engine

ON_DISK_BYTES = 1 << 30  # inputs above this (gzip counted 5x) get an on-disk database
# Inputs below this are reviewed on one thread, with the views many queries read kept as tables:
# DuckDB's parallel plan costs more than it saves on a few thousand rows (measured on the
# 3,000-request incident, 1.7 MB: 161 -> 133 ms of CPU per review, wall time the same or less);
# larger inputs use every core.
ONE_THREAD_BYTES = 8 << 20


def source_token(index: int) -> str:
    """What ``raw.source_file`` holds for the ``index``-th input: a short token, not the path
    (a constant string copied into every row costs time); the views map it back."""
    return f"{index:06d}"  # sorts in input order


_OPEN: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def interrupt_queries() -> None:
    """Interrupt the queries of every open review connection (from any thread: Ctrl-C)."""
    for con in list(_OPEN):
        with contextlib.suppress(Exception):  # a connection closed meanwhile
            con.interrupt()


def connect(paths: list[Path] | None = None, workdir: Path | None = None) -> DuckEngine:
    """A DuckDB connection in UTC: in memory for small inputs, a temporary on-disk database
    (which DuckDB pages to and from disk) when the inputs may not fit in memory."""
    size, sized = 0, True
    for path in paths or []:
        try:
            found = path.stat()
            if not stat.S_ISREG(found.st_mode):  # a pipe's size says nothing (and opening it here would block)
                sized = False
                continue
            size += found.st_size * (5 if is_gzip(path) else 1)
        except OSError:
            continue
    target = ":memory:"
    if workdir is not None and size > ON_DISK_BYTES:
        target = str(workdir / "review.duckdb")
    con = duckdb.connect(target)
    _OPEN.add(con)
    con.execute("SET TimeZone='UTC'")
    con.execute("SET preserve_insertion_order=false")  # faster loads; no result depends on row order
    small = sized and size < ONE_THREAD_BYTES
    if small:
        con.execute("SET threads=1")
    if workdir is not None:
        con.execute(f"SET temp_directory='{str(workdir / 'spill').replace(chr(39), '')}'")
    return DuckEngine(con, small=small)


CUT_GZIP = "Compressed file ended before the end-of-stream marker was reached"  # Python's gzip module says so


def gunzip_partial(path: Path, directory: str | None) -> tuple[Path, str | None]:
    """Decompress ``path`` as far as it goes; ``(plain file, why the stream broke off or None)``."""
    fd, name = tempfile.mkstemp(prefix="chatcontract-review-", suffix=".jsonl", dir=directory)
    decoder = zlib.decompressobj(47)  # gzip header, auto-detected
    error: str | None = None
    with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(1 << 20):
            try:
                dst.write(decoder.decompress(chunk))
            except zlib.error as exc:
                error = str(exc)
                break
        else:
            error = None if decoder.eof else CUT_GZIP
    return Path(name), error


def keep_whole_lines(path: Path) -> int:
    """Cut a partial last line (no newline) off ``path``; the number of lines left. What Python's
    gzip module yields of a stream cut short: every whole line before the cut."""
    count, end, offset = 0, 0, 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            if (last := chunk.rfind(b"\n")) >= 0:
                end = offset + last + 1
            offset += len(chunk)
    os.truncate(path, end)
    return count


def gzip_complete(path: Path) -> bool:
    """Whether the gzip file ``path`` decompresses to its end (read through, nothing kept)."""
    decoder = zlib.decompressobj(47)
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            try:
                while chunk:
                    decoder.decompress(chunk, 1 << 24)
                    chunk = decoder.unconsumed_tail
            except zlib.error:
                return False
    return decoder.eof


def _load_sql(
    con: Engine, path: Path, reader: Any, ctx: ReadContext, bad: BadInput, *, token: str
) -> tuple[SourceInfo, Path]:
    """DuckDB reads the file; a gzip stream it cannot finish is decompressed as far as it goes."""
    info = SourceInfo(path=str(path), reader=reader.name, lines=0, records=0, bad=0)
    try:
        con.insert_json_lines(path, reader.field_map(ctx), token)
        return info, path
    except UsageError:
        if not is_gzip(path):
            raise
    plain, cut = gunzip_partial(path, ctx.workdir)
    con.insert_json_lines(plain, reader.field_map(ctx), token)
    if cut:
        bad.add("compressed stream cut short or corrupt", path.name, None, "the lines before the cut were read")
        info.bad += 1
    return info, plain


def _load_text(
    con: Engine, path: Path, reader: Any, ctx: ReadContext, bad: BadInput, *, token: str
) -> tuple[SourceInfo, Path]:
    """The engine parses the log itself (Spark's access logs). A local gzip stream cut short is
    decompressed as far as it goes first and counted, as the Python reader counts it."""
    info = SourceInfo(path=str(path), reader=reader.name, lines=0, records=0, bad=0)
    read = path
    if path.is_file() and is_gzip(path) and not gzip_complete(path):
        read, error = gunzip_partial(path, ctx.workdir)
        lines = keep_whole_lines(read)
        bad.add("compressed stream cut short or corrupt", path.name, None, f"after line {lines}: {error}")
        info.bad += 1
    con.insert_text_lines(read, reader.name, token)
    return info, read


def _load_rows(
    con: Engine, path: Path, reader: Any, ctx: ReadContext, bad: BadInput, *, token: str
) -> tuple[SourceInfo, Path]:
    out = PythonRead()
    sink = RowSink(directory=ctx.workdir)
    source = str(path)
    try:
        for row in reader.rows(path, ctx, out):
            sink.add(row)
        sink.close()
        if sink.count:
            con.insert_json_lines(sink.path, CANONICAL_MAP, token)
    finally:
        if not con.lazy:  # a lazy engine (Spark) reads the file later; its work directory goes with the review
            sink.remove()
    bad.merge(out.bad)
    if out.lines and not sink.count and out.bad.total:
        raise UsageError(f"{path}: none of its {out.lines} entries is a {reader.description} record")
    info = SourceInfo(path=source, reader=reader.name, lines=out.lines, records=0, bad=out.bad.total,
                      skipped=dict(out.skipped))
    return info, path


def load(
    con: Engine,
    paths: list[Path],
    *,
    forced: str | None,
    field_map: FieldMap | None,
    workdir: Path | None = None,
) -> tuple[list[SourceInfo], BadInput]:
    """Read every file into ``raw``; return per-file accounting and the bad input by reason.

    Each input's bad lines (counts and examples) join the total in input order, whichever engine
    or reader found them, so both engines list the same examples.
    """
    base = ReadContext(field_map=field_map, workdir=str(workdir) if workdir else None)
    loaded: list[_Loaded] = []
    for index, path in enumerate(paths):
        remote = con.lazy and passes_through(path)
        reader: Reader = _spark_input(path, forced, con.text_formats) if remote else choose_reader(path, forced)
        ctx, inferred = base, dict[str, str]()
        if reader.name == "jsonl" and field_map is None:  # no --map: try the common field names
            fmap, inferred = infer_map(path)
            ctx = ReadContext(field_map=fmap, workdir=base.workdir)
        own = BadInput()
        loader = (_load_sql if hasattr(reader, "field_map")
                  else _load_text if reader.name in con.text_formats else _load_rows)
        info, read_path = loader(con, path, reader, ctx, own, token=source_token(index))
        info.inferred = inferred
        loaded.append(_Loaded(info, read_path, reader, ctx, own))
    con.finish_load()
    bad = BadInput()
    _account(con, loaded, bad)
    return [entry.info for entry in loaded], bad


@dataclass
class _Loaded:
    """One input after the load: its accounting, the file the engine read, its reader, and the
    bad input its reader found while loading."""

    info: SourceInfo
    read_path: Path
    reader: Any
    ctx: ReadContext
    bad: BadInput


def passes_through(path: Path) -> bool:
    """A directory, a glob or a URI (``s3a://``, ``hdfs://``, ``file://``): Spark reads it as it is."""
    text = str(path)
    return ":/" in text.split("/", 1)[0] + "/" or path.is_dir() or any(c in text for c in "*?[")


def _spark_input(path: Path, forced: str | None, formats: frozenset[str]) -> Reader:
    """The reader for an input only Spark opens: JSON lines or a text format Spark parses (``formats``).

    ``--reader`` names it; else a local directory or glob whose first file is an access log is
    read as that format, and anything else as this project's attempts log.
    """
    from chatcontract.review.readers import READERS

    reader = READERS.get(forced or _sniff_first(path, formats) or "attempts")
    if reader is None or not (hasattr(reader, "field_map") or reader.name in formats):
        raise UsageError(f"{path}: a directory, glob or URI is read by Spark itself: JSON lines "
                         "(--reader attempts, or --reader jsonl --map FILE) or access logs "
                         f"(--reader {' or '.join(sorted(formats))})")
    return reader


def _sniff_first(path: Path, formats: frozenset[str]) -> str | None:
    """The text format of the first file of a local directory or glob (as Spark lists them), if
    it is one of ``formats``."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
    else:
        files = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
    if not files:
        return None
    try:
        name = choose_reader(files[0]).name
    except UsageError:
        return None
    return name if name in formats else None


def _account(con: Engine, loaded: list[_Loaded], bad: BadInput) -> None:
    """One pass over ``raw``: rows and bad rows per file; why unparsed lines failed."""
    rows: dict[str, dict[str, int]] = {}
    for source, reason, n in con.execute(q.ACCOUNT).fetchall():
        rows.setdefault(source, {})[reason] = int(n)
    names = {source_token(i): entry.info.path for i, entry in enumerate(loaded)}
    _merge_load_time(con, loaded, rows, bad)
    for index, entry in enumerate(loaded):
        info, reader = entry.info, entry.reader
        counts = rows.get(source_token(index), {})
        total = sum(counts.values())
        unparsed = counts.get("unparsed", 0)
        skipped = {r.removeprefix(q.SKIPPED): n for r, n in counts.items() if r.startswith(q.SKIPPED)}
        if hasattr(reader, "field_map"):
            info.lines = total
            if total and unparsed == total:
                raise UsageError(f"{info.path}: none of its {total} lines is a {reader.description} record")
            if unparsed and entry.read_path.is_file():
                diagnose_unparsed(entry.read_path, reader.field_map(entry.ctx), unparsed, bad,
                                  name=Path(info.path).name)
        elif reader.name in con.text_formats:
            info.lines = total
            unmatched = counts.get(unparsed_reason(reader.name), 0)
            if total and total == unmatched + sum(skipped.values()) and (unmatched or entry.bad.total):
                raise UsageError(f"{info.path}: none of its {total} entries is a {reader.description} record")
        for reason, n in skipped.items():
            info.skipped[reason] = info.skipped.get(reason, 0) + n
        info.bad += total - counts.get("", 0) - sum(skipped.values())
        info.records = counts.get("", 0)
        for reason, n in counts.items():
            if reason not in ("", "unparsed") and not reason.startswith(q.SKIPPED):
                bad.counts[reason] = bad.counts.get(reason, 0) + n
    listed = {"", "unparsed", *(unparsed_reason(name) for name in con.text_formats)}  # reader lines: listed already
    if any(r not in listed and not r.startswith(q.SKIPPED) for c in rows.values() for r in c):
        for source, line, reason, started, status, path_, model in con.execute(q.BAD_EXAMPLES).fetchall():
            fields = {"time": started, "status": status, "path": path_, "model": model}
            text = ", ".join(f"{k}={v}" for k, v in fields.items() if v is not None) or "(no usable field)"
            bad.add(reason, Path(names.get(source, source)).name, line, text, n=0)


def _merge_load_time(con: Engine, loaded: list[_Loaded], rows: dict[str, dict[str, int]], bad: BadInput) -> None:
    """The bad input found while loading, in input order: what the readers found, and the first
    lines the engine's own text readers found bad (where a Python reader would have listed them)."""
    tokens = {source_token(i) for i, e in enumerate(loaded) if e.reader.name in con.text_formats}
    examples: list[Any] = []
    if any(r and not r.startswith(q.SKIPPED) for t in tokens for r in rows.get(t, {})):
        examples = con.execute(q.READER_EXAMPLES).fetchall()
    for index, entry in enumerate(loaded):
        for source, file, line, reason, text in examples:  # before the input's own: the Python reader's order
            if source == source_token(index):
                path = Path(entry.info.path)
                name = path.name if path.is_file() else Path(unquote(file)).name
                bad.add(reason, name, line, text.encode("utf-8")[:400], n=0)
        bad.merge(entry.bad)
