"""What the evidence store needs from a database, and where the store lives.

:class:`~chatcontract.evidence.store.EvidenceStore` holds every query once, written with ``?``
placeholders in SQL both SQLite and PostgreSQL accept; a backend opens, migrates and runs it.
A location is a SQLite file path or a ``postgresql://`` URL (``--store`` or ``CHATCONTRACT_STORE``);
:func:`store_label` is the only form of a location that is ever shown.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from platformdirs import user_data_dir

from chatcontract.redact import url_for_message

STORE_ENV = "CHATCONTRACT_STORE"
STORE_FILENAME = "evidence.sqlite3"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

StoreLocation = str | os.PathLike[str]


class Executor(Protocol):
    """The part of a DB-API cursor a write uses (``?`` placeholders)."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...


class Backend(Protocol):
    """One open database; every method is called under the store's lock."""

    label: str

    def write(self) -> AbstractContextManager[Executor]:
        """One committed transaction: durable when the ``with`` block exits without error."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def schema_version(self) -> int: ...

    def integrity_check(self) -> str: ...

    def close(self) -> None: ...


def is_postgres_url(location: StoreLocation) -> bool:
    return isinstance(location, str) and location.strip().lower().startswith(POSTGRES_SCHEMES)


def default_store_location() -> str | Path:
    """``CHATCONTRACT_STORE`` if set (a path or a ``postgresql://`` URL), else the user data dir."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return env if is_postgres_url(env) else Path(env).expanduser()
    return Path(user_data_dir("chatcontract", appauthor=False)) / STORE_FILENAME


def store_label(location: StoreLocation) -> str:
    """How a location is shown: a path as is, a URL as every message shows one (no userinfo, no
    query values: :func:`~chatcontract.redact.url_for_message`)."""
    if is_postgres_url(location):
        return url_for_message(str(location).strip())
    return str(location)
