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

import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"

# Known formats, most specific first. Each is (name, pattern); the whole match is masked
# unless the pattern has a group named "keep", whose text stays in front of the mask.
_KNOWN: tuple[tuple[str, str], ...] = (
    ("private_key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("bearer", r"(?i)(?P<keep>\b(?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    ("openai_key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{16,}"),
    ("aws_access_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ("slack_token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("anthropic_key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    ("hf_token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("url_userinfo", r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@:]+(?::[^\s/@]*)?@"),
    ("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    ("ipv4", r"\b(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])\b"),
    ("phone", r"(?<![\w.-])\+?\(?\d{1,3}\)?[\s.-]?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]?\d{3,4}(?![\w.-])"),
)

_SECRET_KEY = re.compile(
    r"(?i)(authorization|api[-_]?key|apikey|x-api-key|access[-_]?token|refresh[-_]?token|"
    r"id[-_]?token|token|secret|password|passwd|pwd|cookie|set-cookie|session|credential|"
    r"private[-_]?key|signature|sig|client[-_]?secret|auth)$"
)
# Assignments in free text: ``api_key=...``, ``"token": "..."``, ``X-Api-Key: ...``.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<keep>\b(?:[a-z0-9_-]*(?:api[-_]?key|apikey|token|secret|password|passwd|cookie|
        credential|authorization|signature|auth)[a-z0-9_-]*)
        ["']?\s*[:=]\s*["']?)
    (?P<value>[^\s"',;&}]{6,})
    """
)
# A long opaque value after any ``name=`` / ``name: `` in free text.
_OPAQUE_ASSIGNMENT = re.compile(
    r"""(?x)(?P<keep>\b[A-Za-z][A-Za-z0-9_.-]{1,40}["']?\s*[:=]\s*["']?)(?P<value>[A-Za-z0-9+/_=.-]{20,})"""
)

# Identifiers that look random but are not secrets: request/response ids, UUIDs, model names.
_ALLOWED_NAMES = re.compile(
    r"(?i)^(x-request-id|request[-_]?id|provider_request_id|trace[-_]?id|span[-_]?id|"
    r"id|run[-_]?id|response[-_]?id|chatcmpl|model|response_model|system_fingerprint|"
    r"object|incident[-_]?id|traceparent|x-trace-id|cf-ray|etag|fingerprint)$"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_ID_PREFIX = re.compile(r"^(?:chatcmpl|req|resp|run|msg|call|evt|trace|span|cmpl)[-_]", re.I)
_SECRET_QUERY = re.compile(r"(?i)(key|token|secret|sig|signature|password|auth|credential|code)")

_SHAPE_FIELDS = frozenset({"content", "text", "arguments", "input", "prompt", "refusal"})


def shannon_bits(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A 20+ character token with the entropy and character mix of a generated secret."""
    if len(value) < 20 or _UUID.match(value) or _ID_PREFIX.match(value):
        return False
    classes = sum(
        bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[_+/=.-]")
    )
    return classes >= 3 and shannon_bits(value) >= 3.5


def is_secret_key(name: str) -> bool:
    """True when a mapping key, header or query name holds secrets by its name alone."""
    base = name.strip().strip("\"'")
    if _ALLOWED_NAMES.match(base):
        return False
    tail = re.split(r"[.\s]", base)[-1]
    return bool(_SECRET_KEY.search(tail)) or bool(_SECRET_KEY.search(base))


@dataclass(frozen=True)
class Redactor:
    """A configured redaction pipeline. ``extra_patterns`` are regular expressions to mask."""

    extra_patterns: tuple[str, ...] = ()
    drop_ids: bool = False
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        compiled = [(name, re.compile(p)) for name, p in _KNOWN]
        compiled += [(f"extra_{i}", re.compile(p)) for i, p in enumerate(self.extra_patterns)]
        object.__setattr__(self, "_compiled", tuple(compiled))

    def findings(self, text: str) -> list[tuple[str, int, int]]:
        """``(detector, start, end)`` for every secret or personal datum found in ``text``."""
        found: list[tuple[str, int, int]] = []
        for name, pattern in self._compiled:
            for m in pattern.finditer(text):
                start = m.end("keep") if "keep" in pattern.groupindex and m.group("keep") else m.start()
                found.append((name, start, m.end()))
        for m in _ASSIGNMENT.finditer(text):
            found.append(("secret_assignment", m.start("value"), m.end("value")))
        for m in _OPAQUE_ASSIGNMENT.finditer(text):
            name = m.group("keep").rstrip("\"': =")
            if not _ALLOWED_NAMES.match(name) and looks_random(m.group("value")):
                found.append(("high_entropy", m.start("value"), m.end("value")))
        return found

    def redact(self, text: str) -> str:
        """``text`` with every finding replaced by ``[REDACTED]``."""
        if not text:
            return text
        spans = sorted((s, e) for _, s, e in self.findings(text) if e > s)
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for start, end in spans:
            if end <= pos:
                continue
            start = max(start, pos)
            out.append(text[pos:start])
            out.append(MASK)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def redact_value(self, key: str | None, value: Any) -> Any:
        if key is not None and is_secret_key(key) and value not in (None, "", [], {}):
            return MASK
        if isinstance(value, str):
            if key is not None and not _ALLOWED_NAMES.match(key) and looks_random(value):
                return MASK
            return self.redact(value)
        if isinstance(value, Mapping):
            return {k: self.redact_value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_value(None, v) for v in value]
        return value

    def redact_mapping(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``data`` (nested) with secret-keyed values masked and text redacted."""
        return {str(k): self.redact_value(str(k), v) for k, v in data.items()}

    def redact_headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, MASK if is_secret_key(k) else self.redact(v)) for k, v in headers]


def strip_url_secrets(url: str) -> str:
    """A URL without userinfo and with secret-looking query values masked."""
    if "://" not in url and "?" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return _ACTIVE[0].redact(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if _SECRET_QUERY.search(k) or looks_random(v) else v) for k, v in pairs],
            safe="[]",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


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


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A nested copy of ``data`` with secret-keyed values masked and text redacted."""
    return _ACTIVE[0].redact_mapping(data)
