"""The project's configuration file: ``chatcontract.toml``, or ``[tool.chatcontract]`` in ``pyproject.toml``.

Looked for in the working directory (``chatcontract.toml`` first), or named with ``--config FILE``.
It holds the defaults a team would otherwise repeat on every command line::

    base_url = "https://api.cometapi.com/v1"   # or: target = "..."
    model = "gpt-4o-mini"
    profile = "cometapi"
    store = "evidence.sqlite"                  # relative to the file's folder
    api_key_env = "COMETAPI_API_KEY"           # the variable's NAME; a key never goes here
    fallbacks = ["gpt-4o"]

    [policy]
    deadline_s = 30

    [report]
    format = "md"

Precedence: a command-line flag, then the environment variable (``COMETAPI_BASE_URL``,
``COMETAPI_MODEL``, ``CHATCONTRACT_STORE``), then the file, then the built-in default. A key in
the file (a field named like one, or a value that looks like one) is refused: files get committed.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.inputs import read_text
from chatcontract.redact import is_secret_key, redact_free_text

FILE_NAME = "chatcontract.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its key in the file, the options it sets, its variable, its type."""

    key: str
    params: tuple[str, ...]  # the option names (Python names) it is the default of
    kind: type
    env: str | None = None
    doc: str = ""
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)  # per command: valid values
    default: str = ""  # what applies when nothing sets it, in words


_REPORT_FORMATS = {"review": frozenset({"md", "html", "json"}), "packet": frozenset({"md", "html", "json"}),
                   "repro": frozenset({"md", "json"})}
SETTINGS = (
    Setting("base_url", ("base_url",), str, "COMETAPI_BASE_URL", "target base URL with its version prefix",
            default="(none: the embedded simulator)"),
    Setting("model", ("model",), str, "COMETAPI_MODEL", "model name", default="(none; the simulator's own)"),
    Setting("profile", ("profile",), str, None, "contract profile: a name or a YAML file", default="cometapi"),
    Setting("store", ("store",), str, "CHATCONTRACT_STORE", "evidence store: a SQLite file or postgresql:// URL",
            default="(a file in the user data directory)"),
    Setting("api_key_env", ("api_key_env",), str, None, "name of the variable holding the API key",
            default="COMETAPI_API_KEY"),
    Setting("fallbacks", ("fallback",), list, None, "fallback models (call)", default="(none)"),
    Setting("policy.deadline_s", ("deadline",), float, None, "seconds for a whole call (call, conduct)",
            default="(each command's own: call 60, conduct 20)"),
    Setting("report.format", ("fmt",), str, None, "report format of review, packet, repro",
            choices=_REPORT_FORMATS, default="(tables on a terminal, Markdown when piped)"),
)
ALIASES = {"target": "base_url"}
UNCONFIGURED = frozenset({"sim"})
_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Resolved:
    """A setting's value and where it came from: ``file:NAME``, ``env:NAME`` or ``default``."""

    key: str
    value: Any
    source: str


@dataclass(frozen=True)
class ConfigFile:
    path: Path | None  # None: no file found
    values: dict[str, Any]  # flat keys ("policy.deadline_s") -> value

    @property
    def label(self) -> str:
        if self.path is None:
            return "no configuration file"
        return f"{self.path.name} [tool.chatcontract]" if self.path.name == PYPROJECT else self.path.name

    def resolved(self) -> list[Resolved]:
        """Every setting with its value and source (the environment wins over the file)."""
        out = []
        for s in SETTINGS:
            if s.env and os.environ.get(s.env, "").strip():
                value = os.environ[s.env].strip()
                shown = "(set)" if redact_free_text(value) != value else value
                out.append(Resolved(s.key, shown, f"env:{s.env}"))
            elif s.key in self.values:
                out.append(Resolved(s.key, self.values[s.key], f"file:{self.label}"))
            else:
                out.append(Resolved(s.key, None, "default"))
        return out

    def defaults_for(self, command: str, params: set[str]) -> dict[str, Any]:
        """The option defaults the file gives a command with these option names (env vars win).

        Not to ``sim``: the file describes the real target, and the simulator stands in for it."""
        found: dict[str, Any] = {}
        if command in UNCONFIGURED:
            return found
        for s in SETTINGS:
            if s.key not in self.values or (s.env and os.environ.get(s.env, "").strip()):
                continue
            allowed = s.choices.get(command) if s.choices else None
            if s.choices and (allowed is None or self.values[s.key] not in allowed):
                continue  # e.g. report.format = "html" is not a format repro writes
            for name in s.params:
                if name in params:
                    found[name] = self.values[s.key]
        return found


def discover(start: Path | None = None) -> Path | None:
    """``chatcontract.toml`` in the directory, else a ``pyproject.toml`` with ``[tool.chatcontract]``."""
    try:
        folder = start or Path.cwd()
        own = folder / FILE_NAME
        if own.is_file():
            return own
    except OSError:  # the working directory was removed under us: no configuration
        return None
    pyproject = folder / PYPROJECT
    try:
        stat = pyproject.stat()
    except OSError:
        return None
    return pyproject if _has_our_table(str(pyproject), stat.st_size, stat.st_mtime_ns) else None


@functools.lru_cache(maxsize=16)
def _has_our_table(path: str, size: int, mtime_ns: int) -> bool:
    """Whether a ``pyproject.toml`` has ``[tool.chatcontract]``: read once per version of the file
    (every command looks, and in-process callers run many commands from one directory)."""
    del size, mtime_ns  # part of the cache key only
    try:
        text = Path(path).read_text(encoding="utf-8")
        if "chatcontract" not in text:
            return False
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's broken pyproject is not our error unless we are asked to read it
    return isinstance(data.get("tool"), dict) and "chatcontract" in data["tool"]


def load(path: Path | None = None, *, start: Path | None = None) -> ConfigFile:
    """The named file, or the one :func:`discover` finds, or an empty configuration."""
    chosen = path if path is not None else discover(start)
    if chosen is None:
        return ConfigFile(None, {})
    text = read_text(chosen, "config file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {chosen} is not valid TOML: {exc}") from None
    if chosen.name == PYPROJECT:
        tool = data.get("tool", {})
        data = tool.get("chatcontract", {}) if isinstance(tool, dict) else {}
        if path is not None and not data:
            raise UsageError(f"config file {chosen} has no [tool.chatcontract] table")
    if not isinstance(data, dict):
        raise UsageError(f"config file {chosen}: [tool.chatcontract] must be a table")
    return ConfigFile(chosen, _validate(_flatten(data), chosen))


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{name}.")
        else:
            flat[ALIASES.get(name, name)] = value
    return flat


def _refuse_keys(flat: Mapping[str, Any], where: Path) -> None:
    for key, value in flat.items():
        last = key.rsplit(".", 1)[-1]
        if last != "api_key_env" and (is_secret_key(last) or last in {"key", "token"}):
            raise UsageError(f"config file {where}: '{key}' would hold a secret; keys never go in a file that "
                             "gets committed: set api_key_env = \"VARIABLE\" and put the key in that variable")
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and redact_free_text(t) != t for t in texts):
            raise UsageError(f"config file {where}: the value of '{key}' looks like a key or a password "
                             "(not shown); keys never go in a config file: use api_key_env")


def _validate(flat: dict[str, Any], where: Path) -> dict[str, Any]:
    _refuse_keys(flat, where)
    unknown = sorted(set(flat) - set(_BY_KEY))
    if unknown:
        known = ", ".join(s.key for s in SETTINGS)
        raise UsageError(f"config file {where}: unknown setting '{unknown[0]}' (known: {known})")
    for key, value in flat.items():
        flat[key] = _typed(_BY_KEY[key], value, where)
    if "store" in flat and "://" not in flat["store"] and not Path(flat["store"]).is_absolute():
        flat["store"] = str((where.parent / flat["store"]).absolute())
    return flat


def _typed(setting: Setting, value: Any, where: Path) -> Any:
    if setting.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UsageError(f"config file {where}: '{setting.key}' must be a list of names")
        return value
    if setting.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise UsageError(f"config file {where}: '{setting.key}' must be a positive number")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"config file {where}: '{setting.key}' must be a non-empty string")
    if setting.choices and value not in set().union(*setting.choices.values()):
        options = ", ".join(sorted(set().union(*setting.choices.values())))
        raise UsageError(f"config file {where}: '{setting.key}' = {value!r}: use one of {options}")
    return value.strip()
