"""Answers shaped by the request: tool calls, JSON output, a token limit, several choices.

A plain request (one choice, no tools, no JSON format, no limit below the answer) takes the
precomputed hot path in ``payloads``; everything else is planned here as an ``Answer`` and
rendered either as one ``chat.completion`` body or as chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chatcontract.sim.options import Options, Tool
from chatcontract.sim.payloads import CANONICAL_TEXT, WORDS, dumps, piece, usage_json

TOOL_FRAGMENT_CHARS = 12
BUILTIN_TOOL = Tool("lookup", {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
HEALTHY_KINDS = frozenset({"ok", "slow", "no_done", "content_filter_finish"})


@dataclass(frozen=True)
class ToolCall:
    """One function call in an answer."""

    call_id: str
    name: str
    arguments: str

    def fragments(self) -> list[str]:
        """The arguments JSON in the pieces a stream carries."""
        args = self.arguments
        return [args[i : i + TOOL_FRAGMENT_CHARS] for i in range(0, len(args), TOOL_FRAGMENT_CHARS)]


@dataclass(frozen=True)
class Answer:
    """What one request is answered with (per choice; ``n`` identical choices)."""

    pieces: tuple[str, ...]
    finish: str
    n: int = 1
    tool: ToolCall | None = None

    @property
    def content(self) -> str | None:
        """The message content (None for a tool call)."""
        return None if self.tool is not None else "".join(self.pieces)

    @property
    def completion_tokens(self) -> int:
        """One token per piece or tool fragment, per choice."""
        per_choice = len(self.tool.fragments()) if self.tool is not None else len(self.pieces)
        return per_choice * self.n


def json_instance(schema: Any, defs: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """A small value valid for a JSON Schema (types, enum/const, $ref, anyOf/oneOf/allOf)."""
    if not isinstance(schema, dict) or depth > 12:
        return None
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return json_instance(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1]), defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return json_instance(schema[key][0], defs, depth + 1)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _typed_instance(kind, schema, defs, depth)


def _typed_instance(kind: str, schema: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    if kind == "object":
        props = schema.get("properties", {})
        return {name: json_instance(sub, defs, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [json_instance(schema.get("items", {}), defs, depth + 1)] * max(1, int(schema.get("minItems", 1)))
    if kind == "string":
        return "sim"
    if kind in ("integer", "number"):
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return None


def _split(text: str) -> tuple[str, ...]:
    words = text.split(" ")
    return tuple(w if i == 0 else " " + w for i, w in enumerate(words))


def _tool_for(options: Options, last_role: str, forced: bool) -> Tool | None:
    if forced:
        return options.tools[0] if options.tools else BUILTIN_TOOL
    if not options.tools or options.tool_choice == "none" or last_role == "tool":
        return None
    named = [t for t in options.tools if t.name == options.tool_choice]
    return named[0] if named else options.tools[0]


def plan_answer(options: Options, last_role: str, *, kind: str, call_id: str) -> Answer | None:
    """The answer for a healthy ``kind`` (or ``tool_cut``), or None for the hot path."""
    finish = "content_filter" if kind == "content_filter_finish" else "stop"
    tool = _tool_for(options, last_role, forced=kind == "tool_cut")
    if tool is not None:
        args = {"text": CANONICAL_TEXT} if tool is BUILTIN_TOOL else json_instance(tool.parameters)
        return Answer((), "tool_calls", options.n, ToolCall(call_id, tool.name, json.dumps(args)))
    if options.response_format == "json_object":
        pieces = _split(json.dumps({"answer": CANONICAL_TEXT}, ensure_ascii=False))
    elif options.response_format == "json_schema":
        pieces = _split(json.dumps(json_instance(options.json_schema or {}), ensure_ascii=False))
    elif options.n == 1 and (options.max_tokens is None or options.max_tokens >= len(WORDS)):
        return None
    else:
        pieces = tuple(piece(i) for i in range(len(WORDS)))
    if options.max_tokens is not None and options.max_tokens < len(pieces):
        pieces, finish = pieces[: options.max_tokens], "length"
    return Answer(pieces, finish, options.n)


def _message(answer: Answer) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": None, "annotations": []}
    if answer.tool is not None:
        call = answer.tool
        message["tool_calls"] = [
            {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        ]
    return message


def answer_body(answer: Answer, *, cid: str, created: int, model: str, prompt_tokens: int, fingerprint: str) -> bytes:
    """A non-streaming ``chat.completion`` body for ``answer``."""
    choices = [
        {"index": i, "message": _message(answer), "logprobs": None, "finish_reason": answer.finish}
        for i in range(answer.n)
    ]
    usage = json.loads(usage_json(prompt_tokens, answer.completion_tokens))
    body = {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": fingerprint,
    }
    return dumps(body)
