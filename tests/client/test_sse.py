"""The SSE checker: any split of the bytes decodes the same; every way a stream ends is named."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcontract.client.sse import StreamChecker
from chatcontract.taxonomy import StreamState


def chunk(content: str | None = None, finish: str | None = None, **extra: object) -> bytes:
    delta = {} if content is None else {"content": content}
    doc = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(doc).encode() + b"\n\n"


WORDS = ["Hello", " wor", "ld", "!"]
WHOLE = (
    b'data: {"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant"}}]}\n\n'
    + b"".join(chunk(w) for w in WORDS)
    + chunk(None, "stop")
    + b'data: {"object":"chat.completion.chunk","choices":[],'
    + b'"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\n'
    + b"data: [DONE]\n\n"
)


def feed_all(data: bytes, cuts: list[int]) -> StreamChecker:
    checker = StreamChecker()
    pos = 0
    for cut in sorted(set(cuts)):
        checker.feed(data[pos:cut])
        pos = cut
    checker.feed(data[pos:])
    checker.eof()
    return checker


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(WHOLE) * 2), max_size=12), st.booleans())
def test_any_split_decodes_the_same(cuts: list[int], crlf: bool) -> None:
    body = WHOLE.replace(b"\n", b"\r\n") if crlf else WHOLE
    checker = feed_all(body, [c % (len(body) + 1) for c in cuts])
    assert checker.state is StreamState.COMPLETE
    assert "".join(checker.parts) == "Hello world!"
    assert checker.finish_reason == "stop"
    assert checker.usage == {"prompt_tokens": 3, "completion_tokens": 4}
    assert checker.done


def test_crlf_and_multiline_data_and_comments() -> None:
    body = (
        b": keep-alive\r\n\r\n" + b'data: {"object":"chat.completion.chunk",\r\ndata: "choices":[{"delta":'
        b'{"content":"a"},"finish_reason":"stop"}]}\r\n\r\n'
    )
    checker = feed_all(body, [])
    assert checker.parts == ["a"]
    assert checker.complete


@pytest.mark.parametrize(
    ("body", "state"),
    [
        pytest.param(chunk("a") + chunk("b"), StreamState.CUT, id="cut-no-finish"),
        pytest.param(chunk("a") + b"data: [DONE]\n\n", StreamState.CUT, id="done-without-finish"),
        pytest.param(chunk("a") + chunk(None, "stop"), StreamState.COMPLETE, id="finish-without-done"),
        pytest.param(
            chunk("a") + b"data: {not json\n\n" + chunk(None, "stop"),
            StreamState.MALFORMED,
            id="malformed",
        ),
        pytest.param(
            chunk("a") + b'data: {"error":{"message":"overloaded"}}\n\n',
            StreamState.ERROR_EVENT,
            id="error-event",
        ),
        pytest.param(
            b'data: {"object":"chat.completion","choices":[]}\n\n',
            StreamState.MALFORMED,
            id="wrong-object",
        ),
        pytest.param(b'data: {"object":"chat.completion.chunk"}\n\n', StreamState.MALFORMED, id="no-choices"),
        pytest.param(b'data: {"choices":[{"delta":"x"}]}\n\n', StreamState.MALFORMED, id="delta-not-object"),
        pytest.param(b"data: [1,2]\n\n", StreamState.MALFORMED, id="not-an-object"),
        pytest.param(b"", StreamState.CUT, id="empty"),
        pytest.param(
            chunk("a") + b'data: {"choices":[{"delta":{"content":["x"]}}]}\n\n',
            StreamState.MALFORMED,
            id="later-non-text-content",
        ),
        pytest.param(
            chunk("a") + b'data: {"choices":[{"delta":7}]}\n\n', StreamState.MALFORMED, id="later-delta-not-object"
        ),
        pytest.param(
            chunk("a") + b'data: {"object":"chat.completion","choices":[{"delta":{}}]}\n\n',
            StreamState.MALFORMED,
            id="later-wrong-object",
        ),
        pytest.param(chunk("a") + b'data: {"choices":"no"}\n\n', StreamState.MALFORMED, id="later-choices-not-list"),
        pytest.param(
            chunk("a")
            + b'data: {"choices":[{"delta":{"content":"b"}}],"usage":{"total_tokens":2}}\n\n'
            + chunk(None, "stop"),
            StreamState.COMPLETE,
            id="later-usage-kept",
        ),
        pytest.param(
            chunk("a") + b'data: {"choices":[{"delta":{"content":"b"},"finish_reason":"length"}]}',
            StreamState.COMPLETE,
            id="last-event-unterminated",
        ),
    ],
)
def test_how_a_stream_ends(body: bytes, state: StreamState) -> None:
    checker = feed_all(body, [])
    assert checker.state is state
    if state is not StreamState.COMPLETE:
        assert checker.problem


def test_error_event_keeps_its_body_for_the_classifier() -> None:
    checker = feed_all(chunk("a") + b'data: {"error":{"message":"x","code":"server_error"}}\n\n', [])
    assert checker.error_body is not None
    assert b"server_error" in checker.error_body


def test_settled_waits_for_usage_only_when_asked() -> None:
    checker = StreamChecker()
    checker.feed(chunk("a") + chunk(None, "stop"))
    assert checker.settled(want_usage=False)
    assert not checker.settled(want_usage=True)
    checker.feed(b'data: {"object":"chat.completion.chunk","choices":[],"usage":{"total_tokens":1}}\n\n')
    assert checker.settled(want_usage=True)


def test_stall_is_named_and_role_only_chunk_is_not_content() -> None:
    checker = StreamChecker()
    checker.feed(b'data: {"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant"}}]}\n\n')
    assert not checker.first_content
    checker.stalled()
    assert checker.state is StreamState.STALLED


def test_counts_every_chunk_on_both_paths() -> None:
    checker = feed_all(chunk("a") + chunk("b") + chunk("") + chunk(None, "stop") + b"data: [DONE]\n\n", [7, 90])
    assert checker.chunks == 4
    assert checker.parts == ["a", "b"]
    assert checker.model == "m"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(WHOLE) * 2), max_size=12))
def test_lone_cr_line_ends_decode_the_same_at_any_split(cuts: list[int]) -> None:
    body = WHOLE.replace(b"\n", b"\r")
    checker = feed_all(body, [c % (len(body) + 1) for c in cuts])
    assert checker.state is StreamState.COMPLETE
    assert "".join(checker.parts) == "Hello world!"
    assert checker.usage == {"prompt_tokens": 3, "completion_tokens": 4}
    assert checker.done


def test_lone_cr_event_is_dispatched_without_waiting_for_the_next_read() -> None:
    checker = StreamChecker()
    checker.feed(chunk("Hi").replace(b"\n", b"\r"))
    assert checker.parts == ["Hi"]  # the event's final CR ends it at once
    checker.feed(chunk(None, "stop").replace(b"\n", b"\r"))
    assert checker.state is StreamState.COMPLETE


@pytest.mark.parametrize(
    ("reads", "parts"),
    [
        pytest.param([b'data: {"choices":[{"delta":{"content":"a"}}]}\r', b"\n\r\n"], ["a"], id="crlf-split-at-cr"),
        pytest.param(
            [b'data: {"choices":[{"delta":{"content":"a"}}]}\r', b"\ndata: [DONE]\r\n\r\n"],
            [],
            id="split-crlf-is-one-line-end",
        ),
        pytest.param([b'data: {"choices":[{"delta":{"content":"a"}}]}\r', b"\r\n"], ["a"], id="cr-then-crlf"),
        pytest.param([b'data: {"choices":[{"delta":{"content":"a"}}]}\r', b"\r", b"\n"], ["a"], id="cr-cr-lf"),
    ],
)
def test_a_cr_ending_one_read_and_an_lf_starting_the_next_are_one_crlf(reads: list[bytes], parts: list[str]) -> None:
    """Two line ends close an event; a split CRLF counted twice would close it too early."""
    checker = StreamChecker()
    for data in reads:
        checker.feed(data)
    assert checker.parts == parts
