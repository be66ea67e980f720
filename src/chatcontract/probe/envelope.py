"""Checks of an error body against the profile's error envelope.

:func:`check_envelope` returns the problems that make a body *not* the envelope (a failure)
and notes about differences the published contract leaves open (an undocumented ``type``
value, an absent optional field, no request id in the message).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chatcontract.contract.profile import ErrorEnvelope


@dataclass
class EnvelopeCheck:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _error_object(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        doc = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None, "the body is not JSON"
    if doc is None:
        return None, "the body is empty"
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
        return None, 'the body has no "error" object'
    return doc["error"], None


def check_envelope(body: bytes, spec: ErrorEnvelope) -> EnvelopeCheck:
    """Whether ``body`` is ``{"error": {...}}`` with the required fields of ``spec``."""
    check = EnvelopeCheck()
    err, problem = _error_object(body)
    if err is None:
        check.problems.append(problem or "no error object")
        return check
    for name in spec.required:
        value = err.get(name)
        if not isinstance(value, str) or (name == "message" and not value.strip()):
            check.problems.append(f"error.{name} is missing or not a non-empty string")
    for name in spec.fields:
        if name not in err:
            if name not in spec.required:
                check.notes.append(f"error.{name} is absent (optional)")
        elif err[name] is not None and not isinstance(err[name], str | int):
            check.problems.append(f"error.{name} is a {type(err[name]).__name__}, not a string")
    etype = err.get("type")
    if spec.type_values and isinstance(etype, str) and etype not in spec.type_values:
        check.notes.append(
            f"error.type {etype!r} is not a documented value ({', '.join(spec.type_values)})"
        )
    message = err.get("message")
    if (
        spec.request_id_in_message
        and isinstance(message, str)
        and "request id" not in message.lower()
    ):
        check.notes.append("no (request id: ...) in error.message")
    return check
