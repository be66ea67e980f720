"""One default TLS context per process for the clients' own connection pools.

``httpx2.HTTPTransport()`` builds a new :class:`ssl.SSLContext` and loads the CA bundle into it
every time (about 27 ms of CPU), even for a plain-HTTP loopback target. A client made per call or
per run (conduct makes one per scenario run) paid that each time; a context is safe to share
between clients and threads, so it is made once (with the environment's ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` as they are at first use).
"""

from __future__ import annotations

import functools
import ssl

import httpx2


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The verifying context httpx would build by default, built once."""
    return httpx2.create_ssl_context()
