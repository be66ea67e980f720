"""Log readers, registered by name and chosen by sniffing the first bytes (or ``--reader``)."""

from __future__ import annotations

from pathlib import Path

from chatcontract.errors import UsageError
from chatcontract.review.readers.access import EnvoyReader, NginxReader
from chatcontract.review.readers.base import (
    PythonRead,
    ReadContext,
    Reader,
    RowReader,
    RowSink,
    SqlReader,
    is_gzip,
    read_head,
)
from chatcontract.review.readers.gateway import GATEWAY_READERS
from chatcontract.review.readers.har import HarReader
from chatcontract.review.readers.jsonl import AttemptsReader, MappedJsonReader, diagnose_unparsed
from chatcontract.review.readers.otlp import OtlpReader

READERS: dict[str, Reader] = {}


def register(reader: Reader) -> None:
    """Add a reader; a duplicate name is an error."""
    if reader.name in READERS:
        raise ValueError(f"reader {reader.name!r} is already registered")
    READERS[reader.name] = reader


_BUILT_IN: tuple[Reader, ...] = (
    AttemptsReader(), MappedJsonReader(), OtlpReader(), HarReader(), NginxReader(), EnvoyReader(), *GATEWAY_READERS,
)
for _reader in _BUILT_IN:
    register(_reader)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head[:4096]:
        return True
    sample = head[:4096]
    printable = sum(1 for b in sample if b in b"\t\n\r" or b >= 32)
    return printable < len(sample) * 0.9


def choose_reader(path: Path, forced: str | None = None) -> Reader:
    """The reader for ``path``: ``forced`` by name, else the best sniffing score.

    Raises :class:`UsageError` (exit 2) for a missing file, an empty file, or a file that no
    reader recognises (an image, random bytes, prose).
    """
    if not path.is_file():
        if path.is_dir():
            raise UsageError(f"{path}: is a directory; pass log files")
        if path.exists():
            raise UsageError(f"{path}: not a regular file (a device or pipe); review reads log files")
        raise UsageError(f"{path}: no such file")
    if forced is not None:
        if forced not in READERS:
            raise UsageError(f"unknown reader {forced!r}: use one of {', '.join(READERS)}")
        return READERS[forced]
    head = read_head(path)
    if not head.strip():
        if is_gzip(path):
            raise UsageError(f"{path}: gzip data that does not decompress (cut short or corrupt)")
        raise UsageError(f"{path}: empty file, not a log")
    scored = sorted(((r.sniff(head), r.name) for r in READERS.values()), reverse=True)
    score, name = scored[0]
    if score <= 0:
        kind = "binary data" if _looks_binary(head) else "no known log format"
        raise UsageError(f"{path}: not a log ({kind}); readers: {', '.join(READERS)} (force one with --reader)")
    return READERS[name]


__all__ = [
    "READERS",
    "PythonRead",
    "ReadContext",
    "Reader",
    "RowReader",
    "RowSink",
    "SqlReader",
    "choose_reader",
    "diagnose_unparsed",
    "is_gzip",
    "register",
]
