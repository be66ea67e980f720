"""Incident evidence: the SQLite store, reproduction notes, escalation packets, lint."""

from chatcontract.evidence.store import STORE_ENV, EvidenceStore, default_store_path, open_store

__all__ = ["STORE_ENV", "EvidenceStore", "default_store_path", "open_store"]
