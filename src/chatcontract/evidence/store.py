"""The evidence store: runs, attempt records, incidents, notes and packets in one SQLite file.

Why SQLite: one file the on-call engineer can copy, no server, and WAL mode lets several
processes (a probe, a repro, a live client) write at once. Every write is its own committed
transaction with ``synchronous=FULL``, so a process killed mid-write loses at most the write
it had not yet acknowledged. The schema is versioned with ``PRAGMA user_version``; migrations
run under ``BEGIN IMMEDIATE`` so two processes opening a new file do not race.

The default file lives in the user's data directory; ``--store PATH`` or
``CHATCONTRACT_STORE`` overrides it. A file that is not a chatcontract store is never touched.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from chatcontract.errors import UsageError
from chatcontract.evidence.redaction import redact_evidence
from chatcontract.evidence.schema import MIGRATIONS, OUR_TABLES, SCHEMA_VERSION
from chatcontract.record import AttemptRecord, new_id, utc_now
from chatcontract.redact import redact

STORE_ENV = "CHATCONTRACT_STORE"
STORE_FILENAME = "evidence.sqlite3"
BUSY_TIMEOUT_MS = 15_000


def default_store_path() -> Path:
    """``CHATCONTRACT_STORE`` if set, else ``evidence.sqlite3`` in the user data directory."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("chatcontract", appauthor=False)) / STORE_FILENAME


@dataclass(frozen=True)
class StoredNote:
    id: str
    incident_id: str | None
    run_id: str | None
    kind: str
    created_at: str
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredIncident:
    id: str
    title: str | None
    created_at: str
    meta: dict[str, Any]


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


class EvidenceStore:
    """One open store. Thread-safe; implements the ``RecordSink`` protocol (append/flush)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.readonly = readonly
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening and migrating -------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.readonly and not self.path.exists():
            raise UsageError(f"store {self.path} does not exist; run 'chatcontract repro' first or pass --store")
        if not self.readonly:
            _prepare_parent(self.path)
        if self.path.exists() and not self._looks_like_sqlite():
            raise UsageError(
                f"store {self.path} is not a chatcontract store (not a SQLite database); nothing was changed"
            )
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open store {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._check_ours(conn)
            if self.readonly and int(conn.execute("PRAGMA user_version").fetchone()[0]) != SCHEMA_VERSION:
                raise UsageError(f"store {self.path} has no evidence yet (schema not created)")
            if not self.readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise UsageError(f"cannot use store {self.path}: {exc}; nothing was changed") from None
        except UsageError:
            conn.close()
            raise
        return conn

    def _looks_like_sqlite(self) -> bool:
        try:
            with self.path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise UsageError(f"cannot read store {self.path}: {exc.strerror or exc}") from None
        return head in (b"", b"SQLite format 3\x00")

    def _check_ours(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"store {self.path} has schema version {version}, newer than this chatcontract "
                f"({SCHEMA_VERSION}); upgrade chatcontract"
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables - OUR_TABLES:
            raise UsageError(f"store {self.path} is a SQLite database of another application; nothing was changed")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise UsageError(f"store {self.path} was opened read-only")
        with self._lock:
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

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise UsageError(f"cannot read store {self.path}: {exc}") from None

    # -- RecordSink ------------------------------------------------------------------------
    def append(self, record: AttemptRecord) -> None:
        """Store one attempt record; it is committed when this returns."""
        self.append_many([record])

    def append_many(self, records: Sequence[AttemptRecord]) -> None:
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO attempts (run_id, incident_id, request_id, attempt_number, started_at,"
                " failure_class, http_status, route_template, model, request_class,"
                " provider_request_id,"
                " record_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [_attempt_row(r) for r in records],
            )

    def flush(self) -> None:
        """Every append is already committed; nothing is buffered."""

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs and incidents ------------------------------------------------------------------
    def start_run(self, kind: str, *, incident_id: str | None = None, meta: dict[str, Any] | None = None) -> str:
        run_id = new_id()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO runs (id, kind, incident_id, started_at, meta_json) VALUES (?,?,?,?,?)",
                (run_id, kind, incident_id, utc_now().isoformat(), _dumps(meta or {})),
            )
        return run_id

    def finish_run(self, run_id: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE runs SET finished_at=? WHERE id=?", (utc_now().isoformat(), run_id))

    def ensure_incident(self, incident_id: str, *, title: str | None = None) -> StoredIncident:
        """The incident, created on first use (a repro opens it)."""
        validate_incident_id(incident_id)
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO incidents (id, title, created_at) VALUES (?,?,?)",
                (incident_id, redact(title) if title else None, utc_now().isoformat()),
            )
        found = self.incident(incident_id)
        assert found is not None
        return found

    def incident(self, incident_id: str) -> StoredIncident | None:
        rows = self._query("SELECT id, title, created_at, meta_json FROM incidents WHERE id=?", (incident_id,))
        if not rows:
            return None
        r = rows[0]
        return StoredIncident(r[0], r[1], r[2], json.loads(r[3]))

    def require_incident(self, incident_id: str) -> StoredIncident:
        found = self.incident(incident_id)
        if found is None:
            known = ", ".join(i.id for i in self.incidents()[:5]) or "none yet"
            raise UsageError(f"no incident {incident_id!r} in store {self.path} (known: {known})")
        return found

    def incidents(self) -> list[StoredIncident]:
        rows = self._query("SELECT id, title, created_at, meta_json FROM incidents ORDER BY created_at, id")
        return [StoredIncident(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def runs(self, incident_id: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT id, kind, started_at, finished_at, meta_json FROM runs WHERE incident_id=? ORDER BY started_at",
            (incident_id,),
        )
        return [
            {
                "id": r[0],
                "kind": r[1],
                "started_at": r[2],
                "finished_at": r[3],
                "meta": json.loads(r[4]),
            }
            for r in rows
        ]

    # -- attempts ----------------------------------------------------------------------------
    def attempts(self, *, incident_id: str | None = None, run_id: str | None = None) -> list[AttemptRecord]:
        where, params = _where(incident_id=incident_id, run_id=run_id)
        rows = self._query(f"SELECT record_json FROM attempts{where} ORDER BY seq", params)  # noqa: S608 - fixed columns
        return [AttemptRecord.from_json(r[0]) for r in rows]

    def count_attempts(self, *, incident_id: str | None = None) -> int:
        where, params = _where(incident_id=incident_id)
        return int(self._query(f"SELECT COUNT(*) FROM attempts{where}", params)[0][0])  # noqa: S608 - fixed columns

    def request_ids(self) -> set[str]:
        return {r[0] for r in self._query("SELECT request_id FROM attempts")}

    # -- notes and packets -------------------------------------------------------------------
    def add_note(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        incident_id: str | None = None,
        run_id: str | None = None,
    ) -> str:
        """Store a note; its body is redacted again before it is written."""
        note_id = new_id()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO notes (id, incident_id, run_id, kind, created_at, body_json) VALUES (?,?,?,?,?,?)",
                (
                    note_id,
                    incident_id,
                    run_id,
                    kind,
                    utc_now().isoformat(),
                    _dumps(redact_evidence(body)),
                ),
            )
        return note_id

    def notes(self, incident_id: str, kind: str | None = None) -> list[StoredNote]:
        sql = "SELECT id, incident_id, run_id, kind, created_at, body_json FROM notes WHERE incident_id=?"
        params: list[Any] = [incident_id]
        if kind is not None:
            sql += " AND kind=?"
            params.append(kind)
        rows = self._query(sql + " ORDER BY created_at", params)
        return [StoredNote(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def add_packet(self, incident_id: str, body: dict[str, Any], *, complete: bool) -> str:
        """Store a packet; its body is redacted again before it is written."""
        packet_id = new_id()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO packets (id, incident_id, created_at, complete, body_json) VALUES (?,?,?,?,?)",
                (
                    packet_id,
                    incident_id,
                    utc_now().isoformat(),
                    int(complete),
                    _dumps(redact_evidence(body)),
                ),
            )
        return packet_id

    def packets(self, incident_id: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT id, created_at, complete, body_json FROM packets WHERE incident_id=? ORDER BY created_at",
            (incident_id,),
        )
        return [{"id": r[0], "created_at": r[1], "complete": bool(r[2]), "body": json.loads(r[3])} for r in rows]

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])


def validate_incident_id(incident_id: str) -> str:
    """Incident ids are short printable tokens (they appear in file names and commands)."""
    ok = 0 < len(incident_id) <= 80 and all(c.isalnum() or c in "-_.:" for c in incident_id)
    if not ok:
        raise UsageError(f"invalid incident id {incident_id!r}: use letters, digits and - _ . : (at most 80)")
    return incident_id


def _where(**filters: str | None) -> tuple[str, list[Any]]:
    clauses = [f"{k}=?" for k, v in filters.items() if v is not None]
    params = [v for v in filters.values() if v is not None]
    return ((" WHERE " + " AND ".join(clauses)) if clauses else ""), params


def _attempt_row(r: AttemptRecord) -> tuple[Any, ...]:
    return (
        r.run_id,
        r.incident_id,
        r.request_id,
        r.attempt_number,
        r.started_at.isoformat(),
        r.failure_class.value if r.failure_class else None,
        r.http_status,
        r.route_template,
        r.model,
        r.request_class,
        r.provider_request_id,
        r.to_json(),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def open_store(path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> EvidenceStore:
    """Open (creating if needed) the store at ``path`` or the default location."""
    return EvidenceStore(path, readonly=readonly)
