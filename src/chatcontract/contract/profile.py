"""Contract profiles: every assumption the client makes, as data, each with its source.

A profile is a YAML file. Each assumption carries a ``value``, a one-line ``statement``, the
``source_url`` it was read from, the date it was ``accessed`` and a ``status``
(``supported`` / ``unsupported`` / ``needs_confirmation``). Probes check assumptions, drift
compares them, packets cite them. Nothing about pricing, quota, rate limits or model
availability belongs here unless a source says so.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatcontract.errors import ProfileError, UsageError
from chatcontract.inputs import parse_yaml, read_text

T = TypeVar("T")

BUILTIN_PROFILES = ("cometapi", "openai", "openai-compatible")
DEFAULT_PROFILE = "cometapi"


class AssumptionStatus(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    NEEDS_CONFIRMATION = "needs_confirmation"


class Assumption(BaseModel, Generic[T]):
    """One assumption: what we rely on, where it was read, and how sure we are."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: T
    statement: str = Field(min_length=1)
    source_url: str = Field(pattern=r"^https?://\S+$")
    accessed: dt.date
    status: AssumptionStatus
    note: str | None = None


class AuthScheme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    header: str = "Authorization"
    scheme: str = "Bearer"


class ErrorEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: list[str] = Field(default_factory=lambda: ["message", "type", "param", "code"])
    required: list[str] = Field(default_factory=lambda: ["message"])
    type_values: list[str] = Field(default_factory=list)
    request_id_in_message: bool = False


class WrongPathResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statuses: list[int] = Field(default_factory=lambda: [404, 405])
    redirect_allowed: bool = False
    html_allowed: bool = False


class RetryStance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    retry_statuses: list[int]
    no_retry_statuses: list[int]
    no_retry_codes: list[str] = Field(default_factory=list)


class Assumptions(BaseModel):
    """The assumptions every profile states (unknown keys are an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: Assumption[str]
    version_prefix: Assumption[str]
    chat_route: Assumption[str]
    models_route: Assumption[str]
    auth: Assumption[AuthScheme]
    required_request_fields: Assumption[list[str]]
    roles: Assumption[list[str]]
    response_fields: Assumption[list[str]]
    error_envelope: Assumption[ErrorEnvelope]
    status_semantics: Assumption[dict[int, str]]
    retry_stance: Assumption[RetryStance]
    request_id_header: Assumption[str]
    retry_after_header: Assumption[bool]
    stream_format: Assumption[Literal["sse"]]
    stream_terminator: Assumption[str]
    stream_include_usage: Assumption[bool]
    stream_error_format: Assumption[str]
    wrong_path: Assumption[WrongPathResponse]


class Profile(BaseModel):
    """A contract profile loaded from YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    description: str = ""
    error_style: Literal["openai", "cometapi"] = "openai"
    assumptions: Assumptions
    source_path: str | None = Field(default=None, exclude=True)

    # Convenience views of the assumptions the code uses most.
    @property
    def base_url(self) -> str:
        return self.assumptions.base_url.value

    @property
    def chat_route(self) -> str:
        return self.assumptions.chat_route.value.strip("/")

    @property
    def supports_include_usage(self) -> bool:
        a = self.assumptions.stream_include_usage
        return a.value and a.status is not AssumptionStatus.UNSUPPORTED

    def items(self) -> list[tuple[str, Assumption[Any]]]:
        """Every assumption with its key, in file order."""
        return [
            (key, getattr(self.assumptions, key)) for key in type(self.assumptions).model_fields
        ]

    def assumption(self, key: str) -> Assumption[Any]:
        if key not in type(self.assumptions).model_fields:
            raise KeyError(key)
        value: Assumption[Any] = getattr(self.assumptions, key)
        return value

    def chat_url(self, base_url: str) -> str:
        return join_url(base_url, self.chat_route)

    def route_template(self, base_url: str, route: str | None = None) -> str:
        """The absolute path of ``route`` (default: chat) under ``base_url``."""
        path = urlsplit(join_url(base_url, route or self.chat_route)).path
        return path or "/"


def join_url(base_url: str, route: str) -> str:
    return base_url.rstrip("/") + "/" + route.lstrip("/")


def _format_loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys a mapping at ``loc`` (the parent of an unknown key) accepts."""
    model: Any = Profile
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(str(part))
        if field is None:
            return []
        model = field.annotation
    return [k for k in getattr(model, "model_fields", {}) if k != "source_path"]


def _expected(error: Any) -> str:
    """What was expected, in words, for one pydantic error."""
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    got = f", got {_short(error['input'])}" if "input" in error and kind != "missing" else ""
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        return "is not a known key" + (
            f" (expected one of: {', '.join(allowed)})" if allowed else ""
        )
    if kind.startswith(("date_", "datetime_")):
        return f"expected a date like 2026-11-22{got}"
    if kind in {"enum", "literal_error"}:
        return f"expected {error.get('ctx', {}).get('expected', 'a listed value')}{got}"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "source_url":
        return f"expected an http(s) URL{got}"
    return f"{str(error.get('msg', 'invalid value')).replace(chr(10), ' ')}{got}"


def _one_line(exc: ValidationError, where: str) -> ProfileError:
    first = exc.errors()[0]
    loc = _format_loc(tuple(first.get("loc", ())))
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return ProfileError(f"invalid profile {where}: key '{loc}' {_expected(first)}{more}")


def parse_profile(text: str, where: str) -> Profile:
    """Parse and validate profile YAML; errors name ``where``, the key and what was expected."""
    try:
        doc = parse_yaml(text, f"invalid profile {where}:")
    except UsageError as exc:
        raise ProfileError(str(exc).replace(": is", ":", 1)) from None
    if doc is None:
        raise ProfileError(f"invalid profile {where}: the file is empty (expected a mapping)")
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        raise ProfileError(
            f"invalid profile {where}: expected a mapping at the top level, got {kind}"
        )
    try:
        return Profile.model_validate({**doc, "source_path": where})
    except ValidationError as exc:
        raise _one_line(exc, where) from None


@functools.cache
def _builtin_profile(key: str) -> Profile:
    """A packaged profile, parsed once per process (a ``Profile`` is frozen, so it is shared)."""
    text = resources.files("chatcontract.contract").joinpath("profiles", f"{key}.yaml").read_text("utf-8")
    return parse_profile(text, f"{key}.yaml")


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """Load a built-in profile by name (``cometapi``, ``openai``, ``openai-compatible``) or file.

    Raises :class:`UsageError` for an unknown name and :class:`ProfileError` (one line naming
    the file, the key and what was expected) for a file that cannot be read or validated.
    """
    key = str(name_or_path)
    if key in BUILTIN_PROFILES:
        return _builtin_profile(key)
    path = Path(key)
    if not path.suffix and not path.exists():
        raise UsageError(
            f"unknown profile {key!r}: use one of {', '.join(BUILTIN_PROFILES)} "
            "or a path to a YAML file"
        )
    try:
        text = read_text(path, "profile file")
    except UsageError as exc:
        raise ProfileError(str(exc)) from None
    return parse_profile(text, str(path))
