"""The engine's fast paths give the same answers as the slow ones they stand in for.

Rows join their classified key through a hash computed at load (with a fallback to the key
columns when two keys share a hash; on DuckDB, the hash renumbered to the class id when there are
few keys); the strict typed read keeps DuckDB's default object size
(a longer line falls back to the lenient read); ``raw.source_file`` holds a short token that
the views map back to the file's path.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from chatcontract.report.review_md import render_json
from chatcontract.review import ReviewOptions, ReviewResult, load_sql, run_review, sqlengine, table


def _summary(result: ReviewResult) -> dict[str, Any]:
    return {
        "totals": result.totals,
        "findings": [(f.key, f.statement) for f in result.findings],
        "assumptions": [(a["assumption"], a["logs"], a["evidence"]) for a in result.assumptions],
        "bad": result.bad_input.counts,
    }


@pytest.mark.parametrize("name", [pytest.param("attempts.jsonl", id="request-ids"),
                                  pytest.param("access.log", id="heuristic-groups")])
def test_key_hash_collision_falls_back_to_the_key_columns(
    incident: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    directory, _ = incident
    options = ReviewOptions(paths=(directory / name,), deadline_ms=30_000)
    hashed = run_review(options)
    monkeypatch.setattr(load_sql, "KEY_HASH", "CAST(42 AS UBIGINT)")  # every key collides
    collided = run_review(options)
    assert collided.totals["failures"] > 0
    assert _summary(collided) == _summary(hashed)


@pytest.mark.parametrize("name", [pytest.param("attempts.jsonl", id="request-ids"),
                                  pytest.param("access.log", id="heuristic-groups")])
def test_class_ids_in_place_of_key_hashes_join_the_same_rows(
    incident: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    directory, _ = incident
    options = ReviewOptions(paths=(directory / name,), deadline_ms=30_000)
    calls: list[int] = []
    renumber = sqlengine.DuckEngine.renumber

    def counted(self: sqlengine.DuckEngine, table: str, column: str, pairs: Any) -> bool:
        done = renumber(self, table, column, pairs)
        calls.append(len(pairs) if done else 0)
        return done

    monkeypatch.setattr(sqlengine.DuckEngine, "renumber", counted)
    renumbered = run_review(options)
    assert len(calls) == 1
    assert calls[0] > 1  # the keys were renumbered
    monkeypatch.setattr(sqlengine, "RENUMBER_MAX", 0)  # too many keys to renumber: the hash join
    hashed = run_review(options)
    assert calls[1:] == [0]
    assert renumbered.totals["failures"] > 0
    assert _summary(renumbered) == _summary(hashed)


def test_a_line_longer_than_the_strict_buffer_is_read(tmp_path: Path) -> None:
    base = {"schema_version": 1, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z", "http_method": "POST",
            "route_template": "/v1/chat/completions", "http_status": 500, "attempt_number": 1}
    huge = {**base, "request_id": "r2", "error_summary": "x" * (17 << 20)}  # over DuckDB's 16 MB default
    log = tmp_path / "attempts.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in (base, huge, {**base, "request_id": "r3"})))
    result = run_review(ReviewOptions(paths=(log,)))
    assert result.totals["attempts"] == 3
    assert result.totals["bad_lines"] == 0


def test_sources_are_named_by_path_in_accounting_and_exemplars(
    incident: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    directory, truth = incident
    first, second = tmp_path / "a-first.jsonl", tmp_path / "b-second.jsonl"
    shutil.copy(directory / "attempts.jsonl", first)
    second.write_text('{"schema_version": 1, "attempt_number": 1, "started_at": "2026-11-22T14:00:00Z", '
                      '"http_status": "teapot", "request_id": "x"}\n')
    result = run_review(ReviewOptions(paths=(first, second)))
    assert [s.path for s in result.sources] == [str(first), str(second)]
    assert [s.records for s in result.sources] == [truth["attempts"], 0]
    assert result.bad_input.counts == {"status: not an HTTP status code": 1}
    assert [e["source"] for e in result.bad_input.examples] == ["b-second.jsonl"]
    assert result.exemplars["failure"]["source_file"] == str(first)


def test_a_small_input_is_reviewed_on_one_thread_from_kept_tables_with_the_same_answers(
    incident: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept: list[bool] = []
    create = sqlengine.DuckEngine.create

    def spy(self: sqlengine.DuckEngine, name: str, sql: str, **kwargs: Any) -> None:
        if name == "attempts":
            kept.append(self.small)  # small: one thread, and the attempts view kept as a table
        create(self, name, sql, **kwargs)

    monkeypatch.setattr(sqlengine.DuckEngine, "create", spy)
    directory, _ = incident
    options = ReviewOptions(paths=(directory / "attempts.jsonl", directory / "access.log"), deadline_ms=30_000)
    one = run_review(options)
    monkeypatch.setattr(table, "ONE_THREAD_BYTES", 0)
    every = run_review(options)
    assert kept == [True, False]
    assert one.totals["failures"] > 0
    assert render_json(one) == render_json(every)  # every finding, number and example alike


def _threads(paths: list[Path]) -> int:
    engine = table.connect(paths)
    try:
        return int(engine.execute("SELECT current_setting('threads')").fetchone()[0])
    finally:
        engine.close()


def test_only_a_small_regular_file_gets_one_thread(tmp_path: Path) -> None:
    with duckdb.connect() as plain:
        default = int(plain.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[index]
    small = tmp_path / "small.jsonl"
    small.write_text("{}\n")
    large = tmp_path / "large.jsonl"
    with large.open("wb") as fh:
        fh.truncate(64 << 20)  # sparse: its size, not its bytes, decides
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert _threads([small]) == 1
    assert _threads([small, large]) == default
    assert _threads([small, fifo]) == default  # a pipe's size says nothing about what comes through it
