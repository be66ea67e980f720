"""Self-checking answers: a text that says, in its own last sentence, how long it is.

The simulator's healthy answer ends with a *seal* sentence stating how many words and
characters come before it and a CRC-32 of those characters::

    ... from the first word to the very last one. This answer holds 61 words and 352
    characters before this closing sentence, check code 1a2b3c4d.

Anyone holding only the text (a client, a gateway's output, a log) can tell with
``verify(text)`` whether it got the whole answer: a cut stream has no seal, a stream a gateway
"finished" by itself has none either, a text with words dropped or changed fails the counts or
the check code. This module is pure (no I/O, no imports from the rest of the package), so the
probe, the evidence helpers and ``conduct`` use it without the client or the simulator.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_SEAL = (
    r"This answer holds (\d+) words and (\d+) characters before this closing sentence, "
    r"check code ([0-9a-f]{8})\."
)
SEAL_RE = re.compile(r"(?:^|\s)" + _SEAL + r"\s*$")
_ANY_SEAL_RE = re.compile(_SEAL)
_SEAL_START = "This answer holds "


@dataclass(frozen=True)
class SelfCheck:
    """The outcome of ``verify``: ``whole`` and, when not, the reason in a few words."""

    whole: bool
    reason: str
    words: int = 0
    chars: int = 0


def check_code(body: str) -> str:
    """CRC-32 of the UTF-8 bytes of ``body``, as 8 lowercase hex digits."""
    return f"{zlib.crc32(body.encode('utf-8')):08x}"


def count_words(body: str) -> int:
    """Words as the seal counts them: pieces between single spaces (0 for an empty text)."""
    return len(body.split(" ")) if body else 0


def seal(body: str) -> str:
    """The closing sentence that makes ``body`` self-checking (without a leading space)."""
    return (
        f"{_SEAL_START}{count_words(body)} words and {len(body)} characters before this closing "
        f"sentence, check code {check_code(body)}."
    )


def sealed(body: str) -> str:
    """``body`` followed by one space and its seal."""
    return f"{body} {seal(body)}"


def _missing_seal(text: str) -> str:
    if _ANY_SEAL_RE.search(text):
        return "text after the closing seal sentence"
    if _SEAL_START in text:
        return "the closing seal sentence is cut short"
    return "no closing seal sentence"


def verify(text: str | None) -> SelfCheck:
    """Whether ``text`` is a whole self-checking answer (trailing whitespace is tolerated).

    Not whole when: the text is empty or None, it has no seal at its end (cut, or finished by
    someone else), or the words, characters or check code before the seal do not match.
    """
    if not text:
        return SelfCheck(False, "empty answer")
    match = SEAL_RE.search(text)
    if match is None:
        return SelfCheck(False, f"{_missing_seal(text)} (cut, or completed by someone else)")
    body = text[: match.start()]
    words, chars, code = int(match.group(1)), int(match.group(2)), match.group(3)
    found_words = count_words(body)
    if len(body) != chars:
        why = f"{len(body)} characters before the seal, the seal says {chars}"
        return SelfCheck(False, why, found_words, len(body))
    if found_words != words:
        return SelfCheck(False, f"{found_words} words before the seal, the seal says {words}", found_words, chars)
    if check_code(body) != code:
        return SelfCheck(False, "check code differs (the words were changed)", words, chars)
    return SelfCheck(True, "whole", words, chars)


def is_whole(text: str | None) -> bool:
    """``verify(text).whole``."""
    return verify(text).whole


__all__ = ["SEAL_RE", "SelfCheck", "check_code", "count_words", "is_whole", "seal", "sealed", "verify"]
