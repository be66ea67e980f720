"""Options and helpers shared by the commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.output import (  # re-exported: the commands' output goes through one module
    console,
    detail,
    emit_json,
    err_console,
    fail,
    interrupted,
    note,
    print_document,
    say,
)
from chatcontract.config import API_KEY_ENV
from chatcontract.errors import UsageError
from chatcontract.redact import redact_free_text

__all__ = ["console", "detail", "emit_json", "err_console", "fail", "interrupted", "note", "print_document", "say"]

BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="Target base URL including the version prefix (env COMETAPI_BASE_URL)."
    ),
]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def looks_like_key(value: str) -> bool:
    """A value the redactor would mask, or an ``sk-`` token: never echoed back."""
    return value.strip().startswith("sk-") or redact_free_text(value) != value


def check_key_env(value: str | None) -> str | None:
    """``--api-key-env`` takes a variable's name; a key there is refused without being shown."""
    if value is None:
        return None
    if looks_like_key(value):
        raise UsageError("--api-key-env: that looks like a key, not a variable name (it is not shown); "
                         "put the key in an environment variable (COMETAPI_API_KEY by default) and pass the name")
    if not _NAME.fullmatch(value):
        raise UsageError(f"--api-key-env {value!r}: not an environment variable name (letters, digits, _)")
    return value


def check_key_file(value: Path | None) -> Path | None:
    """``--api-key-file`` takes a path; a key there is refused without being shown."""
    if value is not None and not value.exists() and looks_like_key(str(value)):
        raise UsageError("--api-key-file: that looks like a key, not a file path (it is not shown); "
                         "write the key to a file (chmod 600) and pass the file's path")
    return value


ApiKeyEnvOpt = Annotated[
    str,
    typer.Option("--api-key-env", callback=check_key_env,
                 help="Name of the environment variable holding the API key."),
]
ApiKeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file", callback=check_key_file,
        help="File holding the API key (one line). Keys are never taken on the command line.",
    ),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name (env COMETAPI_MODEL).")]
STORE_HELP = (
    "Evidence store: a SQLite file or a postgresql://host/db URL (needs chatcontract[postgres]; "
    "put its password in PGPASSWORD or ~/.pgpass, not here)."
)
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help=STORE_HELP + " Env CHATCONTRACT_STORE; default: a file in the user data dir."),
]
ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile", help="Contract profile: cometapi, openai, openai-compatible, or a YAML file."
    ),
]
DEFAULT_API_KEY_ENV = API_KEY_ENV

EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 a check failed or findings, 2 usage or input error, 3 inconclusive."
)
