# ruff: noqa: S608 - this module builds SQL from fixed column names and quoted identifiers only
"""Loading SQL: one JSON-lines file into the ``raw`` table, typed, checked and keyed in one pass.

DuckDB's ``read_json`` (the one DuckDB-specific piece of the review's SQL) reads just the
mapped top-level fields with explicit types; every line becomes one row, a row that fails a
check keeps a ``bad_reason``; each row's outcome key is hashed here (``kh``) so classes join
back on one integer.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from chatcontract.record import SCHEMA_VERSION, FailureClass
from chatcontract.review.mapping import CANONICAL, FieldMap, FieldSpec

STREAM_EFF = (
    "CASE WHEN stream_state IS NOT NULL THEN stream_state "
    "WHEN streaming AND status BETWEEN 200 AND 299 AND source_class IS NULL THEN "
    "CASE WHEN finish_reason IS NULL THEN 'cut' ELSE 'complete' END END"
)

# Every row's outcome key, hashed once at load time (``raw.kh``) so that joining a row to its
# classified key is a join on one integer with the small ``classes`` table (a broadcast join
# on Spark). ``build_classes`` checks that distinct keys have distinct hashes and otherwise
# joins on the key columns themselves (``KEY_MATCH``).
KEY_COLUMNS = ("status", "error_type", "error_code", "source_class", "transport_error", "response_shape")
KEY_HASH = f"hash({', '.join(KEY_COLUMNS)}, {STREAM_EFF})"

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


def raw_columns() -> list[tuple[str, str]]:
    """The ``raw`` table's columns and their (DuckDB) types."""
    cols = [column(f) for f in CANONICAL]
    return [*cols, ("source_file", "VARCHAR"), ("bad_reason", "VARCHAR"), ("kh", "UBIGINT"), ("hkey", "VARCHAR"),
            *READER_COLUMNS]


# A line a text reader run by the engine itself (Spark's access logs) could not parse: the file it
# came from (an input may be a directory) and its first 400 characters, for the bad-line examples.
READER_COLUMNS = (("bad_file", "VARCHAR"), ("bad_text", "VARCHAR"))


def stored_columns(fmap: FieldMap) -> list[str]:
    """The columns of ``raw`` a load from ``fmap`` gives values (:func:`select_raw` without
    ``reader_reason``): the mapped fields, the source, the reason and the key hash. The rest is
    NULL on every row it loads."""
    return [*(column(f)[0] for f in CANONICAL if f in fmap.fields), "source_file", "bad_reason", "kh"]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(spec: FieldSpec) -> str:
    """The VARCHAR (or TIMESTAMPTZ) source value of a field."""
    top = ident(spec.path[0])
    if len(spec.path) == 1:
        return top
    return f"json_extract_string({top}, {quote('$.' + '.'.join(spec.path[1:]))})"


# scheme://host[:port] (optional), then the path up to the query: group 1 the host, 2 the path
URL_PARTS = r"^(?:[A-Za-z][A-Za-z0-9+.-]*://(\[[^]]*\]|[^/?#:]*)[^/?#]*)?([^?#]*)"
_EPOCH = {"epoch_s": 1_000_000.0, "epoch_ms": 1000.0, "epoch_us": 1.0, "epoch_ns": 0.001}


# a time outside [TIME_FROM, TIME_UNTIL) is "not a timestamp", in every form (epoch or ISO)
TIME_FROM, TIME_UNTIL = "TIMESTAMP '1970-01-01 00:00:00'", "TIMESTAMP '2100-01-01 00:00:00'"
_UNTIL_MICROS = 4_102_444_800_000_000  # TIME_UNTIL in epoch microseconds (an epoch past it is never cast)


def _epoch(v: str, factor: str) -> str:
    micros = f"TRY_CAST({v} AS DOUBLE) * {factor}"
    return f"CASE WHEN {micros} BETWEEN 0 AND {_UNTIL_MICROS} THEN make_timestamp(CAST({micros} AS BIGINT)) END"


def _time_expr(spec: FieldSpec, v: str, typed_source: bool) -> str:
    if typed_source:  # a TIMESTAMPTZ's UTC microseconds (the session is in UTC): cheaper than the
        # time-zone cast; an infinity has none (NULL), as it is outside the range anyway
        return f"make_timestamp(epoch_us({v}))"
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
    if kind == "time":  # the epoch range the epoch forms accept, for every form: an ISO "infinity"
        # or 9999-12-31T23:59:59.999999 is no time a request was made (and no minute has a next one)
        t = _time_expr(spec, v, typed_time)
        return f"CASE WHEN {t} >= {TIME_FROM} AND {t} < {TIME_UNTIL} THEN {t} END"
    if kind == "ms":
        return f"TRY_CAST({v} AS DOUBLE) * {spec.unit}"
    if spec.url_part is not None:  # a full URL (inferred maps only): take the part named
        group = 2 if spec.url_part == "path" else 1
        return f"NULLIF(regexp_extract({v}, {quote(URL_PARTS)}, {group}), '')"
    if field == "path":  # the query string is not part of the route (most paths have none: no copy)
        return f"CASE WHEN contains({v}, '?') THEN split_part({v}, '?', 1) ELSE {v} END"
    cast = {"status": "INTEGER", "int": "BIGINT", "bool": "BOOLEAN"}.get(kind)
    return f"TRY_CAST({v} AS {cast})" if cast else v


_REASON = {"int": "not a non-negative integer", "ms": "not a non-negative number", "bool": "not a boolean",
           "status": "not an HTTP status code"}
# Fields whose values come from a closed set: anything else is an impossible value (a bad line).
_CLOSED = {
    "failure_class": ("not a known failure class", tuple(quote(c.value) for c in FailureClass)),
    "schema_version": ("not a known attempt-record schema version", tuple(map(str, range(1, SCHEMA_VERSION + 1)))),
}


def _valid(field: str, c: str, strict: bool) -> str | None:
    """The condition a present value ``c`` must meet (``None``: any value will do).

    A row with a present but invalid value gets a ``bad_reason`` and never reaches the review,
    so the value itself is kept as read (bad-line examples show it).
    """
    kind = CANONICAL[field]
    if field in _CLOSED:
        return f"{c} IN ({', '.join(_CLOSED[field][1])})"
    if kind == "bool" and strict:
        return None  # DuckDB typed it already
    # RFC 9110 section 15: values outside 100..599 are invalid; 503.7 is not 504
    return {"status": f"{c} BETWEEN 100 AND 599 AND d_status = {c}", "int": f"{c} >= 0",
            "ms": f"{c} >= 0 AND {c} < 1e12", "bool": f"{c} IS NOT NULL"}.get(kind)


def _reason(field: str) -> str:
    return _CLOSED[field][0] if field in _CLOSED else _REASON[CANONICAL[field]]


# canonical fields an outcome key (and how a stream ended) is made of
_KEY_FIELDS = ("status", "error_type", "error_code", "failure_class", "transport_error", "response_shape",
               "stream_state", "streaming", "finish_reason")
_STRICT_TYPE = {"status": "DOUBLE", "int": "BIGINT", "ms": "DOUBLE", "bool": "BOOLEAN"}


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


@dataclass
class _Parts:
    inner: list[str] = dc_field(default_factory=list)  # casts, over read_json's columns
    outer: list[str] = dc_field(default_factory=list)  # the raw table's columns
    names: list[str] = dc_field(default_factory=list)
    oks: list[str] = dc_field(default_factory=list)  # per checked field: absent or valid (TRUE or NULL
    # where the check says FALSE: cheaper, and alike where only TRUE counts, as in the good-row test)
    counts: list[str] = dc_field(default_factory=list)  # strictly read counts: absent or >= 0, checked at once
    checks: list[str] = dc_field(default_factory=list)  # per checked field: WHEN invalid THEN reason


def _parts(fmap: FieldMap, cols: dict[str, str], strict: bool) -> _Parts:
    """Each mapped field cast once (inner query) and checked (outer query)."""
    parts = _Parts()
    for name_ in CANONICAL:
        spec = fmap.fields.get(name_)
        if spec is None:
            continue  # the column stays NULL
        name = column(name_)[0]
        v = _value(spec)
        typed_time = name_ == "time" and cols.get(spec.path[0]) == "TIMESTAMPTZ"
        parts.inner.append(f"{_cast(name_, spec, v, typed_time)} AS c_{name}")
        parts.names.append(name)
        parts.outer.append(f"c_{name} AS {name}")
        valid = _valid(name_, f"c_{name}", strict)
        if valid is None:
            continue
        if name_ == "status":  # the number as read, to tell 503 from 503.7 (cast to INTEGER rounds)
            parts.inner.append(f"TRY_CAST({v} AS DOUBLE) AS d_status")
        # strictly read values are typed already: present means not NULL (a status too large
        # for an integer is still present)
        present = ("d_status IS NOT NULL" if name_ == "status" else f"c_{name} IS NOT NULL") if strict else f"p_{name}"
        if not strict:
            parts.inner.append(f"({v} IS NOT NULL) AS p_{name}")
        ok = f"NOT {present} OR COALESCE({valid}, FALSE)"
        if strict and CANONICAL[name_] == "int" and name_ not in _CLOSED:
            parts.counts.append(f"c_{name}")
        else:
            absent = ("d_status IS NULL" if name_ == "status" else f"c_{name} IS NULL") if strict else f"NOT p_{name}"
            parts.oks.append(f"{absent} OR ({valid})")
        parts.checks.append(f"WHEN NOT ({ok}) THEN {quote(name_ + ': ' + _reason(name_))}")
    return parts


def _good(parts: _Parts, needed: list[str]) -> str:
    """The condition every good row meets (most rows: one conjunction settles them; TRUE for good
    rows, FALSE or NULL for the others). Strictly read counts are checked together: the least of
    those present is not negative."""
    counts = [f"COALESCE(LEAST({', '.join(parts.counts)}), 0) >= 0"] if parts.counts else []
    return " AND ".join(["c_started_at IS NOT NULL", *needed, *(f"({ok})" for ok in parts.oks), *counts])


def load_json_lines(fmap: FieldMap, compression: str, strict: bool, *, table: str, create: bool = False) -> str:
    """``INSERT INTO table`` (``raw``'s stored columns: :func:`stored_columns`) from a JSON-lines
    file (parameters: path, columns, source name); with ``create``, ``CREATE OR REPLACE TABLE``
    of just those columns (typed as in ``raw``), which costs less than an insert.

    Every non-blank line becomes one row (DuckDB turns a line it cannot parse into a row of
    NULLs), so nothing is dropped: such rows get the reason ``unparsed``; rows whose fields
    have the wrong type get a reason naming the field. Casts happen once, in the inner query.
    """
    # DuckDB sizes its read buffers by the largest object allowed: the strict read keeps the
    # default (16 MB, faster); a longer line fails it and the lenient read allows 256 MB
    size = 16 << 20 if strict else 256 << 20
    relation = (f"read_json($path, format='newline_delimited', records='true', columns=$columns, "
                f"ignore_errors={'false' if strict else 'true'}, maximum_object_size={size}, "
                f"compression={quote(compression)})")
    rows = select_raw(fmap, relation, strict)
    if create:
        types = dict(raw_columns())
        cols = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in stored_columns(fmap))
        return f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM ({rows}) r"
    return f"INSERT INTO {table} BY NAME SELECT {', '.join(stored_columns(fmap))} FROM ({rows}) r"


def select_raw(fmap: FieldMap, relation: str, strict: bool = False, *, reader_reason: bool = False) -> str:
    """The rows of ``raw`` from ``relation`` (a table of the file's top-level fields, typed as
    :func:`source_columns` says; parameter: the source name): what every engine's load runs.

    With ``reader_reason``, ``relation`` also has a ``reader_reason`` column (a line the reader
    skipped or could not parse: it wins over the checks) and the :data:`READER_COLUMNS`.
    """
    cols = source_columns(fmap, strict)
    parts = _parts(fmap, cols, strict)
    inner, outer = parts.inner, parts.outer
    first = ""
    if reader_reason:
        inner += ["reader_reason", *(n for n, _ in READER_COLUMNS)]
        outer += [n for n, _ in READER_COLUMNS]
        first = "WHEN reader_reason IS NOT NULL THEN reader_reason "
    # every top-level field absent; the time's first, so the rest is looked at only when it is absent
    head, *rest = sorted(cols, key=lambda c: c != fmap.fields["time"].path[0])
    tops = " AND ".join(f"{ident(c)} IS NULL" for c in rest) or "TRUE"
    inner.append(f"CASE WHEN {ident(head)} IS NULL THEN {tops} ELSE FALSE END AS unparsed")
    inner.append(f"({_value(fmap.fields['time'])} IS NULL) AS no_time")
    # most rows are good: one conjunction settles them (a row with a timestamp was parsed), and
    # the reasons are sought for the rest only
    needed: list[str] = []
    skip = ""
    if fmap.skip_without is not None:  # inferred maps: lines without it are other log lines
        inner.append(f"({_value(fmap.fields[fmap.skip_without])} IS NULL) AS no_key")
        why = f"{SKIPPED}line without the {fmap.skip_without} field (not a request line)"
        needed, skip = ["NOT no_key"], f"WHEN no_key THEN {quote(why)} "
    good = _good(parts, needed)
    reason = (
        f"CASE {first}WHEN {good} THEN NULL WHEN unparsed THEN 'unparsed' {skip}WHEN no_time THEN 'time: missing' "
        "WHEN c_started_at IS NULL THEN 'time: not a timestamp' " + " ".join(parts.checks) + " END"
    )
    # the key's columns the mapping lacks, as typed NULLs, so the key hash sees every row alike
    outer += [f"CAST(NULL AS {column(f)[1]}) AS {column(f)[0]}" for f in _KEY_FIELDS if column(f)[0] not in parts.names]
    return (
        f"SELECT *, {KEY_HASH} AS kh FROM ("
        f"SELECT {', '.join(outer)}, $source AS source_file, {reason} AS bad_reason FROM ("
        f"SELECT {', '.join(inner)} FROM {relation}) s) t"
    )


ACCOUNT = (
    "SELECT source_file, COALESCE(bad_reason, '') AS reason, count(*) AS n FROM raw "
    "GROUP BY source_file, reason ORDER BY source_file, n DESC"
)
SKIPPED = "skipped: "  # a bad_reason with this prefix is a line skipped on purpose, not bad input
BAD_EXAMPLES = (
    "SELECT source_file, source_line, bad_reason, started_at, status, path, model FROM raw "
    "WHERE bad_reason IS NOT NULL AND bad_reason <> 'unparsed' AND NOT starts_with(bad_reason, 'skipped: ') "
    "AND bad_text IS NULL LIMIT 5"
)
# the first lines a text reader run by the engine could not parse, in input and line order
READER_EXAMPLES = (
    "SELECT source_file, bad_file, source_line, bad_reason, bad_text FROM raw WHERE bad_text IS NOT NULL "
    "ORDER BY source_file, bad_file, source_line LIMIT 5"
)
