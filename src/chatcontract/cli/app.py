"""The Typer application and the entry point that turns errors into one line and an exit code."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from chatcontract import __version__
from chatcontract.cli import output
from chatcontract.cli.common import EXIT_CODES_HELP, fail, interrupted
from chatcontract.cli.global_options import add_to
from chatcontract.cli.placeholders import name_placeholders
from chatcontract.errors import ChatContractError, UsageError
from chatcontract.extras import missing_extra

try:  # Typer >= 0.29 vendors Click
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - older Typer on Click
    from click import exceptions as cx  # type: ignore[no-redef]

app = typer.Typer(
    name="chatcontract",
    help="Reliability toolkit for OpenAI-compatible chat-completions APIs. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Each module registers its command(s) with ``register(app)``; order is the help order.
COMMAND_MODULES = (
    "probe",
    "watch",
    "ready",
    "sim",
    "conduct",
    "replay",
    "call",
    "repro",
    "packet",
    "lint",
    "incidents",
    "review",
    "drift",
    "profile",
    "config_show",
)


INTERRUPTED = 130  # no command exits 130 itself


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chatcontract {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """chatcontract: prove what your chat-completions client does when calls go wrong."""


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"chatcontract.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"chatcontract.cli.{name}":
                continue  # a command another issue has not landed yet
            message = missing_extra(exc, f"'chatcontract {name}'")
            if message is None:
                raise
            _register_unavailable(name, message)
            continue
        module.register(app)


def _register_unavailable(name: str, message: str) -> None:
    """A command whose extra is not installed: listed in the help, and one line when run."""

    def unavailable(ctx: typer.Context) -> None:
        fail(message, 2)

    app.command(
        name,
        help=f"(not installed) {message}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        add_help_option=False,
    )(unavailable)


_register()


@functools.cache
def _command() -> Callable[..., Any]:
    """The Click command tree, built once per process: ``app(...)`` rebuilds it on every call
    (~17 ms), which every in-process caller (tests, embedders) paid per command."""
    command = typer.main.get_command(app)
    add_to(command)
    name_placeholders(command)
    return command


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one-line errors, exit 2 on bad input, never a traceback.

    Exit codes: 0 success, 1 a check failed (or an unexpected internal error, reported in one
    redacted line), 2 usage or input error, 3 inconclusive, 130 interrupted.
    """
    args = sys.argv[1:] if argv is None else argv
    output.reset()
    try:
        result = _command()(args=args, standalone_mode=False, prog_name="chatcontract")
    except cx.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except cx.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        fail(f"{exc.format_message()}{hint}")
    except cx.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except typer.Abort:
        interrupted()
    except UsageError as exc:
        fail(str(exc), exc.exit_code)
    except ChatContractError as exc:
        fail(str(exc), 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        interrupted()
    except ModuleNotFoundError as exc:
        feature = f"'chatcontract {args[0]}'" if args else "this command"
        fail(missing_extra(exc, feature) or f"internal error: {type(exc).__name__}: {exc.name}", 2)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        fail(f"internal error: {type(exc).__name__}: {_first_line(exc)}", 1)
    if result == INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) and, not standalone, returns it
        interrupted()
    sys.exit(result if isinstance(result, int) else 0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


if __name__ == "__main__":
    main()
