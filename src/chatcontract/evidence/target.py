"""Where a repro sends its requests: the configured base URL, or the embedded simulator.

With no ``--base-url`` (and no ``COMETAPI_BASE_URL``) the repro targets the built-in simulator
on loopback and says so in its note; like every command it gets a freshly minted key (a
configured key is never sent to it). The base URL is kept as an alias (scheme and host) in records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from chatcontract.contract.profile import Profile
from chatcontract.target import Target, TargetInput, check_answers
from chatcontract.target import open_target as resolve

OPERATOR_ENV = "CHATCONTRACT_OPERATOR"
SIM_DEFAULT_MODEL = "sim-ok"


def resolve_operator(flag: str | None) -> str | None:
    """``--operator``, else ``CHATCONTRACT_OPERATOR``, else ``USER``."""
    return flag or os.environ.get(OPERATOR_ENV) or os.environ.get("USER") or None


@contextmanager
def open_target(
    base_url: str | None,
    profile: Profile,
    api_key_env: str,
    api_key_file: Path | None,
    *,
    headers: Sequence[str] = (),
    proxy: str | None = None,
    ca_bundle: Path | None = None,
    check: bool = True,
) -> Iterator[Target]:
    """The target for the ``with`` block, by the one resolver (:mod:`chatcontract.target`):
    the simulator, when embedded, answers in the profile's error style with its own minted key.
    A target that does not answer at all raises :class:`~chatcontract.target.TargetUnreachableError`
    unless ``check`` is off (reproducing a connect error or a timeout: the dead target is the evidence)."""
    given = TargetInput(base_url, profile, api_key_env, api_key_file, None, tuple(headers), proxy, ca_bundle)
    with resolve(given, sim_model=SIM_DEFAULT_MODEL) as target:
        if check:
            check_answers(target)
        yield target
