"""Bounded input: every small input file is read here, and every JSON or YAML document parsed here.

Key, meta, profile, scenario, map and fixture files are small by nature. :func:`read_text`
refuses one over :data:`MAX_INPUT_BYTES` before it is read whole (a sparse 1 GiB file, a FIFO,
``/dev/zero``), and says so in one line. :func:`parse_json` and :func:`parse_yaml` refuse a
document nested deeper than :data:`MAX_NESTING` before the parser recurses into it. Every
refusal is a :class:`~chatcontract.errors.UsageError` (exit 2), never a traceback.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from chatcontract.errors import UsageError

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_NESTING",
    "NestingError",
    "check_nesting",
    "loads",
    "parse_json",
    "parse_yaml",
    "read_bytes",
    "read_text",
]

MAX_INPUT_BYTES = 1 << 20
MAX_NESTING = 64
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")


def read_text(path: str | os.PathLike[str], what: str, *, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of ``path``, at most ``limit`` bytes; ``what`` names it in messages."""
    data = read_bytes(path, what, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None


def read_bytes(path: str | os.PathLike[str], what: str, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of ``path``, at most ``limit``; ``what`` names it in messages.

    The size is checked before reading (regular files) and while reading (devices, pipes), so
    memory stays bounded by ``limit`` whatever the file is.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise UsageError(f"cannot read {what} {p}: it is a directory, not a file")
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise UsageError(f"{what} {p} is {_size(info.st_size)}; the limit is {_size(limit)}")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"cannot read {what} {p}: no such file (it does not exist)") from None
    except IsADirectoryError:
        raise UsageError(f"cannot read {what} {p}: it is a directory, not a file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {p}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{what} {p} is larger than {_size(limit)}; the limit is {_size(limit)}")
    return data


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"


def check_nesting(text: str | bytes, what: str, *, limit: int = MAX_NESTING) -> None:
    """Refuse a document whose brackets nest deeper than ``limit`` (strings are skipped).

    Catches JSON and YAML flow style; block-style YAML nesting is bounded by
    :func:`parse_yaml` catching the parser's recursion.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = 0
    quote = 0
    escaped = False
    for byte in data:
        if quote:
            if escaped:
                escaped = False
            elif byte == 0x5C and quote == 0x22:
                escaped = True
            elif byte == quote or (byte == 0x0A and quote == 0x27):
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                raise UsageError(f"{what} is nested more than {limit} levels deep")
        elif byte in _CLOSERS:
            depth = max(0, depth - 1)


def parse_json(text: str | bytes, what: str) -> Any:
    """The JSON document ``text``; not JSON or nested too deeply is a one-line UsageError."""
    check_nesting(text, what)
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what} is not valid JSON: {exc}") from None


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~9x faster, same documents


def parse_yaml(text: str, what: str) -> Any:
    """The YAML document ``text`` (safe loader); invalid or nested too deeply is a UsageError."""
    check_nesting(_without_comments(text), what)
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, libyaml's when built
    except RecursionError:
        raise UsageError(f"{what} is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{what} is not valid YAML{pos}") from None


def _without_comments(text: str) -> str:
    """YAML lines with full-line comments dropped (an apostrophe in a comment opens no string)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


class NestingError(UsageError, ValueError):
    """A JSON document nested too deeply: an input error, and a malformed line to a log reader."""


def loads(text: str | bytes) -> Any:
    """:func:`json.loads` for untrusted lines: a document nested too deeply raises
    :class:`NestingError` (a ``ValueError``, so readers count the line as malformed)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise NestingError("JSON nested too deeply") from None
