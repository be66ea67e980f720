"""Readers for what LLM gateways write, one per format, each applying its table from
:mod:`chatcontract.review.gateway_formats` to JSON lines (or one JSON array, or an API answer's
``result``/``data`` list): one gateway record becomes one canonical row.

A gateway logs one record per call it served; the retries and fallbacks it made inside that call
are facts of the record (a count, a step), never invented attempts. Error text is redacted as the
row is made.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from chatcontract.redact import redact
from chatcontract.review.gateway_formats import FORMATS, GatewayFormat
from chatcontract.review.readers.base import (
    OUT_OF_SCOPE,
    CorruptCompressionError,
    PythonRead,
    ReadContext,
    first_json_objects,
    in_api_scope,
    iter_lines,
    open_binary,
    read_head,
)
from chatcontract.review.readers.streamjson import TruncatedDocumentError, objects_at

_MISSING = object()
_TRUE = frozenset({"true", "1", "success", "yes"})
_FALSE = frozenset({"false", "0", "failure", "failed", "error", "no"})
_TEXT_FIELDS = frozenset({"error_type", "error_summary", "error_code"})


def lookup(doc: Any, path: str) -> Any:
    """The value at a dotted ``path``; a key holding dots is matched whole first; list indexes work."""
    if isinstance(doc, Mapping):
        if path in doc:
            return doc[path]
        head, dot, rest = path.partition(".")
        while dot:
            if head in doc:
                found = lookup(doc[head], rest)
                if found is not _MISSING:
                    return found
            more, dot, rest = rest.partition(".")
            head = f"{head}.{more}"
        return _MISSING
    if isinstance(doc, list):
        index, _, rest = path.partition(".")
        if index.isdigit() and int(index) < len(doc):
            return lookup(doc[int(index)], rest) if rest else doc[int(index)]
    return _MISSING


def first(doc: Any, paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = lookup(doc, path)
        if value is not _MISSING and value is not None and value not in ("", "-"):  # a tuple: dicts compare
            return value
    return None


def to_time(value: Any) -> datetime | None:
    """An ISO string or epoch number (s, ms, us or ns, told apart by size) as UTC."""
    if isinstance(value, bool) or value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            try:
                when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return None
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    if number is None or number < 0:
        return None
    for limit, factor in ((1e11, 1.0), (1e14, 1e-3), (1e17, 1e-6), (float("inf"), 1e-9)):
        if number < limit:
            try:
                return datetime.fromtimestamp(number * factor, UTC)
            except (OverflowError, OSError, ValueError):
                return None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return True if text in _TRUE else False if text in _FALSE else None


def _count(kind: str, value: Any) -> Any:
    if kind == "tries":
        return max(len(value) - 1, 0) if isinstance(value, list) else None
    n = _number(value)
    if n is None:
        return None
    if kind == "attempts":
        return max(int(n) - 1, 0)
    if kind == "step":  # a universal request's step: > 0 means the earlier steps failed
        return f"step {int(n) - 1} (an earlier provider of the fallback chain)" if n > 0 else None
    return value


class GatewayReader:
    """One gateway log format (see :class:`GatewayFormat`), auto-detected by its field names."""

    def __init__(self, fmt: GatewayFormat) -> None:
        self.fmt = fmt
        self.name = fmt.name
        self.description = fmt.description
        self.reach = fmt.reach

    def matches(self, doc: Mapping[str, Any]) -> bool:
        return any(all(lookup(doc, p) is not _MISSING for p in group) for group in self.fmt.detect)

    def sniff(self, head: bytes) -> int:
        docs = _records(first_json_objects(head))
        if not docs and head.lstrip()[:1] in (b"[", b"{"):
            docs = _records(_whole(head))
        hits = sum(1 for d in docs if self.matches(d))
        return 85 if docs and hits * 2 >= len(docs) else 0

    def row(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        """The canonical row for one record (``None``: no usable timestamp)."""
        fmt = self.fmt
        row: dict[str, Any] = {}
        for name, paths in fmt.fields.items():
            value = first(doc, paths)
            if value is None:
                continue
            if name in fmt.counts:
                value = _count(fmt.counts[name], value)
            row[name] = value
        when = to_time(row.pop("time", None))
        if when is None:
            return None
        row["time"] = when.isoformat()
        self._derive(doc, row, when)
        return {k: v for k, v in row.items() if v is not None}

    def _derive(self, doc: Mapping[str, Any], row: dict[str, Any], when: datetime) -> None:
        fmt = self.fmt
        for name, scale in fmt.scale_ms.items():
            if name in row:
                row[name] = _scaled(row[name], scale)
        for name, (start, end) in fmt.spans.items():
            if name not in row:
                a, b = to_time(lookup(doc, start)), to_time(lookup(doc, end))
                if a is not None and b is not None and b >= a:
                    row[name] = (b - a).total_seconds() * 1000
        if "streaming" in row:
            row["streaming"] = _flag(row["streaming"])
        if row.get("streaming") is not True:
            for name in fmt.stream_only:
                row.pop(name, None)
        _status(fmt, doc, row)
        retry_after = _number(first(doc, fmt.retry_after_s))
        if retry_after is not None:
            row["retry_after"] = retry_after * 1000
        fallbacks = _number(first(doc, (fmt.fallback_count,))) if fmt.fallback_count else None
        if fallbacks and "fallback_of" not in row:
            row["fallback_of"] = f"an earlier model group ({int(fallbacks)} fallback(s); the log does not name it)"
        if "host" in row:
            row["host"] = _host(str(row["host"]))
        if "path" in row:
            row["path"] = _path(str(row["path"]))
        for name in _TEXT_FIELDS & row.keys():
            row[name] = redact(str(row[name]))[:300]

    def rows(self, path: Path, ctx: ReadContext, out: PythonRead) -> Iterator[dict[str, Any]]:
        for number, doc, raw in _documents(path, out):
            if not isinstance(doc, Mapping) or not self.matches(doc):
                out.bad.add(f"not a {self.name} record", path.name, number, raw[:400])
                continue
            row = self.row(doc)
            if row is None:
                out.bad.add("time: missing or not a timestamp", path.name, number, raw[:400])
                continue
            if not in_api_scope(row.get("path")):
                out.skip(OUT_OF_SCOPE)
                continue
            row["source_line"] = number
            yield row


def _scaled(value: Any, scale: float) -> float | None:
    n = _number(value)
    return None if n is None else n * scale


def _status(fmt: GatewayFormat, doc: Mapping[str, Any], row: dict[str, Any]) -> None:
    """``status`` as an HTTP code where the format logs one; a success flag stands for 200."""
    status = _number(row.get("status"))
    # 0 or none: no response; any other number is kept as logged and checked (and counted) in SQL
    row["status"] = None if not status else int(status) if status.is_integer() else str(status)
    if row["status"] is None and "status" in fmt.fields:
        code = first(doc, fmt.fields["status"])
        if code is not None and "error_code" not in row:
            row["error_code"] = str(code)
    ok = _flag(lookup(doc, fmt.success)) if fmt.success else None
    failed = ok is False
    if fmt.error_when is not None:
        path, value = fmt.error_when
        failed = str(lookup(doc, path)) == value
        ok = not failed
    if failed and row["status"] is None and not row.get("error_type"):
        row["error_type"] = f"{fmt.name} failure"
    if not failed and fmt.error_when is not None:
        row.pop("error_type", None)
        row.pop("error_summary", None)
    if ok and row["status"] is None and not row.get("error_type"):
        row["status"] = 200


def _host(value: str) -> str:
    rest = value.split("://", 1)[-1]
    return rest.split("/", 1)[0].rsplit("@", 1)[-1]


def _path(value: str) -> str:
    if "://" in value:
        rest = value.split("://", 1)[1]
        value = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return value.split("?", 1)[0]


def _records(docs: list[Any]) -> list[Mapping[str, Any]]:
    """Records from parsed JSON: objects, or the list an API answer wraps (``result``, ``data``)."""
    found: list[Mapping[str, Any]] = []
    for doc in docs:
        inner = doc.get("result", doc.get("data")) if isinstance(doc, Mapping) else doc
        if isinstance(inner, list):
            found += [d for d in inner if isinstance(d, Mapping)]
        elif isinstance(doc, Mapping):
            found.append(doc)
    return found


_DOC_ITEMS = frozenset({"result.item", "data.item", "item"})


def _document_records(stream: IO[bytes]) -> Iterator[Any]:
    """Records of one JSON document: an API answer's ``result``/``data`` list or a top-level array."""
    for _, record in objects_at(stream, _DOC_ITEMS):
        yield record


def _whole(head: bytes) -> list[Any]:
    """The records the first bytes of one JSON document hold (for sniffing; a cut head gives fewer)."""
    found: list[Any] = []
    try:
        for record in _document_records(io.BytesIO(head)):
            found.append(record)
            if len(found) >= 20:
                break
    except TruncatedDocumentError:
        pass
    return found


def _is_document(path: Path) -> bool:
    """A JSON document (pretty-printed, one API answer) rather than JSON lines."""
    head = read_head(path).lstrip()
    if head[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return True
    return False


def _documents(path: Path, out: PythonRead) -> Iterator[tuple[int, Any, bytes]]:
    """``(line or item number, record, raw text)`` from JSON lines or one JSON document."""
    if _is_document(path):
        number = 0
        try:
            with open_binary(path) as stream:
                for number, record in enumerate(_document_records(stream), start=1):
                    out.lines += 1
                    yield number, record, json.dumps(record, default=str)[:400].encode()
        except TruncatedDocumentError as exc:
            out.bad.add("JSON document cut short or invalid", path.name, number + 1, str(exc))
        return
    try:
        for number, line in iter_lines(path):
            if not line.strip():
                continue
            out.lines += 1
            try:
                doc = json.loads(line)
            except ValueError:
                out.bad.add("invalid JSON (malformed or truncated line)", path.name, number, line[:400])
                continue
            for record in _records([doc]):
                yield number, record, line
    except CorruptCompressionError as exc:
        out.bad.add("compressed stream cut short or corrupt", path.name, None, str(exc))


GATEWAY_READERS = tuple(GatewayReader(fmt) for fmt in FORMATS)
