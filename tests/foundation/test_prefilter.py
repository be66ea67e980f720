"""The literal prefilter changes no redaction: every detector run on every text gives the same
findings as only the detectors whose literals the text holds (corpora from tests/general and
tests/hardening, planted in the hardening templates, and the clean texts)."""

from __future__ import annotations

import random
import re

import pytest
from tests.general.corpus_secrets import CLEAN, SECRETS
from tests.hardening.fresh_corpus import ERROR_BODY_TEMPLATES, LOG_TEMPLATES, clean_corpus, make_secrets

from chatcontract.prefilter import Prefilter, branches
from chatcontract.redact import Redactor


def _texts() -> list[str]:
    planted = [t.format(s=v) for v in make_secrets().values() for t in ERROR_BODY_TEMPLATES + LOG_TEMPLATES]
    return [text for _, text, _ in SECRETS] + CLEAN + clean_corpus() + planted


def test_redaction_findings_are_the_same_with_and_without_the_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    redactor = Redactor(extra_patterns=(r"TENANT-\d{4}", r"(?i)project[ _]x"))
    every = frozenset(range(len(redactor._compiled)))
    texts = [*_texts(), "tenant-1234 and TENANT-1234", "Project X, PROJECT_X"]
    filtered = [sorted(redactor.findings(t)) for t in texts]
    monkeypatch.setattr(redactor._prefilter, "runnable", lambda *_: every)
    assert [sorted(redactor.findings(t)) for t in texts] == filtered
    assert any(f for f in filtered)


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        pytest.param(r"a[|)]b|c(?:d|e)|[^]|]x|\|y", ["a|b", "ce", "zx", "|y", "]x", "nothing"], id="classes-groups"),
        pytest.param(r"\bfoo\b|BAR\d", ["a foo b", "bar1", "BAR1", "food"], id="case-sensitive"),
    ],
)
def test_branches_search_like_the_whole_pattern(pattern: str, texts: list[str]) -> None:
    whole = re.compile(pattern)
    parts = branches(whole)
    assert "|".join(p.pattern for p in parts) == pattern
    for text in texts:
        assert bool(whole.search(text)) == any(p.search(text) for p in parts), text


def test_present_finds_every_literal_even_inside_longer_ones() -> None:
    pf = Prefilter([re.compile(p, re.I) for p in (r"\brate\b", r"rate\s+limit", r"limited", r"\bate\b")])
    assert pf.present("RATE limited") == {"rate", "limit", "limited", "ate"}
    assert pf.runnable("the rate was limited") == {0, 1, 2, 3}
    assert pf.runnable("no match here") == frozenset()


def test_present_by_words_finds_what_a_substring_test_finds() -> None:
    """Past ``_FEW`` literals, letters-and-digits literals are looked up per word of the text
    (memoised); the answer is the same as testing every literal as a substring."""
    words = [f"w{i}x{i % 7}" for i in range(120)] + ["rate", "ate", "limit", "p99", "per-token", "$", "%"]
    pf = Prefilter([re.compile(re.escape(w), re.I) for w in words])
    rng = random.Random(5)
    pieces = [*words, " ", "-", "é", "RATE", "Limited", "x" * 70 + "w3x3", "w1x1w2x2", "\u0130"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        assert pf.present(text) == {w for w in pf._all if w in text.lower()}, text
