"""The evidence store on one SQLite file (the default: no server, a file the on-call can copy).

WAL mode lets several processes write at once; every write is its own committed transaction
with ``synchronous=FULL``, so a process killed mid-write loses at most the write it had not yet
acknowledged. The schema version is ``PRAGMA user_version``; migrations run under
``BEGIN IMMEDIATE`` so two processes opening a new file do not race. A file that is not a
chatcontract store is never touched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.evidence.schema import MIGRATIONS, OUR_TABLES, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000


def _prepare_parent(path: Path) -> None:
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"cannot create store {path}: {parent} is a file, not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create store directory {parent}: {exc.strerror or exc}") from None
    if path.exists() and path.is_dir():
        raise UsageError(f"store path {path} is a directory; pass a file path with --store")


def _create_private(path: Path) -> None:
    """A new store is created owner-only (0600), as packets are: evidence is not for every local
    user. SQLite gives its -wal and -shm files the database file's mode."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise UsageError(f"cannot create store {path}: {exc.strerror or exc}") from None


class SqliteBackend:
    """One SQLite connection (used under the store's lock)."""

    def __init__(self, path: Path, *, readonly: bool, must_exist: bool) -> None:
        self.path = path
        self.label = str(path)
        if (readonly or must_exist) and not path.exists():
            raise UsageError(f"store {path} does not exist; run 'chatcontract repro' first or pass --store")
        if not readonly:
            _prepare_parent(path)
            _create_private(path)
        if path.exists() and not self._looks_like_sqlite():
            raise UsageError(f"store {path} is not a chatcontract store (not a SQLite database); nothing was changed")
        self._conn = self._connect()
        try:
            self._check_ours()
            if readonly and self.schema_version() != SCHEMA_VERSION:
                raise UsageError(f"store {path} has no evidence yet (schema not created)")
            if not readonly:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=FULL")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise UsageError(f"cannot use store {path}: {exc}; nothing was changed") from None
        except UsageError:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"SqliteBackend({self.label!r})"

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open store {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise UsageError(f"cannot use store {self.path}: {exc}; nothing was changed") from None
        return conn

    def _looks_like_sqlite(self) -> bool:
        try:
            with self.path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise UsageError(f"cannot read store {self.path}: {exc.strerror or exc}") from None
        return head in (b"", b"SQLite format 3\x00")

    def _check_ours(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"store {self.path} has schema version {version}, newer than this chatcontract "
                f"({SCHEMA_VERSION}); upgrade chatcontract"
            )
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables - OUR_TABLES:
            raise UsageError(f"store {self.path} is a SQLite database of another application; nothing was changed")

    def _migrate(self) -> None:
        if self.schema_version() == SCHEMA_VERSION:
            return
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for step in range(self.schema_version(), SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise UsageError(f"cannot write to store {self.path}: {exc}") from None
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise UsageError(f"cannot write to store {self.path}: {exc}") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._conn.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise UsageError(f"cannot read store {self.path}: {exc}") from None

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0][0])

    def close(self) -> None:
        self._conn.close()
