"""URLs with their secrets out: for records (:func:`strip_url_secrets`) and for every message,
log line or repr that shows one (:func:`url_for_message`).
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from chatcontract.redact_pipeline import active_redactor, redact
from chatcontract.redact_rules import MASK, is_bare_secret, is_identifier_name, is_secret_key, looks_random


def _split_url(url: str) -> tuple[str, bool, str, str, str]:
    """``(scheme://, had userinfo, host, path, ?query#fragment)``, string-wise (never raises).

    Userinfo ends at the last ``@`` before the query, so a password holding ``/`` goes too.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    before, tail = rest[:cut], rest[cut:]
    at = before.rfind("@")
    first_slash = before.find("/")
    userinfo = at >= 0 and (first_slash < 0 or at < first_slash or ":" in before[:at])
    if userinfo:
        before = before[at + 1 :]
    slash = before.find("/")
    host, path = (before, "") if slash < 0 else (before[:slash], before[slash:])
    return (scheme + sep, userinfo, host, path, tail)


def redact_path(path: str) -> str:
    """A URL path with key-shaped segments masked (a key pasted into a path or a route)."""
    segments = path.split("/")
    masked = [MASK if seg and (is_bare_secret(unquote_plus(seg)) or redact(seg) != seg) else seg for seg in segments]
    return "/".join(masked)


def strip_url_secrets(url: str) -> str:
    """``url`` without userinfo, with secret-named or random query values and key-shaped path
    segments masked. Everything else is kept byte for byte (no re-encoding); the result is also
    redacted as text. Records use it (``route_template``, ``server_address``)."""
    scheme, _, host, path, tail = _split_url(url)
    query, hash_mark, fragment = tail.removeprefix("?").partition("#") if tail.startswith("?") else ("", "", "")
    text = scheme + host + redact_path(path)
    if tail.startswith("?"):
        text += "?" + "&".join(_mask_query_pair(piece) for piece in query.split("&")) + hash_mark + fragment
    elif tail:
        text += tail
    return active_redactor().redact(text, skip=_ADDRESS_SKIP)


def url_for_message(url: str, *, limit: int = 160) -> str:
    """``url`` as an error message, a log line or a repr may show it.

    Userinfo becomes ``[REDACTED]@``, every query value and the fragment are masked, key-shaped
    path segments too; scheme, host, port and the rest of the path stay so the reader can act.
    Never raises, whatever the input; long URLs are cut to ``limit`` characters.
    """
    scheme, userinfo, host, path, tail = _split_url(url)
    # the address (host and port) is where we connect, never free text; the path may carry a token
    where = active_redactor().redact(scheme + host, skip=_ADDRESS_SKIP)
    where += active_redactor().redact(redact_path(path), skip=_ADDRESS_SKIP, free_text=True)
    if userinfo:
        where = where.replace("://", f"://{MASK}@", 1) if scheme else f"{MASK}@{where}"
    query, _, fragment = tail.partition("#")
    if query:
        pairs = (p.partition("=") for p in query.removeprefix("?").split("&"))
        where += "?" + "&".join(f"{n}={MASK}" if eq else (MASK if n else n) for n, eq, _ in pairs)
    if fragment or tail.endswith("#"):
        where += "#" + MASK
    return where if len(where) <= limit else where[: limit - 3] + "..."


# A server address is where we sent the request, not personal data.
_ADDRESS_SKIP = frozenset({"ipv4"})


def _mask_query_pair(piece: str) -> str:
    """``name=value`` from a query string, the value masked when its name or shape says secret."""
    name, eq, value = piece.partition("=")
    if not (eq and value):
        return piece
    plain_name, plain_value = unquote_plus(name), unquote_plus(value)
    if is_secret_key(plain_name) or (not is_identifier_name(plain_name) and looks_random(plain_value)):
        return f"{name}={MASK}"
    return piece
