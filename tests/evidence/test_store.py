"""The evidence store: migrations, bad paths, concurrent writers and kill -9 durability.

Tests taking ``store_location`` run on both backends (a SQLite file, then a real PostgreSQL).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from datetime import tzinfo
from pathlib import Path

import pytest

from chatcontract.errors import UsageError
from chatcontract.evidence.schema import SCHEMA_VERSION
from chatcontract.evidence.store import STORE_ENV, EvidenceStore, default_store_location
from chatcontract.record import AttemptRecord, FailureClass
from chatcontract.sinks import RecordSink

WRITER = """
import sys
from chatcontract.evidence.store import EvidenceStore
from chatcontract.record import AttemptRecord
store = EvidenceStore()  # CHATCONTRACT_STORE: a URL's password never goes on a command line
tag = sys.argv[1]
print("ready", flush=True)
for i in range(100000):
    rid = f"{tag}-{i}"
    store.append(AttemptRecord(incident_id="INC-K", request_id=rid, http_status=503))
    print("ack", rid, flush=True)
"""


def test_store_is_a_record_sink_and_round_trips(store_location: str) -> None:
    store = EvidenceStore(store_location)
    assert isinstance(store, RecordSink)
    rec = AttemptRecord(incident_id="INC-1", http_status=503, failure_class=FailureClass.SERVER_ERROR)
    later = AttemptRecord(incident_id="INC-1", request_id=rec.request_id, attempt_number=2, http_status=200)
    store.append(rec)
    store.append_many([later, AttemptRecord(incident_id="INC-3", run_id="R-1")])
    store.flush()
    assert store.attempts(incident_id="INC-1") == [rec, later]
    assert store.attempts(incident_id="INC-2") == []
    assert store.count_attempts(incident_id="INC-1") == 2
    assert len(store.attempts(run_id="R-1")) == 1
    assert store.schema_version == SCHEMA_VERSION
    assert store.integrity_check() == "ok"
    store.close()
    assert EvidenceStore(store_location, readonly=True).attempts(incident_id="INC-1") == [rec, later]


def test_count_attempts_since(store_location: str) -> None:
    """A restarted watch counts only the last hour's attempts against its budget."""
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    store = EvidenceStore(store_location)
    store.append_many([
        AttemptRecord(incident_id="W", started_at=now - timedelta(minutes=90)),
        AttemptRecord(incident_id="W", started_at=now - timedelta(minutes=30)),
        AttemptRecord(incident_id="W", started_at=now - timedelta(minutes=1)),
        AttemptRecord(incident_id="X", started_at=now - timedelta(minutes=1)),
    ])
    hour_ago = now - timedelta(hours=1)
    assert store.count_attempts(incident_id="W", since=hour_ago) == 2
    assert store.count_attempts(since=hour_ago.astimezone(timezone_east())) == 3
    assert store.count_attempts(incident_id="W") == 3
    store.close()


def timezone_east() -> tzinfo:
    from datetime import timedelta, timezone

    return timezone(timedelta(hours=5))


def test_runs_incidents_notes_and_packets_round_trip(store_location: str) -> None:
    store = EvidenceStore(store_location)
    first = store.ensure_incident("INC-1", title="503s from checkout")
    assert store.ensure_incident("INC-1", title="a second title is ignored") == first
    run_id = store.start_run("repro", incident_id="INC-1", meta={"target": "sim"})
    store.finish_run(run_id)
    store.add_note("repro", {"verdict": "reproducible"}, incident_id="INC-1", run_id=run_id)
    store.add_packet("INC-1", {"complete": True}, complete=True)
    (run,) = store.runs("INC-1")
    assert (run["id"], run["kind"], run["meta"]) == (run_id, "repro", {"target": "sim"})
    assert run["finished_at"] is not None
    assert [n.body for n in store.notes("INC-1", "repro")] == [{"verdict": "reproducible"}]
    assert store.notes("INC-1", "other") == []
    (packet,) = store.packets("INC-1")
    assert packet["complete"] is True
    assert packet["body"] == {"complete": True}
    assert [i.id for i in store.incidents()] == ["INC-1"]
    assert first.title == "503s from checkout"


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    EvidenceStore(tmp_path / "s.db").close()
    journal = sqlite3.connect(tmp_path / "s.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


def test_notes_and_packets_are_redacted_before_writing(tmp_path: Path) -> None:
    secret = "sk-" + "Q" * 8 + "canary1234567890abcd"
    store = EvidenceStore(tmp_path / "s.db")
    store.ensure_incident("INC-1")
    store.add_note("repro", {"summary": f"key {secret} used"}, incident_id="INC-1")
    store.add_packet("INC-1", {"api_key": secret, "text": f"Bearer {secret}"}, complete=False)
    store.close()
    assert secret.encode() not in (tmp_path / "s.db").read_bytes()
    wal = tmp_path / "s.db-wal"
    assert not wal.exists() or secret.encode() not in wal.read_bytes()


def test_default_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "e.db"))
    assert default_store_location() == tmp_path / "e.db"
    monkeypatch.delenv(STORE_ENV)
    assert default_store_location().name == "evidence.sqlite3"


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        pytest.param(
            b"this is a text file, not a database\n" * 10,
            "not a chatcontract store",
            id="text-file",
        ),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 200, "cannot use store", id="corrupt-header"),
    ],
)
def test_not_a_database_is_one_line_error_and_untouched(tmp_path: Path, content: bytes, expect: str) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=expect) as info:
        EvidenceStore(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == content


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(UsageError, match="another application"):
        EvidenceStore(path)
    assert path.read_bytes() == before


def test_parent_is_a_file_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    with pytest.raises(UsageError, match="is a file") as info:
        EvidenceStore(blocker / "store.db")
    assert "\n" not in str(info.value)
    assert blocker.read_text() == "keep me"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(UsageError, match="newer"):
        EvidenceStore(path)


def test_missing_incident_is_one_line_error(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "s.db")
    store.ensure_incident("INC-1")
    with pytest.raises(UsageError, match=r"no incident 'INC-9'.*INC-1"):
        store.require_incident("INC-9")


def _spawn(location: str, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, STORE_ENV: location},
    )


def _read_acks(proc: subprocess.Popen[str], count: int) -> set[str]:
    """Read until the writer acknowledged ``count`` writes (it keeps writing meanwhile)."""
    assert proc.stdout is not None
    acked: set[str] = set()
    while len(acked) < count:
        line = proc.stdout.readline()
        assert line, "writer exited before it was killed"
        if line.startswith("ack "):
            acked.add(line.split()[1])
    return acked


def _rest_of_acks(proc: subprocess.Popen[str]) -> set[str]:
    out, _ = proc.communicate(timeout=30)
    return {line.split()[1] for line in out.splitlines() if line.startswith("ack ") and len(line.split()) == 2}


@pytest.mark.timeout(120)
def test_kill_9_writers_lose_no_acknowledged_write(store_location: str) -> None:
    """Three concurrent writers, SIGKILLed mid-write after a random number of acknowledged
    writes, three rounds: every acknowledged write is stored and the store stays sound."""
    EvidenceStore(store_location).close()
    rng = random.Random(7)
    acked: set[str] = set()
    for round_number in range(3):
        procs = [_spawn(store_location, f"r{round_number}w{i}") for i in range(3)]
        for proc in procs:  # start-up (imports) is slow on a loaded machine: wait until writing
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            acked |= _read_acks(proc, rng.randint(5, 40))
        for proc in procs:
            proc.kill()  # SIGKILL mid-write: each writer was still writing
        for proc in procs:
            acked |= _rest_of_acks(proc)
            assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 45
    store = EvidenceStore(store_location)
    assert store.integrity_check() == "ok"
    stored = store.request_ids()
    assert acked <= stored, f"{len(acked - stored)} acknowledged writes lost"
    assert store.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("mysql://user:hunter2secret@db/ev", id="other-scheme"),
        pytest.param(str(Path("postgresql://user:hunter2secret@db/ev")), id="url-mangled-by-path"),
        pytest.param("https://user:hunter2secret@example.com/store", id="https"),
    ],
)
def test_a_url_that_is_not_postgresql_is_refused_not_made_a_file(
    location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="is a URL, not a file") as info:
        EvidenceStore(location)
    assert "hunter2secret" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
