"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from chatcontract.config import API_KEY_ENV
from chatcontract.redact import redact_free_text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

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


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error and exit (2: bad input). The line is redacted as free text: no
    message of any command shows a key, a password or URL userinfo, whoever built it."""
    err_console.print(f"chatcontract: error: {redact_free_text(message)}", markup=False, soft_wrap=True)
    sys.exit(code)


def note(message: str) -> None:
    """A one-line note on stderr (progress, what was assumed)."""
    err_console.print(message, markup=False, soft_wrap=True)


def say(text: str, end: str = "\n") -> None:
    """A line of prose on stdout: wrapped between words on a terminal, one line when piped."""
    console.print(text, markup=False, highlight=False, soft_wrap=not console.is_terminal, end=end)


def print_document(markdown: str, fmt: str | None = None) -> None:
    """A Markdown report: rendered with Rich on a terminal (tables never split a word), the
    Markdown itself when stdout is not a terminal or ``--format md`` asked for it."""
    if fmt is None and console.is_terminal:
        from chatcontract.report.terminal import markdown_renderables

        for part in markdown_renderables(markdown):
            console.print(part)
        return
    console.print(markdown, markup=False, highlight=False, soft_wrap=True, end="" if markdown.endswith("\n") else "\n")
