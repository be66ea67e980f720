"""Fixtures shared by every test area (keep this generic; area fixtures live in their folders)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.redact import active_redactor, use_redactor

REPO_ROOT = Path(__file__).resolve().parents[1]


def _cache_bytecode() -> None:
    """Compile each module once, not once per process, even under ``PYTHONDONTWRITEBYTECODE``.

    A run starts hundreds of Python processes (xdist workers, CLI subprocesses, conduct workers,
    pytester runs). With bytecode writing off, each one compiles every module it imports and
    pytest rewrites every test module again (about 4 s of CPU per worker's collection alone).
    Where the environment turns writing off, the tests turn it back on for this run and its
    children: bytecode goes where Python puts it by default, the ``__pycache__`` folders that
    ``.gitignore`` already leaves out. Not a private ``PYTHONPYCACHEPREFIX``: with a prefix Python
    no longer reads the bytecode pip compiled beside every installed package, so a fresh
    machine's first run compiled all of them again in every worker (measured: 98 s of pytest
    with an empty prefix against 89 s with a filled one).
    """
    if not sys.dont_write_bytecode or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


_cache_bytecode()

MEMORY_TEMP = Path("/dev/shm")  # used only when /proc/mounts shows a tmpfs there, with room
MEMORY_TEMP_FREE = 4 << 30


def _temp_files_in_memory() -> None:
    """Temporary files of this run (``tmp_path``, stores, reports, every child's ``tempfile``) on
    the machine's tmpfs when it has one with room and ``TMPDIR`` is not set.

    The suite creates and deletes tens of thousands of files; on an ext4 disk mounted with
    ``discard`` (these machines) a file costs ~0.16 ms of kernel time to create and more to
    delete, 17x a tmpfs's. Measured over the whole run: ~10 CPU-s less. Nothing the tests assert
    depends on the disk: a SIGKILLed writer's acknowledged writes survive in the page cache
    either way. Pytest keeps the last three runs' folders, there as on a disk.
    """
    if os.environ.get("TMPDIR") or not os.access(MEMORY_TEMP, os.W_OK | os.X_OK):
        return
    try:
        mounts = Path("/proc/mounts").read_text()
        room = os.statvfs(MEMORY_TEMP)
    except OSError:
        return
    if not any(line.split()[1:3] == [str(MEMORY_TEMP), "tmpfs"] for line in mounts.splitlines()):
        return
    if room.f_bavail * room.f_frsize < MEMORY_TEMP_FREE:
        return
    os.environ["TMPDIR"] = str(MEMORY_TEMP)
    tempfile.tempdir = None  # computed again from TMPDIR on next use


_temp_files_in_memory()

# Test helpers are imported as ``tests.<area>.<module>`` whether pytest runs as ``pytest`` or
# ``python -m pytest`` (only the latter puts the repository root on the path by itself).
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.pgserver import PgServer, start_server  # noqa: E402 - needs the path above

pytest_plugins = ["pytester"]  # tests/test_pytest_plugin.py runs sample projects


@pytest.fixture(autouse=True)
def _restore_redactor() -> Iterator[None]:
    """A test that calls ``configure_redaction`` never leaks its redactor into the next one."""
    previous = active_redactor()
    yield
    use_redactor(previous)


@pytest.fixture
def repo_root() -> Path:
    """The repository root (``schemas/``, ``pyproject.toml``)."""
    return REPO_ROOT


# -- collection: markers, xdist groups, order, worker count ------------------------------------


# Groups that hold one worker longest (the Spark session: ~80 s; every client graded: ~35 s) start
# first, so the rest of the suite runs beside them instead of after them.
LONG_GROUPS_FIRST = ("spark", "conduct-grading")


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook (see _keep_xdist_group)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the PostgreSQL server carries the ``postgres`` marker; long groups first."""
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        _keep_xdist_group(item)
    items.sort(key=_long_group_rank)  # stable: a module's tests stay together and in order


def _long_group_rank(item: pytest.Item) -> int:
    groups = {str(mark.args[0]) for mark in item.iter_markers("xdist_group") if mark.args}
    return next((rank for rank, name in enumerate(LONG_GROUPS_FIRST) if name in groups), len(LONG_GROUPS_FIRST))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error where it is not installed
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers per CPU. Part of a worker's time is spent waiting (on loopback
    servers, subprocesses, the clocks of retry and stream tests), so one worker per CPU leaves
    the CPUs idle. Measured on a quiet 2-core machine, one run each: 3 workers 132 s, 4 workers
    123 s, 5 workers 127 s (each worker also collects the whole suite, ~4 CPU-s). The Spark file
    (now ~45 CPU-s of Java) has a 400 s hang guard of its own, so a loaded machine slows it
    without failing it. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` and ``-n N`` still decide."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 * cpus


def _keep_xdist_group(item: pytest.Item) -> None:
    """Make ``--dist loadgroup`` group again on pytest 9.2 (pytest-dev/pytest-xdist#1386).

    xdist marks a grouped test by writing ``nodeid@group`` to ``item._nodeid``; pytest 9.2 keeps
    the id in ``item._id`` instead, so the suffix is lost and every group is scattered over the
    workers (each worker then builds the group's module fixtures: two Spark sessions, two
    gradings). Copy xdist's id over; a no-op where xdist's write still takes effect.
    """
    legacy = item.__dict__.get("_nodeid")
    ident = getattr(item, "_id", None)
    if isinstance(legacy, str) and ident is not None and legacy != str(ident):
        item._id = type(ident).parse(legacy)


# -- a real PostgreSQL server, started once per session by the first test that asks for it --------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Debian's PostgreSQL on a loopback port, run as an unprivileged user; removed at the end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh database on the session's server, as a ``postgresql://`` URL with a password."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty evidence store on each backend: a SQLite file path, then a PostgreSQL URL."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "evidence.sqlite3")
