"""Field mappings: which field of a log line holds the time, status, path, model, ...

A mapping names, for each canonical field, where a JSON-lines log keeps it. This project's
own ``attempts.jsonl`` is read through a built-in mapping, generic JSON lines through a
``--map FILE.yaml``, and the Python readers (OTLP, HAR, access logs) write canonical rows that
are read back through the identity mapping — so one SQL transform types and checks them all.

Mapping file::

    fields:
      time: ts                       # a key; dots mean nesting (``resp.status``)
      status: [http.response.status_code]   # a list: one literal key that contains dots
      latency: {field: duration, unit: s}   # units: ms (default), s, us, ns
      time: {field: ts, format: epoch_ms}   # formats: auto (default), iso, epoch_s, epoch_ms, epoch_us, epoch_ns
      usage: usage                   # an object with prompt_tokens / completion_tokens / total_tokens
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.inputs import parse_yaml, read_text

# Canonical fields and how they are checked: "time", "int", "status", "ms" (a duration),
# "float", "bool" or "str". ``latency`` and ``retry_after`` are durations.
CANONICAL: dict[str, str] = {
    "time": "time",
    "method": "str",
    "host": "str",
    "path": "str",
    "status": "status",
    "latency": "ms",
    "first_chunk": "ms",
    "model": "str",
    "response_model": "str",
    "error_type": "str",
    "error_code": "str",
    "failure_class": "str",
    "transport_error": "str",
    "request_id": "str",
    "provider_request_id": "str",
    "idempotency_key": "str",
    "attempt": "int",
    "retry_count": "int",
    "resend_count": "int",
    "streaming": "bool",
    "stream_state": "str",
    "finish_reason": "str",
    "prompt_tokens": "int",
    "completion_tokens": "int",
    "total_tokens": "int",
    "service": "str",
    "deployment": "str",
    "retry_after": "ms",
    "fallback_of": "str",
    "gateway_retries": "int",  # retries a gateway made inside one logged call (the row is the call)
    "response_shape": "str",
    "error_summary": "str",
    "client": "str",
    "body_shape": "str",
    "source_line": "int",
    "schema_version": "int",  # of this project's attempt records: a version we do not know is a bad line
}
_ALIASES = {
    "latency_ms": "latency",
    "duration": "latency",
    "error": "error_type",
    "error_code_or_type": "error_type",
    "stainless_retry_count": "retry_count",
    "x_stainless_retry_count": "retry_count",
    "retry_after_ms": "retry_after",
    "first_chunk_ms": "first_chunk",
    "stream": "streaming",
    "idempotency": "idempotency_key",
}
_UNITS = {"ms": 1.0, "s": 1000.0, "us": 0.001, "ns": 0.000001}
TIME_FORMATS = ("auto", "iso", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")
USAGE_PARTS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass(frozen=True)
class FieldSpec:
    """Where one canonical field lives: a key path, a unit for durations, a time format."""

    path: tuple[str, ...]
    unit: float = 1.0
    time_format: str = "auto"
    url_part: str | None = None  # "path" or "host": the field holds a full URL (inferred maps only)


@dataclass(frozen=True)
class FieldMap:
    """Canonical field name -> where the log keeps it."""

    name: str
    fields: dict[str, FieldSpec]
    # inferred maps: a line without this field is not a request line (an application log line
    # among request lines) and is counted as skipped, not as an attempt
    skip_without: str | None = None

    @property
    def has(self) -> frozenset[str]:
        return frozenset(self.fields)


def _path(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return tuple(p for p in value.split(".") if p)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) and value[0]:
        return (value[0],)
    raise UsageError(f"{where}: expected a field name, got {value!r}")


def _spec(name: str, value: Any, where: str) -> FieldSpec:
    if not isinstance(value, dict):
        return FieldSpec(_path(value, where))
    unknown = set(value) - {"field", "unit", "format"}
    if unknown:
        raise UsageError(f"{where}: unknown key {sorted(unknown)[0]!r} (use field, unit, format)")
    unit = str(value.get("unit", "ms"))
    fmt = str(value.get("format", "auto"))
    if unit not in _UNITS:
        raise UsageError(f"{where}: unit must be one of {', '.join(_UNITS)}")
    if fmt not in TIME_FORMATS:
        raise UsageError(f"{where}: format must be one of {', '.join(TIME_FORMATS)}")
    if name != "time" and "format" in value:
        raise UsageError(f"{where}: only time takes a format")
    return FieldSpec(_path(value.get("field"), where), _UNITS[unit], fmt)


def parse_map(doc: Any, where: str) -> FieldMap:
    """Validate a mapping document (a dict, optionally under ``fields:``)."""
    if isinstance(doc, dict) and "fields" in doc:
        doc = doc["fields"]
    if not isinstance(doc, dict) or not doc:
        raise UsageError(f"mapping {where}: expected a mapping of field names under 'fields:'")
    fields: dict[str, FieldSpec] = {}
    for raw_name, value in doc.items():
        name = _ALIASES.get(str(raw_name), str(raw_name))
        if name == "usage":
            base = _path(value, f"mapping {where}: usage")
            for part in USAGE_PARTS:
                fields.setdefault(part, FieldSpec((*base, part)))
            continue
        if name not in CANONICAL or name == "source_line":
            known = ", ".join(sorted({*CANONICAL, "usage"} - {"source_line"}))
            raise UsageError(f"mapping {where}: unknown field {raw_name!r} (known: {known})")
        fields[name] = _spec(name, value, f"mapping {where}: {raw_name}")
    if "time" not in fields:
        raise UsageError(f"mapping {where}: 'time' is required (which field holds the timestamp?)")
    return FieldMap(name=where, fields=fields)


def load_map(path: Path) -> FieldMap:
    """Read and validate a ``--map`` file."""
    doc = parse_yaml(read_text(path, "mapping"), f"mapping {path}")
    return parse_map(doc, str(path))


# This project's own attempt records (AttemptRecord field names).
ATTEMPTS_MAP = FieldMap(
    name="attempts",
    fields={
        canonical: FieldSpec((own,), time_format="iso" if canonical == "time" else "auto")
        for canonical, own in {
            "time": "started_at",
            "method": "http_method",
            "host": "server_address",
            "path": "route_template",
            "status": "http_status",
            "latency": "elapsed_ms",
            "model": "model",
            "response_model": "response_model",
            "failure_class": "failure_class",
            "request_id": "request_id",
            "provider_request_id": "provider_request_id",
            "attempt": "attempt_number",
            "streaming": "streaming",
            "finish_reason": "finish_reason",
            "prompt_tokens": "prompt_tokens",
            "completion_tokens": "completion_tokens",
            "total_tokens": "total_tokens",
            "service": "service",
            "deployment": "deployment",
            "retry_after": "retry_after_ms",
            "fallback_of": "fallback_of",
            "response_shape": "response_shape",
            "error_summary": "error_summary",
            "schema_version": "schema_version",
        }.items()
    },
)

# Rows written by the Python readers use the canonical names themselves.
CANONICAL_MAP = FieldMap(
    name="canonical",
    fields={
        name: FieldSpec((name,), time_format="iso" if name == "time" else "auto") for name in CANONICAL
    },
)
