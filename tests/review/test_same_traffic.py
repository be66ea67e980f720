"""The same incident in several formats: each review says only what its format can show, and any
two formats of the same traffic together count it once."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chatcontract.errors import UsageError
from chatcontract.review import ReviewOptions, ReviewResult, run_review

SAMPLE_FORMATS = ("access.log", "capture.har", "spans.otlp.json")


def _review(directory: Path, *names: str) -> ReviewResult:
    if len(names) == 1:
        return _alone(directory, names[0])
    mapped = "generic.jsonl" in names
    return run_review(ReviewOptions(paths=tuple(directory / n for n in names),
                                    map_file=directory / "generic-map.yaml" if mapped else None))


@functools.cache  # one review per input file of a session's incident (the tests only read results)
def _alone(directory: Path, name: str) -> ReviewResult:
    mapped = name == "generic.jsonl"
    return run_review(ReviewOptions(paths=(directory / name,),
                                    map_file=directory / "generic-map.yaml" if mapped else None))


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory, gen_logs: ModuleType) -> Path:
    """Another incident (another seed): different traffic over the same half hour."""
    out = tmp_path_factory.mktemp("other")
    gen_logs.write_all(out, seed=8, requests=3000)
    return out


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(("attempts.jsonl", "access.log"), id="attempts+nginx"),
        pytest.param(("attempts.jsonl", "capture.har"), id="attempts+har"),
        pytest.param(("attempts.jsonl", "spans.otlp.json"), id="attempts+otlp"),
        pytest.param(("attempts.jsonl", "generic.jsonl"), id="attempts+jsonl"),
        pytest.param(("access.log", "attempts.jsonl"), id="nginx-first"),
        pytest.param(("attempts.jsonl", "attempts.jsonl"), id="same-file-twice"),
    ],
)
def test_two_formats_of_the_same_traffic_count_it_once(incident: tuple[Path, dict[str, Any]],
                                                       names: tuple[str, str]) -> None:
    directory, truth = incident
    alone = _review(directory, "attempts.jsonl")
    both = _review(directory, *names)
    assert both.totals["attempts"] == truth["attempts"]
    assert both.totals["failures"] == truth["failures"]
    assert both.totals["logical_requests"] == truth["requests"]
    for key in ("usage.absent", "streams.cut", "failures.by_class", "retry.retry_after_ignored"):
        assert both.finding(key).numbers == alone.finding(key).numbers, key
    merged = [f for f in both.findings if f.key.startswith("inputs.same_traffic:")]
    assert len(merged) == 1
    assert merged[0].numbers["matched"] == merged[0].numbers["smaller"]
    assert "attempts.jsonl" in merged[0].numbers["kept"]  # the input that shows more is kept


@pytest.mark.parametrize(("a", "b"), [pytest.param(a, b, id=f"{a}+{b}") for i, a in enumerate(SAMPLE_FORMATS)
                                      for b in SAMPLE_FORMATS[i + 1:]])
def test_sample_formats_pairwise(incident: tuple[Path, dict[str, Any]], a: str, b: str) -> None:
    directory, _truth = incident
    both = _review(directory, a, b)
    assert both.totals["attempts"] == max(_review(directory, a).totals["attempts"],
                                          _review(directory, b).totals["attempts"])
    assert any(f.key.startswith("inputs.same_traffic:") for f in both.findings)


@pytest.mark.parametrize("name", ["attempts.jsonl", "access.log", "capture.har"])
def test_different_traffic_is_not_merged(incident: tuple[Path, dict[str, Any]], other: Path, name: str) -> None:
    directory, _ = incident
    ours = _review(directory, name).totals["attempts"]
    theirs = _review(other, name).totals["attempts"]
    both = run_review(ReviewOptions(paths=(directory / name, other / name)))
    assert both.totals["attempts"] == ours + theirs
    assert not any(f.key.startswith("inputs.same_traffic:") for f in both.findings)


def test_partly_shared_traffic_is_refused_in_one_line(incident: tuple[Path, dict[str, Any]], other: Path,
                                                      tmp_path: Path) -> None:
    directory, _ = incident
    ours = (directory / "access.log").read_text().splitlines(keepends=True)
    theirs = (other / "access.log").read_text().splitlines(keepends=True)
    mixed = tmp_path / "mixed.log"
    mixed.write_text("".join(ours[:120] + theirs[:300]))
    with pytest.raises(UsageError) as info:
        run_review(ReviewOptions(paths=(directory / "attempts.jsonl", mixed)))
    message = str(info.value)
    assert "\n" not in message
    assert "review them separately" in message


def test_copy_of_the_same_file_under_another_name(incident: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    directory, truth = incident
    copy = tmp_path / "gateway.log"
    shutil.copy(directory / "access.log", copy)
    both = run_review(ReviewOptions(paths=(directory / "access.log", copy)))
    assert both.totals["attempts"] == truth["sample"]["with_status"]
    skipped = next(s for s in both.sources if s.path == str(copy)).skipped
    assert skipped == {"same attempt as in access.log": truth["sample"]["with_status"]}



def test_the_screen_never_skips_a_pair_the_rounds_would_merge_or_refuse(
        incident: tuple[Path, dict[str, Any]], other: Path, tmp_path: Path) -> None:
    """Inputs are matched in full only where one query over every pair says they could be the
    same traffic; here every pair is also matched in full and held against that screen."""
    from chatcontract.review import dedup
    from chatcontract.review.engine import source_reach
    from chatcontract.review.table import connect, load, source_token

    directory, _ = incident
    mixed = tmp_path / "mixed.log"
    mixed.write_text("".join((directory / "access.log").read_text().splitlines(keepends=True)[:120]
                             + (other / "access.log").read_text().splitlines(keepends=True)[:300]))
    gateways = Path(__file__).resolve().parent / "samples_gateways"
    paths = [directory / "attempts.jsonl", directory / "access.log", other / "access.log", mixed,
             gateways / "kong.jsonl", gateways / "portkey.jsonl", gateways / "kong.jsonl"]
    con = connect(paths)
    try:
        sources, _bad = load(con, paths, forced=None, field_map=None)
        tokens = [source_token(i) for i in range(len(sources))]
        table = source_reach(con, sources, {t: str(p) for t, p in zip(tokens, paths, strict=True)})
        could = dedup._could_match(con)
        decided = {}
        for i, a in enumerate(tokens):
            for b in tokens[i + 1:]:
                o = dedup._pair(con, a, b, table)
                decided[a, b] = o is not None and (o.same or o.unsure)
    finally:
        con.close()
    assert all((a, b) in could for (a, b), hit in decided.items() if hit)
    assert sum(decided.values()) >= 3  # the same traffic, the refused mix, the sample given twice
    assert len(could) < 2 * len(decided)  # and the screen skipped pairs that could not be the same


# --- what an nginx log can and cannot support -------------------------------------------------------

HELD_BACK = ("retry_after_header", "stream_include_usage", "stream_format", "request_id_header", "response_fields",
             "error_envelope", "retry_stance", "base_url")


def test_nginx_review_never_judges_what_nginx_cannot_record(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = incident
    result = _review(directory, "access.log")
    verdicts = {row["assumption"]: (row["logs"], row["evidence"]) for row in result.assumptions}
    for key in HELD_BACK:
        assert verdicts[key][0] == "not_assessed", (key, verdicts[key])
    assert "cannot show response headers" in verdicts["retry_after_header"][1]
    for key in ("usage.absent", "streams.cut", "retry.retry_after_ignored", "retry.amplification"):
        finding = result.finding(key)
        assert finding.numbers.get("assessed") is False, key
        assert finding.statement.startswith("Not assessed"), finding.statement
        assert finding.label is None


def test_a_format_that_shows_a_fact_is_judged_on_it(incident: tuple[Path, dict[str, Any]]) -> None:
    directory, _truth = incident
    verdicts = {row["assumption"]: row["logs"] for row in _review(directory, "capture.har").assumptions}
    assert verdicts["retry_after_header"] == "unsupported"  # HAR headers show Retry-After on 429s
    assert verdicts["error_envelope"] == "supported"  # HAR bodies show the error type


def test_heuristic_grouping_is_named_with_its_confidence(incident: tuple[Path, dict[str, Any]],
                                                         tmp_path: Path) -> None:
    directory, _ = incident
    lines = [ln for ln in (directory / "access.log").read_text().splitlines(keepends=True) if "deployment=" in ln]
    same_client = tmp_path / "one-client.log"  # one address: the heuristic can group retries
    same_client.write_text("".join("10.0.0.1" + ln[ln.index(" - - "):] for ln in lines))
    result = run_review(ReviewOptions(paths=(same_client,)))
    assert result.grouping["confidence"] == "low"
    retried = [f for f in result.findings if f.key.startswith("retry.") and f.numbers.get("assessed") is not False]
    assert retried
    for f in retried:
        assert f.confidence == "low"
        assert f.rests_on is not None
        assert "heuristic" in f.rests_on
        assert "heuristic" in f.statement
        assert "low confidence" in f.statement
