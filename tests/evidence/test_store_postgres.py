"""The evidence store on a real PostgreSQL: isolation in its own schema, migration races,
refusals, reconnection, and a password that never appears in any output, error, repr or log."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from urllib.parse import quote

import psycopg
import pytest
from tests.pgserver import PgServer

from chatcontract.cli.app import main
from chatcontract.errors import UsageError
from chatcontract.evidence.schema import MIGRATIONS, SCHEMA_VERSION
from chatcontract.evidence.store import STORE_ENV, EvidenceStore
from chatcontract.evidence.store_postgres import postgres_statements, url_secrets
from chatcontract.record import AttemptRecord

pytestmark = pytest.mark.postgres

OPENER = """
from chatcontract.evidence.store import EvidenceStore
from chatcontract.record import AttemptRecord
EvidenceStore().append(AttemptRecord(incident_id="INC-RACE", http_status=500))
"""


def _secret_forms(server: PgServer) -> list[str]:
    return [server.password, quote(server.password, safe="")]


def _assert_hidden(text: str, server: PgServer) -> None:
    for form in _secret_forms(server):
        assert form not in text


def test_label_and_repr_carry_no_password(pg_url: str, pg_server: PgServer) -> None:
    store = EvidenceStore(pg_url)
    # shown as every message shows a URL (redact.url_for_message): the credential's place, masked
    assert store.label == f"postgresql://[REDACTED]@127.0.0.1:{pg_server.port}/{pg_url.rsplit('/', 1)[1]}"
    _assert_hidden(repr(store) + str(store) + store.label + repr(store._backend), pg_server)


def _url_with(server: PgServer, *, password: str, port: int | None = None, query: str = "") -> str:
    return f"postgresql://chatcontract_test:{password}@127.0.0.1:{port or server.port}/postgres{query}"


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        pytest.param(lambda s: _url_with(s, password=f"wrong{s.password[6:]}"), "password authentication", id="bad-pw"),
        pytest.param(lambda s: _url_with(s, password=f"{s.password[6:]}%zz"), "percent", id="bad-encoding-echoed"),
        pytest.param(lambda s: _url_with(s, password=s.password[6:], port=1), "connect", id="unreachable"),
        pytest.param(
            lambda s: f"postgresql://chatcontract_test@127.0.0.1:{s.port}/postgres?password=wrong{s.password[6:]}",
            "password authentication",
            id="password-in-query",
        ),
        pytest.param(lambda s: _url_with(s, password=s.password[6:], query="?sslmode=bogus"), "sslmode", id="bad-opt"),
    ],
)
def test_connection_errors_are_one_line_without_password(
    pg_server: PgServer, make: object, needle: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make(pg_server)  # type: ignore[operator]
    secret = pg_server.password[6:]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UsageError) as info:
        EvidenceStore(url)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message
    assert secret not in message
    assert "127.0.0.1" in message
    assert secret not in caplog.text


def test_url_secrets_finds_userinfo_and_query_passwords() -> None:
    url = "postgresql://u:p%40ss@h/db?sslmode=require&password=q%2Bw"
    assert set(url_secrets(url)) == {"p%40ss", "p@ss", "q%2Bw", "q+w"}
    assert url_secrets("postgresql://u@h/db") == []


def test_missing_extra_is_a_one_line_error_naming_it(
    pg_url: str, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if chatcontract[postgres] were not installed
    with pytest.raises(SystemExit) as exc:
        main(["incidents", "list", "--store", pg_url])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert err.count("\n") == 1
    assert "chatcontract[postgres]" in err
    _assert_hidden(out + err, pg_server)


def test_tables_live_in_their_own_schema_and_other_tables_are_untouched(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.runs (customer TEXT)")
        conn.execute("INSERT INTO public.runs VALUES ('keep me')")
    store = EvidenceStore(pg_url)
    store.start_run("repro")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM public.runs").fetchall() == [("keep me",)]
        assert conn.execute("SELECT count(*) FROM chatcontract.runs").fetchone() == (1,)


@pytest.mark.parametrize(
    ("setup", "expect"),
    [
        pytest.param(
            ["CREATE SCHEMA chatcontract", "CREATE TABLE chatcontract.customers (id INT)"],
            "another application",
            id="foreign-table",
        ),
        pytest.param(
            [
                "CREATE SCHEMA chatcontract",
                "CREATE TABLE chatcontract.schema_version (version INTEGER NOT NULL)",
                f"INSERT INTO chatcontract.schema_version VALUES ({SCHEMA_VERSION + 1})",  # noqa: S608
            ],
            "newer than this chatcontract",
            id="newer-schema",
        ),
    ],
)
def test_foreign_or_newer_schema_is_refused_and_untouched(pg_url: str, setup: list[str], expect: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in setup:
            conn.execute(statement)
    with pytest.raises(UsageError, match=expect):
        EvidenceStore(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='chatcontract'")
        assert len(tables.fetchall()) == 1


@pytest.mark.parametrize(
    "mode", [pytest.param({"readonly": True}, id="readonly"), pytest.param({"must_exist": True}, id="must-exist")]
)
def test_an_empty_database_is_not_created_for_a_reader(pg_url: str, mode: dict[str, bool]) -> None:
    with pytest.raises(UsageError, match="no chatcontract evidence yet"):
        EvidenceStore(pg_url, **mode)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('chatcontract')").fetchone() == (None,)


def test_readonly_store_refuses_writes(pg_url: str) -> None:
    EvidenceStore(pg_url).ensure_incident("INC-1")
    reader = EvidenceStore(pg_url, readonly=True)
    assert [i.id for i in reader.incidents()] == ["INC-1"]
    with pytest.raises(UsageError, match="read-only"):
        reader.ensure_incident("INC-2")


@pytest.mark.timeout(60)
def test_processes_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    env = {**os.environ, STORE_ENV: pg_url}
    procs = [
        subprocess.Popen([sys.executable, "-c", OPENER], env=env, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    errors = [p.communicate(timeout=50)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    store = EvidenceStore(pg_url)
    assert store.count_attempts(incident_id="INC-RACE") == 4
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM chatcontract.schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_store_reconnects_after_the_server_dropped_its_connection(pg_url: str) -> None:
    store = EvidenceStore(pg_url)
    store.append(AttemptRecord(incident_id="INC-1"))
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'chatcontract' AND datname = current_database()"
        )
    with pytest.raises(UsageError, match="cannot"):  # the call in flight fails, one line, no retry
        store.append(AttemptRecord(incident_id="INC-1"))
    store.append(AttemptRecord(incident_id="INC-1"))  # the next one opens a new connection
    assert store.count_attempts(incident_id="INC-1") == 2


def test_every_shipped_migration_has_a_postgres_spelling() -> None:
    for script in MIGRATIONS:
        statements = postgres_statements(script)
        assert statements
        assert not any("AUTOINCREMENT" in s for s in statements)
