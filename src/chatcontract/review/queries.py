# ruff: noqa: S608 - this module builds SQL from fixed column names and quoted identifiers only
"""Every SQL statement the review runs, in one place.

The statements are plain SQL over one table of attempt records (``raw`` -> ``attempts``) so the
same review can move to a distributed engine (Spark SQL) later. DuckDB-specific pieces are
confined to loading (``read_json``) and three small functions: ``make_timestamp`` (epoch
micros to TIMESTAMP), ``epoch_ms`` and ``date_trunc``; each has a Spark equivalent
(``timestamp_micros``, ``unix_millis``, ``date_trunc``).
"""

from __future__ import annotations

from chatcontract.review.mapping import CANONICAL, FieldMap, FieldSpec

# canonical field -> column of the ``raw`` table and its SQL type
COLUMNS: dict[str, tuple[str, str]] = {
    "time": ("started_at", "TIMESTAMP"),
    "latency": ("latency_ms", "DOUBLE"),
    "first_chunk": ("first_chunk_ms", "DOUBLE"),
    "failure_class": ("source_class", "VARCHAR"),
    "retry_after": ("retry_after_ms", "DOUBLE"),
    "status": ("status", "INTEGER"),
    "streaming": ("streaming", "BOOLEAN"),
    "source_line": ("source_line", "BIGINT"),
}
_KIND_TYPE = {"int": "BIGINT", "str": "VARCHAR", "ms": "DOUBLE", "bool": "BOOLEAN"}


def column(field: str) -> tuple[str, str]:
    """``(column name, SQL type)`` of a canonical field in the ``raw`` table."""
    return COLUMNS.get(field, (field, _KIND_TYPE.get(CANONICAL[field], "VARCHAR")))


def create_raw() -> str:
    cols = [f"{column(f)[0]} {column(f)[1]}" for f in CANONICAL]
    cols += ["source_file VARCHAR", "bad_reason VARCHAR", "kh UBIGINT", "hkey VARCHAR"]
    return "CREATE TABLE raw (" + ", ".join(cols) + ")"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(spec: FieldSpec) -> str:
    """The VARCHAR (or TIMESTAMPTZ) source value of a field."""
    top = _ident(spec.path[0])
    if len(spec.path) == 1:
        return top
    return f"json_extract_string({top}, {_quote('$.' + '.'.join(spec.path[1:]))})"


_EPOCH = {"epoch_s": 1_000_000.0, "epoch_ms": 1000.0, "epoch_us": 1.0, "epoch_ns": 0.001}


def _epoch(v: str, factor: str) -> str:
    micros = f"TRY_CAST({v} AS DOUBLE) * {factor}"
    return f"CASE WHEN {micros} BETWEEN 0 AND 4102444800000000 THEN make_timestamp(CAST({micros} AS BIGINT)) END"


def _time_expr(spec: FieldSpec, v: str, typed_source: bool) -> str:
    if typed_source:
        return f"CAST({v} AS TIMESTAMP)"
    iso = f"CAST(TRY_CAST({v} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if spec.time_format == "iso":
        return iso
    if spec.time_format in _EPOCH:
        return _epoch(v, str(_EPOCH[spec.time_format]))
    d = f"TRY_CAST({v} AS DOUBLE)"
    by_size = (
        f"CASE WHEN {d} < 1e11 THEN 1000000.0 WHEN {d} < 1e14 THEN 1000.0 "
        f"WHEN {d} < 1e17 THEN 1.0 ELSE 0.001 END"
    )
    return f"CASE WHEN {d} IS NULL THEN {iso} ELSE {_epoch(v, by_size)} END"


def _cast(field: str, spec: FieldSpec, v: str, typed_time: bool) -> str:
    """The first, unchecked cast of one field's source value."""
    kind = CANONICAL[field]
    if kind == "time":
        return _time_expr(spec, v, typed_time)
    if kind == "ms":
        return f"TRY_CAST({v} AS DOUBLE) * {spec.unit}"
    if field == "path":  # the query string is not part of the route (most paths have none: no copy)
        return f"CASE WHEN contains({v}, '?') THEN split_part({v}, '?', 1) ELSE {v} END"
    cast = {"status": "INTEGER", "int": "BIGINT", "bool": "BOOLEAN"}.get(kind)
    return f"TRY_CAST({v} AS {cast})" if cast else v


_REASON = {"int": "not a non-negative integer", "ms": "not a non-negative number", "bool": "not a boolean",
           "status": "not an HTTP status code"}


def _valid(field: str, c: str, strict: bool) -> str | None:
    """The condition a present value ``c`` must meet (``None``: any value will do).

    A row with a present but invalid value gets a ``bad_reason`` and never reaches the review,
    so the value itself is kept as read (bad-line examples show it).
    """
    kind = CANONICAL[field]
    if kind == "bool" and strict:
        return None  # DuckDB typed it already
    return {"status": f"{c} BETWEEN 100 AND 999", "int": f"{c} >= 0", "ms": f"{c} >= 0 AND {c} < 1e12",
            "bool": f"{c} IS NOT NULL"}.get(kind)


# canonical fields an outcome key (and how a stream ended) is made of
_KEY_FIELDS = ("status", "error_type", "error_code", "failure_class", "transport_error", "response_shape",
               "stream_state", "streaming", "finish_reason")
_STRICT_TYPE = {"status": "INTEGER", "int": "BIGINT", "ms": "DOUBLE", "bool": "BOOLEAN"}


def source_columns(fmap: FieldMap, strict: bool = False) -> dict[str, str]:
    """The ``columns`` argument of ``read_json``: top-level keys and their read types.

    Lenient reads take every checked field as VARCHAR and cast it in SQL, so a wrongly typed
    value is seen and counted; strict reads let DuckDB type the values (faster) and fail on
    the first bad line, after which the caller reads the file again leniently.
    """
    cols: dict[str, str] = {}
    for field, spec in fmap.fields.items():
        top = spec.path[0]
        if len(spec.path) > 1:
            cols[top] = "JSON"
        elif field == "time" and spec.time_format == "iso" and strict:
            cols.setdefault(top, "TIMESTAMPTZ")
        elif strict:
            cols.setdefault(top, _STRICT_TYPE.get(CANONICAL[field], "VARCHAR"))
        else:
            cols.setdefault(top, "VARCHAR")
    return cols


def load_json_lines(fmap: FieldMap, compression: str, strict: bool = False) -> str:
    """``INSERT INTO raw`` from a JSON-lines file (parameters: path, columns, source name).

    Every non-blank line becomes one row (DuckDB turns a line it cannot parse into a row of
    NULLs), so nothing is dropped: such rows get the reason ``unparsed``; rows whose fields
    have the wrong type get a reason naming the field. Casts happen once, in the inner query.
    """
    cols = source_columns(fmap, strict)
    inner: list[str] = []
    outer: list[str] = []
    names: list[str] = []
    checks: list[str] = []
    oks: list[str] = []
    for field in CANONICAL:
        spec = fmap.fields.get(field)
        if spec is None:
            continue  # the column stays NULL
        name = column(field)[0]
        v = _value(spec)
        typed_time = field == "time" and cols.get(spec.path[0]) == "TIMESTAMPTZ"
        inner.append(f"{_cast(field, spec, v, typed_time)} AS c_{name}")
        valid = _valid(field, f"c_{name}", strict)
        names.append(name)
        outer.append(f"c_{name} AS {name}")
        if valid is not None:
            # strictly read values are typed already: present means not NULL
            present = f"c_{name} IS NOT NULL" if strict else f"p_{name}"
            if not strict:
                inner.append(f"({v} IS NOT NULL) AS p_{name}")
            oks.append(f"NOT {present} OR {valid}" if strict else f"NOT {present} OR COALESCE({valid}, FALSE)")
            checks.append(f"WHEN NOT ({oks[-1]}) THEN {_quote(field + ': ' + _REASON[CANONICAL[field]])}")
    tops = " AND ".join(f"{_ident(c)} IS NULL" for c in cols)
    inner.append(f"({tops}) AS unparsed")
    inner.append(f"({_value(fmap.fields['time'])} IS NULL) AS no_time")
    # most rows are good: one conjunction settles them, the reasons are sought for the rest only
    # (a row with a timestamp was parsed: ``unparsed`` is looked at for the rest only)
    good = " AND ".join(["c_started_at IS NOT NULL", *(f"({ok})" for ok in oks)])
    reason = (
        f"CASE WHEN {good} THEN NULL WHEN unparsed THEN 'unparsed' WHEN no_time THEN 'time: missing' "
        "WHEN c_started_at IS NULL THEN 'time: not a timestamp' " + " ".join(checks) + " END"
    )
    # the key's columns the mapping lacks, as typed NULLs, so the key hash sees every row alike
    for field in _KEY_FIELDS:
        name, sql_type = column(field)
        if name not in names:
            outer.append(f"CAST(NULL AS {sql_type}) AS {name}")
    # DuckDB sizes its read buffers by the largest object allowed: the strict read keeps the
    # default (16 MB, faster); a longer line fails it and the lenient read allows 256 MB
    size = 16 << 20 if strict else 256 << 20
    return (
        f"INSERT INTO raw BY NAME SELECT *, {KEY_HASH} AS kh FROM ("
        f"SELECT {', '.join(outer)}, $source AS source_file, {reason} AS bad_reason FROM ("
        f"SELECT {', '.join(inner)} FROM read_json($path, format='newline_delimited', records='true', "
        f"columns=$columns, ignore_errors={'false' if strict else 'true'}, maximum_object_size={size}, "
        f"compression={_quote(compression)})) s) t"
    )


ACCOUNT = (
    "SELECT source_file, COALESCE(bad_reason, '') AS reason, count(*) AS n FROM raw "
    "GROUP BY source_file, reason ORDER BY source_file, n DESC"
)
BAD_EXAMPLES = (
    "SELECT source_file, source_line, bad_reason, started_at, status, path, model FROM raw "
    "WHERE bad_reason IS NOT NULL AND bad_reason <> 'unparsed' LIMIT 5"
)


# --- the reviewed table -------------------------------------------------------------------

_STREAM_EFF = (
    "CASE WHEN stream_state IS NOT NULL THEN stream_state "
    "WHEN streaming AND status BETWEEN 200 AND 299 AND source_class IS NULL THEN "
    "CASE WHEN finish_reason IS NULL THEN 'cut' ELSE 'complete' END END"
)


def _window(since: str | None, until: str | None) -> str:
    where = ["bad_reason IS NULL"]
    if since:
        where.append(f"started_at >= TIMESTAMP {_quote(since)}")
    if until:
        where.append(f"started_at < TIMESTAMP {_quote(until)}")
    return " AND ".join(where)


def keyed_view(since: str | None, until: str | None) -> str:
    """Good rows inside the time window, with how each stream ended (``stream_eff``).

    ``since``/``until`` are ISO timestamps made by the engine from parsed datetimes.
    """
    return f"CREATE VIEW keyed AS SELECT *, {_STREAM_EFF} AS stream_eff FROM raw WHERE {_window(since, until)}"


DISTINCT_KEYS = (
    "SELECT DISTINCT kh, status, error_type, error_code, source_class, transport_error, response_shape, "
    "stream_eff FROM keyed"
)
CREATE_CLASSES = (
    "CREATE TABLE classes (class_id INTEGER, kh UBIGINT, k_status INTEGER, k_error_type VARCHAR, k_error_code VARCHAR, "
    "k_source_class VARCHAR, k_transport VARCHAR, k_shape VARCHAR, k_stream VARCHAR, "
    "failure_class VARCHAR, review_category VARCHAR, owner VARCHAR, escalation VARCHAR, "
    "retry_rule VARCHAR, never_retry BOOLEAN)"
)
INSERT_CLASS = "INSERT INTO classes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
COUNT_UNKEYED = "SELECT count(*) FROM keyed WHERE request_id IS NULL AND idempotency_key IS NULL"

# Every row's outcome key, hashed once at load time (``raw.kh``) so that joining a row to its
# classified key is a join on one integer with the small ``classes`` table (a broadcast join
# on Spark). ``build_classes`` checks that distinct keys have distinct hashes and otherwise
# joins on the key columns themselves (``KEY_MATCH``).
KEY_COLUMNS = ("status", "error_type", "error_code", "source_class", "transport_error", "response_shape")
KEY_HASH = f"hash({', '.join(KEY_COLUMNS)}, {_STREAM_EFF})"
KEY_MATCH = (
    "COALESCE(r.status, -1) = c.k_status AND COALESCE(r.error_type, '') = c.k_error_type "
    "AND COALESCE(r.error_code, '') = c.k_error_code AND COALESCE(r.source_class, '') = c.k_source_class "
    "AND COALESCE(r.transport_error, '') = c.k_transport AND COALESCE(r.response_shape, '') = c.k_shape "
    f"AND COALESCE({_STREAM_EFF.replace('stream_state', 'r.stream_state')}, '') = c.k_stream"
)
_PART = (
    "concat_ws('|', COALESCE(service, ''), COALESCE(deployment, ''), COALESCE(client, ''), "
    "COALESCE(host, ''), COALESCE(method, ''), COALESCE(path, ''), COALESCE(model, ''), "
    "COALESCE(body_shape, ''))"
)


def _source(sources: tuple[str, ...]) -> str:
    """``raw.source_file`` holds the input's index (``table.source_token``): its path again."""
    if not sources:
        return "r.source_file"
    whens = " ".join(f"WHEN {_quote(str(i))} THEN {_quote(name)}" for i, name in enumerate(sources))
    return f"CASE r.source_file {whens} ELSE r.source_file END AS source_file"


def _class_join(by_hash: bool) -> str:
    return "JOIN classes c ON " + ("r.kh = c.kh" if by_hash else KEY_MATCH)


def assign_groups(window_ms: float, since: str | None, until: str | None, by_hash: bool = True) -> str:
    """Logical requests for rows with no request id or idempotency key (``raw.hkey``).

    Within one client (same service, deployment, client, host, route, model and body shape), a
    retry counter (x-stainless-retry-count, http.request.resend_count, attempt number) that
    restarts at 0 starts a new request; with no counter, the heuristic: a new request starts
    after a success or after a gap longer than ``window_ms``. (``rowid`` is DuckDB's row id.)
    Only the unkeyed rows are updated.
    """
    counter = "COALESCE(retry_count, resend_count, attempt - 1)"
    new_group = (
        "CASE WHEN counter IS NOT NULL THEN (counter = 0 OR prev_counter IS NULL OR counter <= prev_counter) "
        f"ELSE (prev_end IS NULL OR prev_ok OR epoch_ms(started_at) - prev_end > {float(window_ms)}) END"
    )
    return (
        "UPDATE raw SET hkey = g.hkey FROM ("
        "WITH w AS (SELECT r.rowid AS rid, r.started_at, r.latency_ms, c.failure_class, "
        f"{_PART} AS part, {counter} AS counter FROM raw r {_class_join(by_hash)} "
        f"WHERE {_window(since, until)} AND r.request_id IS NULL AND r.idempotency_key IS NULL), "
        "l AS (SELECT w.*, LAG(counter) OVER p AS prev_counter, "
        "LAG(epoch_ms(started_at) + COALESCE(latency_ms, 0)) OVER p AS prev_end, "
        "LAG(failure_class IS NULL) OVER p AS prev_ok FROM w "
        "WINDOW p AS (PARTITION BY part ORDER BY started_at, counter, rid)), "
        f"n AS (SELECT l.*, SUM(CASE WHEN {new_group} THEN 1 ELSE 0 END) OVER "
        "(PARTITION BY part ORDER BY started_at, counter, rid ROWS UNBOUNDED PRECEDING) AS grp FROM l) "
        "SELECT rid, 'h:' || part || '#' || CAST(grp AS VARCHAR) AS hkey FROM n) g WHERE raw.rowid = g.rid"
    )


def attempts_view(since: str | None, until: str | None, by_hash: bool = True,
                  sources: tuple[str, ...] = ()) -> str:
    """``attempts``: good rows in the window with their class, action and logical request key.

    A view, not a copy: copying the wide table costs more than the small join it saves.
    """
    return (
        "CREATE VIEW attempts AS SELECT r.started_at, r.method, r.host, r.path, r.status, r.latency_ms, "
        "r.model, r.response_model, r.error_type, r.error_code, r.source_class, r.request_id, "
        f"r.provider_request_id, r.streaming, {_STREAM_EFF.replace('stream_state', 'r.stream_state')} "
        "AS stream_state, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.service, "
        f"r.deployment, r.retry_after_ms, r.fallback_of, r.response_shape, r.error_summary, {_source(sources)}, "
        "r.source_line, c.failure_class, c.review_category, c.owner, c.escalation, c.retry_rule, "
        "c.never_retry, c.failure_class IS NOT NULL AS failed, "
        "COALESCE(r.attempt, r.retry_count + 1, r.resend_count + 1) AS attempt_no, "
        "CASE WHEN r.request_id IS NOT NULL THEN 'request id' WHEN r.idempotency_key IS NOT NULL "
        "THEN 'idempotency key' WHEN r.retry_count IS NOT NULL THEN 'x-stainless-retry-count' "
        "WHEN r.resend_count IS NOT NULL THEN 'http.request.resend_count' WHEN r.attempt IS NOT NULL "
        "THEN 'attempt number' ELSE 'heuristic' END AS group_method, "
        "COALESCE(r.request_id, 'idem:' || r.idempotency_key, r.hkey) AS logical_key "
        f"FROM raw r {_class_join(by_hash)} WHERE {_window(since, until)}"
    )


CREATE_LOGICAL = (
    "CREATE TABLE logical AS SELECT logical_key, COUNT(*) AS n, "
    "MAX(CASE WHEN failed THEN 1 ELSE 0 END) AS f FROM attempts GROUP BY logical_key"
)
# Attempts of logical requests with more than one attempt, in order, with what came before.
CREATE_SEQ = (
    "CREATE TABLE seq AS SELECT logical_key, service, deployment, started_at, failure_class, failed, model, "
    "ROW_NUMBER() OVER w AS seq_no, "
    "LAG(failure_class) OVER w AS prev_class, LAG(never_retry) OVER w AS prev_never_retry, "
    "LAG(retry_after_ms) OVER w AS prev_retry_after_ms, LAG(model) OVER w AS prev_model, "
    "ROUND(end_ms - latency - LAG(end_ms) OVER w, 3) AS gap_ms, "
    "ROUND(end_ms - latency - FIRST_VALUE(end_ms - latency) OVER w, 3) AS since_first_ms "
    "FROM (SELECT a.*, COALESCE(latency_ms, 0) AS latency, "
    "epoch_ms(started_at) + COALESCE(latency_ms, 0) AS end_ms FROM attempts a "
    "WHERE logical_key IN (SELECT logical_key FROM logical WHERE n > 1)) r "
    "WINDOW w AS (PARTITION BY logical_key ORDER BY started_at, attempt_no)"
)


# --- findings ---------------------------------------------------------------------------------
# (quantile_cont is DuckDB's name for Spark's percentile; everything else is plain SQL.)

_FAILED = "CASE WHEN failed THEN 1 ELSE 0 END"
_NO_USAGE = "prompt_tokens IS NULL AND completion_tokens IS NULL AND total_tokens IS NULL"
_CUT = "CASE WHEN stream_state IS NOT NULL THEN stream_state <> 'complete' ELSE finish_reason IS NULL END"

_OK = "status BETWEEN 200 AND 299 AND NOT failed"
_STREAMED = "streaming AND status BETWEEN 200 AND 299"
# Every single-number fact the findings need, in one scan of ``attempts`` (parameters: the
# profile's chat path, models path and host). Name -> aggregate.
FACT_COLUMNS: dict[str, str] = {
    "attempts": "COUNT(*)",
    "failures": "COUNT(*) FILTER (WHERE failed)",
    "requests": "(SELECT COUNT(*) FROM logical)",
    "with_deployment": "COUNT(deployment)",
    "with_host": "COUNT(host)",
    "with_path": "COUNT(path)",
    "ok_chat_path": f"COUNT(*) FILTER (WHERE path = $chat AND {_OK})",
    "ok_models_path": f"COUNT(*) FILTER (WHERE path = $models AND {_OK})",
    "ok_host": f"COUNT(*) FILTER (WHERE host = $host AND {_OK})",
    "provider_ids": "COUNT(provider_request_id)",
    "status_429": "COUNT(*) FILTER (WHERE status = 429)",
    "status_429_retry_after": "COUNT(retry_after_ms) FILTER (WHERE status = 429)",
    "any_usage": f"COUNT(*) FILTER (WHERE NOT ({_NO_USAGE}))",
    "streams": f"COUNT(*) FILTER (WHERE {_STREAMED})",
    "streams_cut": f"COUNT(*) FILTER (WHERE {_STREAMED} AND {_CUT})",
    "streams_cut_counted": f"COUNT(*) FILTER (WHERE {_STREAMED} AND {_CUT} AND source_class IS NULL "
                           "AND error_type IS NULL AND error_code IS NULL)",
    "streams_ok": f"COUNT(*) FILTER (WHERE streaming AND {_OK})",
    "streams_ok_usage": f"COUNT(*) FILTER (WHERE streaming AND {_OK} AND NOT ({_NO_USAGE}))",
    "unparseable_2xx": "COUNT(*) FILTER (WHERE failure_class IN ('schema_mismatch', 'invalid_response'))",
    "fallback_of": "COUNT(fallback_of)",
}
FACTS = "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in FACT_COLUMNS.items()) + " FROM attempts"
GROUPING = "SELECT group_method, COUNT(*) AS n FROM attempts GROUP BY group_method ORDER BY n DESC, group_method"
BY_CLASS = (
    "SELECT failure_class, review_category, owner, COUNT(*) AS n, COUNT(DISTINCT logical_key), "
    "MIN(started_at), MAX(started_at) FROM attempts WHERE failed "
    "GROUP BY failure_class, review_category, owner ORDER BY n DESC, failure_class"
)
CLASS_STATUSES = (
    "SELECT failure_class, status, COUNT(*) AS n FROM attempts WHERE failed "
    "GROUP BY failure_class, status ORDER BY failure_class, n DESC"
)
BY_CATEGORY = (
    "SELECT review_category, owner, COUNT(*) AS n FROM attempts WHERE failed "
    "GROUP BY review_category, owner ORDER BY n DESC, review_category"
)
TIMELINE = (
    f"SELECT date_trunc('minute', started_at) AS minute, COUNT(*), SUM({_FAILED}), "
    "SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status BETWEEN 300 AND 399 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END), SUM(CASE WHEN status IS NULL THEN 1 ELSE 0 END), "
    "quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95), quantile_cont(latency_ms, 0.99) "
    "FROM attempts GROUP BY minute ORDER BY minute"
)
LATENCY = (
    "SELECT CASE WHEN failed THEN 'failed' ELSE 'ok' END AS outcome, COUNT(latency_ms), "
    "quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95), quantile_cont(latency_ms, 0.99), "
    "MAX(latency_ms) FROM attempts GROUP BY outcome ORDER BY outcome"
)
PATHS = (
    f"SELECT path, COUNT(*) AS n, SUM({_FAILED}), COUNT(DISTINCT deployment), MIN(deployment), "
    "MIN(started_at) FROM attempts GROUP BY path ORDER BY n DESC, path"
)
PATH_DETAIL = (
    "SELECT deployment, status, COUNT(*) AS n FROM attempts WHERE path = ? "
    "GROUP BY deployment, status ORDER BY n DESC"
)
HOSTS = (
    f"SELECT host, COUNT(*) AS n, SUM({_FAILED}), COUNT(DISTINCT deployment), MIN(deployment) "
    "FROM attempts GROUP BY host ORDER BY n DESC, host"
)
MODELS = (
    f"SELECT model, COUNT(*) AS n, SUM({_FAILED}) FROM attempts GROUP BY model ORDER BY n DESC, model LIMIT 50"
)
MODEL_SWAPS = (
    "SELECT model, response_model, COUNT(*) AS n FROM attempts WHERE NOT failed AND model IS NOT NULL "
    "AND response_model IS NOT NULL AND response_model NOT LIKE model || '%' "
    "GROUP BY model, response_model ORDER BY n DESC"
)
FALLBACKS = (
    "SELECT prev_model, model, COUNT(DISTINCT logical_key) AS n, "
    "SUM(CASE WHEN NOT failed THEN 1 ELSE 0 END) FROM seq WHERE seq_no > 1 AND prev_model IS NOT NULL "
    "AND model IS NOT NULL AND model <> prev_model GROUP BY prev_model, model ORDER BY n DESC"
)
NEVER_RETRIED = (
    "SELECT prev_class, COUNT(*), SUM(c), MIN(c), MAX(c), MIN(first_retry), SUM(recovered) FROM ("
    "SELECT prev_class, logical_key, COUNT(*) AS c, MIN(started_at) AS first_retry, "
    "MAX(CASE WHEN NOT failed THEN 1 ELSE 0 END) AS recovered FROM seq "
    "WHERE seq_no > 1 AND prev_never_retry GROUP BY prev_class, logical_key) r "
    "GROUP BY prev_class ORDER BY 3 DESC, prev_class"
)
AMPLIFICATION = "SELECT n, f, COUNT(*) FROM logical GROUP BY n, f ORDER BY n, f"
RETRY_COUNT = "SELECT COUNT(*) FROM seq WHERE seq_no > 1"
NO_SPACING = (
    "SELECT service, deployment, COUNT(*) AS n FROM seq WHERE seq_no > 1 AND gap_ms < ? "
    "GROUP BY service, deployment ORDER BY n DESC"
)
JITTERLESS = (
    "SELECT service, deployment, seq_no, COUNT(*), MIN(gap_ms), MAX(gap_ms) FROM seq "
    "WHERE seq_no > 1 AND gap_ms IS NOT NULL GROUP BY service, deployment, seq_no "
    "HAVING COUNT(*) >= ? AND MAX(gap_ms) - MIN(gap_ms) <= ? ORDER BY service, deployment, seq_no"
)
RETRY_AFTER = (
    "SELECT service, deployment, COUNT(*), SUM(CASE WHEN gap_ms < prev_retry_after_ms THEN 1 ELSE 0 END) "
    "FROM seq WHERE seq_no > 1 AND prev_retry_after_ms IS NOT NULL GROUP BY service, deployment "
    "ORDER BY 4 DESC"
)
AFTER_DEADLINE = (
    "SELECT COUNT(*), COUNT(DISTINCT logical_key), MAX(since_first_ms) FROM seq WHERE seq_no > 1 "
    "AND (since_first_ms > ? OR prev_class = 'deadline_exceeded')"
)
STREAM_DEPLOYMENTS = (
    "SELECT deployment, COUNT(*) AS n FROM attempts WHERE streaming AND status BETWEEN 200 AND 299 "
    f"AND {_CUT} GROUP BY deployment ORDER BY n DESC"
)
USAGE = (
    f"SELECT COALESCE(streaming, FALSE) AS s, COUNT(*), SUM(CASE WHEN {_NO_USAGE} THEN 1 ELSE 0 END) "
    "FROM attempts WHERE status BETWEEN 200 AND 299 AND NOT failed GROUP BY s ORDER BY s"
)
ERROR_TYPES = (
    "SELECT error_type, COUNT(*) AS n FROM attempts WHERE error_type IS NOT NULL AND status >= 400 "
    "GROUP BY error_type ORDER BY n DESC"
)
STATUS_CLASSES = (
    "SELECT status, failure_class, COUNT(*) AS n FROM attempts WHERE status IS NOT NULL "
    "GROUP BY status, failure_class ORDER BY status, n DESC"
)
_EXEMPLAR = (
    "SELECT started_at, method, host, path, status, failure_class, model, response_model, streaming, "
    "finish_reason, total_tokens, latency_ms, error_type, error_code, error_summary, provider_request_id, "
    "deployment, source_file, source_line, group_method FROM attempts"
)
EXEMPLAR = f"{_EXEMPLAR} WHERE failed = ? AND started_at >= ? ORDER BY started_at LIMIT 1"
PEAK_CLASS = (
    "SELECT failure_class, COUNT(*) AS n FROM attempts WHERE failed AND started_at >= ? "
    "AND started_at < ? GROUP BY failure_class ORDER BY n DESC, failure_class LIMIT 1"
)
EXEMPLAR_OF_CLASS = f"{_EXEMPLAR} WHERE failure_class = ? AND started_at >= ? ORDER BY started_at LIMIT 1"
