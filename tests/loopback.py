"""One TLS context for the tests' own ``httpx.get/post/request`` calls.

Each of those calls builds a client, and each client loads the CA bundle (~27 ms of CPU) even
for a plain-HTTP loopback URL; ``verify=TLS`` hands it the process's shared context instead.
"""

from __future__ import annotations

from chatcontract.tls import default_context

TLS = default_context()
