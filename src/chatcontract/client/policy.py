"""The retry policy: limits, backoff, and whether a Retry-After fits the deadline.

Every limit is a keyword-only field with its unit in the name. Backoff is *full jitter*::

    sleep = uniform(0, min(backoff_max_s, backoff_base_s * 2 ** (retry_number - 1)))

A provider's ``Retry-After`` / ``retry-after-ms`` replaces the jittered sleep when it fits in
what is left of the call's deadline; when it does not, the call fails over (or fails) at once
instead of sleeping for nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TokenCounter = Callable[[Sequence[Mapping[str, Any]]], int]


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Limits and decisions for one logical call; shared by every route of the call.

    Defaults: connect 5 s, first chunk 10 s (until the first *content* event, not just the
    headers), stream idle 15 s, whole call 60 s (all attempts and fallbacks included), at most
    3 attempts per route, breaker re-probed 15 s after opening, retries held under 10 % of calls
    with a floor of 10 retries per 10 s window.

    Stream limits: the first-chunk limit runs from sending until the first *content* event;
    then each gap between data events must stay under the idle limit (keep-alive comments are
    no progress: neither a first chunk nor a reset of the idle limit); the whole call (every
    attempt, wait and fallback) ends at ``deadline_s``. After a ``finish_reason`` the client reads
    on for at most ``post_finish_grace_s`` (usage, ``[DONE]``) and never waits for a missing
    ``[DONE]``. (Sync, only when the stream's socket is out of reach, e.g. a custom inner
    transport: the limits fall back to a socket read timeout of the idle limit per read.)

    Local size budget: ``max_request_chars`` (or ``max_request_tokens`` with a ``token_counter``)
    applies to the primary route; a fallback ``Route`` applies its own ``max_request_chars``.
    ``reissue=False``: once a request may have reached the provider it is neither retried nor
    failed over (only connect failures before sending are retried).
    """

    connect_timeout_s: float = 5.0
    first_chunk_timeout_s: float = 10.0
    stream_idle_timeout_s: float = 15.0
    deadline_s: float = 60.0
    max_attempts_per_route: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    retry_budget_ratio: float = 0.1
    retry_budget_floor: float = 10.0
    retry_budget_window_s: float = 10.0
    breaker_failure_threshold: int = 5
    breaker_reprobe_s: float = 15.0
    breaker_half_open_probes: int = 1
    reissue: bool = True
    max_request_chars: int | None = None
    max_request_tokens: int | None = None
    token_counter: TokenCounter | None = field(default=None, compare=False)
    post_finish_grace_s: float = 0.5

    def __post_init__(self) -> None:
        for name in (
            "connect_timeout_s",
            "first_chunk_timeout_s",
            "stream_idle_timeout_s",
            "deadline_s",
            "breaker_reprobe_s",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"Policy.{name} must be > 0")
        if self.max_attempts_per_route < 1:
            raise ValueError("Policy.max_attempts_per_route must be >= 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < 0:
            raise ValueError("Policy backoff values must be >= 0")
        if not 0 <= self.retry_budget_ratio <= 1 or self.retry_budget_floor < 0:
            raise ValueError("Policy retry budget: ratio in [0, 1], floor >= 0")
        if self.breaker_failure_threshold < 1 or self.breaker_half_open_probes < 1:
            raise ValueError("Policy breaker threshold and probes must be >= 1")


def full_jitter_s(policy: Policy, retry_number: int, rng: random.Random) -> float:
    """The jittered sleep before retry ``retry_number`` (1 = the first retry)."""
    ceiling = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** max(0, retry_number - 1))
    return rng.uniform(0.0, ceiling)


def retry_wait_s(
    policy: Policy,
    retry_number: int,
    retry_after_ms: float | None,
    remaining_s: float,
    rng: random.Random,
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` when no wait fits the deadline.

    A server-given Retry-After wins over the jittered backoff; either way the wait must leave
    room for a useful attempt (the first-chunk limit, at most 1 s) before the deadline —
    sleeping into a deadline only to send a doomed attempt is the pointless sleep avoided here.
    """
    wait = retry_after_ms / 1000.0 if retry_after_ms is not None else full_jitter_s(policy, retry_number, rng)
    if wait + min(1.0, policy.first_chunk_timeout_s) > remaining_s:
        return None
    return wait


def request_size(policy: Policy, messages: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
    """``(size, limit)`` when the request is over the local budget, else ``None``."""
    if policy.token_counter is not None and policy.max_request_tokens is not None:
        tokens = policy.token_counter(messages)
        return (tokens, policy.max_request_tokens) if tokens > policy.max_request_tokens else None
    if policy.max_request_chars is None:
        return None
    chars = sum(_chars(m.get("content")) for m in messages)
    return (chars, policy.max_request_chars) if chars > policy.max_request_chars else None


def _chars(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(len(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return 0
