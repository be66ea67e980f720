"""Access logs: nginx ``combined`` (plus ``$request_time`` and key=value extras) and Envoy's
default format. One line, one attempt; a line that does not match is counted, never dropped.

nginx: ``$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
"$http_referer" "$http_user_agent" $request_time`` followed by optional ``key=value`` pairs
(``rt``/``request_time`` seconds, ``request_id``, ``host``, ``model``, ``service``,
``deployment``, ``retry`` (x-stainless-retry-count), ``idempotency_key``).

Envoy: ``[%START_TIME%] "%METHOD% %PATH% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %UPSTREAM_SERVICE_TIME% "%X-FORWARDED-FOR%"
"%USER-AGENT%" "%X-REQUEST-ID%" "%AUTHORITY%" "%UPSTREAM_HOST%"``. Envoy's request id is per
attempt, so it is kept as the provider request id and attempts are grouped by the heuristic.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from chatcontract.review.reach import ENVOY_REACH, NGINX_REACH
from chatcontract.review.readers.base import (
    OUT_OF_SCOPE,
    CorruptCompressionError,
    PythonRead,
    ReadContext,
    in_api_scope,
    iter_lines,
)

NGINX = re.compile(
    rb'^(?P<addr>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?" '
    rb'(?P<status>\d{3}) (?:\d+|-) "(?P<ref>[^"]*)" "(?P<ua>[^"]*)"(?P<rest>.*)$'
)
# a line in the combined layout whose request is not "METHOD target PROTOCOL" (a probe, a TLS
# handshake sent to the plain port, "-" for a connection closed before a request)
NGINX_NO_REQUEST = re.compile(rb'^\S+ \S+ \S+ \[[^\]]+\] "(?![A-Z]+ )(?:[^"\\]|\\.)*" \d{3} ')
ENVOY = re.compile(
    rb'^\[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+) [^"]*" (?P<status>\d+) (?P<flags>\S+) '
    rb'(?:\S+ \S+ "[^"]*" )?'  # Istio: %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_..._REASON%"
    rb'(?:\d+|-) (?:\d+|-) (?P<duration>\d+|-) (?:\d+|-) "[^"]*" "(?P<ua>[^"]*)" "(?P<rid>[^"]*)" '
    rb'"(?P<authority>[^"]*)" "[^"]*"'
)
# The helpers below are ASCII throughout (whitespace, digits, word characters), as the servers
# write these logs and as Spark's Java patterns read them (``review/spark_access.py``).
KEY_VALUE = re.compile(r'(\w+)=("[^"]*"|\S+)', re.ASCII)
FLOAT = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_DIGITS = re.compile(r"^\d+$", re.ASCII)
SPACES = r"[ \t\n\r\x0b\x0c]+"  # what bytes.split() splits on
_SPACES = re.compile(SPACES)
NGINX_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")  # $request_id: per request to nginx, so per attempt
EXTRA_KEYS = {"request_id": "request_id", "req_id": "request_id", "host": "host", "model": "model",
         "service": "service", "deployment": "deployment", "idempotency_key": "idempotency_key"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The times an access log carries, as one grammar both engines parse: nginx's $time_local
# (``22/Nov/2026:14:05:00 +0000``) and ISO 8601 ($time_iso8601, Envoy's %START_TIME%; no offset
# means UTC; a fraction is cut to microseconds). Named groups (Java allows no underscore in them).
_OFFSET = r"(?:(?P<zulu>Z)|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))"
LOCAL_TIME = re.compile(
    rf"^(?P<day>\d{{2}})/(?P<mon>{'|'.join(MONTHS)})/(?P<year>\d{{4}}):(?P<hour>\d{{2}}):(?P<min>\d{{2}}):"
    rf"(?P<sec>[0-5]\d) {_OFFSET}$", re.ASCII)
ISO_TIME = re.compile(
    r"^(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})[T ](?P<hour>\d{2}):(?P<min>\d{2})"
    rf"(?::(?P<sec>[0-5]\d)(?:[.,](?P<frac>\d+))?)?{_OFFSET}?$", re.ASCII)


def parse_time(text: str) -> datetime | None:
    """A logged time (:data:`LOCAL_TIME` or :data:`ISO_TIME`) in UTC; ``None`` if it is neither
    or names no real instant (30 February, an offset of a day or more, past year 9999)."""
    m = LOCAL_TIME.match(text) or ISO_TIME.match(text)
    if m is None:
        return None
    month = MONTHS.index(m["mon"]) + 1 if m["mon"] in MONTHS else int(m["mon"])
    minutes = int(m["oh"] or 0) * 60 + int(m["om"] or 0)
    try:
        zone = timezone(timedelta(minutes=-minutes if m["sign"] == "-" else minutes))
        when = datetime(int(m["year"]), month, int(m["day"]), int(m["hour"]), int(m["min"]), int(m["sec"] or 0),
                        int((m.groupdict().get("frac") or "")[:6].ljust(6, "0")), tzinfo=zone)
        return when.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _client(addr: bytes, ua: bytes) -> str:
    """A grouping key for the caller: the address and user agent as text (invalid UTF-8 replaced,
    as Spark reads the line), hashed."""
    text = (addr + b"|" + ua).decode("utf-8", "replace").encode("utf-8")
    return hashlib.sha1(text).hexdigest()[:16]  # noqa: S324 - a grouping key, not a secret


def _extras(rest: str, row: dict[str, Any]) -> None:
    tokens = [t for t in _SPACES.split(rest) if t]
    while tokens and tokens[0].startswith('"'):  # "$http_x_forwarded_for" in the "main" format
        tokens.pop(0)
    if tokens and FLOAT.match(tokens[0]):  # $request_time [$upstream_response_time]
        row["latency"] = float(tokens[0]) * 1000.0
    ids = [t for t in tokens[:4] if NGINX_REQUEST_ID.match(t)]
    if ids:
        row["provider_request_id"] = ids[0]
    for key, raw in KEY_VALUE.findall(rest):
        value = raw.strip('"')
        if key in ("rt", "request_time") and FLOAT.match(value):
            row["latency"] = float(value) * 1000.0
        elif key == "retry" and _DIGITS.match(value):
            row["retry_count"] = int(value)
        elif key in EXTRA_KEYS and value not in ("", "-"):
            row[EXTRA_KEYS[key]] = value


def _path(target: bytes) -> str:
    """The route of a request target: no query string (it may hold keys), no scheme and host
    when a proxy logged the absolute form (``GET http://host/v1/... HTTP/1.1``)."""
    text = target.decode("utf-8", "replace").split("?", 1)[0]
    if "://" in text[:12]:
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    return text


def _dash(raw: bytes) -> str | None:
    """A logged value, ``None`` for the ``-`` (or empty) that access logs write when it is absent."""
    text = raw.decode("utf-8", "replace")
    return None if text in ("", "-") else text


def nginx_row(line: bytes) -> dict[str, Any] | None:
    m = NGINX.match(line)
    if m is None:
        return None
    when = parse_time(m["time"].decode("utf-8", "replace"))
    if when is None:
        return None
    status = int(m["status"])
    row: dict[str, Any] = {
        "time": when.isoformat(),
        "method": m["method"].decode("ascii"),
        "path": _path(m["target"]),
        "status": status or None,  # 0: no response; any other number is checked (and counted) in SQL
        "client": _client(m["addr"], m["ua"]),
    }
    if status == 499:  # nginx: the client closed the connection before the answer
        row.update(status=None, transport_error="read_timeout", error_type="client_closed_request")
    _extras(m["rest"].decode("utf-8", "replace"), row)
    return row


FLAG_ERRORS = {"UF": "connect_error", "UH": "connect_error", "URX": "connect_error", "UO": "connect_error",
                "UC": "reset", "UT": "read_timeout", "SI": "first_chunk_timeout", "DC": "reset"}


def envoy_row(line: bytes) -> dict[str, Any] | None:
    m = ENVOY.match(line)
    if m is None:
        return None
    when = parse_time(m["time"].decode("utf-8", "replace"))
    if when is None:
        return None
    status = int(m["status"])
    flags = m["flags"].decode("utf-8", "replace").split(",")
    row: dict[str, Any] = {
        "time": when.isoformat(),
        "method": m["method"].decode("ascii"),
        "path": _path(m["target"]),
        "status": status or None,  # 0: no response; any other number is checked (and counted) in SQL
        "latency": float(m["duration"]) if m["duration"] != b"-" else None,
        "host": _dash(m["authority"]),
        "provider_request_id": _dash(m["rid"]),
        "client": _client(b"", m["ua"]),
    }
    errors = [FLAG_ERRORS[f] for f in flags if f in FLAG_ERRORS]
    if errors and row["status"] is None:
        row["transport_error"] = errors[0]
    if flags != ["-"]:
        row["error_code"] = ",".join(flags)
    return row


NO_REQUEST = "nginx line without a request (probe, TLS handshake or closed connection)"  # a skip reason


def unparsed_reason(name: str) -> str:
    """The bad-input reason of a line that is not of the access-log format ``name``."""
    return f"not a {name} access-log line"


class _LineReader:
    name = ""
    description = ""
    reach = NGINX_REACH
    pattern: re.Pattern[bytes] = NGINX

    def parse(self, line: bytes) -> dict[str, Any] | None:
        raise NotImplementedError

    def sniff(self, head: bytes) -> int:
        lines = [ln for ln in head.split(b"\n")[:20] if ln.strip()]
        if len(head) >= 65536 and len(lines) > 1:
            lines = lines[:-1]
        hits = sum(1 for ln in lines if self.pattern.match(ln.rstrip(b"\r")))
        return 70 if lines and hits * 2 >= len(lines) else 0

    def rows(self, path: Path, ctx: ReadContext, out: PythonRead) -> Iterator[dict[str, Any]]:
        try:
            for number, line in iter_lines(path):
                if not line.strip():
                    continue
                out.lines += 1
                row = self.parse(line)
                if row is None:
                    if self.pattern is NGINX and NGINX_NO_REQUEST.match(line):
                        out.skip(NO_REQUEST)
                    else:
                        out.bad.add(unparsed_reason(self.name), path.name, number, line[:400])
                    continue
                if not in_api_scope(row.get("path")):
                    out.skip(OUT_OF_SCOPE)
                    continue
                row["source_line"] = number
                yield row
        except CorruptCompressionError as exc:
            out.bad.add("compressed stream cut short or corrupt", path.name, None, str(exc))


class NginxReader(_LineReader):
    """nginx combined access logs with request time."""

    name = "nginx"
    description = "nginx combined access log + $request_time (and key=value extras)"
    pattern = NGINX

    def parse(self, line: bytes) -> dict[str, Any] | None:
        return nginx_row(line)


class EnvoyReader(_LineReader):
    """Envoy default-format access logs."""

    name = "envoy"
    description = "Envoy default access-log format"
    reach = ENVOY_REACH
    pattern = ENVOY

    def parse(self, line: bytes) -> dict[str, Any] | None:
        return envoy_row(line)
