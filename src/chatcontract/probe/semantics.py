"""Provider reliability semantics: what the target did that a client's retry logic depends on.

Beside pass/fail, a probe run tallies, over every response it received, the behaviours a
retrying client relies on: Retry-After (or ``retry-after-ms``) on a 429, a provider request id
(a header, or the id CometAPI puts in ``error.message``), ``x-should-retry``, rate-limit headers
(``x-ratelimit-*``, the IETF ``RateLimit`` / ``RateLimit-Policy`` fields and the draft's
``RateLimit-Limit/Remaining/Reset``), ``stream_options.include_usage`` honoured, and an error
envelope on every refusal. Each is "observed" (in k of N) or "not observed in N responses",
where N counts only the responses that could show it (429s for Retry-After, refusals for the
envelope); with N = 0 the behaviour is "not assessed", never absent. Nothing here is a verdict:
the table says what was seen, and how often.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chatcontract.observation import header_map, observe, sse_payloads


class Seen(StrEnum):
    OBSERVED = "observed"
    NOT_OBSERVED = "not observed"
    NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class Behaviour:
    name: str
    title: str
    counted: str  # what the denominator counts
    none_seen: str = "no response"  # why it is not assessed when nothing was counted
    every: bool = False  # the behaviour holds only when every counted response shows it


BEHAVIOURS = (
    Behaviour("retry_after_on_429", "Retry-After or retry-after-ms on a 429", "429 responses",
              "no 429 response"),
    Behaviour("request_id", "x-request-id (or another request-id header) or an id in the error message",
              "responses"),
    Behaviour("x_should_retry", "x-should-retry header", "responses"),
    Behaviour("rate_limit_headers", "rate-limit headers (x-ratelimit-*, IETF RateLimit fields)", "responses"),
    Behaviour("include_usage_honoured", "stream_options.include_usage honoured (a usage chunk)",
              "2xx streams that asked for usage", "no 2xx stream asked for usage"),
    Behaviour("error_envelope_on_refusals", "an error envelope on every refusal", "refusals (HTTP 4xx/5xx)",
              "no refusal", every=True),
)
_IETF_RATE_LIMIT = ("ratelimit", "ratelimit-policy", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


@dataclass(frozen=True)
class SemanticsRow:
    """One behaviour: seen in ``seen`` of ``of`` responses that could show it."""

    behaviour: Behaviour
    seen: int
    of: int

    @property
    def status(self) -> Seen:
        if self.of == 0:
            return Seen.NOT_ASSESSED
        held = self.seen == self.of if self.behaviour.every else self.seen > 0
        return Seen.OBSERVED if held else Seen.NOT_OBSERVED

    @property
    def detail(self) -> str:
        what = self.behaviour.counted
        if self.of == 0:
            return f"not assessed: {self.behaviour.none_seen} in this run"
        if self.status is Seen.NOT_OBSERVED and self.seen == 0:
            return f"not observed in {self.of} {what}"
        if self.status is Seen.NOT_OBSERVED:
            return f"not observed in {self.of - self.seen} of {self.of} {what}"
        return f"observed in {self.seen} of {self.of} {what}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.behaviour.name, "behaviour": self.behaviour.title, "status": self.status.value,
                "observed_in": self.seen, "of": self.of, "counted": self.behaviour.counted, "detail": self.detail}


def _asked_usage(request_body: bytes) -> bool:
    try:
        doc = json.loads(request_body)
    except (ValueError, UnicodeDecodeError):
        return False
    options = doc.get("stream_options") if isinstance(doc, dict) else None
    return bool(doc.get("stream")) and isinstance(options, dict) and options.get("include_usage") is True


def _usage_chunk(body: bytes) -> bool:
    for payload in sse_payloads(body.decode("utf-8", "replace")):
        try:
            doc = json.loads(payload)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("usage"), dict):
            return True
    return False


@dataclass
class Semantics:
    """A tally over the responses of one run (bounded: counters only, never the responses)."""

    counts: dict[str, list[int]] = field(default_factory=lambda: {b.name: [0, 0] for b in BEHAVIOURS})

    def _count(self, name: str, shown: bool) -> None:
        pair = self.counts[name]
        pair[0] += int(shown)
        pair[1] += 1

    def see(self, status: int | None, headers: Mapping[str, str], body: bytes, request_body: bytes = b"") -> None:
        """Count one attempt's response (an attempt with no response shows nothing)."""
        if status is None:
            return
        h = header_map(headers)
        obs = observe(status, h, body)
        self._count("request_id", obs.provider_request_id is not None)
        self._count("x_should_retry", obs.should_retry is not None)
        self._count("rate_limit_headers", any(k.startswith("x-ratelimit-") or k in _IETF_RATE_LIMIT for k in h))
        if status == 429:
            self._count("retry_after_on_429", obs.retry_after_ms is not None)
        if status >= 400:
            self._count("error_envelope_on_refusals", obs.error_type is not None or obs.error_message is not None
                        or obs.error_code is not None)
        if 200 <= status < 300 and "text/event-stream" in h.get("content-type", "") and _asked_usage(request_body):
            self._count("include_usage_honoured", _usage_chunk(body))

    def rows(self) -> list[SemanticsRow]:
        return [SemanticsRow(b, *self.counts[b.name]) for b in BEHAVIOURS]

    def to_list(self) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.rows()]
