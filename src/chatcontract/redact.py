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
from urllib.parse import unquote_plus

MASK = "[REDACTED]"

# Known formats, most specific first. Each is (name, pattern); the whole match is masked
# unless the pattern has a group named "keep", whose text stays in front of the mask.
_KNOWN: tuple[tuple[str, str], ...] = (
    (
        "private_key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
    ),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # A scheme word followed by a credential; plain words ("basic authentication") are not one.
    (
        "bearer",
        r"(?P<keep>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)(?![a-z]+\b)(?![A-Z][a-z]+\b)"
        r"[A-Za-z0-9._~+/=-]{8,}",
    ),
    ("token_scheme", r"(?P<keep>\b[Tt]oken\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"),
    ("openai_key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{16,}"),
    ("aws_access_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ("slack_token", r"\bxox[abprse]-[A-Za-z0-9-]{10,}"),
    ("slack_webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("stripe_key", r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("hf_token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("url_userinfo", r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@:]+(?::[^\s/@]*)?@"),
    ("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    (
        "ipv4",
        r"(?<![\w.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?!\.?\d|\w)",
    ),
    (
        "phone",
        r"(?<![\w+.-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)|\d{1,4})(?:[\s.-]?\d{2,4}){2,4}"
        r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\d{3}(?P<sep>[\s.-])\d{3}(?P=sep)\d{4})(?!\w|[.-]\d)",
    ),
)
_LOOPBACK = re.compile(r"^(?:127\.\d+\.\d+\.\d+|0\.0\.0\.0)$")

# ``name: value`` / ``name=value`` / ``"name": "value"`` in free text (also JSON-in-JSON).
_ASSIGNMENT = re.compile(
    r"""(?P<keep>(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})"""
    r"""(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?:(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]+)?)"""
    r"""(?!//)(?P<value>[^\s"'\\,;&<>{}\[\]()]+)"""
)
# A cookie header holds many ``name=value`` pairs: everything up to the end of the line goes.
_COOKIE = re.compile(
    r"""(?i)(?P<keep>(?<![A-Za-z0-9_-])(?:set-)?cookie(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?)"""
    r"""(?P<value>[^\r\n"'\\]+)"""
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Identifiers that look random but are not secrets: request/response ids, UUIDs, model names.
_ALLOWED_NAMES = re.compile(
    r"(?i)^(x-request-id|request[-_]?id|provider_request_id|trace[-_]?id|span[-_]?id|"
    r"id|run[-_]?id|response[-_]?id|chatcmpl|model|response_model|system_fingerprint|"
    r"object|incident[-_]?id|traceparent|tracestate|x-trace-id|cf-ray|etag|fingerprint|"
    r"x-oneapi-request-id|x-amzn-requestid|apim-request-id|openai-organization)$"
)
# Last name segments that mark an identifier or a digest: high-entropy values under them pass.
_IDENTIFIER_TAILS = _words(
    "id ids model fingerprint etag digest sha sha1 sha256 hash checksum version commit "
    "ray traceparent requestid"
)
_SECRET_SEGMENTS = _words(
    "secret secrets password passwd pwd passphrase cookie cookies credential credentials "
    "authorization auth signature sig bearer session sessionid sid apikey accesskey "
    "secretkey privatekey jwt otp xsrf csrf dsn"
)
_KEY_QUALIFIERS = _words(
    "api access secret private signing client auth encryption master subscription account "
    "service admin license app x"
)
# A secret-looking name whose last segment says it names a property, not the secret itself.
_PROPERTY_TAILS = _words(
    "type types count limit limits budget usage length len estimate scheme header method "
    "mode url uri endpoint enabled required expires expiry ttl name env file path source "
    "format kind prefix status error tokens"
)
_SEGMENT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_ID_PREFIX = re.compile(
    r"^(?:chatcmpl|req|resp|run|msg|call|evt|trace|span|cmpl|fp|file|batch)[-_]", re.I
)
_HEX = re.compile(r"^(?=.*\d)(?=.*[a-fA-F])[0-9a-fA-F]{32,}$")
_WORD_SPLIT = re.compile(r"[-_./+]")
# Whitespace, URL or header punctuation, or an inner ``=``: text with structure, not one token.
_STRUCTURED = re.compile(r"[\s:?&@,;#]|=(?!=*$)")
# Message text and end-user ids: reduced to their length by :func:`shape_of_body`.
_SHAPE_FIELDS = frozenset({"content", "text", "arguments", "input", "prompt", "refusal", "user"})
# Keys that describe a credential rather than hold it (``{"auth": {"type": "bearer"}}``).
_HARMLESS_KEYS = frozenset({"type", "scheme", "header", "kind", "name", "format"})


def shannon_bits(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _wordy(value: str) -> bool:
    """True for values made of words and short numbers (``claude-3-5-sonnet-20241022``)."""
    for part in _WORD_SPLIT.split(value):
        if (
            len(part) <= 3
            or (part.isalpha() and len(part) <= 15)
            or (part.isdigit() and len(part) <= 8)
        ):
            continue
        return False
    return True


def looks_random(value: str) -> bool:
    """A 20+ character token with the character mix and entropy of a generated secret.

    UUIDs, prefixed ids (``req_``, ``chatcmpl-``) and word-like values (model names, versions,
    paths) are not random; a long hex string is.
    """
    value = value.strip(".")
    if (
        len(value) < 20
        or _STRUCTURED.search(value)
        or _UUID.match(value)
        or _ID_PREFIX.match(value)
    ):
        return False
    if _HEX.match(value):
        return True
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha) or _wordy(value):
        return False
    return shannon_bits(value) >= 3.5


def _segments(name: str) -> list[str]:
    return [s.lower() for s in _SEGMENT.findall(name)]


def is_identifier_name(name: str) -> bool:
    """True when ``name`` names an identifier (request id, model, digest) that may look random."""
    base = name.strip().strip("\"'")
    if _ALLOWED_NAMES.match(base):
        return True
    segs = [s for s in _segments(base) if not s.isdigit()]
    return bool(segs) and segs[-1] in _IDENTIFIER_TAILS


def is_secret_key(name: str) -> bool:
    """True when a mapping key, header, query or assignment name holds secrets by its name alone.

    ``Authorization``, ``X-Api-Key``, ``aws_secret_access_key``, ``csrftoken``, ``Cookie`` are;
    ``max_tokens``, ``token_type``, ``api_key_env``, ``author`` and ``request_id`` are not.
    """
    base = name.strip().strip("\"'")
    if not base or _ALLOWED_NAMES.match(base):
        return False
    segs = _segments(base)
    if not segs or segs[-1] in _PROPERTY_TAILS:
        return False
    if segs == ["key"] or any(s in _SECRET_SEGMENTS for s in segs):
        return True
    if any(s == "token" or (s.endswith("token") and len(s) > 5) for s in segs):
        return True
    return any(s == "key" and i > 0 and segs[i - 1] in _KEY_QUALIFIERS for i, s in enumerate(segs))


@dataclass(frozen=True)
class Redactor:
    """A configured redaction pipeline.

    ``extra_patterns`` are a deployment's own regular expressions to mask (tenant ids, private
    file names); ``drop_ids`` drops provider request and trace ids from records.
    """

    extra_patterns: tuple[str, ...] = ()
    drop_ids: bool = False
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        compiled = [(name, re.compile(p)) for name, p in _KNOWN]
        compiled += [(f"extra_{i}", re.compile(p)) for i, p in enumerate(self.extra_patterns)]
        object.__setattr__(self, "_compiled", tuple(compiled))

    def findings(
        self, text: str, *, skip: frozenset[str] = frozenset()
    ) -> list[tuple[str, int, int]]:
        """``(detector, start, end)`` for every secret or personal datum found in ``text``."""
        found: list[tuple[str, int, int]] = []
        for name, pattern in self._compiled:
            if name in skip:
                continue
            keeps = "keep" in pattern.groupindex
            for m in pattern.finditer(text):
                if name == "ipv4" and _LOOPBACK.match(m.group()):
                    continue
                start = m.end("keep") if keeps and m.group("keep") else m.start()
                found.append((name, start, m.end()))
        for m in _COOKIE.finditer(text):
            found.append(("cookie", m.start("value"), m.end("value")))
        for m in _ASSIGNMENT.finditer(text):
            kind = _assignment_kind(m.group("name"), m.group("value"))
            if kind is not None:
                found.append((kind, m.start("value"), m.end("value")))
        return found

    def _redact_once(self, text: str, skip: frozenset[str]) -> str:
        spans = sorted((s, e) for _, s, e in self.findings(text, skip=skip) if e > s)
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

    def redact(self, text: str, *, skip: frozenset[str] = frozenset()) -> str:
        """``text`` with every finding replaced by ``[REDACTED]`` (repeated until stable).

        ``skip`` names detectors not to run (``ipv4`` for the address of the server we call).
        """
        if not text:
            return text
        for _ in range(3):
            cleaned = self._redact_once(text, skip)
            if cleaned == text:
                break
            text = cleaned
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
            return {
                str(k): self.redact_value(str(k), v, inherited=secret) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.redact_value(key, v, inherited=secret) for v in value]
        if secret and value not in (None, "", MASK) and not isinstance(value, bool):
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


def _assignment_kind(name: str, value: str) -> str | None:
    """Why the ``value`` assigned to ``name`` in free text must go, or ``None`` if it may stay."""
    if value == MASK:
        return None
    if is_secret_key(name):
        return "secret_assignment" if len(value) >= 3 else None
    if not is_identifier_name(name) and looks_random(value):
        return "high_entropy"
    return None


def strip_url_secrets(url: str) -> str:
    """``url`` without userinfo, with secret-named or random query values masked.

    Everything else is kept byte for byte (no re-encoding); the result is also redacted as text.
    """
    text = url
    scheme_end = text.find("://")
    if scheme_end >= 0:
        rest = text[scheme_end + 3 :]
        slash = min(
            (i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0),
            default=len(rest),
        )
        authority = rest[:slash]
        if "@" in authority:
            text = text[: scheme_end + 3] + authority.rsplit("@", 1)[-1] + rest[slash:]
    elif "@" in text.split("/", 1)[0]:
        text = text.split("@", 1)[-1]
    if "?" in text:
        head, _, tail = text.partition("?")
        query, hash_mark, fragment = tail.partition("#")
        pairs = [_mask_query_pair(piece) for piece in query.split("&")]
        text = f"{head}?{'&'.join(pairs)}{hash_mark}{fragment}"
    return _ACTIVE[0].redact(text, skip=_ADDRESS_SKIP)


# A server address is where we sent the request, not personal data.
_ADDRESS_SKIP = frozenset({"ipv4"})


def _mask_query_pair(piece: str) -> str:
    """``name=value`` from a query string, the value masked when its name or shape says secret."""
    name, eq, value = piece.partition("=")
    if not (eq and value):
        return piece
    plain_name, plain_value = unquote_plus(name), unquote_plus(value)
    if is_secret_key(plain_name) or (
        not is_identifier_name(plain_name) and looks_random(plain_value)
    ):
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


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A nested copy of ``data`` with secret-keyed values masked and text redacted."""
    return _ACTIVE[0].redact_mapping(data)
