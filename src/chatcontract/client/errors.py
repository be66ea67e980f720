"""``CallFailed``: the one exception a logical call raises when it did not complete."""

from __future__ import annotations

from collections.abc import Sequence

from chatcontract.errors import ChatContractError
from chatcontract.record import AttemptRecord, FailureClass


class CallFailed(ChatContractError):  # noqa: N818 - the public name is fixed by the API
    """A call that did not complete, with every attempt it made (already redacted).

    ``partial`` is true when a live stream had already handed content to the caller: what the
    caller saw is not a whole answer, and nothing was retried or failed over.
    """

    def __init__(
        self,
        failure_class: FailureClass,
        attempts: Sequence[AttemptRecord],
        *,
        summary: str,
        partial: bool = False,
    ) -> None:
        self.failure_class = failure_class
        self.attempts = list(attempts)
        self.partial = partial
        self.provider_request_id = next(
            (a.provider_request_id for a in reversed(self.attempts) if a.provider_request_id), None
        )
        where = " after content was delivered (partial)" if partial else ""
        count = len(self.attempts)
        super().__init__(f"call failed{where}: {failure_class.value}: {summary} ({count} attempt records)")

    @property
    def last(self) -> AttemptRecord | None:
        return self.attempts[-1] if self.attempts else None


FAILURE_EXTENSION = "chatcontract.call_failed"
"""The key under which a failed call's :class:`CallFailed` rides on the HTTP error response a
resilient transport hands over (``response.extensions``)."""


def failure_of(error: BaseException) -> CallFailed | None:
    """The :class:`CallFailed` behind an error an SDK raised over a resilient transport.

    Works on what the openai SDK raises: an ``APIStatusError`` (its ``response`` carries the
    failure), an ``APIConnectionError``/``APITimeoutError`` (its cause is our transport error),
    and on our own :class:`CallFailed` and transport errors. ``None`` when no call failed here.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CallFailed):
            return current
        found = getattr(current, "call_failed", None)
        if isinstance(found, CallFailed):
            return found
        extensions = getattr(getattr(current, "response", None), "extensions", None)
        if isinstance(extensions, dict) and isinstance(extensions.get(FAILURE_EXTENSION), CallFailed):
            failed: CallFailed = extensions[FAILURE_EXTENSION]
            return failed
        current = current.__cause__ or current.__context__
    return None
