"""TLS contexts made once per process, shared by every client, transport and command.

``httpx2.HTTPTransport()`` (and an ``httpx2.Client`` without ``verify``) builds a new
:class:`ssl.SSLContext` and loads the CA bundle into it every time: about 27 ms of CPU, even for
a plain-HTTP loopback target. A client made per call or per run (conduct makes one per scenario
run, ``watch`` one per check, the tests thousands) paid that each time. A context is safe to share
between clients and threads, so each is made once: the default one (httpx's own choice of CA
bundle, read at first use) and one per CA file or directory, made again when the file changes.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx2


@functools.cache
def default_context() -> ssl.SSLContext:
    """The verifying context httpx would build by default, built once."""
    return httpx2.create_ssl_context()


def verifying_context(cafile: str | None, capath: str | None = None) -> ssl.SSLContext:
    """A verifying context trusting ``cafile`` / ``capath``; raises :class:`OSError` or
    :class:`ssl.SSLError` when they cannot be loaded. A rewritten bundle gets a fresh context."""
    return _verifying_context(cafile, capath, _stamp(cafile))


def _stamp(path: str | None) -> tuple[int, int] | None:
    """Size and modification time of a CA file."""
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns) if stat else None


@functools.lru_cache(maxsize=8)
def _verifying_context(cafile: str | None, capath: str | None, stamp: tuple[int, int] | None) -> ssl.SSLContext:
    del stamp  # part of the cache key only
    return ssl.create_default_context(cafile=cafile, capath=capath)
