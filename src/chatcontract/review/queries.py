# ruff: noqa: S608 - this module builds SQL from fixed column names and quoted identifiers only
"""Every SQL statement the review runs after loading (loading: :mod:`load_sql`).

The statements are plain SQL over one table of attempt records (``raw`` -> ``attempts``) so the
same review can move to a distributed engine (Spark SQL) later. DuckDB-specific pieces are
confined to loading (``read_json``) and three small functions: ``make_timestamp`` (epoch
micros to TIMESTAMP), ``epoch_ms`` and ``date_trunc``; each has a Spark equivalent
(``timestamp_micros``, ``unix_millis``, ``date_trunc``).
"""

from __future__ import annotations

from chatcontract.review.load_sql import STREAM_EFF, quote
from chatcontract.review.reach import ReachTable

# --- the reviewed table -------------------------------------------------------------------



def _window(since: str | None, until: str | None) -> str:
    where = ["bad_reason IS NULL"]
    if since:
        where.append(f"started_at >= TIMESTAMP {quote(since)}")
    if until:
        where.append(f"started_at < TIMESTAMP {quote(until)}")
    return " AND ".join(where)


def keyed_view(since: str | None, until: str | None) -> str:
    """Good rows inside the time window, with how each stream ended (``stream_eff``).

    ``since``/``until`` are ISO timestamps made by the engine from parsed datetimes.
    """
    return f"SELECT *, {STREAM_EFF} AS stream_eff FROM raw WHERE {_window(since, until)}"


_KEY = "kh, status, error_type, error_code, source_class, transport_error, response_shape, stream_eff"
DISTINCT_KEYS = f"SELECT {_KEY}, COUNT(*) AS n FROM keyed GROUP BY {_KEY}"  # each key once, with its rows
CLASS_COLUMNS = (
    ("class_id", "INTEGER"), ("kh", "UBIGINT"), ("k_status", "INTEGER"), ("k_error_type", "VARCHAR"),
    ("k_error_code", "VARCHAR"), ("k_source_class", "VARCHAR"), ("k_transport", "VARCHAR"), ("k_shape", "VARCHAR"),
    ("k_stream", "VARCHAR"), ("failure_class", "VARCHAR"), ("review_category", "VARCHAR"), ("owner", "VARCHAR"),
    ("escalation", "VARCHAR"), ("retry_rule", "VARCHAR"), ("never_retry", "BOOLEAN"),
)
COUNT_UNKEYED = "SELECT count(*) FROM keyed WHERE request_id IS NULL AND idempotency_key IS NULL"

KEY_MATCH = (
    "COALESCE(r.status, -1) = c.k_status AND COALESCE(r.error_type, '') = c.k_error_type "
    "AND COALESCE(r.error_code, '') = c.k_error_code AND COALESCE(r.source_class, '') = c.k_source_class "
    "AND COALESCE(r.transport_error, '') = c.k_transport AND COALESCE(r.response_shape, '') = c.k_shape "
    f"AND COALESCE({STREAM_EFF.replace('stream_state', 'r.stream_state')}, '') = c.k_stream"
)
_PART = (
    "concat_ws('|', COALESCE(service, ''), COALESCE(deployment, ''), COALESCE(client, ''), "
    "COALESCE(host, ''), COALESCE(method, ''), COALESCE(path, ''), COALESCE(model, ''), "
    "COALESCE(body_shape, ''))"
)


def _source(sources: dict[str, str]) -> str:
    """``raw.source_file`` holds a token per input (``table.source_token``): its path again."""
    if not sources:
        return "r.source_file"
    whens = " ".join(f"WHEN {quote(token)} THEN {quote(name)}" for token, name in sources.items())
    return f"CASE r.source_file {whens} ELSE r.source_file END AS source_file"


def _class_join(by_hash: bool) -> str:
    return "JOIN classes c ON " + ("r.kh = c.kh" if by_hash else KEY_MATCH)


def assign_groups(window_ms: float, since: str | None, until: str | None, by_hash: bool = True) -> str:
    """Logical requests for rows with no request id or idempotency key (``raw.hkey``).

    Within one client (same service, deployment, client, host, route, model and body shape), a
    retry counter (x-stainless-retry-count, http.request.resend_count, attempt number) that
    restarts at 0 starts a new request; with no counter, the heuristic: a new request starts
    after a success or after a gap longer than ``window_ms``. (``rowid``: the row id, DuckDB's
    own or the column the Spark engine adds.) Returns ``(rid, v)`` rows for :meth:`Engine.assign`:
    only the unkeyed rows are updated.
    """
    counter = "COALESCE(retry_count, resend_count, attempt - 1)"
    new_group = (
        "CASE WHEN counter IS NOT NULL THEN (counter = 0 OR prev_counter IS NULL OR counter <= prev_counter) "
        f"ELSE (prev_end IS NULL OR prev_ok OR epoch_ms(started_at) - prev_end > {float(window_ms)}) END"
    )
    return (
        "WITH w AS (SELECT r.rowid AS rid, r.started_at, r.latency_ms, c.failure_class, "
        f"{_PART} AS part, {counter} AS counter FROM raw r {_class_join(by_hash)} "
        f"WHERE {_window(since, until)} AND r.request_id IS NULL AND r.idempotency_key IS NULL), "
        "l AS (SELECT w.*, LAG(counter) OVER p AS prev_counter, "
        "LAG(epoch_ms(started_at) + COALESCE(latency_ms, 0)) OVER p AS prev_end, "
        "LAG(failure_class IS NULL) OVER p AS prev_ok FROM w "
        "WINDOW p AS (PARTITION BY part ORDER BY started_at, counter, rid)), "
        f"n AS (SELECT l.*, SUM(CASE WHEN {new_group} THEN 1 ELSE 0 END) OVER "
        "(PARTITION BY part ORDER BY started_at, counter, rid ROWS UNBOUNDED PRECEDING) AS grp FROM l) "
        "SELECT rid, 'h:' || part || '#' || CAST(grp AS VARCHAR) AS v FROM n"
    )


def attempts_view(since: str | None, until: str | None, by_hash: bool = True,
                  sources: dict[str, str] | None = None, reach: ReachTable | None = None) -> str:
    """``attempts``: good rows in the window with their class, action and logical request key,
    and per row whether its input can show each fact (``can_*``, :mod:`chatcontract.review.reach`).

    A view, not a copy: copying the wide table costs more than the small join it saves.
    """
    return (
        "SELECT r.started_at, r.method, r.host, r.path, r.status, r.latency_ms, "
        "r.model, r.response_model, r.error_type, r.error_code, r.source_class, r.request_id, "
        f"r.provider_request_id, r.streaming, {STREAM_EFF.replace('stream_state', 'r.stream_state')} "
        "AS stream_state, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.service, "
        "r.deployment, r.retry_after_ms, r.fallback_of, r.gateway_retries, r.response_shape, r.error_summary, "
        f"{_source(sources or {})}, "
        "r.source_line, r.source_file AS source_token, c.class_id, c.failure_class, c.review_category, c.owner, "
        "c.escalation, c.retry_rule, "
        f"c.never_retry, c.failure_class IS NOT NULL AS failed, {(reach or ReachTable({})).can_columns()}, "
        "COALESCE(r.attempt, r.retry_count + 1, r.resend_count + 1) AS attempt_no, "
        "CASE WHEN r.request_id IS NOT NULL THEN 'request id' WHEN r.idempotency_key IS NOT NULL "
        "THEN 'idempotency key' WHEN r.retry_count IS NOT NULL THEN 'x-stainless-retry-count' "
        "WHEN r.resend_count IS NOT NULL THEN 'http.request.resend_count' WHEN r.attempt IS NOT NULL "
        "THEN 'attempt number' ELSE 'heuristic' END AS group_method, "
        "COALESCE(r.request_id, 'idem:' || r.idempotency_key, r.hkey) AS logical_key "
        f"FROM raw r {_class_join(by_hash)} WHERE {_window(since, until)}"
    )


LOGICAL = (
    "SELECT logical_key, COUNT(*) AS n, "
    "MAX(CASE WHEN failed THEN 1 ELSE 0 END) AS f FROM attempts GROUP BY logical_key"
)
# The retries: every attempt after the first of a logical request, in order, with what came before
# (``seq_no``: its place, from 2). The window carries the class id, not its columns, and the
# classes join back after it (the less a window sorts along, the less it costs).
SEQ = (
    "SELECT s.logical_key, s.service, s.deployment, s.started_at, c.failure_class, "
    "c.failure_class IS NOT NULL AS failed, s.model, s.seq_no, p.failure_class AS prev_class, "
    "p.never_retry AS prev_never_retry, s.prev_retry_after_ms, s.prev_model, s.gap_ms, s.since_first_ms FROM ("
    "SELECT logical_key, service, deployment, started_at, class_id, model, ROW_NUMBER() OVER w AS seq_no, "
    "LAG(class_id) OVER w AS prev_id, LAG(retry_after_ms) OVER w AS prev_retry_after_ms, "
    "LAG(model) OVER w AS prev_model, ROUND(end_ms - latency - LAG(end_ms) OVER w, 3) AS gap_ms, "
    "ROUND(end_ms - latency - FIRST_VALUE(end_ms - latency) OVER w, 3) AS since_first_ms "
    "FROM (SELECT a.*, COALESCE(latency_ms, 0) AS latency, "
    "epoch_ms(started_at) + COALESCE(latency_ms, 0) AS end_ms FROM attempts a "
    "WHERE logical_key IN (SELECT logical_key FROM logical WHERE n > 1)) r "
    "WINDOW w AS (PARTITION BY logical_key ORDER BY started_at, attempt_no)) s "
    "JOIN classes c ON s.class_id = c.class_id LEFT JOIN classes p ON s.prev_id = p.class_id WHERE s.seq_no > 1"
)


# --- findings ---------------------------------------------------------------------------------
# (quantile_cont is DuckDB's name for Spark's percentile; everything else is plain SQL. Percentiles are
# rounded to the microsecond: engines interpolate with different last bits.)

_FAILED = "CASE WHEN failed THEN 1 ELSE 0 END"
# (the three percentiles are one aggregate, written alike three times: each engine computes it once, one
# pass over the latencies, not three; ``[i]`` counts from 1)
_PCTS = ", ".join(f"ROUND(quantile_cont(latency_ms, [0.5, 0.95, 0.99])[{i}], 3)" for i in (1, 2, 3))
_NO_USAGE = "prompt_tokens IS NULL AND completion_tokens IS NULL AND total_tokens IS NULL"
_CUT = "CASE WHEN stream_state IS NOT NULL THEN stream_state <> 'complete' ELSE finish_reason IS NULL END"

_OK = "status BETWEEN 200 AND 299 AND NOT failed"
# streams count only where the input can show how a stream ended (``can_*``: reach.py)
_STREAMED = "streaming AND status BETWEEN 200 AND 299 AND can_finish_reason"
# Attempts counted once by every dimension the smaller findings group by (``dims``, a small
# table): route, host, deployment, model, answering model, status and class. The findings below
# that read it re-group its rows instead of scanning ``attempts`` each (parameterless; ``n``:
# attempts, ``t0``: the first one's time).
DIMS = (
    "SELECT path, host, deployment, model, response_model, status, class_id, COUNT(*) AS n, "
    "MIN(started_at) AS t0 FROM attempts GROUP BY path, host, deployment, model, response_model, status, class_id"
)
_DIMS = ("(SELECT d.*, c.failure_class, c.review_category, c.owner, c.failure_class IS NOT NULL AS failed "
         "FROM dims d JOIN classes c ON d.class_id = c.class_id) x")
_FAILED_N = "CASE WHEN failed THEN n ELSE 0 END"


# Every single-number fact the findings need, in one scan of ``attempts`` and one of ``dims``
# (parameters of DIM_FACTS: the profile's chat path, models path and host). Name -> aggregate.
DIM_FACT_COLUMNS: dict[str, str] = {
    "attempts": "SUM(n)",
    "failures": "SUM(n) FILTER (WHERE failed)",
    "with_deployment": "SUM(n) FILTER (WHERE deployment IS NOT NULL)",
    "with_host": "SUM(n) FILTER (WHERE host IS NOT NULL)",
    "with_path": "SUM(n) FILTER (WHERE path IS NOT NULL)",
    "ok_chat_path": f"SUM(n) FILTER (WHERE path = $chat AND {_OK})",
    "ok_models_path": f"SUM(n) FILTER (WHERE path = $models AND {_OK})",
    "ok_host": f"SUM(n) FILTER (WHERE host = $host AND {_OK})",
    "status_429": "SUM(n) FILTER (WHERE status = 429)",
    "unparseable_2xx": "SUM(n) FILTER (WHERE failure_class IN ('schema_mismatch', 'invalid_response'))",
}
FACT_COLUMNS: dict[str, str] = {
    "requests": "(SELECT COUNT(*) FROM logical)",
    "provider_ids": "COUNT(provider_request_id)",
    "status_429_headers": "COUNT(*) FILTER (WHERE status = 429 AND can_headers)",
    "status_429_retry_after": "COUNT(retry_after_ms) FILTER (WHERE status = 429 AND can_headers)",
    "any_usage": f"COUNT(*) FILTER (WHERE NOT ({_NO_USAGE}))",
    "streams": f"COUNT(*) FILTER (WHERE {_STREAMED})",
    "streams_cut": f"COUNT(*) FILTER (WHERE {_STREAMED} AND {_CUT})",
    "streams_cut_counted": f"COUNT(*) FILTER (WHERE {_STREAMED} AND {_CUT} AND source_class IS NULL "
                           "AND error_type IS NULL AND error_code IS NULL)",
    "streams_ok": f"COUNT(*) FILTER (WHERE streaming AND {_OK})",
    "streams_ok_can_finish": f"COUNT(*) FILTER (WHERE streaming AND {_OK} AND can_finish_reason)",
    "streams_ok_can_usage": f"COUNT(*) FILTER (WHERE streaming AND {_OK} AND can_usage)",
    "streams_ok_usage": f"COUNT(*) FILTER (WHERE streaming AND {_OK} AND can_usage AND NOT ({_NO_USAGE}))",
    "fallback_of": "COUNT(fallback_of)",
}
FACTS = "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in FACT_COLUMNS.items()) + " FROM attempts"
DIM_FACTS = "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in DIM_FACT_COLUMNS.items()) + f" FROM {_DIMS}"
GROUPING = "SELECT group_method, COUNT(*) AS n FROM attempts GROUP BY group_method ORDER BY n DESC, group_method"
# (a class's category and owner are the action table's for it: grouped by the class alone, the
# distinct count hashes one string, not three)
BY_CLASS = (
    "SELECT failure_class, MIN(review_category), MIN(owner), COUNT(*) AS n, COUNT(DISTINCT logical_key), "
    "MIN(started_at), MAX(started_at) FROM attempts WHERE failed "
    "GROUP BY failure_class ORDER BY n DESC, failure_class"
)
CLASS_STATUSES = (
    f"SELECT failure_class, status, SUM(n) AS n FROM {_DIMS} WHERE failed "
    "GROUP BY failure_class, status ORDER BY failure_class, n DESC, status"
)
BY_CATEGORY = (
    f"SELECT review_category, owner, SUM(n) AS n FROM {_DIMS} WHERE failed "
    "GROUP BY review_category, owner ORDER BY n DESC, review_category"
)
TIMELINE = (
    f"SELECT date_trunc('minute', started_at) AS minute, COUNT(*), SUM({_FAILED}), "
    "SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status BETWEEN 300 AND 399 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END), SUM(CASE WHEN status IS NULL THEN 1 ELSE 0 END), "
    f"{_PCTS} FROM attempts GROUP BY minute ORDER BY minute"
)
LATENCY = (
    "SELECT CASE WHEN failed THEN 'failed' ELSE 'ok' END AS outcome, COUNT(latency_ms), "
    f"{_PCTS}, MAX(latency_ms) FROM attempts GROUP BY outcome ORDER BY outcome"
)


def _by_deployment(key: str, first: bool) -> str:
    """Per ``key`` (path, host): attempts, failed, deployments, the first deployment by name (and the
    first attempt's time). Counted per (key, deployment) first: one grouping, not a second for the
    distinct deployments."""
    return (f"SELECT {key}, SUM(c) AS n, SUM(f), COUNT(deployment), MIN(deployment){', MIN(t0)' if first else ''} "
            f"FROM (SELECT {key}, deployment, SUM(n) AS c, SUM({_FAILED_N}) AS f"
            f"{', MIN(t0) AS t0' if first else ''} FROM {_DIMS} GROUP BY {key}, deployment) d "
            f"GROUP BY {key} ORDER BY n DESC, {key}")


PATHS = _by_deployment("path", first=True)
PATH_DETAIL = (
    "SELECT deployment, status, COUNT(*) AS n FROM attempts WHERE path = ? "
    "GROUP BY deployment, status ORDER BY n DESC, deployment, status"
)
HOSTS = _by_deployment("host", first=False)
MODELS = f"SELECT model, SUM(n) AS n, SUM({_FAILED_N}) FROM {_DIMS} GROUP BY model ORDER BY n DESC, model LIMIT 50"
MODEL_SWAPS = (
    f"SELECT model, response_model, SUM(n) AS n FROM {_DIMS} WHERE NOT failed AND model IS NOT NULL "
    "AND response_model IS NOT NULL AND response_model NOT LIKE model || '%' "
    "GROUP BY model, response_model ORDER BY n DESC, model, response_model"
)
FALLBACKS = (
    "SELECT prev_model, model, COUNT(DISTINCT logical_key) AS n, "
    "SUM(CASE WHEN NOT failed THEN 1 ELSE 0 END) FROM seq WHERE seq_no > 1 AND prev_model IS NOT NULL "
    "AND model IS NOT NULL AND model <> prev_model GROUP BY prev_model, model ORDER BY n DESC, prev_model, model"
)
NEVER_RETRIED = (
    "SELECT prev_class, COUNT(*), SUM(c), MIN(c), MAX(c), MIN(first_retry), SUM(recovered) FROM ("
    "SELECT prev_class, logical_key, COUNT(*) AS c, MIN(started_at) AS first_retry, "
    "MAX(CASE WHEN NOT failed THEN 1 ELSE 0 END) AS recovered FROM seq "
    "WHERE seq_no > 1 AND prev_never_retry GROUP BY prev_class, logical_key) r "
    "GROUP BY prev_class ORDER BY 3 DESC, prev_class"
)
AMPLIFICATION = "SELECT n, f, COUNT(*) FROM logical GROUP BY n, f ORDER BY n, f"
# Retries a gateway made inside the calls it logged (one row per call): counted apart, never as rows.
GATEWAY_RETRIES = (
    "SELECT SUM(gateway_retries), SUM(CASE WHEN gateway_retries > 0 THEN 1 ELSE 0 END) FROM attempts"
)
RETRY_COUNT = "SELECT COUNT(*) FROM seq WHERE seq_no > 1"
NO_SPACING = (
    "SELECT service, deployment, COUNT(*) AS n FROM seq WHERE seq_no > 1 AND gap_ms < ? "
    "GROUP BY service, deployment ORDER BY n DESC, service, deployment"
)
JITTERLESS = (
    "SELECT service, deployment, seq_no, COUNT(*), MIN(gap_ms), MAX(gap_ms) FROM seq "
    "WHERE seq_no > 1 AND gap_ms IS NOT NULL GROUP BY service, deployment, seq_no "
    "HAVING COUNT(*) >= ? AND MAX(gap_ms) - MIN(gap_ms) <= ? ORDER BY service, deployment, seq_no"
)
RETRY_AFTER = (
    "SELECT service, deployment, COUNT(*), SUM(CASE WHEN gap_ms < prev_retry_after_ms THEN 1 ELSE 0 END) "
    "FROM seq WHERE seq_no > 1 AND prev_retry_after_ms IS NOT NULL GROUP BY service, deployment "
    "ORDER BY 4 DESC, service, deployment"
)
AFTER_DEADLINE = (
    "SELECT COUNT(*), COUNT(DISTINCT logical_key), MAX(since_first_ms) FROM seq WHERE seq_no > 1 "
    "AND (since_first_ms > ? OR prev_class = 'deadline_exceeded')"
)
STREAM_DEPLOYMENTS = (
    f"SELECT deployment, COUNT(*) AS n FROM attempts WHERE {_STREAMED} "
    f"AND {_CUT} GROUP BY deployment ORDER BY n DESC, deployment"
)
USAGE = (
    f"SELECT COALESCE(streaming, FALSE) AS s, COUNT(*), SUM(CASE WHEN {_NO_USAGE} THEN 1 ELSE 0 END) "
    "FROM attempts WHERE status BETWEEN 200 AND 299 AND NOT failed AND can_usage GROUP BY s ORDER BY s"
)
ERROR_TYPES = (
    "SELECT error_type, COUNT(*) AS n FROM attempts WHERE error_type IS NOT NULL AND status >= 400 "
    "GROUP BY error_type ORDER BY n DESC, error_type"
)
STATUS_CLASSES = (
    f"SELECT status, failure_class, SUM(n) AS n FROM {_DIMS} WHERE status IS NOT NULL "
    "GROUP BY status, failure_class ORDER BY status, n DESC, failure_class"
)
_EXEMPLAR = (
    "SELECT started_at, method, host, path, status, failure_class, model, response_model, streaming, "
    "finish_reason, total_tokens, latency_ms, error_type, error_code, error_summary, provider_request_id, "
    "deployment, source_file, source_line, group_method FROM attempts"
)
# ties at one time: input order where the reader numbers lines, else the attempt's own fields
# (every engine picks the same row)
_TIES = ("ORDER BY source_token, source_line, request_id, attempt_no, provider_request_id, status, latency_ms, "
         "failure_class, model, deployment")
# the first attempt at or after a time: its time first (a narrow scan), then its row (ties: the
# first in input order)
EXEMPLAR = (
    f"{_EXEMPLAR} WHERE failed = $1 AND started_at = "
    "(SELECT MIN(started_at) FROM attempts WHERE failed = $1 AND started_at >= $2) "
    f"{_TIES} LIMIT 1"
)
PEAK_CLASS = (
    "SELECT failure_class, COUNT(*) AS n FROM attempts WHERE failed AND started_at >= ? "
    "AND started_at < ? GROUP BY failure_class ORDER BY n DESC, failure_class LIMIT 1"
)
EXEMPLAR_OF_CLASS = (
    f"{_EXEMPLAR} WHERE failure_class = $1 AND started_at = "
    "(SELECT MIN(started_at) FROM attempts WHERE failure_class = $1 AND started_at >= $2) "
    f"{_TIES} LIMIT 1"
)

# the parameterless queries the findings run, asked for together (``Ctx.prefetch``)
FINDINGS = [BY_CLASS, CLASS_STATUSES, BY_CATEGORY, TIMELINE, LATENCY, PATHS, HOSTS, MODELS, MODEL_SWAPS, FALLBACKS,
            NEVER_RETRIED, AMPLIFICATION, GATEWAY_RETRIES, RETRY_COUNT, GROUPING, STREAM_DEPLOYMENTS,
            USAGE, ERROR_TYPES, STATUS_CLASSES]
