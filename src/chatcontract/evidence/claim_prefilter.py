"""A literal prefilter for the claim patterns: skip a pattern when the text cannot match it.

For each pattern, :func:`required_literals` derives from its parsed form a set of lowercase
strings such that every match contains one of them (or ``None`` when no such set exists, e.g.
``[$€£]\\s?\\d``). A substring test is far cheaper than running a regular expression, and most
sentences of an incident note contain none of a pattern's literals, so lint runs a pattern only
where it could match. The result is the same as running every pattern (tests check it).
"""

from __future__ import annotations

import re
from re import _parser as sre  # type: ignore[attr-defined]  # the stdlib's own regex parser
from typing import Any

_LITERAL = sre.LITERAL
_SUBPATTERN = sre.SUBPATTERN
_BRANCH = sre.BRANCH
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_MIN_USEFUL = 3


def _score(found: frozenset[str] | None) -> int:
    return min((len(s) for s in found), default=0) if found else 0


def _of_sequence(items: Any) -> frozenset[str] | None:
    """The best required set of a sequence: a literal run or one item's set (longest minimum)."""
    best: frozenset[str] | None = None
    run = ""
    for op, arg in [*list(items), (None, None)]:
        if op is _LITERAL:
            run += chr(arg).lower()
            continue
        if run and _score(frozenset({run})) > _score(best):
            best = frozenset({run})
        run = ""
        if op is None:
            break
        found = _of_item(op, arg)
        if found is not None and _score(found) > _score(best):
            best = found
    return best


def _of_item(op: Any, arg: Any) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _of_sequence(arg[-1])
    if op is _BRANCH:
        sets = [_of_sequence(branch) for branch in arg[1]]
        if any(s is None for s in sets):
            return None
        return frozenset().union(*sets)  # type: ignore[arg-type]
    if op in _REPEATS and arg[0] >= 1:
        return _of_sequence(arg[2])
    return None


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lowercase strings one of which every match of ``pattern`` contains; ``None`` if unknown.

    Only for case-insensitive patterns (the claim rules): literals are compared lowercased.
    """
    found = _of_sequence(sre.parse(pattern.pattern, pattern.flags))
    return found if found and _score(found) >= 1 else None


class Prefilter:
    """The required literals of many patterns; :meth:`present` is computed once per text."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.literals = {p: required_literals(p) for p in patterns}
        self._all = tuple(sorted({s for lits in self.literals.values() if lits for s in lits}))

    def present(self, text: str) -> frozenset[str]:
        """The literals found in ``text`` (lowercased here)."""
        lowered = text.lower()
        return frozenset(s for s in self._all if s in lowered)

    def may_match(self, pattern: re.Pattern[str], present: frozenset[str]) -> bool:
        """False only when the text holds none of the pattern's literals (it cannot match)."""
        lits = self.literals[pattern]
        return lits is None or not lits.isdisjoint(present)
