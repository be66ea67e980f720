"""Options on how requests reach a target (``-H``, ``--proxy``, ``--ca-bundle``), shared by
``call``, ``probe`` and ``repro``, and the one line for a target that does not answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from chatcontract.cli.common import fail
from chatcontract.target import TargetUnreachableError

HeaderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--header", "-H",
        help="Extra request header NAME:VALUE (repeatable); a secret-looking value is masked in every record.",
    ),
]  # fmt: skip
ProxyOpt = Annotated[
    str | None,
    typer.Option("--proxy", help="Proxy URL (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)."),
]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option("--ca-bundle", help="CA certificates (PEM) to trust (default: SSL_CERT_FILE / SSL_CERT_DIR)."),
]

UNREACHABLE_HELP = "3 the target does not answer at all (refused, unknown host, TLS/plain-HTTP mismatch)"


def unreachable(exc: TargetUnreachableError) -> NoReturn:
    """Print the one line for a target that does not answer and exit 3."""
    fail(str(exc), exc.exit_code)
