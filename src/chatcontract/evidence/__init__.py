"""Incident evidence: the store (SQLite or PostgreSQL), reproduction notes, escalation packets, lint.

From "requests are failing" to a packet support can act on, in three commands::

    chatcontract repro --incident INC-1 --class server_error --model <model>
    chatcontract packet INC-1 --meta incident.yaml --out INC-1.md --strict
    chatcontract lint INC-1.md

Names are imported lazily so ``lint`` and the store do not pay for the HTTP stack.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "STORE_ENV": "store",
    "EvidenceStore": "store",
    "default_store_location": "store",
    "open_store": "store",
    "Finding": "lint",
    "lint_files": "lint",
    "lint_text": "lint",
    "ReproPlan": "repro",
    "Target": "repro",
    "Verdict": "repro",
    "run_repro": "repro",
}

__all__ = [
    "STORE_ENV",
    "EvidenceStore",
    "Finding",
    "ReproPlan",
    "Target",
    "Verdict",
    "default_store_location",
    "lint_files",
    "lint_text",
    "open_store",
    "run_repro",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chatcontract.evidence' has no attribute {name!r}")
    return getattr(importlib.import_module(f"chatcontract.evidence.{module}"), name)
