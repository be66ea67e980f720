"""Prompts and completions reduced to their shape: field names, roles and lengths, never text
(unless the caller opts in to keep synthetic content, still redacted)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chatcontract.redact_pipeline import active_redactor

# Message text and end-user ids: reduced to their length by :func:`shape_of_body`.
_SHAPE_FIELDS = frozenset({"content", "text", "arguments", "input", "prompt", "refusal", "user"})


def _text_shape(value: str) -> dict[str, Any]:
    return {"chars": len(value)}


def shape_of_body(body: Any, *, keep_content: bool = False) -> Any:
    """A request or response body reduced to its shape: field names, roles, lengths.

    Roles, model names and finish reasons stay; message text becomes ``{"chars": N}``.
    ``keep_content=True`` keeps text (for synthetic prompts only), still redacted.
    """
    if isinstance(body, Mapping):
        out: dict[str, Any] = {}
        for k, v in body.items():
            key = str(k)
            if key in _SHAPE_FIELDS and isinstance(v, str) and not keep_content:
                out[key] = _text_shape(v)
            elif key in _SHAPE_FIELDS and isinstance(v, list) and not keep_content:
                out[key] = [shape_of_body(p, keep_content=False) for p in v]
            else:
                out[key] = shape_of_body(v, keep_content=keep_content)
        return active_redactor().redact_mapping(out)
    if isinstance(body, list | tuple):
        return [shape_of_body(v, keep_content=keep_content) for v in body]
    if isinstance(body, str):
        return active_redactor().redact(body)
    return body


def shape_of_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each message as its role and content length (never the text)."""
    shaped: list[dict[str, Any]] = []
    for m in messages:
        content = m.get("content")
        length = len(content) if isinstance(content, str) else None
        shaped.append({"role": m.get("role"), "chars": length})
    return shaped
