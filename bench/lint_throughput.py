"""lint throughput: MB/s of prose and peak memory, per input size (target: >= 1 MB/s, memory flat).

Writes incident-note prose (paragraphs of ordinary sentences, some with claims and keys) and a
one-line file of the same prose, then runs ``chatcontract lint`` on each in a child process and
reports CPU seconds (user + system of the child: steady on a shared machine, where wall time is
not), MB/s net of the interpreter's start (an empty file's run), the ratio to the issue's floor
of 1 MB/s, and the child's peak RSS. No peer lints incident notes for claims; the figure is
compared with the floor and across sizes (time linear, memory flat).
Usage: python bench/lint_throughput.py [--sizes-mb 1 4 16]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
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
    """(CPU seconds, peak RSS MB) of the child ``chatcontract lint path``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [sys.executable, "-c", "from chatcontract.cli.app import main; main()", "lint", str(path)]
    subprocess.run(cmd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, max(after.ru_maxrss, before.ru_maxrss) / 1024


FLOOR_MB_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    print(f"{'input':<14}{'MB':>6}{'CPU s':>8}{'MB/s':>7}{'x floor':>9}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.md"
        empty.write_text("")
        start_s = min(run(empty)[0] for _ in range(3))
        for mb in args.sizes_mb:
            for one_line in (False, True):
                path = Path(tmp) / f"note-{mb}-{one_line}.md"
                path.write_text(prose(int(mb * 1_000_000), one_line), "utf-8")
                size_mb = path.stat().st_size / 1_000_000
                cpu, rss = run(path)
                rate = size_mb / max(cpu - start_s, 1e-9)
                label = "one line" if one_line else "paragraphs"
                print(f"{label:<14}{size_mb:>6.1f}{cpu:>8.2f}{rate:>7.2f}{rate / FLOOR_MB_S:>9.2f}{rss:>13.0f}")
    print(f"CPU s includes the interpreter's start ({start_s:.2f} s, an empty file); MB/s excludes it.")
    print("peak RSS is the largest child so far (getrusage RUSAGE_CHILDREN); the floor is 1 MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
