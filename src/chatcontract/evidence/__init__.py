"""Incident evidence: the SQLite store, reproduction notes, escalation packets, lint.

From "requests are failing" to a packet support can act on, in three commands::

    chatcontract repro --incident INC-1 --class server_error --model <model>
    chatcontract packet INC-1 --meta incident.yaml --out INC-1.md --strict
    chatcontract lint INC-1.md
"""

from chatcontract.evidence.lint import Finding, lint_files, lint_text
from chatcontract.evidence.repro import ReproPlan, Target, Verdict, run_repro
from chatcontract.evidence.store import STORE_ENV, EvidenceStore, default_store_path, open_store

__all__ = [
    "STORE_ENV",
    "EvidenceStore",
    "Finding",
    "ReproPlan",
    "Target",
    "Verdict",
    "default_store_path",
    "lint_files",
    "lint_text",
    "open_store",
    "run_repro",
]
