"""Error envelopes as real providers send them, in two styles.

``openai``: ``{"error": {"message", "type", "param", "code"}}`` with OpenAI's types.
``cometapi``: same envelope, ``type`` is always ``comet_api_error``, ``param``/``code`` may be
empty strings and the request id is embedded at the end of the message.
The ``errors-without-envelope`` mode replaces the envelope with ``{"detail": "..."}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

ErrorStyle = Literal["openai", "cometapi"]
ERROR_STYLES: tuple[str, ...] = ("openai", "cometapi")


@dataclass(frozen=True)
class SimError:
    """One error answer: status and envelope fields (OpenAI vocabulary)."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None


def error_body(err: SimError, style: str, request_id: str, *, envelope: bool = True) -> bytes:
    """Serialize ``err`` in ``style``; ``envelope=False`` gives the envelope-less variant."""
    if not envelope:
        return json.dumps({"detail": err.message}).encode()
    if style == "cometapi":
        fields: dict[str, object] = {
            "message": f"{err.message} (request id: {request_id})",
            "type": "comet_api_error",
            "param": err.param or "",
            "code": err.code or "",
        }
    else:
        fields = {"message": err.message, "type": err.type, "param": err.param, "code": err.code}
    return json.dumps({"error": fields}).encode()


# One constructor per refusal, named after the case; messages follow OpenAI's wording.


def missing_key() -> SimError:
    return SimError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        code="invalid_api_key",
    )


def invalid_key() -> SimError:
    return SimError(401, "Incorrect API key provided.", code="invalid_api_key")


def bad_key_500() -> SimError:
    return SimError(500, "internal error while checking credentials", "server_error")


def not_json() -> SimError:
    return SimError(400, "We could not parse the JSON body of your request.", code="invalid_json")


def too_large(limit: int) -> SimError:
    return SimError(413, f"Request body exceeds {limit} bytes.", code="request_too_large")


def missing_param(name: str) -> SimError:
    return SimError(400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")


def invalid_param(name: str, why: str) -> SimError:
    return SimError(400, f"Invalid value for '{name}': {why}", param=name, code="invalid_value")


def context_exceeded(limit: int) -> SimError:
    return SimError(
        400,
        f"This model's maximum context length is {limit} characters; your messages are longer.",
        param="messages",
        code="context_length_exceeded",
    )


def model_not_found(model: str) -> SimError:
    return SimError(
        404,
        f"The model '{model}' does not exist or you do not have access to it.",
        param="model",
        code="model_not_found",
    )


def unknown_path(path: str, method: str) -> SimError:
    return SimError(404, f"Invalid URL ({method} {path})", code="unknown_url")


def content_policy() -> SimError:
    return SimError(
        400,
        "Your request was rejected as a result of our safety system.",
        param="messages",
        code="content_policy_violation",
    )


def unknown_fault(name: str) -> SimError:
    return SimError(400, f"Unknown x-sim-fault '{name}'.", param="x-sim-fault", code="unknown_fault")


def for_status(status: int, code: str | None = None) -> SimError:
    """A generic error for a bare status (faults and scenario items)."""
    kinds = {
        400: ("invalid_request_error", "Bad request."),
        401: ("invalid_request_error", "Unauthorized."),
        403: ("invalid_request_error", "Forbidden."),
        404: ("invalid_request_error", "Not found."),
        408: ("timeout", "Request timed out."),
        429: ("rate_limit_exceeded", "Rate limit reached for requests. Please try again later."),
        500: ("server_error", "The server had an error while processing your request."),
        502: ("server_error", "Bad gateway."),
        503: ("server_error", "The engine is currently overloaded, please try again later."),
        504: ("server_error", "Gateway timeout."),
        524: ("server_error", "A timeout occurred while waiting for the origin."),
    }
    kind, message = kinds.get(status, ("server_error" if status >= 500 else "invalid_request_error", f"HTTP {status}."))
    if code == "insufficient_quota":
        kind, message = (
            "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details.",
        )
    return SimError(status, message, kind, None, code)
