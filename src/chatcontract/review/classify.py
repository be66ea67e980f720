"""The one classifier over a table: each distinct key once in Python, joined back in SQL.

A key is what a log can say about an attempt's outcome: status, error type and code, the class
a chatcontract record already carries, a transport error, the response shape and how a stream
ended. Logs rarely keep bodies, so a 2xx without a recorded shape is taken as a parseable
answer. A class recorded by chatcontract's own classifier (``attempts.jsonl``, or an OTel
``error.type`` that is a chatcontract class) is kept as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcontract.record import FailureClass, ResponseShape
from chatcontract.review import queries as q
from chatcontract.review.sqlengine import Engine
from chatcontract.taxonomy import ACTIONS, Observation, RetryRule, StreamState, TransportError, classify_observation

_CLASSES = {c.value for c in FailureClass}
_SHAPES = {s.value: s for s in ResponseShape}
_STATES = {s.value: s for s in StreamState}
_TRANSPORTS = {t.value: t for t in TransportError}


@dataclass(frozen=True)
class Key:
    status: int | None
    error_type: str | None
    error_code: str | None
    source_class: str | None
    transport_error: str | None
    response_shape: str | None
    stream_state: str | None


def _transport(key: Key) -> TransportError | None:
    if key.status is not None:
        return None
    if key.transport_error in _TRANSPORTS:
        return _TRANSPORTS[key.transport_error]
    text = " ".join(x for x in (key.transport_error, key.error_type) if x).lower()
    if "timeout" in text or "timed out" in text or "timed_out" in text:
        return TransportError.CONNECT_TIMEOUT if "connect" in text else TransportError.READ_TIMEOUT
    if any(w in text for w in ("connect", "refused", "dns", "resolve", "unreachable")):
        return TransportError.CONNECT_ERROR
    if any(w in text for w in ("reset", "closed", "eof", "broken pipe")):
        return TransportError.RESET
    return None


def _observation(key: Key) -> Observation:
    shape = _SHAPES.get(key.response_shape or "")
    ok = key.status is not None and 200 <= key.status < 300
    if shape is None and ok:
        shape = ResponseShape.PARSEABLE_JSON
    elif shape is None and (key.error_type or key.error_code):
        shape = ResponseShape.ERROR_JSON
    return Observation(
        status=key.status,
        shape=shape,
        error_type=key.error_type,
        error_code=key.error_code,
        has_choices=True if shape is ResponseShape.PARSEABLE_JSON else None,
    )


def classify_key(key: Key) -> FailureClass | None:
    """The failure class of every attempt with this key (``None``: a usable answer)."""
    if key.source_class in _CLASSES:
        return FailureClass(key.source_class)
    state = _STATES.get(key.stream_state or "")
    return classify_observation(_observation(key), transport_error=_transport(key), stream_state=state)


def _row(class_id: int, kh: int, key: Key, classes: dict[Key, FailureClass | None]) -> tuple[object, ...]:
    failure = classes[key]
    action = ACTIONS[failure] if failure is not None else None
    return (
        class_id,
        kh,
        -1 if key.status is None else key.status,
        key.error_type or "",
        key.error_code or "",
        key.source_class or "",
        key.transport_error or "",
        key.response_shape or "",
        key.stream_state or "",
        failure.value if failure else None,
        action.review_category.value if action else None,
        action.owner if action else None,
        action.escalation_category.value if action else None,
        action.retry.value if action else None,
        action is not None and action.retry is RetryRule.NO,
    )


def build_classes(con: Engine) -> tuple[int, bool]:
    """Classify each distinct key of ``keyed`` once and store it in ``classes``.

    Returns how many keys there were and whether rows can be joined to their class by the
    key hash ``kh`` alone (distinct keys with distinct hashes; otherwise the join uses the key
    columns themselves).
    """
    rows = con.execute(q.DISTINCT_KEYS).fetchall()  # kh, the key's columns, its rows
    keys = {Key(*row[1:-1]) for row in rows}  # a key seen under two hashes is classified once
    by_hash = len({row[0] for row in rows}) == len(rows)
    if not by_hash:  # the join is on the key columns: one row per key
        rows = list({Key(*row[1:-1]): row for row in rows}.values())
    rows.sort(key=lambda row: -row[-1])  # the most frequent first (class ids follow)
    classes = {key: classify_key(key) for key in keys}
    hashes = [row[0] for row in rows]
    if by_hash and con.renumber("raw", "kh", [(h, i) for i, h in enumerate(hashes, 1)]):
        hashes = list(range(1, len(rows) + 1))  # rows join their class on its id now
    con.create_rows("classes", q.CLASS_COLUMNS, [_row(i, h, Key(*row[1:-1]), classes)
                                                 for i, (h, row) in enumerate(zip(hashes, rows, strict=True), 1)])
    return len(keys), by_hash
