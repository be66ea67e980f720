"""A reproducible, redacted ``curl`` command for one request.

The key is never printed: an ``Authorization`` header (or any header whose name marks it as a
secret) is written as ``$COMETAPI_API_KEY`` (or the variable the caller names) so the command
runs as is once that variable is set in the shell. The URL loses userinfo and secret-looking
query values; a JSON body is shown pretty-printed and single-quoted for POSIX shells.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from chatcontract.redact import is_secret_key, redact, strip_url_secrets

DEFAULT_KEY_VAR = "COMETAPI_API_KEY"
_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def key_variable(credential_source: str | None) -> str:
    """The shell variable a command names for the key: the one the key came from when it came
    from an environment variable (``env:NAME``), else :data:`DEFAULT_KEY_VAR`."""
    source = credential_source or ""
    name = source.removeprefix("env:") if source.startswith("env:") else ""
    return name if _SHELL_NAME.fullmatch(name) else DEFAULT_KEY_VAR
_SKIP_HEADERS = frozenset({"content-length", "host", "accept-encoding", "connection", "user-agent"})


HeaderInput = Mapping[str, str] | Iterable[tuple[str, str]]


def _header_items(headers: HeaderInput | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in items]


def _header_arg(name: str, value: str, key_var: str, auth_value: str | None) -> str:
    if name.lower() == "authorization" and auth_value is not None:
        return "-H " + shlex.quote(f"{name}: {auth_value}")
    if name.lower() == "authorization":
        scheme = value.split(" ", 1)[0] if " " in value else "Bearer"
        return f'-H "Authorization: {scheme} ${key_var}"'
    if is_secret_key(name):
        return f'-H "{name}: ${key_var}"'
    return "-H " + shlex.quote(f"{name}: {redact(value)}")


def _body_arg(body: bytes | str | Mapping[str, Any] | None) -> str | None:
    if body is None:
        return None
    if isinstance(body, Mapping):
        text = json.dumps(body, indent=None, ensure_ascii=False)
    else:
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if not raw:
            return None
        try:
            text = json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            text = raw
    return "-d " + shlex.quote(redact(text))


def curl_command(
    method: str,
    url: str,
    headers: HeaderInput | None = None,
    body: bytes | str | Mapping[str, Any] | None = None,
    *,
    key_var: str = DEFAULT_KEY_VAR,
    secret: str | None = None,
    auth_value: str | None = None,
    body_generator: str | None = None,
    max_body_chars: int = 2000,
) -> str:
    """A one-request ``curl`` command line, redacted; ``secret`` is masked wherever it appears.

    ``auth_value`` writes the ``Authorization`` header literally (for a known-public placeholder
    such as a deliberately invalid key); otherwise it becomes ``$KEY_VAR``. ``body_generator`` is
    a shell command whose stdout is the body (piped into ``--data-binary @-``), for bodies too
    big to show or to pass as one argument.
    """
    items = _header_items(headers)
    streaming = any(k.lower() == "accept" and "text/event-stream" in v for k, v in items)
    flags = "-sS -i -N" if streaming else "-sS -i"  # -N: show events as they arrive
    parts = [f"curl {flags} -X {method.upper()} {shlex.quote(strip_url_secrets(url))}"]
    for name, value in items:
        if name.lower() in _SKIP_HEADERS:
            continue
        parts.append(_header_arg(name, value, key_var, auth_value))
    if body_generator is not None:
        parts.append("--data-binary @-")
    else:
        data = _body_arg(body)
        if data is not None:
            if len(data) > max_body_chars:
                data = data[: max_body_chars - 20] + "...(truncated)'"
            parts.append(data)
    command = " \\\n  ".join(parts)
    if body_generator is not None:
        command = f"{body_generator} | \\\n{command}"
    if secret:
        command = command.replace(secret, f"${key_var}")
    return command
