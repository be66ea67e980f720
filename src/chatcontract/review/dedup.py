# ruff: noqa: S608 - SQL here is built from fixed fragments; values go in as parameters
"""The same traffic read twice is counted once.

An access log and the client's attempts log of the same incident hold the same attempts;
reviewed together they would double every count (and the access log's missing usage would
invent a "usage absent" finding). For every pair of inputs whose times overlap, attempts are
matched one to one: first by provider request id or by (request id, attempt number), then by
time + route + status (the same second, counted in order within it; the start or the end of
the attempt, since access logs often stamp the end). A control shifts one input by
:data:`CONTROL_SHIFT_S` and matches again: traffic that merely looks alike (steady load on one
route) matches about as well shifted, the same traffic does not.

When most of the smaller input matches beyond chance (the matches less the control's), the
inputs hold the same traffic: each matched attempt is kept once, from the input that shows more
(its reach, :mod:`chatcontract.review.reach`), and the other input's copy is counted as skipped.
When a sizeable share matches beyond chance but not most, the review cannot tell and refuses
with a one-line error rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import sqrt
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.review.load_sql import SKIPPED, quote
from chatcontract.review.model import Finding, SourceInfo
from chatcontract.review.reach import Fact, ReachTable

CONTROL_SHIFT_S = 37  # not a multiple of common retry or scrape intervals
SAME_SHARE = 0.6  # share of the smaller input matched beyond chance: the same traffic
UNSURE_SHARE = 0.1  # ... below SAME_SHARE but above this: refused, the review cannot tell
CHANCE_SIGMAS, CHANCE_MIN = 4, 10  # matches must beat the shifted control by this much
EDGE = timedelta(seconds=2)

_GOOD = "source_file = ? AND bad_reason IS NULL AND started_at BETWEEN ? AND ?"
NEAR_MS = 250  # clock skew between writers; a whole-second stamp counts as its whole second
LATENCY_MS, LATENCY_SHARE = 100, 0.1  # latencies agree within the larger of these
ROUNDS = 3  # mutual-nearest rounds; each pairs what the one before left
_PAIR_COLUMNS = (("keep_rid", "BIGINT"), ("drop_rid", "BIGINT"))
_SHARED_COLUMNS = ("model", "service", "deployment", "host")
_SHARED = ", ".join(_SHARED_COLUMNS)
_START = "epoch_ms(started_at)"
_END = "epoch_ms(started_at) + COALESCE(latency_ms, 0)"


@dataclass(frozen=True)
class Overlap:
    """One pair of inputs and how their attempts matched."""

    keep: str  # token of the input whose copy is kept (it shows more)
    drop: str
    window: tuple[datetime, datetime]
    smaller: int  # attempts of the smaller input inside the shared window
    by_id: int = 0
    by_time: int = 0
    control: int = 0

    @property
    def matched(self) -> int:
        return self.by_id + self.by_time

    @property
    def beyond_chance(self) -> int:
        """Matches beyond what the shifted control found by chance (id matches are never chance)."""
        return self.by_id + max(0, self.by_time - self.control)

    @property
    def beats_chance(self) -> bool:
        """Whether the time matches stand out from chance (well over the control's Poisson noise)."""
        return self.by_id > 0 or self.by_time - self.control > CHANCE_SIGMAS * sqrt(self.control) + CHANCE_MIN

    @property
    def same(self) -> bool:
        return self.smaller > 0 and self.beats_chance and self.beyond_chance >= SAME_SHARE * self.smaller

    @property
    def unsure(self) -> bool:
        return not self.same and self.beats_chance and self.beyond_chance >= UNSURE_SHARE * self.smaller


def _gap(x: str, y: str) -> str:
    """Milliseconds between two times each known to ``res`` (999 for whole seconds, else 0)."""
    return f"GREATEST(0, {y} - ({x} + k.res), {x} - ({y} + d.res))"


def _time_round(shift_ms: int = 0, ends: bool = False) -> str:
    """One round of time matching: candidate pairs on the same route and status whose times are
    within :data:`NEAR_MS` (whole-second stamps count as the whole second; with ``ends`` the
    dropped input's time may also stand for the kept attempt's end), whose latencies agree and
    whose shared fields (model, service, deployment, host) do not differ; a pair is kept when
    each side is the other's nearest (one to one)."""
    res = f"CASE WHEN {_START} % 1000 = 0 THEN 999 ELSE 0 END AS res"
    keep = (f"SELECT rowid AS rid, COALESCE(path, '') AS p, COALESCE(status, -1) AS s, {_START} AS ts, {_END} AS te, "
            f"{res}, latency_ms AS lat, {_SHARED} FROM raw WHERE {_GOOD} "
            "AND rowid NOT IN (SELECT keep_rid FROM dup_pairs)")
    anchored = (f"SELECT *, CAST(floor(ts / 1000.0) AS BIGINT) AS b FROM ({keep}) UNION ALL "
                f"SELECT *, CAST(floor(te / 1000.0) AS BIGINT) AS b FROM ({keep}) WHERE te >= ts + 1000")
    drop = (f"SELECT rowid AS rid, COALESCE(path, '') AS p, COALESCE(status, -1) AS s, {_START} + {shift_ms} AS t, "
            f"{res}, latency_ms AS lat, {_SHARED} FROM raw WHERE {_GOOD} "
            "AND rowid NOT IN (SELECT drop_rid FROM dup_pairs)")
    near = ("(SELECT d.*, CAST(floor(d.t / 1000.0) AS BIGINT) + o.o AS b FROM "
            f"({drop}) d CROSS JOIN (SELECT -1 AS o UNION ALL SELECT 0 UNION ALL SELECT 1) o)")
    agree = " AND ".join(f"(k.{c} IS NULL OR d.{c} IS NULL OR k.{c} = d.{c})" for c in _SHARED_COLUMNS)
    apart = f"LEAST({_gap('k.ts', 'd.t')}, {_gap('k.te', 'd.t')})" if ends else _gap("k.ts", "d.t")
    pairs = (f"SELECT k.rid AS kr, d.rid AS dr, MIN({apart} + COALESCE(abs(k.lat - d.lat), 0)) AS dist "
             f"FROM ({anchored}) k JOIN {near} d ON k.p = d.p AND k.s = d.s AND k.b = d.b WHERE {apart} <= {NEAR_MS} "
             f"AND (k.lat IS NULL OR d.lat IS NULL OR abs(k.lat - d.lat) <= GREATEST({LATENCY_MS}, "
             f"{LATENCY_SHARE} * k.lat)) AND {agree} GROUP BY k.rid, d.rid")
    ranked = ("SELECT kr, dr, ROW_NUMBER() OVER (PARTITION BY kr ORDER BY dist, dr) AS rk, "
              f"ROW_NUMBER() OVER (PARTITION BY dr ORDER BY dist, kr) AS rd FROM ({pairs}) c")
    return f"SELECT kr, dr FROM ({ranked}) r WHERE rk = 1 AND rd = 1"


def _id_side(column: str, exclude: str) -> str:
    """Rows whose id occurs once in their input (an id repeated there names no single attempt)."""
    return (f"SELECT rid, v, p, s FROM (SELECT rowid AS rid, {column} AS v, COALESCE(path, '') AS p, "
            f"COALESCE(status, -1) AS s, COUNT(*) OVER (PARTITION BY {column}) AS n FROM raw WHERE {_GOOD} "
            f"AND {column} IS NOT NULL AND rowid NOT IN (SELECT {exclude} FROM dup_pairs)) x WHERE n = 1")


def _id_pairs(column: str) -> str:
    keep, drop = _id_side(column, "keep_rid"), _id_side(column, "drop_rid")
    return f"SELECT a.rid, b.rid FROM ({keep}) a JOIN ({drop}) b ON a.v = b.v AND a.p = b.p AND a.s = b.s"


_ATTEMPT_KEY = ("CASE WHEN request_id IS NOT NULL THEN request_id || '#' || "
                "CAST(COALESCE(attempt, retry_count + 1, resend_count + 1, 0) AS VARCHAR) END")


_WIDE_MS = NEAR_MS + 999  # the farthest apart two times of a candidate pair can be (a whole-second stamp)
_ROWS = (f"SELECT rowid AS rid, source_file AS f, COALESCE(path, '') AS p, COALESCE(status, -1) AS s, "
         f"{_START} AS ts, {_END} AS te, provider_request_id AS pid, {_ATTEMPT_KEY} AS ak "
         "FROM raw WHERE bad_reason IS NULL")


def _bounds_sql() -> str:
    """For every two inputs at once (``fa``, ``fb``): how many ids they share (``ids``) and how many
    of ``fa``'s attempts have, at their start or end, a time candidate in ``fb`` (``near``) — a
    superset of the kept side of what any round of :func:`_time_round` could pair when ``fa`` is kept."""
    anchors = "SELECT rid, f, p, s, ts AS x FROM r UNION ALL SELECT rid, f, p, s, te AS x FROM r WHERE te <> ts"
    width = f"{_WIDE_MS + 1}.0"  # buckets wider than the widest gap: a candidate is in the next bucket at most
    starts = (f"SELECT r.f, r.p, r.s, r.ts AS y, CAST(floor(r.ts / {width}) AS BIGINT) + o.o AS b FROM r "
              "CROSS JOIN (SELECT -1 AS o UNION ALL SELECT 0 UNION ALL SELECT 1) o")
    near = (f"SELECT a.f AS fa, y.f AS fb, 0 AS ids, COUNT(DISTINCT a.rid) AS near FROM ({anchors}) a "
            f"JOIN ({starts}) y ON a.p = y.p AND a.s = y.s AND CAST(floor(a.x / {width}) AS BIGINT) = y.b "
            f"AND a.f <> y.f WHERE abs(a.x - y.y) <= {_WIDE_MS} GROUP BY a.f, y.f")
    keys = ("(SELECT DISTINCT f, v, p, s FROM (SELECT f, 'p:' || pid AS v, p, s FROM r WHERE pid IS NOT NULL "
            "UNION ALL SELECT f, 'a:' || ak AS v, p, s FROM r WHERE ak IS NOT NULL) k)")  # a repeated id joins once
    ids = (f"SELECT a.f AS fa, b.f AS fb, COUNT(*) AS ids, 0 AS near FROM {keys} a JOIN {keys} b "
           "ON a.v = b.v AND a.p = b.p AND a.s = b.s AND a.f < b.f GROUP BY a.f, b.f")
    return f"WITH r AS ({_ROWS}) {near} UNION ALL {ids}"


def _could_match(con: Any) -> set[tuple[str, str]]:
    """The pairs of inputs that could hold the same traffic (or too much of it to be chance): those
    sharing an id, or with more time candidates than chance needs (:attr:`Overlap.beats_chance`:
    time matches beyond the control's exceed :data:`CHANCE_MIN`; the rounds pair each kept
    attempt once). One query for every pair, so the rounds run only where they can decide
    something; merging inputs only removes candidates."""
    ids: dict[frozenset[str], int] = {}
    near: dict[frozenset[str], int] = {}
    for fa, fb, n_ids, n_near in con.execute(_bounds_sql()).fetchall():
        key = frozenset((fa, fb))
        ids[key] = ids.get(key, 0) + int(n_ids)
        near[key] = max(near.get(key, 0), int(n_near))
    return {(a, b) for key in ids.keys() | near.keys() if ids.get(key) or near.get(key, 0) > CHANCE_MIN
            for a in key for b in key if a != b}


def _params(o: Overlap) -> list[Any]:
    """Parameters of a pair query: the kept input's side, then the dropped input's."""
    lo, hi = o.window
    return [o.keep, lo, hi, o.drop, lo, hi]


def _span(con: Any, token: str) -> tuple[datetime | None, datetime | None, int]:
    lo, hi, n = con.execute("SELECT MIN(started_at), MAX(started_at), COUNT(*) FROM raw "
                            "WHERE source_file = ? AND bad_reason IS NULL", [token]).fetchone()
    return lo, hi, int(n)


def _count(con: Any, token: str, lo: datetime, hi: datetime) -> int:
    return int(con.execute(f"SELECT COUNT(*) FROM raw WHERE {_GOOD}", [token, lo, hi]).fetchone()[0])


def _match(con: Any, o: Overlap, table: ReachTable) -> Overlap:
    """Match ``o.drop``'s attempts to ``o.keep``'s: by ids, then by time + route + status."""
    con.create_rows("dup_pairs", _PAIR_COLUMNS, [])
    by_id = 0
    both = {f for f in Fact if f in table.by_source[o.keep] and f in table.by_source[o.drop]}
    for column, fact in (("provider_request_id", Fact.PROVIDER_IDS), (_ATTEMPT_KEY, Fact.REQUEST_IDS)):
        if fact in both:
            sql = _id_pairs(column)
            con.append("dup_pairs", sql, _params(o))
    by_id = int(con.execute("SELECT COUNT(*) FROM dup_pairs").fetchone()[0])
    twice = _params(o)[:3] + _params(o)  # the kept side is read twice (start and end anchors)
    control = int(con.execute(f"SELECT COUNT(*) FROM ({_time_round(CONTROL_SHIFT_S * 1000)})", twice).fetchone()[0])
    for ends in (False, True):  # starts first: an end stamp is the weaker reading
        for _ in range(ROUNDS):
            con.append("dup_pairs", _time_round(ends=ends), twice)
    total = int(con.execute("SELECT COUNT(*) FROM dup_pairs").fetchone()[0])
    return Overlap(o.keep, o.drop, o.window, o.smaller, by_id, total - by_id, control)


def _pair(con: Any, a: str, b: str, table: ReachTable) -> Overlap | None:
    a_lo, a_hi, _ = _span(con, a)
    b_lo, b_hi, _ = _span(con, b)
    if a_lo is None or a_hi is None or b_lo is None or b_hi is None:
        return None
    lo, hi = max(a_lo, b_lo) - EDGE, min(a_hi, b_hi) + EDGE
    if lo > hi:
        return None
    keep, drop = (a, b) if len(table.by_source[a]) >= len(table.by_source[b]) else (b, a)
    smaller = min(_count(con, a, lo, hi), _count(con, b, lo, hi))
    return _match(con, Overlap(keep, drop, (lo, hi), smaller), table)


def _names(table: ReachTable, a: str, b: str) -> dict[str, str]:
    """Short names of two inputs: file names, or whole paths when the file names are the same."""
    short = {t: Path(table.names.get(t, t)).name for t in (a, b)}
    return short if short[a] != short[b] else {t: table.names.get(t, t) for t in (a, b)}


def merge_same_traffic(con: Any, sources: list[SourceInfo], tokens: list[str], table: ReachTable) -> list[Overlap]:
    """Find inputs that hold the same traffic and keep each attempt once (see the module doc).

    Raises :class:`UsageError` when two inputs share too many attempts to be chance and too few
    to be the same traffic.
    """
    if len(tokens) < 2:
        return []
    merged = []
    could = _could_match(con)
    for i, a in enumerate(tokens):
        for b in tokens[i + 1:]:
            o = _pair(con, a, b, table) if (a, b) in could else None
            if o is None or not (o.same or o.unsure):
                continue
            names = _names(table, a, b)
            if o.unsure:
                raise UsageError(
                    f"{names[a]} and {names[b]} share {o.matched} of {o.smaller} attempts (by id or time + route + "
                    "status): too many for chance, too few for the same traffic; review them separately")
            _drop(con, o, names[o.keep], sources, tokens)
            merged.append(o)
    return merged


def _drop(con: Any, o: Overlap, keep_name: str, sources: list[SourceInfo], tokens: list[str]) -> None:
    reason = f"same attempt as in {keep_name}"
    con.update("raw", {"bad_reason": quote(SKIPPED + reason)}, "rowid IN (SELECT drop_rid FROM dup_pairs)")
    info = sources[tokens.index(o.drop)]
    info.records -= o.matched
    info.skipped[reason] = info.skipped.get(reason, 0) + o.matched


def same_traffic_findings(merged: list[Overlap], table: ReachTable) -> list[Finding]:
    """One finding per merged pair: which inputs held the same traffic and how it was counted."""
    out = []
    for o in merged:
        names = _names(table, o.keep, o.drop)
        keep, drop = names[o.keep], names[o.drop]
        how = " and ".join(x for x in (f"{o.by_id} by request id" if o.by_id else "",
                                      f"{o.by_time} by time + route + status" if o.by_time else "") if x)
        statement = (f"{drop} and {keep} hold the same traffic: {o.matched} of the {o.smaller} attempts the smaller "
                     f"input holds in their shared window matched ({how}; shifted by {CONTROL_SHIFT_S} s only "
                     f"{o.control} match); each is counted once, from {keep}, which shows more.")
        out.append(Finding(f"inputs.same_traffic:{drop}", "Inputs holding the same traffic", statement,
                           {"kept": keep, "dropped": drop, "matched": o.matched, "by_id": o.by_id,
                            "by_time": o.by_time, "control": o.control, "smaller": o.smaller}))
    return out
