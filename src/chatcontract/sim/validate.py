"""Request validation in the order real providers apply it (see SIM_SPEC.md).

Every check has a mode that switches it off, so the probe can be tested against a server that
breaks exactly one part of the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chatcontract.sim import errors as errs
from chatcontract.sim.config import SimConfig
from chatcontract.sim.options import InvalidOption, Options, parse_options

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


class ChatRequest:
    """What the simulator needs from a valid request (slotted: built on every request)."""

    __slots__ = ("include_usage", "last_role", "messages", "model", "options", "prompt_chars", "stream")

    def __init__(
        self,
        model: str,
        stream: bool,
        include_usage: bool,
        prompt_chars: int,
        messages: int,
        *,
        options: Options = Options(),
        last_role: str = "user",
    ) -> None:
        self.model = model
        self.stream = stream
        self.include_usage = include_usage
        self.prompt_chars = prompt_chars
        self.messages = messages
        self.options = options
        self.last_role = last_role


@dataclass(frozen=True)
class Rejection:
    """A request refused before any fault applies: the error and a short kind for the log."""

    kind: str
    error: errs.SimError
    model: str = ""


def check_auth(authorization: bytes | None, config: SimConfig, expected: bytes) -> Rejection | None:
    """401 for a missing or wrong bearer key (500 in ``bad-key-500`` mode)."""
    if "key-ignored" in config.modes:
        return None
    if authorization is None:
        error = errs.missing_key()
    elif authorization[:7].lower() == b"bearer " and authorization[7:].strip() == expected:
        return None
    else:
        error = errs.invalid_key()
    if "bad-key-500" in config.modes:
        error = errs.bad_key_500()
    return Rejection("auth", error)


def _content_chars(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(
            len(p.get("text", "")) for p in content if isinstance(p, dict) and isinstance(p.get("text", ""), str)
        )
    return 0


def _check_messages(messages: Any, config: SimConfig) -> Rejection | int:
    """Total content chars, or the rejection of the messages list."""
    if not isinstance(messages, list):
        return Rejection("invalid_messages", errs.invalid_param("messages", "expected an array."))
    if not messages and "empty-messages-accepted" not in config.modes:
        return Rejection(
            "empty_messages",
            errs.SimError(
                400,
                "Invalid 'messages': empty array. Expected an array with minimum length 1.",
                param="messages",
                code="empty_array",
            ),
        )
    chars = 0
    bad_role_ok = "bad-role-accepted" in config.modes
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return Rejection("invalid_messages", errs.invalid_param(f"messages[{i}]", "expected an object."))
        role = message.get("role")
        if not (isinstance(role, str) and role in ROLES) and not bad_role_ok:
            return Rejection(
                "bad_role",
                errs.invalid_param(f"messages[{i}].role", f"{role!r} is not one of {sorted(ROLES)}."),
            )
        chars += _content_chars(message.get("content"))
    return chars


def parse_body(body: bytes, config: SimConfig) -> ChatRequest | Rejection:
    """Checks 2-4 of the validation order: JSON object, model, messages, context size."""
    try:
        data = json.loads(body.decode())  # str skips json's encoding sniffing
    except ValueError:  # includes UnicodeDecodeError
        return Rejection("invalid_json", errs.not_json())
    if not isinstance(data, dict):
        return Rejection("invalid_json", errs.not_json())
    model = data.get("model")
    if model is None:
        return Rejection("missing_model", errs.missing_param("model"))
    if not isinstance(model, str) or not model:
        return Rejection("invalid_model", errs.invalid_param("model", "expected a non-empty string."))
    if "messages" not in data:
        return Rejection("missing_messages", errs.missing_param("messages"), model)
    chars = _check_messages(data["messages"], config)
    if isinstance(chars, Rejection):
        return Rejection(chars.kind, chars.error, model)
    if chars > config.context_chars:
        return Rejection("context_length_exceeded", errs.context_exceeded(config.context_chars), model)
    try:
        options = parse_options(data)
    except InvalidOption as exc:
        return Rejection("invalid_option", exc.error, model)
    stream_options = data.get("stream_options")
    include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage") is True
    messages = data["messages"]
    last = messages[-1].get("role") if messages else None
    last_role = last if isinstance(last, str) else "?"
    stream = data.get("stream") is True
    return ChatRequest(model, stream, include_usage, chars, len(messages), options=options, last_role=last_role)
