"""Where the target, the key and the model come from.

The base URL comes from ``--base-url`` or ``COMETAPI_BASE_URL``; the key from the environment
variable named by ``--api-key-env`` (default ``COMETAPI_API_KEY``) or from ``--api-key-file`` —
never from the command line. Records keep only the key's source name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from chatcontract.contract.profile import Profile
from chatcontract.errors import UsageError
from chatcontract.inputs import read_text
from chatcontract.redact import remember_secret, url_for_message

BASE_URL_ENV = "COMETAPI_BASE_URL"
API_KEY_ENV = "COMETAPI_API_KEY"
MODEL_ENV = "COMETAPI_MODEL"
MAX_KEY_FILE_BYTES = 64 * 1024  # a key is one line; a large file is the wrong file


@dataclass(frozen=True)
class Credential:
    """An API key and the name of where it came from (the only part that is ever shown)."""

    key: str = field(repr=False)
    source: str

    def __str__(self) -> str:
        return f"<credential from {self.source}>"


def resolve_credential(
    api_key_env: str | None = API_KEY_ENV, api_key_file: str | os.PathLike[str] | None = None
) -> Credential | None:
    """The key from ``api_key_file`` if given, else from the environment variable.

    ``None`` when neither holds one. A named file that is missing, unreadable, empty or holds
    more than one line is a :class:`UsageError` (the message names the file, never the key).
    """
    if api_key_file is not None:
        path = Path(api_key_file)
        key = read_text(path, "API key file", limit=MAX_KEY_FILE_BYTES).strip()
        if not key or "\n" in key:
            raise UsageError(f"API key file {path} must hold exactly one non-empty line")
        remember_secret(key)
        return Credential(key=_header_safe(key, f"API key file {path}"), source=f"file:{path.name}")
    if not api_key_env:
        return None
    value = os.environ.get(api_key_env, "").strip()
    if not value:
        return None
    remember_secret(value)
    return Credential(key=_header_safe(value, f"environment variable {api_key_env}"), source=f"env:{api_key_env}")


def _header_safe(key: str, where: str) -> str:
    """The key if it can travel in an ``Authorization`` header (printable ASCII, no spaces).

    Anything else would fail deep inside the HTTP library; the message names where the key came
    from and never the key itself.
    """
    if all("!" <= ch <= "~" for ch in key):
        return key
    raise UsageError(
        f"the API key in {where} holds a space, control or non-ASCII character; "
        "an HTTP header cannot carry it"
    )


@dataclass(frozen=True)
class BaseUrl:
    url: str
    note: str | None = None  # what was completed, to be said to the user

    @property
    def alias(self) -> str:
        """Scheme and host only: safe to show and to store."""
        parts = urlsplit(self.url)
        return (
            f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}"
        )


def normalize_base_url(url: str, profile: Profile) -> BaseUrl:
    """Validate ``url`` and complete it as the profile says.

    A bare host (``https://api.cometapi.com``) gets the profile's version prefix (``/v1``); a URL
    that names the chat route itself (``.../v1/chat/completions``) loses the route. Either way
    ``note`` says what was done. Any other path is kept as given (gateways mount APIs anywhere).
    """
    raw = url.strip()
    shown = repr(url_for_message(raw))
    if any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise UsageError(f"base URL {shown} holds a space or control character")
    try:
        parts = urlsplit(raw)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise UsageError(f"base URL {shown} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"base URL {shown} needs an http(s) scheme and host, e.g. https://api.cometapi.com/v1"
        )
    if parts.username or parts.password:
        raise UsageError("base URL must not carry credentials; use --api-key-env or --api-key-file")
    if parts.query or parts.fragment:
        raise UsageError("base URL must not carry a query or fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f"base URL {shown} has an invalid port") from None
    root = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    route = "/" + profile.chat_route
    if path.endswith(route):
        path = path[: -len(route)]
        fixed = root + path
        return BaseUrl(fixed, note=f"base URL named the chat route; using {fixed}")
    prefix = profile.assumptions.version_prefix.value.rstrip("/")
    if prefix and not path:
        fixed = f"{root}{prefix}"
        note = f"base URL had no {prefix} prefix; completed to {fixed} (profile '{profile.name}')"
        return BaseUrl(fixed, note=note)
    return BaseUrl(root + path)


def resolve_base_url(flag: str | None, profile: Profile) -> BaseUrl | None:
    """``--base-url``, else ``COMETAPI_BASE_URL``, else ``None`` (the embedded simulator)."""
    value = flag if flag is not None else os.environ.get(BASE_URL_ENV)
    if value is None or not value.strip():
        return None
    return normalize_base_url(value, profile)


def resolve_model(flag: str | None, default: str | None = None) -> str | None:
    return flag or os.environ.get(MODEL_ENV) or default
