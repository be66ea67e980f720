"""Healthy answers: the canonical text and the JSON bytes of completions and chunks.

The hot path builds bytes by concatenating precomputed pieces; only the id, the timestamp, the
model name and the usage differ per request.
"""

from __future__ import annotations

import json
from functools import lru_cache

from chatcontract.selfcheck import sealed

CANONICAL_TEXT = sealed(
    "The simulator answers every healthy request with this exact paragraph, so that a caller "
    "can check it received the whole answer and not a truncated one. It holds plain words, a "
    "café with an accented letter, a long dash — like this one — and ordinary punctuation. "
    "A stream carries it one word per chunk; joining the words with single spaces gives back "
    "this text exactly, from the first word to the very last one."
)
"""Self-checking: ``chatcontract.selfcheck.verify(CANONICAL_TEXT).whole`` and no prefix of it is."""
WORDS: tuple[str, ...] = tuple(CANONICAL_TEXT.split(" "))
FINGERPRINT = "fp_sim_0001"
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: object) -> bytes:
    """Compact JSON bytes (UTF-8, non-ASCII kept as is, like real providers)."""
    return _DUMPS(value).encode()


def piece(index: int) -> str:
    """Content of the ``index``-th content chunk: a word, with its leading space after the first."""
    word = WORDS[index % len(WORDS)]
    return word if index == 0 else " " + word


@lru_cache(maxsize=4096)
def _json_piece(index: int) -> bytes:
    return dumps(piece(index))


def json_piece(index: int) -> bytes:
    """``piece(index)`` as JSON string bytes (cached: the word list cycles)."""
    return _json_piece(index if index < len(WORDS) else len(WORDS) + index % len(WORDS))


def estimate_tokens(chars: int) -> int:
    """A deterministic token estimate (4 characters a token); real counts need a tokenizer."""
    return max(1, (chars + 3) // 4)


COMPLETION_TOKENS = len(WORDS)


def usage_json(prompt_tokens: int, completion_tokens: int) -> bytes:
    """The ``usage`` object with the fields SDKs read."""
    return (
        b'{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
        b'"prompt_tokens_details":{"cached_tokens":0},'
        b'"completion_tokens_details":{"reasoning_tokens":0}}'
        % (prompt_tokens, completion_tokens, prompt_tokens + completion_tokens)
    )


_MESSAGE_HEAD = b',"choices":[{"index":0,"message":{"role":"assistant","content":'
_MESSAGE_TAIL = b',"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":'
_CANONICAL_JSON = dumps(CANONICAL_TEXT)


@lru_cache(maxsize=1024)
def _json_model(model: str) -> bytes:
    return dumps(model)


@lru_cache(maxsize=8)
def _choices(finish_reason: str) -> bytes:
    return _MESSAGE_HEAD + _CANONICAL_JSON + _MESSAGE_TAIL + dumps(finish_reason) + b"}]"


_TAIL = b',"usage":%s,"service_tier":"default","system_fingerprint":"' + FINGERPRINT.encode() + b'"}'


def completion(
    cid: str,
    created: int,
    model: str,
    prompt_tokens: int,
    *,
    finish_reason: str = "stop",
    with_choices: bool = True,
) -> bytes:
    """A non-streaming ``chat.completion`` body carrying CANONICAL_TEXT (the hot path)."""
    head = b'{"id":"%s","object":"chat.completion","created":%d,"model":%s' % (
        cid.encode(),
        created,
        _json_model(model),
    )
    choices = _choices(finish_reason) if with_choices else b""
    return head + choices + _TAIL % usage_json(prompt_tokens, COMPLETION_TOKENS)


class ChunkMaker:
    """Builds the ``chat.completion.chunk`` JSON of one stream (shared id, created, model)."""

    def __init__(
        self,
        cid: str,
        created: int,
        model: str,
        *,
        fingerprint: bool = True,
        extra_fields: bool = False,
        usage_null: bool = True,
        with_choices: bool = True,
    ) -> None:
        fp = b'"%s"' % FINGERPRINT.encode() if fingerprint else b"null"
        extra = b',"x_sim_extra":{"note":"unknown field"}' if extra_fields else b""
        self._head = (
            b'{"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,"system_fingerprint":%s%s'
            % (
                cid.encode(),
                created,
                dumps(model),
                fp,
                extra,
            )
        )
        self._usage_tail = b',"usage":null}' if usage_null else b"}"
        self._with_choices = with_choices

    def _choice(self, delta: bytes, finish: bytes, index: int = 0) -> bytes:
        if not self._with_choices:
            return self._head + self._usage_tail
        return (
            self._head
            + b',"choices":[{"index":%d,"delta":' % index
            + delta
            + b',"logprobs":null,"finish_reason":'
            + finish
            + b"}]"
            + self._usage_tail
        )

    def role(self, index: int = 0) -> bytes:
        """First chunk: the role only, no content (as OpenAI sends it)."""
        return self._choice(b'{"role":"assistant","content":"","refusal":null}', b"null", index)

    def content(self, index: int) -> bytes:
        """Content chunk number ``index`` (0-based) of the canonical text."""
        return self._choice(b'{"content":' + json_piece(index) + b"}", b"null")

    def text(self, content: str, index: int = 0) -> bytes:
        """A content chunk carrying ``content`` for choice ``index``."""
        return self._choice(b'{"content":' + dumps(content) + b"}", b"null", index)

    def tool_start(self, call_id: str, name: str, index: int = 0) -> bytes:
        """The first tool-call delta: id, type, function name and empty arguments."""
        call = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        return self._choice(dumps({"tool_calls": [call]}), b"null", index)

    def tool_args(self, fragment: str, index: int = 0) -> bytes:
        """A tool-call delta carrying the next ``fragment`` of the arguments JSON."""
        return self._choice(dumps({"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}), b"null", index)

    def empty(self) -> bytes:
        """A chunk with an empty delta (some gateways send these)."""
        return self._choice(b"{}", b"null")

    def finish(self, reason: str = "stop", index: int = 0) -> bytes:
        """The final choice chunk: empty delta and ``finish_reason``."""
        return self._choice(b"{}", dumps(reason), index)

    def usage(self, prompt_tokens: int, completion_tokens: int) -> bytes:
        """The usage chunk sent after the finish chunk when ``include_usage`` is set."""
        return self._head + b',"choices":[],"usage":' + usage_json(prompt_tokens, completion_tokens) + b"}"
