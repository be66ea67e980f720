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
