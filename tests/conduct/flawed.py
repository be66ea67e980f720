"""Sample clients for conduct: our ``Client`` with exactly one flaw each (imported by workers).

Each flaw is the kind of code found in real applications:
- ``retries_401``: a retry loop around the call that also catches authentication errors;
- ``ignores_retry_after``: a transport that drops ``Retry-After`` (as a proxy might), so the
  client backs off on its own schedule;
- ``returns_cut_stream``: streams live and, when the stream breaks, returns what it has;
- ``falls_back_on_filter``: tries the fallback model when the provider refuses content;
- ``no_jitter``: fixed 1.2 s waits between retries (Retry-After still honoured);
- ``hangs`` / ``crashes``: never returns / kills its own process.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any

import httpx2 as httpx

from chatcontract import CallFailed, Client, Route


@functools.cache
def _client(base_url: str, api_key: str, fallback_model: str | None, flaw: str) -> Client:
    fallbacks = [Route(model=fallback_model)] if fallback_model else []
    options: dict[str, Any] = {}
    if flaw == "ignores_retry_after":
        options["http_client"] = httpx.Client(transport=_DropRetryAfter(httpx.HTTPTransport()))
    if flaw == "no_jitter":
        options["sleep"] = lambda s: time.sleep(s if s >= 0.95 else 1.2)
    return Client(base_url=base_url, api_key=api_key, fallbacks=fallbacks, **options)


class _DropRetryAfter(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        response.headers.pop("retry-after", None)
        return response


def _status(exc: CallFailed) -> int | None:
    return exc.attempts[-1].http_status if exc.attempts else None


def _filtered(exc: CallFailed) -> bool:
    return bool(exc.attempts) and exc.attempts[-1].failure_class == "content_filtered"


def _flawed(flaw: str) -> Callable[..., str]:
    def ask(*, base_url: str, api_key: str, model: str, messages: Any, stream: bool, fallback_model: str | None) -> str:
        client = _client(base_url, api_key, fallback_model, flaw)
        if flaw == "returns_cut_stream" and stream:
            parts: list[str] = []
            try:
                parts.extend(client.stream(model=model, messages=messages))
            except CallFailed:
                return "".join(parts)
            return "".join(parts)
        for attempt in range(3):
            try:
                return str(client.chat(model=model, messages=messages, stream=stream).content)
            except CallFailed as exc:
                if flaw == "retries_401" and _status(exc) == 401 and attempt < 2:
                    time.sleep(0.1)
                    continue
                if flaw == "falls_back_on_filter" and fallback_model and _filtered(exc):
                    return str(client.chat(model=fallback_model, messages=messages, stream=stream).content)
                raise
        raise AssertionError("unreachable")

    return ask


retries_401 = _flawed("retries_401")
ignores_retry_after = _flawed("ignores_retry_after")
returns_cut_stream = _flawed("returns_cut_stream")
falls_back_on_filter = _flawed("falls_back_on_filter")
no_jitter = _flawed("no_jitter")


def hangs(**kwargs: Any) -> str:
    time.sleep(3600)
    return ""


def crashes(**kwargs: Any) -> str:
    os._exit(3)
