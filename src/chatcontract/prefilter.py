"""A literal prefilter for regular expressions: skip a pattern when the text cannot match it.

For each pattern, :func:`required_literals` derives from its parsed form sets of lowercase
strings such that every match contains one string of each set (or ``None`` when no such set
exists, e.g. ``[$€£]\\s?\\d``): "the provider ... caused" needs a provider word *and* a causal
verb, so a sentence naming the provider without a causal verb skips the pattern. A substring
test is far cheaper than running a regular expression, and most sentences of an incident note
lack some set of a pattern, so lint runs a pattern only where it could match. The result is
the same as running every pattern (tests check it). Lint's claim rules and the redaction
detectors both use it. Literals and text are compared lowercased, which only widens the test,
so case-sensitive patterns are served too.
"""

from __future__ import annotations

import functools
import re
from re import _parser as sre  # type: ignore[attr-defined]  # the stdlib's own regex parser
from typing import Any

_LITERAL = sre.LITERAL
_SUBPATTERN = sre.SUBPATTERN
_BRANCH = sre.BRANCH
_IN = sre.IN
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


# up to this many literals, one substring test each beats a lookup of the text's words
_FEW = 96
_MEMO_ENTRIES = 4096


def _score(found: frozenset[str] | None) -> int:
    return min((len(s) for s in found), default=0) if found else 0


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective one of several required sets (longest minimum literal)."""
    return max(sets, key=_score, default=None)


def _of_sequence(items: Any) -> list[frozenset[str]]:
    """Sets every match of the sequence needs one literal of, each: literal runs and items."""
    needed: list[frozenset[str]] = []
    run = ""
    for op, arg in [*list(items), (None, None)]:
        if op is _LITERAL:
            run += chr(arg).lower()
            continue
        if run:
            needed.append(frozenset({run}))
        run = ""
        if op is None:
            break
        needed.extend(_of_item(op, arg))
    return needed


def _of_item(op: Any, arg: Any) -> list[frozenset[str]]:
    if op is _SUBPATTERN:
        return _of_sequence(arg[-1])
    if op is _BRANCH:
        best = [_best(_of_sequence(branch)) for branch in arg[1]]
        if any(b is None for b in best):
            return []
        return [frozenset().union(*best)]  # type: ignore[arg-type]
    if op in _REPEATS and arg[0] >= 1:
        return _of_sequence(arg[2])
    if op is _IN and arg and all(o is _LITERAL for o, _ in arg):  # [$€£]: one of these characters
        return [frozenset(chr(c).lower() for _, c in arg)]
    return []


def required_literals(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...] | None:
    """Sets of lowercase strings: every match of ``pattern`` contains one string of each set;
    ``None`` if none is known.

    Literals are lowercased (and compared with the lowercased text), so a case-sensitive
    pattern gets a wider test, never a wrong one.
    """
    return _required_literals(pattern.pattern, pattern.flags)


@functools.lru_cache(maxsize=4096)
def _required_literals(source: str, flags: int) -> tuple[frozenset[str], ...] | None:
    """:func:`required_literals` of one pattern text, worked out once per process (a redaction
    pipeline is rebuilt whenever a secret is remembered, over mostly the same rules)."""
    needed = {s for s in _of_sequence(sre.parse(source, flags)) if _score(s) >= 1}
    return tuple(sorted(needed, key=_score, reverse=True)) or None


def branches(pattern: re.Pattern[str]) -> list[re.Pattern[str]]:
    """The top-level alternatives of ``pattern``, each compiled alone (same flags): ``pattern``
    finds a match in a text exactly when one of them does, and each has its own literals."""
    parts: list[str] = []
    depth, start, i, source = 0, 0, 0, pattern.pattern
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":  # a class: a leading ^ and a leading ] are part of it
            in_class = True
            i += 1
            i += source[i : i + 1] == "^"
            i += source[i : i + 1] == "]"
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return [re.compile(part, pattern.flags) for part in parts]


class AnyOf:
    """``search`` of an alternation, run branch by branch where the text holds their literals."""

    def __init__(self, *patterns: re.Pattern[str]) -> None:
        self.parts = [b for p in patterns for b in branches(p)]
        self._filter = Prefilter(self.parts)

    def search(self, text: str) -> bool:
        return any(self.parts[i].search(text) for i in sorted(self._filter.runnable(text)))

    def search_given(self, present: frozenset[str]) -> list[re.Pattern[str]]:
        """The alternatives worth running on a text holding the literals ``present`` (which may
        hold other prefilters' literals too)."""
        return [self.parts[i] for i in sorted(self._filter.runnable_given(present))]


_RUN = re.compile(r"[a-z0-9]+")
_LONG_RUN = 64
_MEMO_RUNS = 16384


class Prefilter:
    """The required literals of many patterns, indexed so that one pass over a text's literals
    tells which patterns can match it (:meth:`runnable`, by position in the list given)."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.literals = [required_literals(p) for p in patterns]
        ids: dict[frozenset[str], int] = {}
        self._needs = [frozenset(ids.setdefault(s, len(ids)) for s in sets or ()) for sets in self.literals]
        by_literal: dict[str, set[int]] = {}
        for lits, i in ids.items():
            for lit in lits:
                by_literal.setdefault(lit, set()).add(i)
        self._by_literal = {lit: frozenset(i) for lit, i in by_literal.items()}
        self._all = frozenset(by_literal)
        by_set: dict[int, set[int]] = {}
        for at, need in enumerate(self._needs):
            for i in need:
                by_set.setdefault(i, set()).add(at)
        self._by_set = {i: frozenset(at) for i, at in by_set.items()}
        self._free = frozenset(at for at, need in enumerate(self._needs) if not need)  # no literal known
        self._memo: dict[frozenset[str], frozenset[int]] = {}
        # letters and digits only: found inside one run of letters and digits of the text, so
        # looked up per distinct run (memoised: prose repeats its words); the rest by substring
        self._alnum = frozenset(x for x in self._all if _RUN.fullmatch(x))
        self._chars = frozenset(x for x in self._all - self._alnum if len(x) == 1)  # ``$``, ``%``
        self._other = self._all - self._alnum - self._chars
        # the rest (``'s``, ``per-token``, ``://``) by their first sign: tested only when the text has it
        by_sign: dict[str, list[str]] = {}
        for lit in sorted(self._other):
            by_sign.setdefault(next(c for c in lit if not _RUN.fullmatch(c)), []).append(lit)
        self._by_sign = {c: tuple(lits) for c, lits in by_sign.items()}
        self._longest = max(map(len, self._alnum), default=0)
        self._in_run: dict[str, frozenset[str]] = {}

    def present(self, text: str, within: frozenset[str] | None = None) -> frozenset[str]:
        """The literals found in ``text`` (lowercased here); only those ``within`` when given
        (the literals of a larger text that holds this one)."""
        lowered = text.lower()
        if within is not None or len(self._all) <= _FEW:
            return frozenset(filter(lowered.__contains__, self._all if within is None else within))
        signs = set(lowered)
        found = self._chars.intersection(signs)
        for sign in signs.intersection(self._by_sign):
            found = found.union(filter(lowered.__contains__, self._by_sign[sign]))
        runs = set(_RUN.findall(lowered))
        memo = self._in_run
        if len(memo) + len(runs) > _MEMO_RUNS:
            memo.clear()
        for run in runs.difference(memo):
            if len(run) > _LONG_RUN:  # a long run (a key, a digest) is judged, never kept
                found = found.union(filter(run.__contains__, self._alnum))
                runs.discard(run)
            else:
                memo[run] = self._literals_in_run(run)
        return found.union(*map(memo.__getitem__, runs))

    def _literals_in_run(self, run: str) -> frozenset[str]:
        """The letters-and-digits literals inside one short run of letters and digits."""
        n, alnum = len(run), self._alnum
        return frozenset(
            run[i:j] for i in range(n) for j in range(i + 1, min(n, i + self._longest) + 1) if run[i:j] in alnum
        )

    def runnable(self, text: str, within: frozenset[str] | None = None) -> frozenset[int]:
        """Positions of the patterns that may match ``text``: each of their sets has a literal in it.

        (Positions, not the patterns: hashing a compiled pattern hashes its whole program.)
        """
        return self.runnable_given(self.present(text, within))

    def runnable_given(self, present: frozenset[str]) -> frozenset[int]:
        """:meth:`runnable` from the literals :meth:`present` found, or a superset holding other
        prefilters' literals too (memoised: texts share few distinct literal sets, and the
        answer depends on the set alone)."""
        hit = self._memo.get(present)
        if hit is None:
            met = frozenset().union(*filter(None, map(self._by_literal.get, present)))
            candidates = self._free.union(*map(self._by_set.__getitem__, met))
            hit = frozenset(i for i in candidates if self._needs[i] <= met)
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            self._memo[present] = hit
        return hit
