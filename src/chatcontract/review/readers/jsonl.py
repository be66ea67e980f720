"""JSON-lines readers: this project's ``attempts.jsonl`` and generic JSON lines with a mapping.

Both are read by DuckDB itself (``read_json`` with explicit columns), the fast path. DuckDB
turns a line it cannot parse into a row of NULLs; when there are such rows,
:func:`diagnose_unparsed` reads the file once more in Python to say why, line by line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from chatcontract.errors import UsageError
from chatcontract.inputs import loads
from chatcontract.review.mapping import ATTEMPTS_MAP, FieldMap
from chatcontract.review.model import BadInput
from chatcontract.review.reach import ATTEMPTS_REACH, MAPPED_JSON_REACH
from chatcontract.review.readers.base import CorruptCompressionError, ReadContext, first_json_objects, iter_lines

_OWN_KEYS = frozenset({"schema_version", "attempt_number", "http_method", "route_template", "request_id"})


class AttemptsReader:
    """chatcontract's own attempt records (``AttemptRecord`` JSON lines)."""

    name = "attempts"
    description = "chatcontract attempts.jsonl (AttemptRecord JSON lines)"
    reach = ATTEMPTS_REACH

    def sniff(self, head: bytes) -> int:
        docs = first_json_objects(head)
        if docs and all("started_at" in d and len(_OWN_KEYS & d.keys()) >= 2 for d in docs):
            return 90
        return 0

    def field_map(self, ctx: ReadContext) -> FieldMap:
        return ATTEMPTS_MAP


class MappedJsonReader:
    """Any JSON lines, with ``--map FILE.yaml`` naming the fields."""

    name = "jsonl"
    description = "generic JSON lines with a --map FILE.yaml field mapping"
    reach = MAPPED_JSON_REACH

    def sniff(self, head: bytes) -> int:
        docs = first_json_objects(head)
        if docs and not any("resourceSpans" in d for d in docs):
            return 10
        return 0

    def field_map(self, ctx: ReadContext) -> FieldMap:
        if ctx.field_map is None:
            raise UsageError("generic JSON lines need --map FILE.yaml naming the time, status and path fields")
        return ctx.field_map


def _line_reason(line: bytes, fmap: FieldMap) -> str | None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    try:
        doc = loads(text)
    except ValueError:
        return "invalid JSON (malformed or truncated line)"
    if not isinstance(doc, dict):
        return "not a JSON object"
    if not any(doc.get(spec.path[0]) is not None for spec in fmap.fields.values()):
        return "none of the mapped fields"
    return None


def diagnose_unparsed(path: Path, fmap: FieldMap, expected: int, bad: BadInput, name: str | None = None) -> None:
    """Count why ``expected`` lines could not be parsed, with redacted examples.

    Lines Python would accept but DuckDB did not are counted under a reason of their own, so
    the counts always add up to ``expected``.
    """
    found: Counter[str] = Counter()
    try:
        for number, line in iter_lines(path):
            if sum(found.values()) >= expected:
                break
            if not line.strip():
                continue
            reason = _line_reason(line, fmap)
            if reason is not None:
                found[reason] += 1
                bad.add(reason, name or path.name, number, line[:400], n=0)
    except CorruptCompressionError:
        pass  # DuckDB read what it could; the remainder is counted below
    total = 0
    for reason, n in found.items():
        take = min(n, expected - total)
        bad.counts[reason] = bad.counts.get(reason, 0) + take
        total += take
    if total < expected:
        reason = "rejected by the JSON reader"
        bad.counts[reason] = bad.counts.get(reason, 0) + expected - total
