"""What a review produces: findings with their numbers, bad-input counts, and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any


class Label(StrEnum):
    """Who a mismatch finding points at."""

    CLIENT_BUG = "client bug"
    DOCUMENTATION_DRIFT = "documentation drift"
    DEPLOYMENT_DRIFT = "deployment drift"
    VENDOR_QUESTION = "open vendor/account question"


@dataclass(frozen=True)
class Finding:
    """One short, testable statement and the numbers behind it.

    ``key`` is stable (tests and JSON consumers match on it); ``label`` is set on mismatch
    findings only; ``table`` holds the rows the statement summarises; ``rests_on`` and
    ``confidence`` name the grouping a retry finding depends on. ``numbers["assessed"]`` is
    ``False`` on a finding the input cannot support (its statement says what is missing).
    """

    key: str
    title: str
    statement: str
    numbers: dict[str, Any] = field(default_factory=dict)
    label: Label | None = None
    owner: str | None = None
    table: list[dict[str, Any]] = field(default_factory=list)
    # what the finding rests on when that is not a direct count (a grouping method) and how firm
    # it is: "high", "medium" or "low"
    rests_on: str | None = None
    confidence: str | None = None


@dataclass
class BadInput:
    """Lines or entries that could not become attempt records, by reason, with a few examples."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    max_examples: int = 5

    def add(self, reason: str, source: str, where: int | None, text: str | bytes, n: int = 1) -> None:
        from chatcontract.redact import redact

        self.counts[reason] = self.counts.get(reason, 0) + n
        if len(self.examples) < self.max_examples:
            raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            snippet = raw[:160] + ("..." if len(raw) > 160 else "")
            self.examples.append({"reason": reason, "source": source, "line": where, "text": redact(snippet)})

    def merge(self, other: BadInput) -> None:
        for reason, n in other.counts.items():
            self.counts[reason] = self.counts.get(reason, 0) + n
        room = self.max_examples - len(self.examples)
        self.examples.extend(other.examples[: max(room, 0)])

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ReviewOptions:
    """How to read and judge the logs."""

    paths: tuple[Path, ...]
    reader: str | None = None
    map_file: Path | None = None
    profile: str = "cometapi"
    since: datetime | None = None
    until: datetime | None = None
    deadline_ms: float | None = None
    group_window_s: float = 60.0
    # told each phase and what was counted so far ("reading", {"bytes": n}); for the CLI's progress
    progress: Callable[[str, dict[str, int]], None] | None = field(default=None, compare=False, repr=False)
    engine: str = "duckdb"  # or "spark" (:mod:`chatcontract.review.sqlengine`)
    spark_master: str | None = None  # a Spark master URL (default: the active session, else local[*])


@dataclass
class SourceInfo:
    """One input file: which reader read it and what came of it."""

    path: str
    reader: str
    lines: int
    records: int
    bad: int
    skipped: dict[str, int] = field(default_factory=dict)
    inferred: dict[str, str] = field(default_factory=dict)  # canonical field -> source name (no --map)
    shows: list[str] = field(default_factory=list)  # what this input can show (its reach)
    cannot_show: list[str] = field(default_factory=list)


@dataclass
class ReviewResult:
    """Everything a renderer needs: findings, timeline, exemplars, bad input, sources."""

    profile: str
    sources: list[SourceInfo]
    findings: list[Finding]
    bad_input: BadInput
    timeline: list[dict[str, Any]]
    latency: list[dict[str, Any]]
    assumptions: list[dict[str, Any]]
    exemplars: dict[str, Any]
    grouping: dict[str, Any]
    totals: dict[str, Any]

    def finding(self, key: str) -> Finding:
        for f in self.findings:
            if f.key == key:
                return f
        raise KeyError(key)

    def assumption_rows(self) -> list[dict[str, Any]]:
        """The assumption table as reports show it: the profile's expected value beside the logs' verdict."""
        return [{k: r.get(k) for k in ("assumption", "expected", "profile_status", "logs", "evidence")}
                for r in self.assumptions]

    def source_rows(self) -> list[dict[str, Any]]:
        """One row per input, with what it cannot show spelled out."""
        rows = []
        for s in self.sources:
            row = {k: v for k, v in vars(s).items() if k not in ("shows", "cannot_show")}
            row["cannot_show"] = ", ".join(s.cannot_show) or "-"
            rows.append(row)
        return rows

    @property
    def has_mismatches(self) -> bool:
        return any(f.label is not None for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad_input"]["total"] = self.bad_input.total
        data["has_mismatches"] = self.has_mismatches
        return data
