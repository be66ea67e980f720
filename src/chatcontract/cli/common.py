"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatcontract.cli.output import (  # re-exported: the commands' output goes through one module
    console,
    detail,
    emit_json,
    err_console,
    fail,
    note,
    print_document,
    say,
)
from chatcontract.config import API_KEY_ENV

__all__ = ["console", "detail", "emit_json", "err_console", "fail", "note", "print_document", "say"]

BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="Target base URL including the version prefix (env COMETAPI_BASE_URL)."
    ),
]
ApiKeyEnvOpt = Annotated[
    str,
    typer.Option("--api-key-env", help="Name of the environment variable holding the API key."),
]
ApiKeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file",
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
