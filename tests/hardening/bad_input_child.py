"""Run many ``chatcontract`` command lines in this one process and report each as a JSON line.

Used by ``test_bad_input_table``: one child process (not one per row, which would cost a Python
start each) runs every row in turn. Per row it prints the exit code, what went to stderr, the CPU
seconds the row took and the process's peak RSS so far (it only grows, so a row that blows memory
up shows at that row). The peak is ``VmHWM`` of this process image: Linux carries ``ru_maxrss``
over ``execve`` from the forking parent (a pytest worker), so that figure would be the parent's.
Usage: ``python bad_input_child.py ROWS.json``.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path

from chatcontract.cli.app import main


def run_row(args: list[str]) -> dict[str, object]:
    err, out = io.StringIO(), io.StringIO()
    started = time.process_time()
    code: object = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    cpu_s = time.process_time() - started
    return {"args": args, "code": code, "err": err.getvalue(), "cpu_s": cpu_s, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """Peak resident memory of this process image in MB (``VmHWM``; ``ru_maxrss`` elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kb) / 1024


def run(rows: list[list[str]]) -> None:
    for args in rows:
        print(json.dumps(run_row(args)), flush=True)


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text()))
