"""What a reader is, how input is opened (gzip by magic bytes), and the canonical row sink.

A reader either hands DuckDB a JSON-lines file and a field mapping (the fast path: DuckDB
parses the file itself), or yields canonical rows from Python, which :class:`RowSink` batches
into a temporary JSON-lines file that DuckDB then reads through the identity mapping.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

from chatcontract.inputs import loads
from chatcontract.review.mapping import FieldMap
from chatcontract.review.model import BadInput
from chatcontract.review.reach import Reach

GZIP_MAGIC = b"\x1f\x8b"
# Routes of an OpenAI-compatible API (versioned, chat, completions, models, ...), including the
# drifted forms a review must see (``/chat/completion``, no ``/v1``); anything else a capture
# or gateway log holds (pages, assets, health checks, other services) is out of scope. ASCII digits,
# as Spark's Java pattern reads it (``review/spark_access.py``).
_END = r"(?![A-Za-z0-9_])"  # a word's end (``\b`` differs between Python and Java 17)
API_ROUTE = re.compile(rf"/v\d+(?:/|$)|/chat|/completions?{_END}|/models{_END}|/embeddings{_END}|/responses{_END}",
                       re.ASCII)
OUT_OF_SCOPE = "route outside the chat API (other page, asset, health check or service)"


def in_api_scope(path: str | None) -> bool:
    """Whether ``path`` is a route of the API under review (``None``: unknown, kept)."""
    return path is None or bool(API_ROUTE.search(path))
HEAD_BYTES = 65536


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it starts with the gzip magic bytes."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` (decompressed) bytes, for sniffing; a cut gzip stream gives what it has."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(max(size, 1 << 20))
    except OSError:
        return b""
    if raw[:2] != GZIP_MAGIC:
        return raw[:size]
    try:
        return zlib.decompressobj(47).decompress(raw, size)
    except zlib.error:
        return b""


class CorruptCompressionError(Exception):
    """A gzip stream that is cut short or corrupt; the lines before it were read."""


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` for every line, streamed (files larger than memory work).

    Raises :class:`CorruptCompressionError` where a gzip stream breaks off.
    """
    with open_binary(path) as stream:
        number = 0
        try:
            for number, line in enumerate(stream, start=1):
                yield number, line.rstrip(b"\r\n")
        except (EOFError, OSError, zlib.error) as exc:
            raise CorruptCompressionError(f"after line {number}: {exc}") from None


@dataclass
class ReadContext:
    """What a reader needs besides the path."""

    field_map: FieldMap | None = None
    workdir: str | None = None  # where temporary files go


@dataclass
class PythonRead:
    """The outcome of a Python reader: bad input and lines skipped on purpose."""

    bad: BadInput = field(default_factory=BadInput)
    skipped: dict[str, int] = field(default_factory=dict)
    lines: int = 0

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


class Reader(Protocol):
    """A log format. ``sniff`` scores the first bytes (0 = not this format)."""

    name: str
    description: str
    reach: Reach  # what this format can show (see :mod:`chatcontract.review.reach`)

    def sniff(self, head: bytes) -> int: ...


class SqlReader(Reader, Protocol):
    """A reader DuckDB runs itself: JSON lines plus a field mapping."""

    def field_map(self, ctx: ReadContext) -> FieldMap: ...


class RowReader(Reader, Protocol):
    """A reader that yields canonical rows from Python."""

    def rows(self, path: Path, ctx: ReadContext, out: PythonRead) -> Iterator[dict[str, Any]]: ...


class RowSink:
    """Canonical rows -> a temporary JSON-lines file (one write per batch)."""

    def __init__(self, directory: str | None = None, batch: int = 5000) -> None:
        fd, name = tempfile.mkstemp(prefix="chatcontract-review-", suffix=".jsonl", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self._fh = self.path.open("w", encoding="utf-8")
        self._buf: list[str] = []
        self._batch = batch
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self._buf.append(json.dumps(row, separators=(",", ":"), default=str))
        self.count += 1
        if len(self._buf) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._fh.write("\n".join(self._buf) + "\n")
            self._buf.clear()

    def close(self) -> Path:
        self._flush()
        self._fh.close()
        return self.path

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def first_json_objects(head: bytes, limit: int = 20) -> list[dict[str, Any]]:
    """The JSON objects among the first complete lines of ``head`` (for sniffing JSON lines)."""
    found: list[dict[str, Any]] = []
    lines = head.split(b"\n")
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the head size
    for line in lines[:limit]:
        if not line.strip():
            continue
        try:
            doc = loads(line)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(doc, dict):
            found.append(doc)
    return found
