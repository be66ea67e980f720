"""``Client``: the resilient client, synchronous. Safe to share across threads.

One ``httpx.Client`` is reused; all decisions come from the engine; this module only does I/O:
send one attempt, read its body or stream under the first-chunk, idle and deadline limits, and
sleep when the engine says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

import httpx

from chatcontract.client.attempt import Outcome, read_answer
from chatcontract.client.base import ClientBase
from chatcontract.client.engine import CallRun, Send, Wait
from chatcontract.client.sse import StreamChecker
from chatcontract.client.sync_stream import arm, checked_stream
from chatcontract.client.watchdog import Watchdog
from chatcontract.client.wire import (
    Completion,
    RequestMaker,
    completion,
    fail_transport,
    header_dict,
    request_body,
)
from chatcontract.record import utc_now

Attempt = Generator[str, None, Outcome]


class Client(ClientBase):
    """Resilient chat-completions client (see ``chatcontract.client`` for the behaviour)."""

    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **config: Any,
    ) -> None:
        super().__init__(**config)
        self._own_http = http_client is None
        if http_client is None:
            # Our own pool: attempts go straight to the transport (no cookie jar, no redirects,
            # no auth flow: a chat call needs none of them, and they cost per call).
            transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
            self._http = httpx.Client(transport=transport)
            self._send: Callable[[httpx.Request], httpx.Response] = transport.handle_request
        else:
            self._http = http_client
            self._send = lambda request: http_client.send(request, stream=True)
        self._sleep = sleep
        self._watchdog = Watchdog(self._clock)
        self._maker = RequestMaker(self._http.headers)

    def close(self) -> None:
        self._watchdog.close()
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API --------------------------------------------------------------------

    def chat(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        stream: bool = False,
        reissue: bool | None = None,
        deadline_s: float | None = None,
        request_class: str | None = None,
        **params: Any,
    ) -> Completion:
        """One whole, checked answer (streamed or not); raises :class:`CallFailed` otherwise."""
        run = self.begin(
            model,
            messages,
            streaming=stream,
            live=False,
            reissue=reissue,
            deadline_s=deadline_s,
            request_class=request_class,
        )
        gen = self._drive(run, model, messages, stream=stream, live=False, params=params)
        try:
            while True:
                next(gen)
        except StopIteration as stop:
            result: Completion = stop.value
            return result

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        reissue: bool | None = None,
        deadline_s: float | None = None,
        request_class: str | None = None,
        **params: Any,
    ) -> ChatStream:
        """Live text deltas; the stream ends with a checked final (``.completion``)."""
        run = self.begin(
            model,
            messages,
            streaming=True,
            live=True,
            reissue=reissue,
            deadline_s=deadline_s,
            request_class=request_class,
        )
        return ChatStream(self._drive(run, model, messages, stream=True, live=True, params=params))

    # -- driver --------------------------------------------------------------------------

    def _drive(
        self,
        run: CallRun,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        live: bool,
        params: Mapping[str, Any],
    ) -> Generator[str, None, Completion]:
        bodies: dict[str, bytes] = {}
        while True:
            step = run.next_step()
            if isinstance(step, Send):
                target = step.target
                body = bodies.get(target.model)
                if body is None:
                    body = request_body(
                        target.model,
                        messages,
                        stream=stream,
                        include_usage=self.include_usage,
                        params=params,
                    )
                    bodies[target.model] = body
                if stream:
                    try:
                        outcome = yield from self._stream_attempt(step, body, live)
                    except GeneratorExit:  # the caller stopped reading: no verdict on the route
                        run.abandon()
                        raise
                else:
                    outcome = self._attempt(step, body)
                run.report(outcome)
            elif isinstance(step, Wait):
                self._sleep(step.seconds)
            elif step.error is not None:
                raise step.error
            else:
                assert step.outcome is not None
                assert step.target is not None
                return completion(step.outcome, step.target, run.attempts, model)

    def _request(self, step: Send, body: bytes) -> httpx.Request:
        timeouts = {
            "connect": step.connect_s,
            "read": step.first_chunk_s,
            "write": step.first_chunk_s,
            "pool": step.connect_s,
        }
        return self._maker.build(step.target, body, timeouts)

    def _attempt(self, step: Send, body: bytes) -> Outcome:
        """One non-streaming attempt."""
        out = Outcome(started=self._clock(), wall=utc_now())
        response: httpx.Response | None = None
        try:
            response = self._send(self._request(step, body))
            out.status = response.status_code
            out.headers = header_dict(response)
            out.body = response.read()
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=False)
        else:
            if 200 <= out.status < 300:
                read_answer(out)
        finally:
            if response is not None:
                response.close()
        out.elapsed_s = self._clock() - out.started
        return out

    def _stream_attempt(self, step: Send, body: bytes, live: bool) -> Attempt:
        """One streaming attempt; yields deltas as they arrive when ``live``."""
        out = Outcome(started=self._clock(), wall=utc_now())
        request = self._request(step, body)
        try:
            response = self._send(request)
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
            out.elapsed_s = self._clock() - out.started
            return out
        try:
            out.status = response.status_code
            out.headers = header_dict(response)
            if not 200 <= out.status < 300:
                out.body = response.read()
            else:
                yield from self._read_stream(request, response, step, out, live)
        except httpx.HTTPError as exc:
            fail_transport(out, exc, streaming=True)
        finally:
            response.close()
        out.elapsed_s = self._clock() - out.started
        return out

    def _read_stream(
        self, request: httpx.Request, response: httpx.Response, step: Send, out: Outcome, live: bool
    ) -> Iterator[str]:
        """Read SSE under the limits; hand new text to the caller as it arrives when ``live``."""
        guard = arm(
            self._watchdog,
            request.extensions.get("timeout"),
            response.extensions.get("network_stream"),
            out,
            first_chunk_s=step.first_chunk_s,
            idle_s=step.idle_s,
            deadline=step.deadline_at,
        )
        checker = StreamChecker()
        parts = checker.parts
        seen = 0
        for _ in checked_stream(
            response.iter_bytes(),
            checker,
            out,
            guard,
            clock=self._clock,
            deadline=step.deadline_at,
            grace_s=self.policy.post_finish_grace_s,
            want_usage=self.include_usage,
        ):
            if live and len(parts) > seen:
                out.delivered = True
                yield from parts[seen:]
                seen = len(parts)


class ChatStream:
    """Iterator of live text deltas; ``completion`` is set once the stream finished whole."""

    def __init__(self, gen: Generator[str, None, Completion]) -> None:
        self._gen = gen
        self.completion: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._gen)
        except StopIteration as stop:
            self.completion = stop.value
            raise StopIteration from None

    def close(self) -> None:
        self._gen.close()
