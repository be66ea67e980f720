"""Throughput of ``chatcontract review`` against DuckDB's own typed load of the same file.

The peer is what the review cannot do without: DuckDB reading the columns the review needs,
typed as the review reads them, from the same file, in the same run. For each size (``--sizes``,
default 2M and 20M records, ``gen_logs.write_bulk``) it measures, each in a fresh process so
peak memory is that run's own:

- ``typed load``: ``CREATE TABLE t AS SELECT * FROM read_json(path, columns=<review's columns>)``;
- ``review duckdb``: the whole review (load, classification, grouping, every finding, JSON);
- ``review spark`` (with ``--spark``): the same review on Spark ``local[2]``; records per second
  per core beside DuckDB's.

Prints the ratio review / typed load (target: within 2x at 2M) and a table of time and peak
memory per size, so the growth from 2M to 20M shows. ``--timeout`` bounds each measurement.
The machine may be shared: the load average is printed next to the figures, and the typed load
and the DuckDB review run ``--repeat`` times each, alternating, the fastest run of each kept
(a neighbour's burst slows one run, not the figure); Spark runs once.

    python bench/review_throughput.py [--sizes 2000000,20000000] [--spark] [--repeat 3] [--dir DIR] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RUNS = ("typed load", "review duckdb", "review spark")


def _typed_load(path: Path) -> int:
    import duckdb

    from chatcontract.review.load_sql import source_columns
    from chatcontract.review.mapping import ATTEMPTS_MAP

    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order=false")  # as the review loads
    con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', columns=?)",
                [str(path), source_columns(ATTEMPTS_MAP, strict=True)])
    row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return int(row[0]) if row else 0


def _review(path: Path, engine: str) -> tuple[int, int, float]:
    """Records reviewed, on Spark the JVM's peak resident memory (KB), and the review's seconds
    (on Spark without the session's start, which a long-running cluster pays once)."""
    from chatcontract.report.review_md import render_json
    from chatcontract.review import ReviewOptions, run_review

    jvm_kb = 0
    session = None
    if engine == "spark":
        from pyspark.sql import SparkSession

        from chatcontract.review.spark import SESSION_CONF

        builder = SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "4")
        builder = builder.config("spark.driver.memory", "4g")
        for key, value in SESSION_CONF.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter()
    result = run_review(ReviewOptions(paths=(path,), deadline_ms=30_000, engine=engine))
    render_json(result)
    seconds = time.perf_counter() - start
    if session is not None:
        pid = session.sparkContext._gateway.proc.pid  # type: ignore[union-attr]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                jvm_kb = int(line.split()[1])
        session.stop()
    return int(result.totals["attempts"]), jvm_kb, seconds


def _child(run: str, path: Path) -> None:
    """One measurement in this (fresh) process: prints ``{"records", "seconds", "extra_kb"}``."""
    start = time.perf_counter()
    if run == "typed load":
        n, extra, seconds = _typed_load(path), 0, 0.0
    else:
        n, extra, seconds = _review(path, run.rsplit(maxsplit=1)[-1])
    print(json.dumps({"records": n, "seconds": seconds or time.perf_counter() - start, "extra_kb": extra}))


def measure(run: str, path: Path, timeout_s: float) -> dict[str, float] | None:
    """Run one measurement in a child process; its time, records and peak memory (MB)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", run, str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + timeout_s
    while True:  # wait4, not poll: the child's own resource usage (peak memory) comes with it
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = status
            break
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            print(f"  {run}: no result within {timeout_s:.0f} s")
            return None
        time.sleep(0.2)
    out = proc.stdout.read().decode() if proc.stdout else ""
    try:
        data = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"  {run}: failed")
        return None
    peak_kb = usage.ru_maxrss + data["extra_kb"]
    return {"records": data["records"], "seconds": data["seconds"], "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description="review throughput vs DuckDB's typed load of the same columns")
    parser.add_argument("--sizes", default="2000000,20000000", help="comma-separated record counts")
    parser.add_argument("--spark", action="store_true", help="also review on Spark local[2]")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the typed load and DuckDB review (fastest kept)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    from gen_logs import write_bulk

    sizes = [int(s) for s in args.sizes.split(",")]
    runs = RUNS if args.spark else RUNS[:2]
    work = args.dir or Path(tempfile.mkdtemp(prefix="review-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    table: list[tuple[int, str, dict[str, float]]] = []
    try:
        for size in sizes:
            path = work / f"attempts-{size}.jsonl"
            if not path.exists():
                write_bulk(path, size)
            print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
            for run, got in _measure_all(runs, path, args.timeout, max(1, args.repeat)).items():
                table.append((size, run, got))
                print(f"  {run:>13}: {got['records']:.0f} records in {got['seconds']:7.2f} s = "
                      f"{got['records'] / got['seconds']:>10,.0f} records/s, peak {got['peak_mb']:,.0f} MB")
            _ratios(size, {r: g for s, r, g in table if s == size})
        _scaling(table)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


def _measure_all(runs: tuple[str, ...], path: Path, timeout_s: float, repeat: int) -> dict[str, dict[str, float]]:
    """Each run's fastest measurement (``repeat`` rounds of the DuckDB runs, alternating; Spark once)."""
    best: dict[str, dict[str, float]] = {}
    for round_no in range(repeat):
        for run in runs:
            if run == "review spark" and round_no:
                continue
            got = measure(run, path, timeout_s)
            if got is not None and (run not in best or got["seconds"] < best[run]["seconds"]):
                best[run] = got
    return {run: best[run] for run in runs if run in best}


def _ratios(size: int, got: dict[str, dict[str, float]]) -> None:
    load, duck, spark = got.get("typed load"), got.get("review duckdb"), got.get("review spark")
    if load and duck:
        ratio = duck["seconds"] / load["seconds"]
        verdict = "met" if ratio <= 2 else "NOT met"
        print(f"  review / typed load at {size:,}: {ratio:.2f}x (target within 2x: {verdict})")
    if duck and spark:
        print(f"  records/s/core: duckdb {duck['records'] / duck['seconds'] / (os.cpu_count() or 1):,.0f} "
              f"(all {os.cpu_count()} cores), spark local[2] {spark['records'] / spark['seconds'] / 2:,.0f}")


def _scaling(table: list[tuple[int, str, dict[str, float]]]) -> None:
    print("\nsize        run            seconds   peak MB")
    for size, run, got in table:
        print(f"{size:<11,} {run:<14} {got['seconds']:8.2f} {got['peak_mb']:9,.0f}")
    sizes = sorted({s for s, _, _ in table})
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        for run in RUNS:
            a = next((g for s, r, g in table if s == lo and r == run), None)
            b = next((g for s, r, g in table if s == hi and r == run), None)
            if a and b:
                print(f"{run}: {hi / lo:.0f}x the records took {b['seconds'] / a['seconds']:.1f}x the time "
                      f"and {b['peak_mb'] / max(a['peak_mb'], 1):.1f}x the peak memory")


if __name__ == "__main__":
    main()
