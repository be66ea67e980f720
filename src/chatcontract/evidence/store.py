"""The evidence store: runs, attempt records, incidents, notes and packets, in one place.

Two backends behind one interface and one set of queries: a SQLite file (the default: no
server, one file the on-call engineer can copy; see :mod:`.store_sqlite`) and PostgreSQL for a
team that shares one store across hosts (``postgresql://...``; see :mod:`.store_postgres`,
needs the ``postgres`` extra). Both run the same migrations from :mod:`.schema`, commit every
write on its own, and let several processes write at once.

The default file lives in the user's data directory; ``--store PATH|URL`` or
``CHATCONTRACT_STORE`` overrides it. A database that is not a chatcontract store is never touched.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.evidence.redaction import redact_evidence
from chatcontract.evidence.store_backend import (
    STORE_ENV,
    Backend,
    Executor,
    StoreLocation,
    default_store_location,
    is_postgres_url,
)
from chatcontract.record import AttemptRecord, new_id, utc_now
from chatcontract.redact import redact

__all__ = [
    "STORE_ENV",
    "EvidenceStore",
    "StoredIncident",
    "StoredNote",
    "default_store_location",
    "open_store",
    "validate_incident_id",
]


# scheme: (two letters at least, so a Windows drive is a path) then one or two slashes
_URL_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]+):/")


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


def _open_backend(location: StoreLocation, *, readonly: bool, must_exist: bool) -> Backend:
    scheme = _URL_SCHEME.match(str(location))
    if scheme and not is_postgres_url(location):  # never a file named after a URL (its password with it)
        raise UsageError(
            f"store {scheme.group(1)}:... is a URL, not a file; the store takes a file path or a postgresql:// URL"
        )
    if is_postgres_url(location):
        from chatcontract.evidence.store_postgres import PostgresBackend

        return PostgresBackend(str(location), readonly=readonly, must_exist=must_exist)
    from chatcontract.evidence.store_sqlite import SqliteBackend

    return SqliteBackend(Path(location), readonly=readonly, must_exist=must_exist)


class EvidenceStore:
    """One open store. Thread-safe; implements the ``RecordSink`` protocol (append/flush).

    ``location`` is a SQLite file path or a ``postgresql://`` URL (default: ``CHATCONTRACT_STORE``
    or the user data directory). ``readonly`` never creates or migrates; ``must_exist`` refuses a
    store that holds no evidence yet instead of creating it.
    """

    def __init__(
        self, location: StoreLocation | None = None, *, readonly: bool = False, must_exist: bool = False
    ) -> None:
        self.readonly = readonly
        self._lock = threading.RLock()
        self._backend = _open_backend(
            location if location is not None else default_store_location(), readonly=readonly, must_exist=must_exist
        )
        self.label = self._backend.label

    def __repr__(self) -> str:
        return f"EvidenceStore({self.label!r})"

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._backend.schema_version()

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Executor]:
        if self.readonly:
            raise UsageError(f"store {self.label} was opened read-only")
        with self._lock, self._backend.write() as executor:
            yield executor

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._backend.query(sql, params)

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
            self._backend.close()

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
                "INSERT INTO incidents (id, title, created_at) VALUES (?,?,?) ON CONFLICT (id) DO NOTHING",
                (incident_id, redact(title) if title else None, utc_now().isoformat()),
            )
        found = self.incident(incident_id)
        assert found is not None
        return found

    def remember_meta(self, incident_id: str, meta: dict[str, Any]) -> None:
        """Keep what a packet's meta file said (its title becomes the incident's), so ``incidents``
        and later packets know it without the file."""
        title = meta.get("title")
        with self._write() as conn:
            conn.execute(
                "UPDATE incidents SET title=COALESCE(?, title), meta_json=? WHERE id=?",
                (redact(title) if title else None, _dumps(redact_evidence(meta)), incident_id),
            )

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
            raise UsageError(f"no incident {incident_id!r} in store {self.label} (known: {known})")
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

    def count_attempts(self, *, incident_id: str | None = None, since: datetime | None = None) -> int:
        """Attempts stored (for ``incident_id``; started at or after ``since``, an aware datetime)."""
        where, params = _where(incident_id=incident_id)
        if since is not None:
            where += (" AND" if where else " WHERE") + " started_at >= ?"
            params.append(since.astimezone(UTC).isoformat())
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
        """``ok``, or what the backend found wrong."""
        with self._lock:
            return self._backend.integrity_check()


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


def open_store(location: StoreLocation | None = None, *, readonly: bool = False) -> EvidenceStore:
    """Open (creating if needed) the store at ``location`` or the default location."""
    return EvidenceStore(location, readonly=readonly)
