"""The resilient client: classify every attempt, retry only what is safe, within one deadline.

``Client`` (sync, thread-safe) and ``AsyncClient`` drive one sans-I/O engine
(:mod:`chatcontract.client.engine`) that holds every decision: full-jitter backoff, Retry-After
within the deadline, a retry budget and a circuit breaker per client, fallbacks only where the
failure class allows them. ``ResilientTransport`` carries the same policy into any httpx-based
SDK. Every attempt becomes a redacted :class:`~chatcontract.record.AttemptRecord`.
"""

from __future__ import annotations

from chatcontract.client.aio import AsyncChatStream, AsyncClient
from chatcontract.client.errors import CallFailed
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
]
