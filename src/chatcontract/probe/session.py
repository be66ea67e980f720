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
from pathlib import Path

from chatcontract.errors import UsageError
from chatcontract.probe.registry import Case, Registry
from chatcontract.target import Target, TargetInput
from chatcontract.target import open_target as resolve

ProbeInput = TargetInput
"""What the user asked for (flags and environment, not yet resolved): the one resolver's input."""


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


@contextmanager
def open_target(given: TargetInput) -> Iterator[Target]:
    """Resolve the target with the one resolver (:mod:`chatcontract.target`); against the
    embedded simulator the model is a freshly minted name unless one was asked for."""
    with resolve(given, sim_model=f"probe-model-{secrets.token_hex(4)}") as target:
        yield target
