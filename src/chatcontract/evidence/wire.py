"""Send one request once and observe it on the one wire: status, body, transport error, how a
stream ended.

``repro`` needs every attempt on its own (the resilient client would retry inside one call and
hide attempts), so it sends the probe's requests one at a time through the client's single-attempt
:class:`~chatcontract.client.sender.Sender` (the same translation, stream checker and limits).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from chatcontract.client.attempt import Outcome
from chatcontract.client.engine import Limits
from chatcontract.client.sender import Sender
from chatcontract.errors import UsageError
from chatcontract.record import utc_now

BODY_CAP_BYTES = 64 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Per-attempt limits, in seconds."""

    connect_s: float = 5.0
    read_s: float = 30.0
    stream_idle_s: float = 15.0

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if not 0 < value <= 600:
                raise UsageError(f"timeout {name} must be between 0 and 600 seconds, got {value:g}")

    def as_dict(self) -> dict[str, float]:
        return {
            "connect_s": self.connect_s,
            "read_s": self.read_s,
            "stream_idle_s": self.stream_idle_s,
        }


def send_once(sender: Sender, request: httpx2.Request, timeouts: Timeouts, *, stream: bool) -> Outcome:
    """Send ``request`` once (no retry) on the one wire and read the answer within ``timeouts``.

    A stream is read to its end (the evidence keeps its events); its checked state, first
    chunk and finish reason land on the outcome exactly as the client would see them.
    """
    out = Outcome(started=sender.clock(), wall=utc_now())
    read = timeouts.stream_idle_s if stream else timeouts.read_s
    limits = Limits(
        connect_s=timeouts.connect_s, first_chunk_s=read, idle_s=timeouts.stream_idle_s, deadline_at=out.started + 600.0
    )
    request.extensions["timeout"] = {**limits.timeouts(), "read": read}
    if stream:
        for _ in sender.stream_attempt(request, limits, out, live=False, want_usage=True, keep=True):
            pass
    else:
        sender.attempt(request, out)
    out.elapsed_s = sender.clock() - out.started
    if out.body is not None and len(out.body) > BODY_CAP_BYTES:
        out.body = out.body[:BODY_CAP_BYTES]
    return out
