"""Where every command writes, and how much: results on stdout, notes and progress on stderr.

One place decides verbosity and colour for all commands. ``-q/--quiet`` silences notes and
progress (errors and results stay); ``-v/--verbose`` adds details (where the configuration came
from, what was assumed). ``--color`` forces colour and terminal layout even when piped (as
``FORCE_COLOR`` does), ``--no-color`` removes colour (as ``NO_COLOR`` does); the flag wins over
the variables, and without a flag Rich reads the variables. The app adds these options to every
command and they call :func:`configure` while the command line is parsed; :func:`reset` starts
each invocation from the defaults (tests run many in one process).

``console`` and ``err_console`` are stand-ins that always forward to the consoles of the current
settings, so a module that imported them keeps working after :func:`configure`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from typing import Any, NoReturn, cast

from rich.console import Console
from rich.control import strip_control_codes

from chatcontract.redact import redact_free_text

QUIET, NORMAL, VERBOSE = -1, 0, 1


@dataclass(frozen=True)
class Settings:
    verbosity: int = NORMAL
    color: bool | None = None  # None: the environment (NO_COLOR, FORCE_COLOR) decides


def _make(settings: Settings, *, stderr: bool) -> Console:
    if settings.color is None:
        return Console(stderr=stderr, highlight=False)
    if settings.color:
        return Console(stderr=stderr, highlight=False, force_terminal=True, no_color=False)
    return Console(stderr=stderr, highlight=False, no_color=True)


class _State:
    def __init__(self) -> None:
        self.settings = Settings()
        self.out = _make(self.settings, stderr=False)
        self.err = _make(self.settings, stderr=True)

    def apply(self, settings: Settings) -> None:
        if settings.color != self.settings.color:
            self.out = _make(settings, stderr=False)
            self.err = _make(settings, stderr=True)
        self.settings = settings


_state = _State()


class _Forward:
    """Forwards every attribute to the current stdout (or stderr) console."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def __getattr__(self, name: str) -> Any:
        return getattr(_state.err if self._stderr else _state.out, name)

    def __enter__(self) -> Console:  # Rich's Live uses the console as a context manager
        return (_state.err if self._stderr else _state.out).__enter__()

    def __exit__(self, *exc: object) -> None:
        (_state.err if self._stderr else _state.out).__exit__(*exc)


console = cast("Console", _Forward(stderr=False))
err_console = cast("Console", _Forward(stderr=True))


def configure(*, verbosity: int | None = None, color: bool | None = None) -> None:
    """Change the verbosity and/or force colour on (True) or off (False)."""
    changes: dict[str, Any] = {}
    if verbosity is not None:
        changes["verbosity"] = verbosity
    if color is not None:
        changes["color"] = color
    _state.apply(replace(_state.settings, **changes))


def reset() -> None:
    """Back to the defaults: normal verbosity, colour as the environment says."""
    _state.apply(Settings())
    _state.out, _state.err = _make(_state.settings, stderr=False), _make(_state.settings, stderr=True)


def quiet() -> bool:
    return _state.settings.verbosity <= QUIET


def verbose() -> bool:
    return _state.settings.verbosity >= VERBOSE


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error and exit (2: bad input). The line is redacted as free text: no
    message of any command shows a key, a password or URL userinfo, whoever built it.
    Errors are printed even with ``--quiet``."""
    _state.err.print(f"chatcontract: error: {redact_free_text(message)}", markup=False, soft_wrap=True)
    sys.exit(code)


def interrupted() -> NoReturn:
    """Ctrl-C: one line in the form of every error, exit 130 (what was finished is written by then)."""
    fail("interrupted", 130)


def note(message: str) -> None:
    """A one-line note on stderr (what was assumed, what was written); silent with ``-q``."""
    if not quiet():
        _state.err.print(message, markup=False, soft_wrap=True)


def detail(message: str) -> None:
    """A note shown only with ``-v``."""
    if verbose():
        _state.err.print(message, markup=False, soft_wrap=True)


def say(text: str, end: str = "\n") -> None:
    """A line of prose on stdout: wrapped between words on a terminal, one line when piped.

    Piped, the text is written as is (control codes stripped): Rich's print costs ~45 us a line,
    which is most of ``lint``'s time on a large file."""
    out = _state.out
    if out.is_terminal:
        out.print(text, markup=False, highlight=False, end=end)
        return
    sys.stdout.write(strip_control_codes(text) + end)


def emit_json(document: object) -> None:
    """The one JSON document of ``--json`` on stdout: plain text, never coloured, one trailing newline."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def print_document(markdown: str, fmt: str | None = None) -> None:
    """A Markdown report: rendered with Rich on a terminal (tables never split a word), the
    Markdown itself when stdout is not a terminal or ``--format md`` asked for it."""
    out = _state.out
    if fmt is None and out.is_terminal:
        from chatcontract.report.terminal import markdown_renderables

        for part in markdown_renderables(markdown):
            out.print(part)
        return
    out.print(markdown, markup=False, highlight=False, soft_wrap=True, end="" if markdown.endswith("\n") else "\n")
