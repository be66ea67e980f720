"""What every finding builder shares: the connection, the profile, options and number formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from chatcontract.contract import Profile
from chatcontract.review.model import ReviewOptions
from chatcontract.review.reach import ReachTable
from chatcontract.review.sqlengine import Engine


@dataclass
class Ctx:
    con: Engine
    profile: Profile
    options: ReviewOptions
    attempts: int
    failures: int
    requests: int
    has_deployment: bool
    has_host: bool
    has_path: bool
    # query results by (sql, params): several findings read the same numbers, the tables are
    # not changed once findings start, so each query runs once
    _cache: dict[tuple[Any, ...], list[tuple[Any, ...]]] = field(default_factory=dict, repr=False)
    # the single-number facts (``queries.FACT_COLUMNS``, ``DIM_FACT_COLUMNS``), from one scan each
    facts: dict[str, int] = field(default_factory=dict)
    # what the inputs can show; findings ask it before they conclude anything
    reach: ReachTable = field(default_factory=lambda: ReachTable({}))

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        key = (sql, *params)
        if key not in self._cache:
            self._cache[key] = self.con.execute(sql, list(params)).fetchall()
        return self._cache[key]

    def prefetch(self, sqls: list[str]) -> None:
        """Run the parameterless queries findings will ask for, together (see ``Engine.execute_many``)."""
        todo = [sql for sql in sqls if (sql,) not in self._cache]
        for sql, rows in zip(todo, self.con.execute_many(todo), strict=True):
            self._cache[(sql,)] = rows

    def one(self, sql: str, *params: Any) -> tuple[Any, ...]:
        rows = self.rows(sql, *params)
        return tuple(rows[0]) if rows else ()

    @property
    def chat_path(self) -> str:
        return self.profile.route_template(self.profile.base_url)

    @property
    def models_path(self) -> str:
        return self.profile.route_template(self.profile.base_url, self.profile.assumptions.models_route.value)

    @property
    def expected_host(self) -> str:
        return urlsplit(self.profile.base_url).hostname or ""


def pct(n: int | float, d: int | float) -> str:
    """``n`` of ``d`` as a percentage with one decimal (``0.0%`` when ``d`` is 0)."""
    return f"{(100.0 * n / d) if d else 0.0:.1f}%"


def when(ts: datetime | None) -> str:
    """A UTC timestamp to the second, as findings print it."""
    return "unknown" if ts is None else ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def minute(ts: datetime | None) -> str:
    return "unknown" if ts is None else ts.strftime("%Y-%m-%d %H:%M UTC")


def num(value: float) -> str:
    """A count or a ratio without trailing zeros (``2``, ``2.5``)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")
