"""Record sinks: where attempt records go (a JSON-lines file, memory, later the evidence store)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from chatcontract.errors import UsageError
from chatcontract.record import AttemptRecord


@runtime_checkable
class RecordSink(Protocol):
    """Anything that takes attempt records: append them, flush them."""

    def append(self, record: AttemptRecord) -> None: ...

    def flush(self) -> None: ...


class MemorySink:
    """Keeps records in a list (tests, and callers that render them later)."""

    def __init__(self) -> None:
        self.records: list[AttemptRecord] = []
        self._lock = threading.Lock()

    def append(self, record: AttemptRecord) -> None:
        with self._lock:
            self.records.append(record)

    def extend(self, records: Iterable[AttemptRecord]) -> None:
        for record in records:
            self.append(record)

    def flush(self) -> None:
        return None


class JsonlSink:
    """Appends one JSON object per line; each line is written whole and flushed on ``flush``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[str] = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write records to {self.path}: {exc.strerror or exc}") from None

    def append(self, record: AttemptRecord) -> None:
        line = record.to_json() + "\n"
        with self._lock:
            self._fh.write(line)

    def flush(self) -> None:
        with self._lock:
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                self._fh.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_jsonl(path: str | os.PathLike[str], records: Iterable[AttemptRecord]) -> int:
    """Write ``records`` to a new JSON-lines file; returns how many were written."""
    count = 0
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as fh:
            for record in records:
                fh.write(record.to_json() + "\n")
                count += 1
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    return count
