"""Throughput of ``chatcontract review`` against DuckDB's bare scan of the same file.

Generates at least 2 million attempt records (``gen_logs.write_bulk``), then, in one run and
one process, twice over: DuckDB's bare ``SELECT count(*) FROM read_json(...)`` (the floor the
issue names; DuckDB answers it without parsing any field), three more DuckDB peers that do part
of the review's work and nothing else, and the whole review as a user runs it (load, classify,
group, every finding, Markdown and JSON rendering). Prints records per second for each (best of
2) and the ratio review / peer (target: within 2.5x of the bare scan). The machine may be
shared: the load average is printed next to the figures.

    python bench/review_throughput.py [--records 2000000] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chatcontract.report.review_md import render_json, render_markdown
from chatcontract.review import ReviewOptions, run_review
from chatcontract.review.load_sql import source_columns
from chatcontract.review.mapping import ATTEMPTS_MAP
from gen_logs import write_bulk

PEERS = {
    # the floor the issue names; DuckDB answers it without materialising any field
    "bare scan": "SELECT count(*) FROM read_json(?)",
    # the same scan made to parse one field of every record
    "one field": "SELECT count(http_status) FROM read_json(?)",
    # DuckDB loading every field of every record into a table (no review logic at all)
    "full load": "CREATE TABLE t AS SELECT * FROM read_json(?)",
    # DuckDB loading just the fields the review reads, typed as the review reads them
    "typed load": "CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', columns=?)",
}


def duckdb_peer(sql: str, path: Path) -> tuple[int, float]:
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order=false")  # as the review loads
    params: list[object] = [str(path)]
    if "columns=?" in sql:
        params.append(source_columns(ATTEMPTS_MAP, strict=True))
    start = time.perf_counter()
    row = con.execute(sql, params).fetchone()
    elapsed = time.perf_counter() - start
    if sql.startswith("CREATE"):
        row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return int(row[0]) if row else 0, elapsed


def whole_review(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    result = run_review(ReviewOptions(paths=(path,), deadline_ms=30_000))
    render_markdown(result)
    render_json(result)
    return int(result.totals["attempts"]), time.perf_counter() - start


def _record(best: dict[str, float], name: str, count: int, seconds: float) -> None:
    print(f"{name:>11}: {count} records in {seconds:6.2f} s = {count / seconds:>12,.0f} records/s")
    best[name] = min(seconds, best.get(name, seconds))


def _lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))


def main() -> None:
    parser = argparse.ArgumentParser(description="review throughput vs DuckDB's bare read_json scan")
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--reuse", action="store_true", help="reuse DIR/attempts.jsonl if it has --records lines")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="review-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "attempts.jsonl"
    try:
        n = _lines(path) if args.reuse and path.exists() else 0
        if n != args.records:
            start = time.perf_counter()
            n = write_bulk(path, args.records)
            gen_s = time.perf_counter() - start
            print(f"generated {n} records in {gen_s:.1f} s ({n / gen_s:,.0f} records/s)")
        print(f"{path}: {n} records, {path.stat().st_size / 1e6:.0f} MB")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        best: dict[str, float] = {}
        for _ in range(2):
            for name, sql in PEERS.items():
                _record(best, name, *duckdb_peer(sql, path))
            _record(best, "review", *whole_review(path))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        review = best["review"]
        for name in PEERS:
            print(f"review vs {name}: {review / best[name]:.2f}x the time "
                  f"({n / review:,.0f} vs {n / best[name]:,.0f} records/s, best of 2)")
        ratio = review / best["bare scan"]
        print(f"target: review within 2.5x of the bare scan: {'met' if ratio <= 2.5 else 'NOT met'} ({ratio:.2f}x)")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
