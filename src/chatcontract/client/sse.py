"""A fast incremental SSE decoder with structural checks on every chat-completion chunk.

:class:`StreamChecker` is sans-I/O: drivers feed it bytes as they arrive and ask how the
stream stands. Each ``data:`` event is parsed once with :func:`json.loads` and checked for
structure (an object, ``object == "chat.completion.chunk"`` when present, ``choices`` a list,
each ``delta`` an object) without building a model object per chunk. A stream is complete only
when a ``finish_reason`` arrived; ``[DONE]`` is optional after it.
"""

from __future__ import annotations

import json
from typing import Any

from chatcontract.taxonomy import StreamState

_decode = json.JSONDecoder().decode  # on str: skips json.loads' encoding sniffing
_CHUNK = "chat.completion.chunk"
_INVALID = object()  # an event that is not valid JSON


def _data_of(event: bytes) -> bytes | None:
    """The joined ``data`` field of one event (comments and other fields ignored)."""
    data = [line[6:] if line[5:6] == b" " else line[5:] for line in event.split(b"\n") if line[:5] == b"data:"]
    if not data:
        return None
    return data[0] if len(data) == 1 else b"\n".join(data)


class StreamChecker:
    """Decodes SSE bytes into chunk events and keeps the checked state of one stream."""

    __slots__ = (
        "_buf",
        "_skip_lf",
        "_started",
        "chunks",
        "done",
        "error_body",
        "finish_reason",
        "first_content",
        "model",
        "parts",
        "problem",
        "response_id",
        "state",
        "usage",
    )

    def __init__(self) -> None:
        self._buf = b""
        self._skip_lf = False  # the last read ended with a CR: a leading LF ends no line
        self._started = False  # the first chunk (model, id) has been seen
        self.parts: list[str] = []
        self.chunks = 0
        self.done = False
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.response_id: str | None = None
        self.first_content = False
        self.state: StreamState | None = None  # set once the stream failed or finished
        self.problem: str | None = None
        self.error_body: bytes | None = None

    def feed(self, data: bytes) -> int:
        """Consume ``data``; returns how many new content parts were appended to :attr:`parts`.

        Splits on blank lines (event boundaries); lines may end with CRLF, LF or a lone CR (a CR
        ending one read and an LF starting the next are one CRLF). The common event — one ``data: {...}`` line
        holding a plain content chunk — is parsed and checked inline; anything else (the first
        chunk, usage, finish, errors, odd shapes) takes the full path in :meth:`_dispatch_doc`.
        """
        parts = self.parts
        before = len(parts)
        if self._skip_lf:
            self._skip_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        buf = self._buf + data if self._buf else data
        if b"\r" in data:  # the kept tail is already normalised
            self._skip_lf = data[-1:] == b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events = buf.split(b"\n\n")
        self._buf = events.pop()
        fast = self.state is None and self._started
        count = 0
        for event in events:
            if event[:6] == b"data: " and b"\n" not in event:
                payload = event[6:]
            else:
                found = _data_of(event) if event else None
                if found is None:
                    continue
                payload = found
            try:
                doc = _decode(payload.decode())
            except ValueError:  # UnicodeDecodeError is a ValueError too
                doc = _INVALID
            if fast and type(doc) is dict and "error" not in doc and doc.get("usage") is None:
                choices = doc.get("choices")
                if type(choices) is list and choices and doc.get("object", _CHUNK) == _CHUNK:
                    choice = choices[0]
                    delta = choice.get("delta") if type(choice) is dict else None
                    if type(delta) is dict and choice.get("finish_reason") is None:
                        content = delta.get("content")
                        if not content or type(content) is str:
                            count += 1
                            if content:
                                parts.append(content)
                            continue
            self.chunks += count
            count = 0
            self._dispatch_doc(payload, doc)
            if self.state is not None:
                if self.state is not StreamState.COMPLETE:
                    break
                fast = False
            else:
                fast = self._started
        self.chunks += count
        if len(parts) > before:
            self.first_content = True
        return len(parts) - before

    def eof(self) -> None:
        """The connection closed: dispatch a last unterminated event, then settle the state."""
        tail = self._buf.rstrip(b"\r\n")
        self._buf = b""
        if tail and self.state is None:
            payload = _data_of(tail)
            if payload is not None:
                self._dispatch(payload)
        if self.state is None:
            self.state = StreamState.CUT
            self.problem = f"stream closed after {self.chunks} chunks without a finish_reason"

    def stalled(self, *, deadline: bool = False) -> None:
        """No event within the idle limit (or the call's deadline came mid-stream)."""
        if self.state is None:
            self.state = StreamState.STALLED
            why = "the call's deadline passed mid-stream" if deadline else "no event within the idle limit"
            self.problem = f"{why} after {self.chunks} chunks"

    def undecodable(self) -> None:
        """The body could not be decoded per its ``Content-Encoding``."""
        if self.state is None:
            self._fail(StreamState.MALFORMED, f"the body could not be decoded after {self.chunks} chunks")

    @property
    def complete(self) -> bool:
        return self.state is StreamState.COMPLETE

    def _fail(self, state: StreamState, problem: str) -> None:
        self.state = state
        self.problem = problem

    def _dispatch(self, payload: bytes) -> None:
        try:
            doc = _decode(payload.decode())
        except ValueError:
            doc = _INVALID
        self._dispatch_doc(payload, doc)

    def _dispatch_doc(self, payload: bytes, doc: Any) -> None:
        """The full path for one event: ``[DONE]``, invalid JSON, error objects, every check."""
        if self.state is not None and self.state is not StreamState.COMPLETE:
            return
        if payload == b"[DONE]":
            self.done = True
            if self.state is None:
                self._fail(StreamState.CUT, "[DONE] arrived before any finish_reason")
            return
        if doc is _INVALID:
            self._fail(StreamState.MALFORMED, f"event {self.chunks + 1} is not valid JSON")
            return
        self.chunks += 1
        if type(doc) is not dict:
            self._fail(StreamState.MALFORMED, f"event {self.chunks} is not a JSON object")
            return
        if "error" in doc:
            self.error_body = payload
            self._fail(StreamState.ERROR_EVENT, f"error object in the stream at event {self.chunks}")
            return
        self._check_chunk(doc)

    def _check_chunk(self, doc: dict[str, Any]) -> None:
        obj = doc.get("object")
        choices = doc.get("choices")
        if (obj is not None and obj != _CHUNK) or type(choices) is not list:
            self._fail(StreamState.MALFORMED, f"event {self.chunks} is not a chat.completion.chunk")
            return
        if not self._started:
            self._started = True
            self.model = doc.get("model")
            self.response_id = doc.get("id")
        usage = doc.get("usage")
        if usage is not None and type(usage) is dict:
            self.usage = usage
        if not choices:
            return
        choice = choices[0]
        delta = choice.get("delta") if type(choice) is dict else None
        if type(delta) is not dict:
            if type(choice) is dict and choice.get("finish_reason") is not None and delta is None:
                delta = {}
            else:
                self._fail(StreamState.MALFORMED, f"event {self.chunks} has no delta object")
                return
        content = delta.get("content")
        if content:
            if type(content) is not str:
                self._fail(StreamState.MALFORMED, f"event {self.chunks} has non-text content")
                return
            self.parts.append(content)
            self.first_content = True
        reason = choice.get("finish_reason")
        if reason is not None and self.finish_reason is None:
            self.finish_reason = str(reason)
            self.first_content = True
            self.state = StreamState.COMPLETE

    def settled(self, want_usage: bool) -> bool:
        """True when reading further adds nothing: failed, or finished (with usage if asked)."""
        state = self.state
        if state is None:
            return False
        if state is not StreamState.COMPLETE:
            return True
        return self.done or not want_usage or self.usage is not None
