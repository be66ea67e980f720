"""Field mappings inferred from common field names, for JSON lines read without ``--map``.

Gateways, proxies and application loggers name the same facts differently. :data:`SYNONYMS`
is the documented table tried, in order, for each canonical field; a name is taken only when
the first lines of the file hold a value of the right kind under it (a status is an integer
from 100 to 999, a time an ISO 8601 string or an epoch number, a latency a number, ...). Dotted
names match a literal key (``"http.response.status_code": 200``) or nested objects (ECS:
``{"http": {"response": {"status_code": 200}}}``). Latency units come from the name
(``*_ms``, ``*_s``, ``*_us``, ``*_ns``, ECS ``event.duration`` in ns, nginx ``request_time``
in s); a bare ``duration``/``elapsed``/``latency`` is seconds when every sampled value is
below 100 and one has a fraction, otherwise milliseconds. The review says which names it used.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.review.mapping import FieldMap, FieldSpec
from chatcontract.review.readers.base import first_json_objects, read_head

SYNONYMS: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "@timestamp", "ts", "start_time", "startTime", "started_at", "datetime",
             "time_iso8601", "date", "eventTime", "receiveTimestamp"),
    "status": ("status", "status_code", "statusCode", "http_status", "response_code", "responseCode",
               "response.status", "response.status_code", "http.response.status_code", "http.status_code",
               "res.statusCode", "httpRequest.status", "upstream_status"),
    "path": ("path", "url.path", "request.path", "request_uri", "uri", "http.path", "http.target", "url",
             "request.url", "url.full", "url.original", "http.url", "req.url", "httpRequest.requestUrl"),
    "method": ("method", "http.method", "http.request.method", "request.method", "request_method", "req.method",
               "httpRequest.requestMethod"),
    # a bare "host" is the Host header in gateway logs but the machine in application logs: an
    # explicit server name wins it, and it then names the deployment when nothing else does
    "host": ("authority", "server.address", "url.domain", "http.host", "request.host", "host", "upstream_host"),
    "latency": ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms", "request_time_ms", "took_ms",
                "duration_ns", "elapsed_ns", "latency_ns", "event.duration", "duration_us", "latency_us",
                "duration_s", "latency_s", "elapsed_s", "request_time", "upstream_response_time", "response_time",
                "responseTime", "latency", "duration", "elapsed", "httpRequest.latency"),
    "request_id": ("request_id", "requestId", "reqId", "x_request_id", "x-request-id", "req_id", "http.request.id",
                   "request.id", "trace_id", "traceId", "trace.id"),
    "model": ("model", "request.model", "gen_ai.request.model", "llm.model"),
    "response_model": ("response_model", "response.model", "gen_ai.response.model"),
    "service": ("service", "service.name", "service_name", "app", "application"),
    "deployment": ("deployment", "deployment.environment", "deployment.environment.name", "env", "environment",
                   "pod", "kubernetes.pod.name", "k8s.pod.name", "hostname", "host.name", "host"),
    "error_type": ("error_type", "error.type", "errorType"),
    "error_code": ("error_code", "error.code", "errorCode"),
    "attempt": ("attempt", "attempt_number"),
    "retry_count": ("retry_count", "x_stainless_retry_count", "x-stainless-retry-count", "retries"),
    "resend_count": ("http.request.resend_count",),
    "idempotency_key": ("idempotency_key", "idempotency-key"),
    "streaming": ("stream", "streaming"),
    "finish_reason": ("finish_reason", "gen_ai.response.finish_reason"),
    "prompt_tokens": ("usage.prompt_tokens", "prompt_tokens", "gen_ai.usage.input_tokens",
                      "gen_ai.usage.prompt_tokens"),
    "completion_tokens": ("usage.completion_tokens", "completion_tokens", "gen_ai.usage.output_tokens",
                          "gen_ai.usage.completion_tokens"),
    "total_tokens": ("usage.total_tokens", "total_tokens"),
}
_UNIT_SUFFIXES = (("_ms", 1.0, "ms"), ("Ms", 1.0, "ms"), ("_ns", 1e-6, "ns"), ("_us", 1e-3, "us"),
                  ("_s", 1000.0, "s"))
_SECONDS_NAMES = frozenset({"request_time", "upstream_response_time"})
_MISSING = object()


def lookup(doc: dict[str, Any], name: str) -> tuple[Any, tuple[str, ...] | None]:
    """The value under ``name`` and its key path: a literal key first, then nested objects."""
    if name in doc:
        return doc[name], (name,)
    node: Any = doc
    parts = tuple(name.split("."))
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return _MISSING, None
        node = node[part]
    return node, parts


def _is_time(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, str) and v.replace(".", "", 1).isdigit():  # an epoch number written as a string
        v = float(v)
    if isinstance(v, int | float):
        return 1e8 < v < 4.2e18
    if not isinstance(v, str) or len(v) < 10 or not v[:4].isdigit():
        return False
    text = v.strip().replace("Z", "+00:00")
    if "." in text:  # Python takes at most 6 fraction digits; DuckDB reads more
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = head + "." + tail[: min(digits, 6)] + tail[digits:]
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return False
    return isinstance(v, int | float) and 0 <= v < 1e15  # finite, and no epoch time taken for a duration


def _is_status(v: Any) -> bool:
    if isinstance(v, str) and v.isdigit():
        v = int(v)
    return isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 999


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() not in ("", "-")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_path(v: Any) -> bool:
    return isinstance(v, str) and (v.startswith("/") or "://" in v)


_CHECKS = {"time": _is_time, "status": _is_status, "latency": _is_number, "path": _is_path,
           "streaming": lambda v: isinstance(v, bool), "attempt": _is_int, "retry_count": _is_int,
           "resend_count": _is_int, "prompt_tokens": _is_int, "completion_tokens": _is_int,
           "total_tokens": _is_int}


def _best(field: str, docs: list[dict[str, Any]]) -> tuple[str, tuple[str, ...], list[Any]] | None:
    """The synonym with a valid value in the most sampled lines (table order breaks ties)."""
    check = _CHECKS.get(field, _is_text)
    best: tuple[str, tuple[str, ...], list[Any]] | None = None
    for name in SYNONYMS[field]:
        values: list[Any] = []
        path: tuple[str, ...] | None = None
        for doc in docs:
            value, where = lookup(doc, name)
            if where is not None and value is not None and check(value):
                values.append(value)
                path = path or where
        if path is not None and (best is None or len(values) > len(best[2])):
            best = (name, path, values)
    return best


def _latency_unit(name: str, values: list[Any]) -> tuple[float, str]:
    last = name.rsplit(".", 1)[-1]
    if name == "event.duration":
        return 1e-6, "ns"
    if last in _SECONDS_NAMES:
        return 1000.0, "s"
    for suffix, factor, label in _UNIT_SUFFIXES:
        if last.endswith(suffix):
            return factor, label
    numbers = [float(v) for v in values]
    if numbers and max(numbers) < 100 and any(n != int(n) for n in numbers):
        return 1000.0, "s"
    return 1.0, "ms"


def infer_from_docs(docs: list[dict[str, Any]], where: str) -> tuple[FieldMap, dict[str, str]]:
    """The mapping the sampled lines support, and ``canonical field -> "name (detail)"``.

    Raises :class:`UsageError` when no time or no status field is found.
    """
    fields: dict[str, FieldSpec] = {}
    used: dict[str, str] = {}
    for field in SYNONYMS:
        found = _best(field, docs)
        if found is None:
            continue
        name, path, values = found
        if any(spec.path == path for spec in fields.values()):
            continue  # one source field feeds one canonical field
        spec, note = FieldSpec(path), name
        if field == "latency":
            unit, label = _latency_unit(name, values)
            spec, note = FieldSpec(path, unit=unit), f"{name} ({label})"
        elif field == "path" and any("://" in str(v) for v in values):
            spec, note = FieldSpec(path, url_part="path"), f"{name} (URL path)"
        fields[field] = spec
        used[field] = note
    if "path" in fields and fields["path"].url_part and "host" not in fields:
        fields["host"] = FieldSpec(fields["path"].path, url_part="host")
        used["host"] = used["path"].replace("URL path", "URL host")
    missing = [f for f in ("time", "status") if f not in fields]
    if missing:
        raise UsageError(
            f"{where}: JSON lines with no recognisable {' or '.join(missing)} field "
            f"(tried {', '.join(SYNONYMS[missing[0]][:6])}, ...): pass --map FILE.yaml naming the fields"
        )
    return FieldMap(name=f"inferred:{where}", fields=fields, skip_without="status"), used


def infer_map(path: Path) -> tuple[FieldMap, dict[str, str]]:
    """Infer the mapping of a JSON-lines file from its first lines."""
    docs = first_json_objects(read_head(path), limit=50)
    return infer_from_docs(docs, str(path))


def describe(used: dict[str, str]) -> str:
    """``status←status_code, time←@timestamp, ...`` for the report."""
    return ", ".join(f"{field}←{name}" for field, name in used.items())
