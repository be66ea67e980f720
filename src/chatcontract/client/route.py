"""Routes: where a call may go (a model, a base URL and key, or both), resolved to targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from chatcontract.contract.profile import Profile
from chatcontract.errors import UsageError


class RouteCheck(Protocol):
    """A fallback's last promotion check (``chatcontract.monitor.promote.load_promotion``)."""

    @property
    def ok(self) -> bool: ...

    @property
    def model(self) -> str | None: ...

    @property
    def differences(self) -> Sequence[str]: ...


@dataclass(frozen=True, kw_only=True)
class Route:
    """A fallback route. Unset fields inherit the client's (model: the call's model).

    ``max_request_chars`` is this route's local size limit (the primary route uses the
    policy's); ``None`` leaves the size to the provider. ``last_check`` is the route's last
    promotion check (``probe --promote-from``): a route whose check failed, or whose check was of
    another model, is refused when the route is made, so no traffic is ever promoted to it.
    """

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    credential_source: str | None = None
    max_request_chars: int | None = None
    last_check: RouteCheck | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check = self.last_check
        if check is None:
            return
        name = self.model or "(the call's model)"
        if not check.ok:
            why = "; ".join(list(check.differences)[:3]) or "the check did not complete"
            raise UsageError(f"fallback route {name} refused: its last promotion check failed ({why})")
        if self.model is not None and check.model is not None and check.model != self.model:
            raise UsageError(f"fallback route {name} refused: its promotion check was of model {check.model}")


@dataclass(frozen=True, slots=True)
class Target:
    """A route resolved for one call: URL, precomputed headers, and the names records use."""

    index: int
    route: Route
    model: str
    base_url: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    api_key: str | None = field(repr=False)
    route_template: str
    server_address: str
    credential_source: str | None
    max_request_chars: int | None

    @property
    def label(self) -> str:
        return f"{self.model}@{self.server_address}"

    @property
    def breaker_key(self) -> tuple[str, str]:
        return (self.base_url, self.model)

    def same_credentials(self, other: Target) -> bool:
        return self.base_url == other.base_url and self.api_key == other.api_key


def auth_headers(api_key: str | None, profile: Profile) -> dict[str, str]:
    """The request headers a route sends (the key under the profile's auth scheme)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        auth = profile.assumptions.auth.value
        headers[auth.header] = f"{auth.scheme} {api_key}".strip() if auth.scheme else api_key
    return headers


def resolve_target(
    index: int,
    route: Route,
    *,
    model: str,
    base_url: str,
    api_key: str | None,
    credential_source: str | None,
    profile: Profile,
    max_request_chars: int | None,
) -> Target:
    """``route`` with unset fields taken from the client and the call."""
    base = (route.base_url or base_url).rstrip("/")
    key = route.api_key if route.api_key is not None else api_key
    parts = urlsplit(base)
    return Target(
        index=index,
        route=route,
        model=route.model or model,
        base_url=base,
        url=profile.chat_url(base),
        headers=auth_headers(key, profile),
        api_key=key,
        route_template=profile.route_template(base),
        server_address=parts.hostname or "",
        credential_source=route.credential_source or (credential_source if route.api_key is None else None),
        max_request_chars=max_request_chars if index == 0 else route.max_request_chars,
    )
