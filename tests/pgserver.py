"""A real PostgreSQL server for the tests: Debian's binaries, a temporary directory, loopback TCP.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` system user
(or ``nobody``) through ``runuser``. Password authentication (scram-sha-256) is on, so the tests
exercise a connection string that carries a password. ``.ci/run`` installs Debian's
``postgresql`` package when the binaries are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "chatcontract_test"
# Characters that need percent-encoding in a URL: the store must decode and scrub them all.
PASSWORD_PREFIX = "pw:/@?"


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine; a clear error when there are none."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's 'postgresql' package "
        "(.ci/run does), or deselect these tests with -m 'not postgres'"
    )


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists to run the test server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """One running server; :meth:`new_database` gives each test its own database."""

    bindir: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: PASSWORD_PREFIX + secrets.token_hex(12))
    user: str | None = field(default_factory=_unprivileged_user)

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120, check=False)

    def _give(self, path: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> None:
        self._give(self.root)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        self._give(pwfile)
        data = self.root / "data"
        init = self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=scram-sha-256",
            f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
        for _ in range(5):  # another process may take the free port between choosing and binding
            self.port = _free_port()
            opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
            started = self._run(
                str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"),
                "-w", "-t", "60", "-o", opts, "start",
            )  # fmt: skip
            if started.returncode == 0:
                return
        raise RuntimeError(f"pg_ctl start failed: {started.stdout.strip()[-300:]} {self.log()[-500:]}")

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL with the password in its userinfo (percent-encoded)."""
        from urllib.parse import quote

        return f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def start_server() -> PgServer:
    server = PgServer(find_bindir(), Path(tempfile.mkdtemp(prefix="chatcontract-pg-")))
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def dump_store(url: str) -> str:
    """Every row of every chatcontract table as text (what a key search must not find)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'chatcontract' ORDER BY 1"
        ).fetchall()
        rows = [
            str(r[0])
            for (table,) in tables
            for r in conn.execute(f"SELECT t::text FROM chatcontract.{table} t").fetchall()  # noqa: S608
        ]
    return "\n".join(rows)
