"""lint streams: bounded blocks, line numbers kept, the prefilter changes no result, junk refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatcontract.errors import UsageError
from chatcontract.evidence import claims
from chatcontract.evidence.lint import lint_files, lint_text
from chatcontract.evidence.lint_input import MAX_BLOCK_CHARS, split_blocks
from chatcontract.prefilter import Prefilter, required_literals

CORPUS = Path(__file__).parent / "corpus"


def _all_hits(sentence: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The claims of ``sentence`` with every pattern run: no prefilter anywhere (claim rules,
    citations, measurements, disclaimers, masks)."""
    with monkeypatch.context() as m:
        m.setattr(Prefilter, "runnable_given", lambda self, _present: frozenset(range(len(self.literals))))
        return [(h.family, h.phrase) for h in claims.claims_in(sentence)]


def _sentences() -> list[str]:
    lines = [line for p in sorted(CORPUS.glob("*")) if p.is_file() for line in p.read_text("utf-8").splitlines()]
    return [line for line in lines if line.strip()]


def test_prefilter_changes_no_result(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = _sentences()
    assert len(sentences) > 100
    for sentence in sentences:
        expected = _all_hits(sentence, monkeypatch)
        assert [(h.family, h.phrase) for h in claims.claims_in(sentence)] == expected, sentence
        within = claims.literals_of("Before it. " + sentence + " After it.")
        assert [(h.family, h.phrase) for h in claims.claims_in(sentence, within)] == expected, sentence


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        pytest.param(r"\bfees?\b", [{"fee"}], id="optional-tail"),
        pytest.param(r"\b(?:billed|refunded)\b", [{"billed", "refunded"}], id="alternation"),
        pytest.param(r"[$€£]\s?\d", [{"$", "€", "£"}], id="character-set"),
        pytest.param(r"[^a]\d", None, id="negated-set"),
        pytest.param(r"(?:foo)?\d+", None, id="optional-literal"),
        pytest.param(r"rate[- ]?limit", [{"limit"}, {"rate"}], id="both-runs"),
        pytest.param(
            r"\b(?:the\s+)?(?:provider|they)\b.{0,30}\b(?:caused|led\s+to)\b",
            [{"provider", "they"}, {"caused", "led"}],
            id="subject-and-verb",
        ),
    ],
)
def test_required_literals(pattern: str, literals: list[set[str]] | None) -> None:
    found = required_literals(re.compile(pattern, re.I))
    assert (None if found is None else [set(s) for s in found]) == literals


def test_blocks_are_bounded_and_cover_the_text() -> None:
    text = "word " * (3 * MAX_BLOCK_CHARS // 5) + "\n\nsecond para\nline two\n\n\nthird"
    pieces = list(split_blocks([text[i : i + 1000] for i in range(0, len(text), 1000)]))
    assert "".join(b for _, b in pieces) == text
    assert all(len(b) <= MAX_BLOCK_CHARS + 2 for _, b in pieces)
    assert len(pieces) >= 2
    at = 0
    for line, block in pieces:  # each block's first line number is the line it starts on
        assert line == text.count("\n", 0, at) + 1
        at += len(block)
    # whole paragraphs: the long run is cut at a space, the short paragraphs ride in one block
    assert next(b for _, b in pieces if "second para" in b).endswith("\n\nsecond para\nline two\n\n\nthird")


def test_findings_keep_their_line_numbers_across_blocks(tmp_path: Path) -> None:
    body = "\n\n".join(f"Paragraph {i} says nothing much." for i in range(2000))
    note = tmp_path / "note.md"
    claim = "The provider guarantees 99.99% uptime."
    note.write_text(body + "\n\n" + claim + "\n", "utf-8")
    found = [f for f in lint_files([note]) if f.kind == "claim"]
    assert [f.line for f in found] == [4001]
    assert [f.line for f in lint_text(body + "\n\n" + claim)] == [4001]


def test_a_key_past_a_long_line_cut_is_still_found(tmp_path: Path) -> None:
    key = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3"
    note = tmp_path / "long.txt"
    note.write_text("lorem ipsum " * (MAX_BLOCK_CHARS // 6) + key + " trailing words", "utf-8")
    assert [f.rule for f in lint_files([note]) if f.kind == "secret"] == ["openai_key"]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: p.write_bytes(b"text\x00" * 10), id="nul-bytes"),
        pytest.param(lambda p: p.write_bytes(b"ok " * 100_000 + b"\xff\xfe"), id="late-invalid-utf8"),
        pytest.param(lambda p: p.with_suffix(".json").write_text("[" * 5000), id="nested-json"),
    ],
)
def test_junk_is_refused_before_output(tmp_path: Path, make: object) -> None:
    path = tmp_path / "x.md"
    make(path)  # type: ignore[operator]
    target = path if path.exists() else path.with_suffix(".json")
    with pytest.raises(UsageError):
        lint_files([target])


def test_dev_zero_is_refused() -> None:
    with pytest.raises(UsageError, match="binary"):
        lint_files([Path("/dev/zero")])
