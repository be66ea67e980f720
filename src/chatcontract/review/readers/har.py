"""HAR files (browser or proxy captures): bodies included, so each entry is observed in full.

Entries are streamed (``log.entries``) so captures larger than memory work. Response bodies go
through :func:`chatcontract.taxonomy.observe` (the classifier's own parser); request bodies are
reduced to a shape signature. Authorization headers are never read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chatcontract.inputs import loads
from chatcontract.review.reach import HAR_REACH
from chatcontract.review.readers.base import OUT_OF_SCOPE, PythonRead, ReadContext, open_binary
from chatcontract.review.readers.streamjson import TruncatedDocumentError, objects_at
from chatcontract.taxonomy import header_map, observe

_ENTRY = "log.entries.item"
# A capture from a browser holds pages, assets, analytics beacons and calls to other services
# besides the chat API: only chat-API routes (or requests whose body is a chat request) are
# reviewed; the rest is counted as skipped, by reason, never as a failure.
_CHAT_ROUTE = re.compile(r"/chat|/completions?\b|/models\b|/embeddings\b|/responses\b")
_API_TYPES = frozenset({"", "xhr", "fetch", "eventsource", "other"})  # Chrome's _resourceType values
NOT_API = "HAR entry that is not an API call"
PREFLIGHT = "HAR entry that is a CORS preflight (OPTIONS)"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _headers(obj: Any) -> dict[str, str]:
    items = obj if isinstance(obj, list) else []
    return header_map([(h.get("name", ""), h.get("value", "")) for h in items if isinstance(h, dict)])


def _body_text(content: Any) -> str:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return ""
    text: str = content["text"]
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text).decode("utf-8", "replace")
        except ValueError:
            return ""
    return text


def _request_info(request: dict[str, Any]) -> dict[str, Any]:
    post = _dict(request.get("postData"))
    try:
        body = loads(post.get("text") or "null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return {"body_shape": None}
    raw_messages = body.get("messages")
    messages = raw_messages if isinstance(raw_messages, list) else []
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    signature = json.dumps([sorted(body), roles], default=str)
    return {
        "model": body.get("model") if isinstance(body.get("model"), str) else None,
        "streaming": body.get("stream") is True,
        "body_shape": hashlib.sha1(signature.encode()).hexdigest()[:16],  # noqa: S324 - a shape key
    }


def _stream_facts(text: str) -> dict[str, Any]:
    """finish_reason, usage and model from an SSE body."""
    facts: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.startswith("data:") or line[5:].strip() == "[DONE]":
            continue
        try:
            chunk = loads(line[5:])
        except ValueError:
            continue
        if isinstance(chunk, dict):
            facts.update(_doc_facts(chunk, keep=facts))
    return facts


def _doc_facts(doc: dict[str, Any], keep: dict[str, Any] | None = None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    choices = doc.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        if reason is not None:
            facts["finish_reason"] = str(reason)
    usage = doc.get("usage")
    if isinstance(usage, dict):
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            if isinstance(usage.get(key), int):
                facts[key] = usage[key]
    if isinstance(doc.get("model"), str):
        facts["response_model"] = doc["model"]
    return facts


def skip_reason(entry: dict[str, Any]) -> str | None:
    """Why an entry is not reviewed (``None``: it is a chat-API call)."""
    request = _dict(entry.get("request"))
    kind = str(entry.get("_resourceType") or "").lower()
    if kind == "preflight" or str(request.get("method", "")).upper() == "OPTIONS":
        return PREFLIGHT
    if kind not in _API_TYPES:
        return NOT_API
    path = urlsplit(str(request.get("url", ""))).path
    if _CHAT_ROUTE.search(path):
        return None
    post = _dict(request.get("postData"))
    raw = post.get("text")
    text = raw if isinstance(raw, str) else ""
    if '"messages"' in text and '"model"' in text:  # a chat request sent to an unusual route
        return None
    return OUT_OF_SCOPE


def entry_row(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The canonical row of one HAR entry, or ``None`` when it is not a chat-API call."""
    if skip_reason(entry) is not None:
        return None
    request = _dict(entry.get("request"))
    response = _dict(entry.get("response"))
    parts = urlsplit(str(request.get("url", "")))
    rh, sh = _headers(request.get("headers")), _headers(response.get("headers"))
    content = _dict(response.get("content"))
    status = response.get("status") if isinstance(response.get("status"), int) else None
    text = _body_text(content)
    row: dict[str, Any] = {
        "time": entry.get("startedDateTime"),
        "latency": entry.get("time") if isinstance(entry.get("time"), int | float) and entry["time"] >= 0 else None,
        "method": request.get("method"),
        "path": parts.path or None,
        "host": parts.hostname,
        "retry_count": int(rh["x-stainless-retry-count"]) if rh.get("x-stainless-retry-count", "").isdigit() else None,
        "idempotency_key": rh.get("idempotency-key"),
        "client": hashlib.sha1(rh.get("user-agent", "").encode()).hexdigest()[:16],  # noqa: S324
        **_request_info(request),
    }
    if not status:
        error = str(response.get("_error") or "no response")
        row["transport_error"] = "read_timeout" if "TIMED_OUT" in error.upper() else "connect_error"
        return row
    row.update(_response_facts(status, sh, text))
    return row


def _response_facts(status: int, headers: dict[str, str], text: str) -> dict[str, Any]:
    """What the response says, through the classifier's own parser."""
    obs = observe(status, headers, text)
    row: dict[str, Any] = {}
    row.update(
        status=status,
        response_shape=obs.shape.value if obs.shape else None,
        error_type=obs.error_type,
        error_code=obs.error_code,
        provider_request_id=obs.provider_request_id,
        retry_after=obs.retry_after_ms,
    )
    if obs.shape is not None and obs.shape.value == "stream":
        row.update(_stream_facts(text), streaming=True, stream_state=None)
    else:
        try:
            doc = loads(text) if text else None
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            row.update(_doc_facts(doc))
    return row


class HarReader:
    """HTTP Archive (HAR 1.2) captures."""

    name = "har"
    description = "HAR captures (browser or proxy), bodies observed with the classifier's parser"
    reach = HAR_REACH

    def sniff(self, head: bytes) -> int:
        return 85 if re.match(rb'\s*\{\s*"log"\s*:', head) and b'"entries"' in head else 0

    def rows(self, path: Path, ctx: ReadContext, out: PythonRead) -> Iterator[dict[str, Any]]:
        index = 0
        with open_binary(path) as fh:
            try:
                for _, entry in objects_at(fh, frozenset({_ENTRY})):
                    index += 1
                    out.lines += 1
                    reason = skip_reason(entry) if isinstance(entry, dict) else NOT_API
                    row = entry_row(entry) if reason is None and isinstance(entry, dict) else None
                    if row is None:
                        out.skip(reason or NOT_API)
                    elif not isinstance(row.get("time"), str):
                        out.bad.add("HAR entry without startedDateTime", path.name, index, str(entry)[:300])
                    else:
                        row["source_line"] = index
                        yield row
            except TruncatedDocumentError as exc:
                out.bad.add("document truncated or invalid JSON", path.name, index + 1, str(exc))
