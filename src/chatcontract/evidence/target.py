"""Where a repro sends its requests: the configured base URL, or the embedded simulator.

With no ``--base-url`` (and no ``COMETAPI_BASE_URL``) the repro targets the built-in simulator
on loopback and says so in its note; the simulator accepts the configured key, or its public
test key when none is set. The base URL is kept as an alias (scheme and host) in records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatcontract.config import BaseUrl, Credential, resolve_base_url, resolve_credential
from chatcontract.contract.profile import Profile
from chatcontract.evidence.repro import Target

OPERATOR_ENV = "CHATCONTRACT_OPERATOR"
SIM_DEFAULT_MODEL = "sim-ok"


def resolve_operator(flag: str | None) -> str | None:
    """``--operator``, else ``CHATCONTRACT_OPERATOR``, else ``USER``."""
    return flag or os.environ.get(OPERATOR_ENV) or os.environ.get("USER") or None


@contextmanager
def open_target(
    base_url: str | None, profile: Profile, api_key_env: str, api_key_file: Path | None
) -> Iterator[Target]:
    """The target for the ``with`` block (starting and stopping the simulator if embedded)."""
    credential = resolve_credential(api_key_env, api_key_file)
    resolved = resolve_base_url(base_url, profile)
    if resolved is not None:
        yield Target(resolved.url, resolved.alias, credential)
        return
    from chatcontract.sim import serve

    with serve(api_key=credential.key if credential else None) as sim:
        cred = credential or Credential(key=sim.api_key, source="sim:public-test-key")
        yield Target(sim.base_url, BaseUrl(sim.base_url).alias, cred, embedded=True)
