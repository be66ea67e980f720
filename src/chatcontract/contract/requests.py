"""Raw request builders, one per probe case, shared by the probe and ``repro --negative CASE``
(they live in the contract floor so neither command imports the other).

The resilient client cannot omit the auth header, send a wrong key or change the path, so the
probe builds its requests itself with :class:`httpx2.Request`. Each builder returns the exact
request a case sends; nothing is sent here. Bodies are small and synthetic (no user data); the
oversized body is generated, and :func:`body_generator` gives a shell one-liner that recreates
it for the ``curl`` repro command.

:data:`INVALID_KEY` is a deliberately wrong, public placeholder: showing it is harmless.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

import httpx2

from chatcontract.config import Credential
from chatcontract.contract.profile import Profile, join_url

INVALID_KEY = "chatcontract-invalid-key-0000000000000000"
UNKNOWN_MODEL = "chatcontract-no-such-model-0000"
WRONG_ROUTE = "chatcontract-wrong-path/chat/completions"
INVALID_ROLE = "wizard"
PLACEHOLDER_MODEL = "gpt-4o-mini"  # only where the model cannot matter (auth is checked first)
PROMPT = "Reply with the single word: pong."
# ~1.1M tokens of text: beyond every commonly published context window, and over a 1 MiB body.
OVERSIZED_CHARS = 4_500_000
_FILLER = "lorem "

Builder = Callable[[str, Credential | None, str | None, Profile], httpx2.Request]


def _messages() -> list[dict[str, Any]]:
    return [{"role": "user", "content": PROMPT}]


def _headers(profile: Profile, key: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key is not None:
        auth = profile.assumptions.auth.value
        headers[auth.header] = f"{auth.scheme} {key}".strip()
    return headers


def _post(
    base_url: str, profile: Profile, key: str | None, body: dict[str, Any], route: str | None = None
) -> httpx2.Request:
    url = join_url(base_url, route or profile.chat_route)
    content = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return httpx2.Request("POST", url, headers=_headers(profile, key), content=content)


def _key(credential: Credential | None) -> str | None:
    return credential.key if credential is not None else None


def happy(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    """A minimal valid non-streaming request."""
    body = {"model": model or PLACEHOLDER_MODEL, "messages": _messages()}
    return _post(base_url, profile, _key(credential), body)


def stream(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    """A minimal valid streaming request, asking for usage when the profile says it may work."""
    body: dict[str, Any] = {
        "model": model or PLACEHOLDER_MODEL,
        "messages": _messages(),
        "stream": True,
    }
    if profile.supports_include_usage:
        body["stream_options"] = {"include_usage": True}
    request = _post(base_url, profile, _key(credential), body)
    request.headers["Accept"] = "text/event-stream"
    return request


def missing_auth(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    """A valid body with no auth header at all."""
    return _post(
        base_url, profile, None, {"model": model or PLACEHOLDER_MODEL, "messages": _messages()}
    )


def invalid_key(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    """A valid body with a well-formed but wrong key."""
    return _post(
        base_url,
        profile,
        INVALID_KEY,
        {"model": model or PLACEHOLDER_MODEL, "messages": _messages()},
    )


def missing_model(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    return _post(base_url, profile, _key(credential), {"messages": _messages()})


def empty_messages(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    return _post(
        base_url, profile, _key(credential), {"model": model or PLACEHOLDER_MODEL, "messages": []}
    )


def invalid_role(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    body = {
        "model": model or PLACEHOLDER_MODEL,
        "messages": [{"role": INVALID_ROLE, "content": PROMPT}],
    }
    return _post(base_url, profile, _key(credential), body)


def oversized_body(model: str | None) -> dict[str, Any]:
    """The oversized request body: one user message of :data:`OVERSIZED_CHARS` characters."""
    content = _FILLER * (OVERSIZED_CHARS // len(_FILLER))
    return {"model": model or PLACEHOLDER_MODEL, "messages": [{"role": "user", "content": content}]}


def oversized(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    return _post(base_url, profile, _key(credential), oversized_body(model))


def unknown_model(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    return _post(
        base_url, profile, _key(credential), {"model": UNKNOWN_MODEL, "messages": _messages()}
    )


def wrong_path(
    base_url: str, credential: Credential | None, model: str | None, profile: Profile
) -> httpx2.Request:
    """A valid, authenticated request to a route that does not exist under the base URL."""
    body = {"model": model or PLACEHOLDER_MODEL, "messages": _messages()}
    return _post(base_url, profile, _key(credential), body, route=WRONG_ROUTE)


BUILDERS: dict[str, Builder] = {
    "happy": happy,
    "stream": stream,
    "missing-auth": missing_auth,
    "invalid-key": invalid_key,
    "missing-model": missing_model,
    "empty-messages": empty_messages,
    "invalid-role": invalid_role,
    "oversized": oversized,
    "unknown-model": unknown_model,
    "wrong-path": wrong_path,
}


def build_request(
    case_name: str,
    base_url: str,
    credential: Credential | None,
    model: str | None,
    profile: Profile,
) -> httpx2.Request:
    """The request case ``case_name`` sends; ``KeyError`` for an unknown case name."""
    return BUILDERS[case_name](base_url, credential, model, profile)


def body_generator(case_name: str, model: str | None) -> str | None:
    """A shell command printing the case's body, for bodies too big to show (else ``None``)."""
    if case_name != "oversized":
        return None
    head = json.dumps(
        {"model": model or PLACEHOLDER_MODEL, "messages": [{"role": "user", "content": ""}]}
    )
    prefix, suffix = head.split('""', 1)
    count = OVERSIZED_CHARS // len(_FILLER)
    head_text, tail_text = prefix + chr(34), chr(34) + suffix
    script = f"import sys; sys.stdout.write({head_text!r} + {_FILLER!r} * {count} + {tail_text!r})"
    return "python3 -c " + shlex.quote(script)
