"""The redaction pipeline: :class:`Redactor` and the one active redactor records use.

A :class:`Redactor` runs small detectors over text (known secret formats, then personal data,
then high-entropy values under secret-looking names, and the keys this process holds) plus a
processor over mappings (any value under a secret-looking key is replaced). The public names
are re-exported by :mod:`chatcontract.redact`.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatcontract.prefilter import Prefilter
from chatcontract.redact_known import ON_CHANGE, known_spans
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
    PASSWORD_WORDS,
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
)

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
        found = known_spans(text)
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
        found.extend(_generated_tokens(text, _Covered(found)))
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
        strong = m.group("word").lower() in PASSWORD_WORDS
        if MASK not in value and looks_keyword_secret(value, password=strong):
            found.append(("keyword_secret", m.start("value"), m.start("value") + len(value.rstrip("."))))
    return found


class _Covered:
    """Whether a span lies inside one already found (a known format's key): judging it again
    could only add a span inside that one, which changes neither a redaction nor a lint finding."""

    def __init__(self, found: list[tuple[str, int, int]]) -> None:
        spans = sorted((s, e) for _, s, e in found)
        self._starts = [s for s, _ in spans]
        self._ends = list(itertools.accumulate((e for _, e in spans), max))

    def __call__(self, start: int, end: int) -> bool:
        at = bisect.bisect_right(self._starts, start) - 1
        return at >= 0 and self._ends[at] >= end


def _generated_tokens(text: str, covered: _Covered) -> list[tuple[str, int, int]]:
    """Vendor-style tokens and generated values next to a credential word, in free text."""
    found = [
        ("prefixed_token", m.start(), m.end())
        for m in PREFIXED_TOKEN.finditer(text)
        if not covered(m.start(), m.end()) and is_prefixed_token(m.group("prefix"), m.group("tail"))
    ]
    for m in NEAR_KEYWORD.finditer(text):
        value = m.group("value")
        if value != MASK and not covered(m.start("value"), m.end("value")) and looks_keyword_value(value):
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


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A nested copy of ``data`` with secret-keyed values masked and text redacted."""
    return _ACTIVE[0].redact_mapping(data)


def _forget_memo() -> None:
    _ACTIVE[0]._memo.clear()


ON_CHANGE.append(_forget_memo)
