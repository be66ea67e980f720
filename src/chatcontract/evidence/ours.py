"""Whose mistake the evidence points at, and what a packet says about the failure in words.

A reproduction whose verdict is ``request_shape``, or whose failures are classes we fix
ourselves (a bad request, a model name we typed wrong, our key, our route), is not a support
matter: the packet says so, is addressed to the owning team, and fails ``--strict``. A human
title that names a status the evidence does not show is a warning. The summary names the model,
the failure in words and a redacted ``curl`` that sends the same request again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chatcontract.record import AttemptRecord, FailureClass
from chatcontract.report.curl import curl_command, key_variable
from chatcontract.taxonomy import ACTIONS

_FC = FailureClass
OUR_CLASSES = frozenset({_FC.REQUEST_INVALID, _FC.MODEL_UNKNOWN, _FC.AUTH, _FC.ENDPOINT_MISMATCH})
_STATUS = re.compile(r"\b([1-5]\d\d)\b")
_WORDS: dict[FailureClass, str] = {
    _FC.SERVER_ERROR: "the server answered with an error status",
    _FC.RATE_LIMITED: "the request was rate limited",
    _FC.QUOTA_EXHAUSTED: "the account's quota was exhausted",
    _FC.TIMEOUT: "no answer arrived in time",
    _FC.CONNECT_ERROR: "the connection could not be made",
    _FC.INVALID_RESPONSE: "a 2xx answer was not JSON",
    _FC.SCHEMA_MISMATCH: "a 2xx answer lacked a field the parser needs",
    _FC.STREAM_STALLED: "the stream stopped sending events",
    _FC.STREAM_ERROR: "an error event arrived inside the stream",
    _FC.REQUEST_INVALID: "the request was rejected as invalid",
    _FC.MODEL_UNKNOWN: "the model name was not recognised",
    _FC.AUTH: "the key was refused",
    _FC.ENDPOINT_MISMATCH: "the route does not exist",
}


def our_mistake(dominant: FailureClass | None, repro_verdict: str | None) -> dict[str, str] | None:
    """``{"why", "owner"}`` when the evidence points at our own side, else ``None``."""
    if repro_verdict == "request_shape":
        owner = ACTIONS[dominant].owner if dominant is not None else "application team"
        return {"why": "the reproduction's verdict is request_shape: the request itself is the problem",
                "owner": owner}
    if dominant in OUR_CLASSES:
        assert dominant is not None
        return {"why": f"the dominant failure {dominant.value} is ours to fix ({_WORDS[dominant]})",
                "owner": ACTIONS[dominant].owner}
    return None


def title_warnings(title: str | None, statuses: dict[str, int]) -> list[str]:
    """A status named in the title that no failed attempt had (a "503" title over 404s)."""
    if not title:
        return []
    named = sorted(set(_STATUS.findall(title)))
    seen = ", ".join(f"{s} ({n}x)" for s, n in statuses.items()) or "no status"
    return [f"the title names {s} but the failed attempts show {seen}" for s in named if s not in statuses]


def failure_in_words(rep: AttemptRecord | None) -> str:
    """The representative failure in words ("the stream ended without finish_reason after ...")."""
    if rep is None or rep.failure_class is None:
        return "no failure was recorded"
    if rep.failure_class is _FC.STREAM_INTERRUPTED:
        got = f" after {rep.completion_tokens} completion tokens" if rep.completion_tokens else ""
        first = f" (first content after {rep.first_chunk_ms:.0f} ms)" if rep.first_chunk_ms is not None else ""
        return f"the stream ended without finish_reason{got}{first}"
    words = _WORDS.get(rep.failure_class, rep.failure_class.value)
    status = f" (HTTP {rep.http_status})" if rep.http_status is not None else ""
    return f"{words}{status}"


def _body(shape: Any) -> Any:
    """A request body rebuilt from its recorded shape: strings stand in for content of that length."""
    if isinstance(shape, dict):
        if set(shape) == {"chars"} and isinstance(shape["chars"], int):
            return f"({shape['chars']} characters)"
        return {k: _body(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_body(v) for v in shape]
    return shape


def reproduce_curl(rep: AttemptRecord | None) -> str | None:
    """A redacted ``curl`` sending the representative request again.

    The key goes in as ``--oauth2-bearer "$VARIABLE"`` (the variable the key came from): no
    ``Authorization:`` text, which evidence redaction would mask and lint would flag.
    """
    if rep is None or not rep.route_template or not rep.server_address:
        return None
    server = rep.server_address if "://" in rep.server_address else f"https://{rep.server_address}"
    headers = [("content-type", "application/json")]
    if rep.streaming:
        headers.append(("accept", "text/event-stream"))
    body = json.dumps(_body(rep.request_shape)) if rep.request_shape else None
    command = curl_command(rep.http_method, server.rstrip("/") + rep.route_template, headers, body)
    first, sep, rest = command.partition(" \\\n  ")
    bearer = f'--oauth2-bearer "${key_variable(rep.credential_source)}"'
    return f"{first} \\\n  {bearer}{sep}{rest}" if sep else f"{first} \\\n  {bearer}"
