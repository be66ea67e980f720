"""The resilient client: classify every attempt, retry only what is safe, within one deadline.

One sans-I/O engine (:mod:`chatcontract.client.engine`) holds every decision: full-jitter
backoff, Retry-After within the deadline, a retry budget and a circuit breaker per client,
fallbacks only where the failure class allows them. ``ResilientTransport`` /
``AsyncResilientTransport`` run it (one sync and one async loop) for any httpx-based SDK, and
``Client`` (sync, thread-safe) and ``AsyncClient`` are typed APIs built on them, as
``httpx2.Client`` sits on its transport. Every attempt becomes a redacted
:class:`~chatcontract.record.AttemptRecord` (``Completion.attempts``, ``CallFailed.attempts``,
and the optional ``sink``)::

    from chatcontract import CallFailed, Client, Policy, Route

    client = Client(base_url="https://api.cometapi.com/v1", api_key=key,
                    policy=Policy(deadline_s=30), fallbacks=[Route(model="other-model")])
    c = client.chat(model="m", messages=[{"role": "user", "content": "Hi"}])
    c.content, c.model, c.finish_reason, c.usage, c.attempts   # c.model: the model that answered
    for delta in client.stream(model="m", messages=[...]):       # live text; a cut raises
        ...                                                      # CallFailed(partial=True)

    # the same policy inside the openai SDK (its own retries off):
    openai.OpenAI(http_client=httpx2.Client(transport=ResilientTransport(fallbacks=[...])),
                  max_retries=0)

Defaults (:class:`Policy`): connect 5 s, first content chunk 10 s, stream idle 15 s, whole call
60 s, 3 attempts per route, backoff full jitter base 0.5 s cap 8 s, retries under 10 % of calls
(floor 10 per 10 s), breaker opens after 5 consecutive health failures and re-probes after 15 s.
"""

from __future__ import annotations

from chatcontract.client.aio import AsyncChatStream, AsyncClient
from chatcontract.client.errors import CallFailed, failure_of
from chatcontract.client.policy import Policy
from chatcontract.client.route import Route
from chatcontract.client.sync import ChatStream, Client
from chatcontract.client.transport import (
    ResilientTransport,
    StreamBroken,
    TransportFailure,
    TransportTimeout,
)
from chatcontract.client.transport_aio import AsyncResilientTransport
from chatcontract.client.wire import Completion

__all__ = [
    "AsyncChatStream",
    "AsyncClient",
    "AsyncResilientTransport",
    "CallFailed",
    "ChatStream",
    "Client",
    "Completion",
    "Policy",
    "ResilientTransport",
    "Route",
    "StreamBroken",
    "TransportFailure",
    "TransportTimeout",
    "failure_of",
]
