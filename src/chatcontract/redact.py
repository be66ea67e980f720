"""Redaction: secrets and personal data out, shapes and identifiers in.

A :class:`Redactor` is a pipeline of small detectors over text (known secret formats, then
personal data, then high-entropy values under secret-looking names) plus a processor over
mappings (any value under a secret-looking key is replaced). Records call the active redactor
when they are made (:func:`active_redactor`); :func:`configure_redaction` adds a deployment's
own patterns (tenant ids, private file names) and the option to drop provider request ids.

Prompts and completions are reduced to a shape (:func:`shape_of_body`) unless the caller opts
in to keep synthetic content.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from chatcontract.prefilter import Prefilter
from chatcontract.redact_rules import (
    ASSIGNMENT,
    BARE_TOKEN,
    COOKIE,
    KEYWORD_VALUE,
    KNOWN_FORMATS,
    LOOPBACK,
    MASK,
    NEAR_KEYWORD,
    PASSWORD_TOKEN,
    PREFIXED_TOKEN,
    VERSION_BEFORE,
    is_bare_secret,
    is_identifier_name,
    is_prefixed_token,
    is_secret_key,
    looks_keyword_secret,
    looks_keyword_value,
    looks_password,
    looks_random,
    named_identifier,
    path_segments_secret,
    shannon_bits,
)

__all__ = [
    "MASK",
    "Redactor",
    "StreamMasker",
    "active_redactor",
    "configure_redaction",
    "forget_secrets",
    "is_identifier_name",
    "is_secret_key",
    "looks_random",
    "mask_known_secrets",
    "redact",
    "redact_free_text",
    "redact_mapping",
    "redact_path",
    "remember_secret",
    "shannon_bits",
    "shape_of_body",
    "shape_of_messages",
    "strip_url_secrets",
    "url_for_message",
    "use_redactor",
]

# Message text and end-user ids: reduced to their length by :func:`shape_of_body`.
_SHAPE_FIELDS = frozenset({"content", "text", "arguments", "input", "prompt", "refusal", "user"})
# Keys that describe a credential rather than hold it (``{"auth": {"type": "bearer"}}``).
_HARMLESS_KEYS = frozenset({"type", "scheme", "header", "kind", "name", "format"})

# The name of where a key came from (``env:COMETAPI_API_KEY``, ``file:key.txt``): never the key.
_SOURCE_NAME = re.compile(r"^(?:env|file):[A-Za-z0-9_.-]{1,128}$")

_MEMO_TEXT_CHARS = 200
_MEMO_ENTRIES = 4096


@dataclass(frozen=True)
class Redactor:
    """A configured redaction pipeline.

    ``extra_patterns`` are a deployment's own regular expressions to mask (tenant ids, private
    file names); ``drop_ids`` drops provider request and trace ids from records.
    """

    extra_patterns: tuple[str, ...] = ()
    drop_ids: bool = False
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False)
    _prefilter: Prefilter = field(init=False, repr=False, compare=False, hash=False)
    _memo: dict[tuple[str, frozenset[str], bool], str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        compiled = [(name, re.compile(p)) for name, p in KNOWN_FORMATS]
        compiled += [(f"extra_{i}", re.compile(p)) for i, p in enumerate(self.extra_patterns)]
        object.__setattr__(self, "_compiled", tuple(compiled))
        object.__setattr__(self, "_prefilter", Prefilter([p for _, p in compiled]))
        object.__setattr__(self, "_memo", {})

    def findings(self, text: str, *, skip: frozenset[str] = frozenset()) -> list[tuple[str, int, int]]:
        """``(detector, start, end)`` for every secret or personal datum found in ``text``
        (a detector runs only where the text holds its required literals: same result, faster)."""
        found = _known_spans(text)
        runnable = self._prefilter.runnable(text)
        for at, (name, pattern) in enumerate(self._compiled):
            if name in skip or at not in runnable:
                continue
            keeps = "keep" in pattern.groupindex
            for m in pattern.finditer(text):
                if name == "ipv4" and (
                    LOOPBACK.match(m.group()) or VERSION_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
                ):
                    continue
                start = m.end("keep") if keeps and m.group("keep") else m.start()
                found.append((name, start, m.end()))
        for m in COOKIE.finditer(text):
            found.append(("cookie", m.start("value"), m.end("value")))
        found.extend(_generated_tokens(text))
        for m in ASSIGNMENT.finditer(text):
            kind = _assignment_kind(m.group("name"), m.group("value"))
            if kind is not None:
                found.append((kind, m.start("value"), m.end("value")))
        return found

    def _redact_once(self, text: str, skip: frozenset[str], free: bool = False) -> str:
        found = self.findings(text, skip=skip) + (_free_text_findings(text) if free else [])
        spans = sorted((s, e) for _, s, e in found if e > s)
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for start, end in spans:
            if end <= pos:
                continue
            out.append(text[pos : max(start, pos)])
            out.append(MASK)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def redact(self, text: str, *, skip: frozenset[str] = frozenset(), free_text: bool = False) -> str:
        """``text`` with every finding replaced by ``[REDACTED]`` (repeated until stable).

        ``skip`` names detectors not to run (``ipv4`` for the address of the server we call).
        ``free_text`` adds the detectors for bare generated values and passwords, for prose
        that names no identifier (error summaries and messages, never ids or model names).
        """
        if not text:
            return text
        short = len(text) <= _MEMO_TEXT_CHARS  # model names, routes, sources repeat per record
        if short and (hit := self._memo.get((text, skip, free_text))) is not None:
            return hit
        original = text
        for _ in range(3):
            cleaned = self._redact_once(text, skip, free_text)
            if cleaned == text:
                break
            text = cleaned
        if short:
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            self._memo[(original, skip, free_text)] = text
        return text

    def redact_value(self, key: str | None, value: Any, *, inherited: bool = False) -> Any:
        """``value`` found under ``key``: masked, redacted or walked (nested mappings, lists).

        ``inherited`` marks values inside a secret-keyed container (``{"auth": {...}}``): their
        scalars are masked too, except descriptive keys such as ``type``.
        """
        secret = key is not None and is_secret_key(key)
        if inherited and (key is None or key.lower() not in _HARMLESS_KEYS):
            secret = True
        if isinstance(value, Mapping):
            return {str(k): self.redact_value(str(k), v, inherited=secret) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_value(key, v, inherited=secret) for v in value]
        if secret and value not in (None, "", MASK) and not isinstance(value, bool):
            if isinstance(value, str) and _SOURCE_NAME.match(value):
                return self.redact(value)
            return MASK
        if isinstance(value, str):
            if key is not None and not is_identifier_name(key) and looks_random(value):
                return MASK
            return self.redact(value)
        return value

    def redact_mapping(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``data`` (nested) with secret-keyed values masked and text redacted."""
        return {str(k): self.redact_value(str(k), v) for k, v in data.items()}

    def redact_headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Header pairs with secret-named values masked and the rest redacted as text."""
        return [(k, MASK if is_secret_key(k) else self.redact(v)) for k, v in headers]


def _free_text_findings(text: str) -> list[tuple[str, int, int]]:
    """Bare generated values and passwords in prose, unless named as an identifier or digest."""
    found: list[tuple[str, int, int]] = []
    for m in BARE_TOKEN.finditer(text):
        if named_identifier(text[max(0, m.start() - 48) : m.start()]):
            continue
        token = m.group()
        spans = path_segments_secret(token) if "/" in token else [(0, len(token))] * is_bare_secret(token)
        found.extend(("high_entropy", m.start() + s, m.start() + e) for s, e in spans)
    for m in PASSWORD_TOKEN.finditer(text):
        if looks_password(m.group()) and MASK not in m.group():
            found.append(("password", m.start(), m.end()))
    for m in KEYWORD_VALUE.finditer(text):
        value = m.group("value")
        if MASK not in value and looks_keyword_secret(value):
            found.append(("keyword_secret", m.start("value"), m.start("value") + len(value.rstrip("."))))
    return found


def _generated_tokens(text: str) -> list[tuple[str, int, int]]:
    """Vendor-style tokens and generated values next to a credential word, in free text."""
    found = [
        ("prefixed_token", m.start(), m.end())
        for m in PREFIXED_TOKEN.finditer(text)
        if is_prefixed_token(m.group("prefix"), m.group("tail"))
    ]
    for m in NEAR_KEYWORD.finditer(text):
        value = m.group("value")
        if value != MASK and looks_keyword_value(value):
            found.append(("keyword_value", m.start("value"), m.end("value")))
    return found


def _assignment_kind(name: str, value: str) -> str | None:
    """Why the ``value`` assigned to ``name`` in free text must go, or ``None`` if it may stay."""
    if value == MASK or (_SOURCE_NAME.match(value) and not looks_random(value.split(":", 1)[1])):
        return None
    if is_secret_key(name):
        return "secret_assignment" if len(value) >= 3 else None
    if not is_identifier_name(name) and looks_random(value):
        return "high_entropy"
    return None


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
    return _ACTIVE[0].redact(text, skip=_ADDRESS_SKIP)


def url_for_message(url: str, *, limit: int = 160) -> str:
    """``url`` as an error message, a log line or a repr may show it.

    Userinfo becomes ``[REDACTED]@``, every query value and the fragment are masked, key-shaped
    path segments too; scheme, host, port and the rest of the path stay so the reader can act.
    Never raises, whatever the input; long URLs are cut to ``limit`` characters.
    """
    scheme, userinfo, host, path, tail = _split_url(url)
    # the address (host and port) is where we connect, never free text; the path may carry a token
    where = _ACTIVE[0].redact(scheme + host, skip=_ADDRESS_SKIP)
    where += _ACTIVE[0].redact(redact_path(path), skip=_ADDRESS_SKIP, free_text=True)
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


def _text_shape(value: str) -> dict[str, Any]:
    return {"chars": len(value)}


def shape_of_body(body: Any, *, keep_content: bool = False) -> Any:
    """A request or response body reduced to its shape: field names, roles, lengths.

    Roles, model names and finish reasons stay; message text becomes ``{"chars": N}``.
    ``keep_content=True`` keeps text (for synthetic prompts only), still redacted.
    """
    if isinstance(body, Mapping):
        out: dict[str, Any] = {}
        for k, v in body.items():
            key = str(k)
            if key in _SHAPE_FIELDS and isinstance(v, str) and not keep_content:
                out[key] = _text_shape(v)
            elif key in _SHAPE_FIELDS and isinstance(v, list) and not keep_content:
                out[key] = [shape_of_body(p, keep_content=False) for p in v]
            else:
                out[key] = shape_of_body(v, keep_content=keep_content)
        return _ACTIVE[0].redact_mapping(out)
    if isinstance(body, list | tuple):
        return [shape_of_body(v, keep_content=keep_content) for v in body]
    if isinstance(body, str):
        return _ACTIVE[0].redact(body)
    return body


def shape_of_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each message as its role and content length (never the text)."""
    shaped: list[dict[str, Any]] = []
    for m in messages:
        content = m.get("content")
        length = len(content) if isinstance(content, str) else None
        shaped.append({"role": m.get("role"), "chars": length})
    return shaped


_ACTIVE: list[Redactor] = [Redactor()]
_LOCK = threading.Lock()


def active_redactor() -> Redactor:
    """The redactor records use when they are made."""
    return _ACTIVE[0]


def configure_redaction(*, extra_patterns: Sequence[str] = (), drop_ids: bool = False) -> Redactor:
    """Install a redactor with a deployment's own patterns; returns the previous one."""
    for pattern in extra_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            from chatcontract.errors import UsageError

            raise UsageError(f"invalid redaction pattern {pattern!r}: {exc}") from None
    with _LOCK:
        previous = _ACTIVE[0]
        _ACTIVE[0] = Redactor(extra_patterns=tuple(extra_patterns), drop_ids=drop_ids)
    return previous


def use_redactor(redactor: Redactor) -> None:
    with _LOCK:
        _ACTIVE[0] = redactor


def redact(text: str) -> str:
    """``text`` with secrets and personal data replaced by ``[REDACTED]``."""
    return _ACTIVE[0].redact(text)


def redact_free_text(text: str) -> str:
    """Prose (an error summary, a message): also bare generated values and passwords masked."""
    return _ACTIVE[0].redact(text, free_text=True)


_KNOWN: list[tuple[str, ...]] = [()]
_MIN_KNOWN_CHARS = 6


def remember_secret(value: str) -> None:
    """Mask ``value`` (a key this process holds) wherever any redaction runs from now on.

    Whatever its shape: an upstream that echoes the caller's own key is caught even when the key
    has no known format. Values under six characters are ignored (they would mask prose).
    """
    value = value.strip()
    if len(value) < _MIN_KNOWN_CHARS or value in _KNOWN[0]:
        return
    with _LOCK:
        _KNOWN[0] = (*_KNOWN[0], value)
        _ACTIVE[0]._memo.clear()


def forget_secrets() -> None:
    """Forget every remembered key (tests measuring the other detectors on their own)."""
    with _LOCK:
        _KNOWN[0] = ()
        _ACTIVE[0]._memo.clear()


def _known_spans(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    for secret in _KNOWN[0]:
        start = text.find(secret)
        while start >= 0:
            found.append(("known_secret", start, start + len(secret)))
            start = text.find(secret, start + len(secret))
    return found


def mask_known_secrets(text: str) -> str:
    """``text`` with only the keys this process holds masked (a model's answer is otherwise kept)."""
    for secret in _KNOWN[0]:
        text = text.replace(secret, MASK)
    return text


class StreamMasker:
    """:func:`mask_known_secrets` over text that arrives in pieces (a streamed answer).

    A key split across two deltas is still masked: :meth:`feed` holds back the last characters
    that could begin a key until the next piece (or :meth:`flush`) decides.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, piece: str) -> str:
        """What can be shown now of everything fed so far, keys masked."""
        text = self._pending + piece
        longest = max((len(s) for s in _KNOWN[0]), default=0)
        cut = max(0, len(text) - max(0, longest - 1))
        for secret in _KNOWN[0]:
            start = text.find(secret)
            while start >= 0:
                if start < cut < start + len(secret):
                    cut = start + len(secret)
                start = text.find(secret, start + 1)
        self._pending = text[cut:]
        return mask_known_secrets(text[:cut])

    def flush(self) -> str:
        """The rest, keys masked."""
        rest, self._pending = self._pending, ""
        return mask_known_secrets(rest)


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A nested copy of ``data`` with secret-keyed values masked and text redacted."""
    return _ACTIVE[0].redact_mapping(data)
