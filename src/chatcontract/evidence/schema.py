"""The evidence store's schema, one migration script per version (``PRAGMA user_version``).

Append a script to :data:`MIGRATIONS` to change the schema; never edit a shipped one.
"""

from __future__ import annotations

_V1 = """
CREATE TABLE runs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, incident_id TEXT, started_at TEXT NOT NULL,
  finished_at TEXT, meta_json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, incident_id TEXT, request_id TEXT NOT NULL,
  attempt_number INTEGER NOT NULL, started_at TEXT NOT NULL, failure_class TEXT,
  http_status INTEGER, route_template TEXT, model TEXT, request_class TEXT,
  provider_request_id TEXT, record_json TEXT NOT NULL);
CREATE INDEX attempts_incident ON attempts(incident_id, started_at);
CREATE INDEX attempts_run ON attempts(run_id);
CREATE TABLE incidents (
  id TEXT PRIMARY KEY, title TEXT, created_at TEXT NOT NULL, meta_json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE notes (
  id TEXT PRIMARY KEY, incident_id TEXT, run_id TEXT, kind TEXT NOT NULL, created_at TEXT NOT NULL,
  body_json TEXT NOT NULL);
CREATE INDEX notes_incident ON notes(incident_id, created_at);
CREATE TABLE packets (
  id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, created_at TEXT NOT NULL,
  complete INTEGER NOT NULL,
  body_json TEXT NOT NULL);
CREATE INDEX packets_incident ON packets(incident_id, created_at);
"""

# Index i holds the script that takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)
OUR_TABLES = frozenset({"runs", "attempts", "incidents", "notes", "packets", "sqlite_sequence"})
