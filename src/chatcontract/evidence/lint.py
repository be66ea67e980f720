"""``lint``: secrets and unsupported claims in incident write-ups (Markdown, text, JSON, YAML, HTML).

Secrets come from the redaction detectors (one set of patterns for redaction and lint);
claims from :mod:`chatcontract.evidence.claims`. A finding names ``file:line``, the phrase (a
secret is never echoed, only its detector and length) and a safer wording.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatcontract.contract.requests import INVALID_KEY
from chatcontract.evidence.claims import claims_in, split_sentences
from chatcontract.evidence.lint_input import blocks, check_lintable
from chatcontract.redact import active_redactor

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".json", ".yaml", ".yml", ".html", ".htm", ""})
SECRET_SAFER = "Remove the value; name the key by its source (e.g. env:COMETAPI_API_KEY) only."  # noqa: S105 - advice text, not a password
_PERSONAL = frozenset({"email", "ipv4", "phone"})
_SOURCE_NAME = re.compile(r"(?:env|file|sim):[\w.-]{1,80}")
# A shell reference to the variable holding the key (``Bearer $COMETAPI_API_KEY`` in a curl
# command we print): it names where the key is, never the key itself.
# The deliberately wrong key the invalid-key case sends (public, in this source): not a secret.
_OUR_INVALID_KEY = frozenset({INVALID_KEY, f"Bearer {INVALID_KEY}"})
_SHELL_REFERENCE = re.compile(r"(?:(?:Bearer|Basic|Token)[ \t]+)?\$(?:[A-Z_][A-Z0-9_]{0,63}|\{[A-Z_][A-Z0-9_]{0,63}\})")


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    path: str
    line: int
    kind: str  # "secret" or "claim"
    rule: str  # detector or claim family
    phrase: str
    safer: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}/{self.rule}: {self.phrase!r} -> {self.safer}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "rule": self.rule,
            "phrase": self.phrase,
            "safer": self.safer,
        }


def _line_of(offsets: Sequence[int], pos: int) -> int:
    lo, hi = 0, len(offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in _NEWLINE.finditer(text))
    return starts


_NEWLINE = re.compile("\n")


def lint_secrets(text: str, path: str = "<text>", first_line: int = 1) -> list[Finding]:
    """Every secret or personal datum, located by line; the value itself is not repeated."""
    starts = _line_starts(text)
    found: list[Finding] = []
    covered = 0  # the end of the last reported span: findings come by start, overlaps are one
    for name, start, end in sorted(active_redactor().findings(text), key=lambda f: f[1]):
        if end <= start or start < covered:
            continue
        value = text[start:end].strip("\"' ,")
        if _SOURCE_NAME.fullmatch(value) or _SHELL_REFERENCE.fullmatch(value) or value in _OUR_INVALID_KEY:
            continue  # where the key is ("env:COMETAPI_API_KEY", "$COMETAPI_API_KEY"), never the key
        covered = max(covered, end)
        kind = "personal data" if name in _PERSONAL else "secret"
        phrase = f"<{kind}: {name}, {end - start} chars>"
        found.append(Finding(path, _line_of(starts, start) + first_line - 1, "secret", name, phrase, SECRET_SAFER))
    return found


_MARKER = re.compile(r"^(?:#|\||```|[-*+•>]\s|\d{1,3}[.)]\s)")
# A line that ends like this continues on the next one (a wrapped sentence).
_CONTINUES = re.compile(
    r"(?:[,;:(\[/&-]|\b(?:a|an|the|of|to|by|for|from|in|on|at|with|and|or|but|that|which|as|than|"
    r"is|are|was|were|be|been|our|their|its|per|via|between|after|before|since|until))\s*$",
    re.IGNORECASE,
)


def _ends_statement(line: str, nxt: str, width: int) -> bool:
    """Whether a line break ends a statement although no full stop says so (chat-style notes,
    one statement per line) rather than wrapping a sentence (hard-wrapped prose)."""
    text = line.rstrip()
    if not text or _CONTINUES.search(text):
        return False
    if text.endswith((".", "!", "?")):
        return True
    short = len(text) < 0.7 * width  # wrapped lines run close to the block's width
    capital = nxt.lstrip()[:1].isupper() or nxt.lstrip()[:1].isdigit()
    return short or capital


def _split_block(start: int, lines: list[str]) -> Iterable[tuple[int, str]]:
    width = max(len(x.rstrip()) for x in lines)
    pos, at = start, start
    chunk: list[str] = []
    for k, line in enumerate(lines):
        chunk.append(line)
        pos += len(line)
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if not nxt or _ends_statement(line, nxt, width):
            yield at, "".join(chunk)
            at, chunk = pos, []


def _paragraphs(text: str) -> Iterable[tuple[int, str]]:
    """Statements: blocks of consecutive non-blank lines (sentences may wrap lines), split where
    a line ends a statement without a full stop; list items and headings stand alone."""
    pos = 0
    block: list[str] = []
    block_start = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        boundary = not stripped or bool(_MARKER.match(stripped))
        if (boundary or not stripped) and block:
            yield from _split_block(block_start, block)
            block = []
        if stripped:
            if boundary:
                yield pos, line
            else:
                if not block:
                    block_start = pos
                block.append(line)
        pos += len(line)
    if block:
        yield from _split_block(block_start, block)


def lint_claims(text: str, path: str = "<text>", first_line: int = 1) -> list[Finding]:
    """Every unsupported claim, sentence by sentence."""
    starts = _line_starts(text)
    found: list[Finding] = []
    for block_at, block in _paragraphs(text):
        flat = block.replace("\n", " ")
        for offset, sentence in split_sentences(flat):
            for hit in claims_in(sentence):
                line = _line_of(starts, block_at + offset + hit.start) + first_line - 1
                found.append(Finding(path, line, "claim", hit.family, hit.phrase, hit.safer))
    return found


def lint_text(text: str, path: str = "<text>", first_line: int = 1) -> list[Finding]:
    """Secrets and claims in ``text``, ordered by line (``first_line``: the line ``text`` starts on)."""
    findings = lint_secrets(text, path, first_line) + lint_claims(text, path, first_line)
    return sorted(findings, key=lambda f: (f.line, f.kind))


# Drawn or executable parts of a page (chart paths, styles, scripts, inline images): no prose and no
# secrets a person reads there; tags and attributes stay, so a key in an href is still found.
_HTML_HIDDEN = re.compile(
    r"<(svg|style|script)\b.*?</\1\s*>|<!--.*?-->|data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", re.S | re.I
)


def html_text(markup: str) -> str:
    """An HTML page with charts, styles, scripts and inline images blanked, lines kept in place."""

    def blank(m: re.Match[str]) -> str:
        return "\n" * m.group(0).count("\n") + " "

    return html.unescape(_HTML_HIDDEN.sub(blank, markup))


def lint_files(
    paths: Sequence[Path], progress: Callable[[int, int, Path, int], None] | None = None
) -> list[Finding]:
    """Lint every file; the first unreadable one raises before any finding (exit 2).

    ``progress(done, total, path, findings_in_file)`` is told after each file.
    """
    return list(iter_findings(paths, progress))


def iter_findings(
    paths: Sequence[Path], progress: Callable[[int, int, Path, int], None] | None = None
) -> Iterator[Finding]:
    """:func:`lint_files` as a stream: every file is checked before the first finding, then the
    findings come block by block (memory bounded by a block, whatever the files' sizes)."""
    for path in paths:
        check_lintable(path)
    for done, path in enumerate(paths, start=1):
        count = 0
        for finding in lint_path(path):
            count += 1
            yield finding
        if progress is not None:
            progress(done, len(paths), path, count)


def lint_path(path: Path) -> Iterator[Finding]:
    """Secrets and claims in one checked file, block by block (memory bounded by a block)."""
    for first_line, block in blocks(path):
        yield from lint_text(block, str(path), first_line)
