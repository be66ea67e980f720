"""lint throughput: MB/s of prose and peak memory, per input size (target: >= 1 MB/s, memory flat).

Writes incident-note prose (paragraphs of ordinary sentences, some with claims and keys) and a
one-line file of the same prose, then runs ``chatcontract lint`` on each in a child process and
reports seconds, MB/s and the child's peak RSS. No peer lints incident notes for claims; the
figure is compared with the issue's floor (1 MB/s) and across sizes (time linear, memory flat).
Usage: python bench/lint_throughput.py [--sizes-mb 1 4 16]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "At 09:14 UTC the gateway started answering 503 for about a third of chat completions.",
    "We retried twice with jittered backoff and the error rate fell after eleven minutes.",
    "The provider guarantees 99.99% uptime, so this outage is entirely their fault.",
    "The on-call engineer rotated the key and confirmed the new deployment in staging.",
    "Streams were cut before finish_reason in 42 of 1,200 attempts; none were reported as success.",
    "Requests used the key sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3" + " from the vault.",
    "Latency at p99 rose from 2.1 s to 9.8 s while the upstream queue drained.",
]


def prose(size: int, one_line: bool) -> str:
    out: list[str] = []
    n = 0
    i = 0
    while n < size:
        s = SENTENCES[i % len(SENTENCES)]
        out.append(s)
        n += len(s) + 1
        i += 1
        if not one_line and i % 5 == 0:
            out.append("\n\n")
    return " ".join(out)


def run(path: Path) -> tuple[float, float]:
    """(seconds, peak RSS MB of the child) for ``chatcontract lint path``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    cmd = [sys.executable, "-c", "from chatcontract.cli.app import main; main()", "lint", str(path)]
    subprocess.run(cmd, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    print(f"{'input':<22}{'MB':>7}{'seconds':>9}{'MB/s':>8}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes_mb:
            for one_line in (False, True):
                path = Path(tmp) / f"note-{mb}-{one_line}.md"
                path.write_text(prose(int(mb * 1_000_000), one_line), "utf-8")
                size_mb = path.stat().st_size / 1_000_000
                seconds, rss = run(path)
                label = "one line" if one_line else "paragraphs"
                print(f"{label:<22}{size_mb:>7.1f}{seconds:>9.2f}{size_mb / seconds:>8.2f}{rss:>13.0f}")
    print("peak RSS is the largest child so far (getrusage RUSAGE_CHILDREN); the floor is 1 MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
