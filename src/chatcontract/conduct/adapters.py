"""Built-in targets for comparison, each written the way a user would write it.

Every adapter has the conduct signature (keyword arguments ``base_url``, ``api_key``, ``model``,
``messages``, ``stream``, ``fallback_model`` and the optional ``deadline_s``; returns the answer
text or raises). Only our ``Client`` has a per-call deadline to give ``deadline_s`` to; the peers
are graded as written (their own timeouts), so they take it and leave it unused:

- ``openai_sdk``: the official SDK with its defaults (2 retries, 600 s timeout), no fallback;
- ``openai_tenacity``: the SDK (its retries off, 30 s timeout) wrapped in tenacity's usual
  recipe: up to 4 attempts, ``wait_random_exponential(multiplier=0.5, max=8)``, retry on
  connection, timeout, rate-limit and 5xx errors, then one try of the fallback model;
- ``chatcontract_client``: our ``Client`` with its default ``Policy`` and the fallback as a
  ``Route``, and ``deadline_s`` as the call's deadline.

Clients are kept per (base URL, fallback) for the life of the worker, as an application keeps
its client: breakers and budgets carry over from call to call. The libraries are imported when
the worker loads this module, so their import time is not charged to the first scenario.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import openai
import tenacity

from chatcontract import Client, Route

Messages = Sequence[dict[str, Any]]


def _sdk_text(client: Any, model: str, messages: Messages, stream: bool) -> str:
    if not stream:
        reply = client.chat.completions.create(model=model, messages=list(messages))
        return str(reply.choices[0].message.content or "")
    parts = []
    for chunk in client.chat.completions.create(model=model, messages=list(messages), stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


@functools.cache
def _openai(base_url: str, api_key: str, max_retries: int, timeout: float | None) -> Any:
    if timeout is None:
        return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=max_retries)
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=max_retries, timeout=timeout)


def openai_sdk(
    *,
    base_url: str,
    api_key: str,
    model: str,
    messages: Messages,
    stream: bool,
    fallback_model: str | None,
    deadline_s: float | None = None,
) -> str:
    """The openai SDK as most code uses it: defaults, no fallback."""
    return _sdk_text(_openai(base_url, api_key, 2, None), model, messages, stream)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError | openai.RateLimitError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def openai_tenacity(
    *,
    base_url: str,
    api_key: str,
    model: str,
    messages: Messages,
    stream: bool,
    fallback_model: str | None,
    deadline_s: float | None = None,
) -> str:
    """The SDK wrapped in tenacity (the cookbook recipe), then the fallback model once."""
    client = _openai(base_url, api_key, 0, 30.0)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(4),
        wait=tenacity.wait_random_exponential(multiplier=0.5, max=8),
        retry=tenacity.retry_if_exception(_retryable),
        reraise=True,
    )
    try:
        return str(retrying(_sdk_text, client, model, messages, stream))
    except Exception as exc:
        if fallback_model is None or not _retryable(exc):
            raise
        return _sdk_text(client, fallback_model, messages, stream)


@functools.cache
def _ours(base_url: str, api_key: str, fallback_model: str | None) -> Any:
    fallbacks = [Route(model=fallback_model)] if fallback_model else []
    return Client(base_url=base_url, api_key=api_key, fallbacks=fallbacks)


def chatcontract_client(
    *,
    base_url: str,
    api_key: str,
    model: str,
    messages: Messages,
    stream: bool,
    fallback_model: str | None,
    deadline_s: float | None = None,
) -> str:
    """Our ``Client`` with default policy; raises ``CallFailed`` when no route gave a whole answer."""
    client = _ours(base_url, api_key, fallback_model)
    return str(client.chat(model=model, messages=list(messages), stream=stream, deadline_s=deadline_s).content)


def plain_http(
    *,
    base_url: str,
    api_key: str,
    model: str,
    messages: Messages,
    stream: bool,
    fallback_model: str | None,
    deadline_s: float | None = None,
) -> str:
    """One plain request through a gateway (no retry, no fallback of our own): what the gateway
    returns is what is graded. A stream is read to its end; the text is returned as received."""
    import httpx

    body = {"model": model, "messages": list(messages), "stream": stream}
    headers = {"Authorization": f"Bearer {api_key}"}
    url = base_url.rstrip("/") + "/chat/completions"
    with httpx.stream("POST", url, json=body, headers=headers, timeout=httpx.Timeout(30.0, connect=5.0)) as response:
        response.raise_for_status()
        if not stream:
            response.read()
            return str(response.json()["choices"][0]["message"]["content"] or "")
        return "".join(_sse_text(response.iter_lines()))


def _sse_text(lines: Any) -> Any:
    import json

    for line in lines:
        if not line.startswith("data:") or line.strip() == "data: [DONE]":
            continue
        event = json.loads(line[5:])
        if "error" in event:
            raise RuntimeError(f"error event in the stream: {event['error']}")
        for choice in event.get("choices") or []:
            yield (choice.get("delta") or {}).get("content") or ""
