"""CPU seconds a child process spent: the load-independent measure of "starts fast".

A wall-clock bound on a subprocess measures the machine's load as much as our code (the suite
runs beside other work on two cores); the CPU the child used is the work the code did.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def running_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process that is still running (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


class ChildCpu:
    """CPU seconds of the children waited for inside :func:`children_cpu`."""

    seconds: float = 0.0


@contextmanager
def children_cpu() -> Iterator[ChildCpu]:
    """Count the CPU (user + system) of every child process reaped inside the block."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = ChildCpu()
    try:
        yield spent
    finally:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent.seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
