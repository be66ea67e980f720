"""Setting up a probe from user input: the target, the embedded simulator, the case list.

With no base URL (no ``--base-url``, no ``COMETAPI_BASE_URL``) the probe runs against the
simulator started in-process with a freshly minted key and model — any ``COMETAPI_API_KEY`` in
the environment is ignored, so a real key is never sent to the simulator. With a base URL the
key comes from the environment or a key file and may be absent (the cases that need it are
then inconclusive).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chatcontract.config import Credential, resolve_base_url, resolve_credential, resolve_model
from chatcontract.contract.profile import load_profile
from chatcontract.errors import UsageError
from chatcontract.probe.registry import Case, Registry
from chatcontract.probe.runner import Target
from chatcontract.sinks import RecordSink


@dataclass(frozen=True)
class ProbeInput:
    """What the user asked for (flags and environment, not yet resolved)."""

    base_url: str | None = None
    profile: str = "cometapi"
    api_key_env: str = "COMETAPI_API_KEY"
    api_key_file: Path | None = None
    model: str | None = None
    sim_admin: bool = False  # embedded simulator: also serve its admin routes (watch switches faults)


def parse_case_names(text: str | None) -> list[str] | None:
    """``"happy, stream"`` → ``["happy", "stream"]``; ``None`` selects every case."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def select_cases(registry: Registry, text: str | None) -> list[Case]:
    """The cases ``--cases`` names (a :class:`UsageError` for an unknown one)."""
    return registry.select(parse_case_names(text))


def check_out_dir(path: Path | None) -> None:
    """Refuse an ``--out`` that cannot be a directory before any request is sent.

    Checks the path and its nearest existing ancestor (a file there), then proves the directory
    writable by making it and a scratch file in it, and removing both again (permission bits do
    not tell: root passes ``os.access`` on ``/proc`` and read-only mounts). Leaves nothing behind.
    """
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} exists and is not a directory")
    missing = [] if path.exists() else [path, *(p for p in path.absolute().parents if not p.exists())]
    ancestor = path.absolute().parents[len(missing) - 1] if missing else path
    if not ancestor.is_dir():
        raise UsageError(f"cannot write reports to {path}: {ancestor} is a file, not a directory")
    made: list[Path] = []
    try:
        for directory in reversed(missing):
            directory.mkdir()
            made.append(directory)
        fd, scratch = tempfile.mkstemp(dir=path, prefix=".chatcontract-write-check-")
        os.close(fd)
        os.unlink(scratch)
    except OSError as exc:
        raise UsageError(f"cannot write reports to {path}: {exc.strerror or exc}") from None
    finally:
        for directory in reversed(made):
            with contextlib.suppress(OSError):
                directory.rmdir()


def _minted() -> tuple[str, str]:
    """The embedded simulator's key and model: ``$CHATCONTRACT_SIM_API_KEY`` if set (so whoever
    set it can use the admin routes, which require the key), else a fresh random key."""
    from chatcontract.sim.config import SIM_KEY_ENV

    key = os.environ.get(SIM_KEY_ENV) or f"sk-chatcontract-embedded-{secrets.token_hex(16)}"
    return key, f"probe-model-{secrets.token_hex(4)}"


@contextmanager
def open_target(given: ProbeInput) -> Iterator[Target]:
    """Resolve the target; start (and finally stop) the embedded simulator when there is none.

    Input errors (a URL without scheme, a bad profile, an unreadable key file) raise
    :class:`UsageError` before anything starts.
    """
    profile = load_profile(given.profile)
    base = resolve_base_url(given.base_url, profile)
    if base is not None:
        credential = resolve_credential(given.api_key_env, given.api_key_file)
        model = resolve_model(given.model)
        yield Target(base.url, profile, credential, model, label=base.url, note=base.note)
        return
    if given.api_key_file is not None:
        resolve_credential(None, given.api_key_file)  # a missing or unreadable file is bad input even here
    from chatcontract.sim import serve

    key, minted_model = _minted()
    model = given.model or minted_model
    with serve(api_key=key, models=(model,), error_style=profile.error_style, admin=given.sim_admin) as sim:
        credential = Credential(key=key, source="embedded-simulator:minted")
        label = f"embedded simulator {sim.base_url}"
        yield Target(sim.base_url, profile, credential, model, label=label, embedded=True, note=_ignored(given))


def _ignored(given: ProbeInput) -> str | None:
    """Say so when a configured key is not used (the embedded simulator has its own)."""
    sources = [f"--api-key-file {given.api_key_file}"] if given.api_key_file is not None else []
    if given.api_key_env and os.environ.get(given.api_key_env, "").strip():
        sources.append(given.api_key_env)
    if not sources:
        return None
    return f"ignoring {' and '.join(sources)}: the embedded simulator only accepts the key minted for it"


@contextmanager
def store_sink(location: str | None, target: Target) -> Iterator[tuple[RecordSink | None, str | None]]:
    """``(sink, run_id)`` for the evidence store at ``location``; ``(None, None)`` without one."""
    if location is None:
        yield None, None
        return
    from chatcontract.evidence.store import open_store

    with open_store(location) as store:
        meta = {"target": target.label or target.base_url, "profile": target.profile.name}
        run_id = store.start_run("probe", meta=meta)
        try:
            yield store, run_id
        finally:
            store.finish_run(run_id)
