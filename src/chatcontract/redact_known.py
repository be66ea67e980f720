"""Keys this process holds: masked wherever any redaction runs, and in a model's streamed answer.

:func:`remember_secret` is called with the caller's own key; an upstream that echoes it back
(in an error body, an answer, a stream) is then caught whatever the key's shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from chatcontract.redact_rules import MASK

_KNOWN: list[tuple[str, ...]] = [()]
_MIN_KNOWN_CHARS = 6
_LOCK = threading.Lock()
# called after the set of keys changes (the redactor's memo of short texts is cleared)
ON_CHANGE: list[Callable[[], None]] = []


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
    for hook in ON_CHANGE:
        hook()


def forget_secrets() -> None:
    """Forget every remembered key (tests measuring the other detectors on their own)."""
    with _LOCK:
        _KNOWN[0] = ()
    for hook in ON_CHANGE:
        hook()


def known_spans(text: str) -> list[tuple[str, int, int]]:
    """``("known_secret", start, end)`` for every place a remembered key occurs in ``text``."""
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
