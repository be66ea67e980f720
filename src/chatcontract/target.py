"""The one target resolver: the base URL and key the user gave, or the embedded simulator.

``call``, ``probe`` (and ``ready``, ``watch``, the pytest plugin through it) and ``repro`` all
resolve where requests go here, with one set of rules:

- A base URL (``--base-url``, else ``COMETAPI_BASE_URL``) is validated and completed as the
  profile says; the key comes from ``--api-key-file`` or the key environment variable and may
  be absent (each command says what it does without one).
- Without a base URL the simulator starts in-process on loopback, in the profile's error style
  (for every command, ``repro`` included), with a freshly minted key (``CHATCONTRACT_SIM_API_KEY``
  when set): a configured real key is never sent to it, and the user is told it is ignored.
- How requests travel (:class:`Connection`): extra request headers (``-H NAME:VALUE``), a proxy
  (``--proxy``, else ``HTTPS_PROXY``/``HTTP_PROXY`` unless ``NO_PROXY`` names the host) and the
  CA bundle (``--ca-bundle``, else ``SSL_CERT_FILE``/``SSL_CERT_DIR``). A header value that looks
  like a secret is remembered, so it is masked by value in every record, log and message.

:func:`check_answers` proves the target answers HTTP at all before any case or attempt runs:
a refused connection, an unknown host, or TLS spoken to a plain-HTTP server (or the reverse) is
one :class:`TargetUnreachableError` line; the commands exit 3 for it (nothing about the contract
could be concluded), never a list of contract failures.
"""

from __future__ import annotations

import os
import re
import secrets
import ssl
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2

from chatcontract.config import BaseUrl, Credential, resolve_base_url, resolve_credential, resolve_model
from chatcontract.contract.profile import Profile, load_profile
from chatcontract.errors import ChatContractError, UsageError
from chatcontract.redact import remember_secret, url_for_message
from chatcontract.redact_rules import is_bare_secret, is_secret_key, looks_random
from chatcontract.tls import default_context, verifying_context

UNREACHABLE_EXIT = 3
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_OURS = frozenset({"content-length", "host", "transfer-encoding", "content-type"})
CHECK_TIMEOUT_S = 5.0


class TargetUnreachableError(ChatContractError):
    """The target does not answer HTTP at all (refused, unknown host, wrong scheme): exit 3."""

    exit_code = UNREACHABLE_EXIT


def parse_headers(values: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    """``-H NAME:VALUE`` flags as pairs; a malformed one is a :class:`UsageError`.

    A value that looks like a secret (a secret-like header name, or a token-shaped value) is
    remembered so it is masked wherever it would be shown or stored.
    """
    pairs: list[tuple[str, str]] = []
    for raw in values or ():
        name, sep, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _TOKEN.match(name):
            raise UsageError(f"--header {name or raw[:20]!r}: use NAME:VALUE, e.g. -H 'X-Team: search'")
        if name.lower() in _OURS:
            raise UsageError(f"--header {name}: chatcontract sets this header itself")
        if any(not (" " <= ch <= "~") for ch in value):
            raise UsageError(f"--header {name}: the value holds a control or non-ASCII character")
        if value and (is_secret_key(name) or is_bare_secret(value) or looks_random(value)):
            remember_secret(value)
        pairs.append((name, value))
    return tuple(pairs)


@dataclass(frozen=True)
class Connection:
    """How requests reach a target: extra headers, proxy, CA bundle (never the key)."""

    headers: tuple[tuple[str, str], ...] = ()
    proxy: str | None = None
    ca_bundle: Path | None = field(default=None)

    def __post_init__(self) -> None:
        if self.proxy is not None:
            parts = urlsplit(self.proxy)
            if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
                shown = url_for_message(self.proxy)
                raise UsageError(f"--proxy {shown!r}: use a URL such as http://proxy.internal:3128")
        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise UsageError(f"--ca-bundle {self.ca_bundle}: no such file")

    def client_options(self, url: str, *, embedded: bool) -> dict[str, Any]:
        """Keyword arguments for an ``httpx2`` client sending to ``url``. The environment is read
        here (not by ``trust_env``, which would also read ``.netrc`` credentials); the embedded
        simulator on loopback is reached directly."""
        options: dict[str, Any] = {"trust_env": False, "follow_redirects": False}
        if self.headers:
            options["headers"] = list(self.headers)
        if embedded:
            options["verify"] = default_context()  # never used on plain HTTP, but httpx would build one
            return options
        proxy = self.proxy or _env_proxy(url)
        if proxy:
            options["proxy"] = proxy
        options["verify"] = _verify(self.ca_bundle)
        return options

    def add_headers(self, request: httpx2.Request) -> httpx2.Request:
        """Put the extra headers on a request built outside a client (probe and repro builders)."""
        for name, value in self.headers:
            request.headers[name] = value
        return request


def _env_proxy(url: str) -> str | None:
    """``HTTPS_PROXY``/``HTTP_PROXY`` (any case) for ``url``, unless ``NO_PROXY`` names its host."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    bypass = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009 - untyped in typeshed
    if not proxies or bypass(parts.hostname or "", proxies):
        return None
    return proxies.get(parts.scheme) or None


def _verify(ca_bundle: Path | None) -> ssl.SSLContext:
    if ca_bundle is not None:
        return verifying_context(str(ca_bundle))
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        return default_context()
    try:
        return verifying_context(cafile, capath)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"SSL_CERT_FILE/SSL_CERT_DIR cannot be loaded: {exc}") from None


@dataclass(frozen=True)
class TargetInput:
    """What the user asked for (flags and environment, not yet resolved)."""

    base_url: str | None = None
    profile: str | Profile = "cometapi"
    api_key_env: str | None = "COMETAPI_API_KEY"
    api_key_file: Path | None = None
    model: str | None = None
    headers: tuple[str, ...] = ()
    proxy: str | None = None
    ca_bundle: Path | None = None
    sim_admin: bool = False  # embedded simulator: also serve its admin routes


@dataclass(frozen=True)
class Target:
    """Where requests go and as whom (the one ``Target`` of probe, ``repro`` and ``call``);
    ``label`` and ``alias`` are safe to show and store."""

    base_url: str
    profile: Profile
    credential: Credential | None = None
    model: str | None = None
    label: str | None = None
    embedded: bool = False
    note: str | None = None  # what was assumed or ignored, to tell the user
    connection: Connection = field(default_factory=Connection)

    @property
    def alias(self) -> str:
        """Scheme and host only."""
        return BaseUrl(self.base_url).alias

    def client_options(self) -> dict[str, Any]:
        return self.connection.client_options(self.base_url, embedded=self.embedded)


def minted_key() -> str:
    """The embedded simulator's key: ``$CHATCONTRACT_SIM_API_KEY`` if set (so whoever set it can
    use the admin routes), else a fresh random key."""
    from chatcontract.sim.config import SIM_KEY_ENV

    return os.environ.get(SIM_KEY_ENV) or f"sk-chatcontract-embedded-{secrets.token_hex(16)}"


@contextmanager
def open_target(given: TargetInput, *, sim_model: str | None = None) -> Iterator[Target]:
    """Resolve ``given``; start (and finally stop) the embedded simulator when no base URL is set.

    Input errors (a bad URL, profile, header, proxy, CA bundle or key file) raise
    :class:`UsageError` before anything starts. ``sim_model``: the model to use against the
    simulator when none was asked for.
    """
    profile = given.profile if isinstance(given.profile, Profile) else load_profile(given.profile)
    connection = Connection(parse_headers(given.headers), given.proxy, given.ca_bundle)
    base = resolve_base_url(given.base_url, profile)
    if base is not None:
        credential = resolve_credential(given.api_key_env, given.api_key_file)
        model = resolve_model(given.model)
        yield Target(base.url, profile, credential, model, label=base.url, note=base.note, connection=connection)
        return
    if given.api_key_file is not None:
        resolve_credential(None, given.api_key_file)  # a missing or unreadable file is bad input even here
    from chatcontract.sim import serve

    key = minted_key()
    model = given.model or sim_model
    models = (model,) if model and not model.startswith("sim-") else ()  # sim-* names select faults
    with serve(api_key=key, models=models, error_style=profile.error_style, admin=given.sim_admin) as sim:
        credential = Credential(key=key, source="embedded-simulator:minted")
        label = f"embedded simulator {sim.base_url}"
        note = _ignored(given)
        yield Target(sim.base_url, profile, credential, model, label, embedded=True, note=note, connection=connection)


def _ignored(given: TargetInput) -> str | None:
    """Say so when a configured key is not used (the embedded simulator has its own)."""
    sources = [f"--api-key-file {given.api_key_file}"] if given.api_key_file is not None else []
    if given.api_key_env and os.environ.get(given.api_key_env, "").strip():
        sources.append(given.api_key_env)
    if not sources:
        return None
    return f"ignoring {' and '.join(sources)}: the embedded simulator only accepts the key minted for it"


def check_answers(target: Target, *, timeout_s: float = CHECK_TIMEOUT_S) -> None:
    """Raise :class:`TargetUnreachableError` unless the target answers HTTP (any status will do).

    One ``GET`` of the base URL without the key; the embedded simulator is not checked. A
    target that accepts the connection but is slow to answer passes (it is not dead).
    """
    if target.embedded:
        return
    shown = BaseUrl(target.base_url).alias
    options = target.client_options()
    options.pop("headers", None)
    try:
        with httpx2.Client(timeout=timeout_s, **options) as http:
            http.get(target.base_url).close()
    except (httpx2.ReadTimeout, httpx2.WriteTimeout):
        return  # it took the connection and is slow to answer a GET: the commands judge it, not we
    except httpx2.HTTPError as exc:
        raise TargetUnreachableError(f"{shown} does not answer: {unreachable_reason(exc, target.base_url)}") from None


def unreachable_reason(exc: BaseException, url: str) -> str:
    """One short cause of a failed first contact, saying what to check."""
    https = url.startswith("https://")
    text = " ".join(str(part) for part in (exc, exc.__cause__, exc.__context__) if part is not None).lower()
    if https and ("wrong version number" in text or "record layer" in text or "unknown protocol" in text):
        return "it speaks plain HTTP, not TLS; use http:// in the base URL"
    if not https and isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError):
        return "no HTTP answer to plain HTTP (a TLS port?); try https:// in the base URL"
    if "certificate" in text:
        return "its TLS certificate is not trusted (use --ca-bundle or SSL_CERT_FILE)"
    if isinstance(exc, httpx2.ConnectTimeout):
        return "the connection timed out (host down, or a firewall drops it)"
    if isinstance(exc, httpx2.ProxyError):
        return f"the proxy refused or failed ({type(exc).__name__}); check --proxy / HTTPS_PROXY"
    if "refused" in text:
        return "connection refused (nothing listens on that port)"
    if "name or service not known" in text or "nodename" in text or "getaddrinfo" in text or "resolution" in text:
        return "the host name does not resolve"
    return f"{type(exc).__name__}"
