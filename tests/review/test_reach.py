"""Reach: what each input format can show, declared by its reader and narrowed by its rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.reach import ALL_FACTS, Fact, Reach, ReachTable
from chatcontract.review.readers import READERS


@pytest.mark.parametrize(
    ("name", "shows", "cannot"),
    [
        pytest.param("attempts.jsonl", {Fact.HEADERS, Fact.USAGE, Fact.FINISH_REASON, Fact.REQUEST_IDS,
                                        Fact.CLIENT_IDENTITY, Fact.STREAMING}, set(), id="attempts"),
        pytest.param("access.log", {Fact.PATH, Fact.MODEL, Fact.CLIENT_IDENTITY},
                     {Fact.HEADERS, Fact.USAGE, Fact.FINISH_REASON, Fact.BODIES, Fact.STREAMING, Fact.REQUEST_IDS},
                     id="nginx"),
        pytest.param("capture.har", {Fact.HEADERS, Fact.BODIES, Fact.USAGE, Fact.FINISH_REASON, Fact.REQUEST_IDS},
                     {Fact.CLIENT_IDENTITY}, id="har"),
        pytest.param("spans.otlp.json", {Fact.USAGE, Fact.FINISH_REASON, Fact.CLIENT_IDENTITY},
                     {Fact.HEADERS, Fact.BODIES}, id="otlp"),
    ],
)
def test_each_format_shows_what_it_can(incident: tuple[Path, dict[str, Any]], name: str, shows: set[Fact],
                                       cannot: set[Fact]) -> None:
    out, _ = incident
    source = run_review(ReviewOptions(paths=(out / name,))).sources[0]
    assert {f.value for f in shows} <= set(source.shows)
    assert {f.value for f in cannot} <= set(source.cannot_show)
    assert set(source.shows) | set(source.cannot_show) == {f.value for f in ALL_FACTS}


def test_every_reader_declares_its_reach() -> None:
    for reader in READERS.values():
        assert isinstance(reader.reach, Reach)
        assert reader.reach.declared(), reader.name


@pytest.mark.parametrize(
    ("reach", "observed", "expected"),
    [
        pytest.param(Reach(always=frozenset({Fact.PATH})), {Fact.USAGE}, {Fact.PATH}, id="undeclared-ignored"),
        pytest.param(Reach(maybe=frozenset({Fact.MODEL})), set(), set(), id="maybe-unseen-not-in-reach"),
        pytest.param(Reach(maybe=frozenset({Fact.MODEL})), {Fact.MODEL}, {Fact.MODEL}, id="maybe-seen"),
        pytest.param(Reach(maybe=frozenset({Fact.BODIES}), given={Fact.USAGE: Fact.BODIES}), {Fact.BODIES},
                     {Fact.BODIES, Fact.USAGE}, id="given-follows-base"),
        pytest.param(Reach(maybe=frozenset({Fact.BODIES}), given={Fact.USAGE: Fact.BODIES}), set(), set(),
                     id="given-without-base"),
    ],
)
def test_effective_reach(reach: Reach, observed: set[Fact], expected: set[Fact]) -> None:
    assert reach.effective(observed) == expected


def test_table_not_assessed_and_partial() -> None:
    table = ReachTable({"000000": frozenset({Fact.PATH}), "000001": frozenset({Fact.PATH, Fact.USAGE})})
    assert table.not_assessed(Fact.PATH) is None
    assert table.not_assessed(Fact.PATH, Fact.HEADERS) == "not assessed (the input cannot show response headers)"
    assert table.partial(Fact.USAGE)
    assert not table.partial(Fact.PATH)
    assert "r.source_file IN ('000001') AS can_usage" in table.can_columns()
    assert "TRUE AS can_path" in table.can_columns()
    assert "FALSE AS can_headers" in table.can_columns()
