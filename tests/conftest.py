"""Fixtures shared by every test area (keep this generic; area fixtures live in their folders)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.redact import active_redactor, use_redactor

REPO_ROOT = Path(__file__).resolve().parents[1]

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


# -- a real PostgreSQL server, started once per session by the first test that asks for it --------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the PostgreSQL server carries the ``postgres`` marker."""
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


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
