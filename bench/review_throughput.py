"""Throughput of ``chatcontract review`` against DuckDB's bare scan of the same file.

Generates at least 2 million attempt records (``gen_logs.write_bulk``), then, in one run and
one process: DuckDB's bare ``SELECT count(*) FROM read_json(...)`` (the floor), the whole review
(load, classify, group, every finding, Markdown rendering) and the bare scan again. Prints
records per second for each and the ratio review / best bare scan (target: within 2.5x).
The machine may be shared: the load average is printed next to the figures.

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
from chatcontract.report.review_md import render_markdown
from chatcontract.review import ReviewOptions, run_review
from gen_logs import write_bulk

PEERS = {
    # the floor the issue names; DuckDB answers it without materialising any field
    "bare scan": "SELECT count(*) FROM read_json(?)",
    # the same scan made to parse one field of every record
    "one field": "SELECT count(http_status) FROM read_json(?)",
    # DuckDB loading every field of every record into a table (no review logic at all)
    "full load": "CREATE TABLE t AS SELECT * FROM read_json(?)",
}


def duckdb_peer(sql: str, path: Path) -> tuple[int, float]:
    con = duckdb.connect(":memory:")
    start = time.perf_counter()
    row = con.execute(sql, [str(path)]).fetchone()
    elapsed = time.perf_counter() - start
    if sql.startswith("CREATE"):
        row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return int(row[0]) if row else 0, elapsed


def whole_review(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    result = run_review(ReviewOptions(paths=(path,), deadline_ms=30_000))
    render_markdown(result)
    return int(result.totals["attempts"]), time.perf_counter() - start


def _record(best: dict[str, float], name: str, count: int, seconds: float) -> None:
    print(f"{name:>10}: {count} records in {seconds:6.2f} s = {count / seconds:>12,.0f} records/s")
    best[name] = min(seconds, best.get(name, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description="review throughput vs DuckDB's bare read_json scan")
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="review-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "attempts.jsonl"
    try:
        start = time.perf_counter()
        n = write_bulk(path, args.records)
        gen_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        print(f"generated {n} records ({size_mb:.0f} MB) in {gen_s:.1f} s ({n / gen_s:,.0f} records/s)")
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
        print("target: review within 2.5x of the bare scan")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
