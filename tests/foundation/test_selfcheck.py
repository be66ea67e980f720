"""The self-checking answer: the whole text verifies, every cut or edit of it does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcontract.selfcheck import SEAL_RE, check_code, sealed, verify
from chatcontract.sim import CANONICAL_TEXT

WORDS = CANONICAL_TEXT.split(" ")


def test_the_simulators_answer_is_whole() -> None:
    result = verify(CANONICAL_TEXT)
    assert result.whole
    assert result.reason == "whole"
    assert SEAL_RE.search(CANONICAL_TEXT) is not None


@pytest.mark.parametrize("cut", range(len(WORDS)))
def test_every_word_prefix_is_not_whole(cut: int) -> None:
    assert not verify(" ".join(WORDS[:cut])).whole


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(None, "empty answer", id="none"),
        pytest.param("", "empty answer", id="empty"),
        pytest.param(CANONICAL_TEXT[:-1], "seal sentence is cut short", id="last-char-cut"),
        pytest.param(CANONICAL_TEXT + " And more.", "text after the closing seal", id="text-appended"),
        pytest.param(CANONICAL_TEXT.replace("café", "cafe"), "check code differs", id="accent-lost"),
        pytest.param(CANONICAL_TEXT.replace("plain ", "", 1), "characters before the seal", id="word-dropped"),
        pytest.param(CANONICAL_TEXT.replace("plain words", "plain  words"), "characters", id="space-added"),
        pytest.param(" ".join(WORDS[:5]) + " [stream ended]", "no closing seal", id="gateway-finished"),
    ],
)
def test_damaged_texts_say_why(text: str | None, reason: str) -> None:
    result = verify(text)
    assert not result.whole
    assert reason in result.reason


@pytest.mark.parametrize("tail", ["\n", "  ", "\r\n"])
def test_trailing_whitespace_is_tolerated(tail: str) -> None:
    assert verify(CANONICAL_TEXT + tail).whole


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_body_sealed_verifies(body: str) -> None:
    assert verify(sealed(body)).whole


def test_check_code_is_crc32_of_utf8() -> None:
    assert check_code("") == "00000000"
    assert check_code("café") != check_code("cafe")
