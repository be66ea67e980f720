"""Optional request parameters, checked against the published OpenAI schema.

Source: the OpenAI OpenAPI document, ``CreateChatCompletionRequest`` (and
``CreateModelResponseProperties`` it includes); ``tests/sim/test_options.py`` checks this table
against that document. A value the schema refuses answers 400 ``invalid_value`` naming the
parameter, as OpenAI does; parameters the simulator does not know pass unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chatcontract.sim import errors as errs


@dataclass(frozen=True)
class Scalar:
    """A scalar parameter: its JSON type and bounds (None: unbounded). Null is always allowed."""

    kind: str
    minimum: float | None = None
    maximum: float | None = None


SCALARS: dict[str, Scalar] = {
    "temperature": Scalar("number", 0, 2),
    "top_p": Scalar("number", 0, 1),
    "frequency_penalty": Scalar("number", -2, 2),
    "presence_penalty": Scalar("number", -2, 2),
    "n": Scalar("integer", 1, 128),
    "top_logprobs": Scalar("integer", 0, 20),
    "max_tokens": Scalar("integer"),
    "max_completion_tokens": Scalar("integer"),
    "seed": Scalar("integer", -9223372036854776000, 9223372036854776000),
    "logprobs": Scalar("boolean"),
    "store": Scalar("boolean"),
    "stream": Scalar("boolean"),
    "parallel_tool_calls": Scalar("boolean"),
    "user": Scalar("string"),
    "metadata": Scalar("object"),
    "logit_bias": Scalar("object"),
}
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
RESPONSE_FORMATS = ("text", "json_object", "json_schema")
TOOL_CHOICE_MODES = ("none", "auto", "required")


@dataclass(frozen=True)
class Tool:
    """A function tool the caller offers: its name and JSON Schema parameters."""

    name: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Options:
    """The optional parameters that change the answer."""

    n: int = 1
    max_tokens: int | None = None
    tools: tuple[Tool, ...] = ()
    tool_choice: str = "auto"
    response_format: str = "text"
    json_schema: dict[str, Any] | None = None


class InvalidOption(Exception):  # noqa: N818 - a refusal, carried to one place
    """A parameter the schema refuses: the 400 to answer."""

    def __init__(self, error: errs.SimError) -> None:
        super().__init__(error.message)
        self.error = error


def _refuse(name: str, why: str) -> InvalidOption:
    return InvalidOption(errs.invalid_param(name, why))


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, dict)


def check_scalar(name: str, value: Any, rule: Scalar) -> None:
    """Refuse ``value`` unless it is null or of the rule's type within its bounds."""
    if value is None:
        return
    if not _type_ok(value, rule.kind):
        raise _refuse(name, f"expected {rule.kind}.")
    if rule.minimum is not None and value < rule.minimum:
        raise _refuse(name, f"expected a value >= {rule.minimum:g}.")
    if rule.maximum is not None and value > rule.maximum:
        raise _refuse(name, f"expected a value <= {rule.maximum:g}.")


def _stop(value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, list) or not 1 <= len(value) <= 4 or not all(isinstance(s, str) for s in value):
        raise _refuse("stop", "expected a string or an array of 1 to 4 strings.")


def _stream_options(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _refuse("stream_options", "expected an object.")
    if "include_usage" in value and not isinstance(value["include_usage"], bool):
        raise _refuse("stream_options.include_usage", "expected boolean.")


def _tools(value: Any) -> tuple[Tool, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _refuse("tools", "expected an array.")
    tools = []
    for i, item in enumerate(value):
        where = f"tools[{i}]"
        if not isinstance(item, dict) or item.get("type") not in ("function", "custom"):
            raise _refuse(f"{where}.type", "expected 'function' or 'custom'.")
        body = item.get(item["type"])
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not TOOL_NAME.fullmatch(body["name"]):
            raise _refuse(f"{where}.{item['type']}.name", "expected a-z, A-Z, 0-9, _ or -, at most 64 characters.")
        params = body.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(params, dict):
            raise _refuse(f"{where}.function.parameters", "expected an object.")
        tools.append(Tool(body["name"], params))
    return tuple(tools)


def _tool_choice(value: Any, tools: tuple[Tool, ...]) -> str:
    if value is None:
        return "auto"
    if isinstance(value, str):
        if value not in TOOL_CHOICE_MODES:
            raise _refuse("tool_choice", f"expected one of {list(TOOL_CHOICE_MODES)} or an object.")
        chosen = value
    elif isinstance(value, dict) and isinstance(value.get(value.get("type") or ""), dict):
        chosen = value[value["type"]].get("name")
        if value["type"] == "allowed_tools":
            chosen = "required" if value["allowed_tools"].get("mode") == "required" else "auto"
    else:
        raise _refuse("tool_choice", "expected a string or an object naming a tool.")
    if not tools and chosen != "none":
        raise _refuse("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.")
    if chosen not in TOOL_CHOICE_MODES and chosen not in {t.name for t in tools}:
        raise _refuse("tool_choice", f"no tool named {chosen!r} in 'tools'.")
    return str(chosen)


def _response_format(value: Any) -> tuple[str, dict[str, Any] | None]:
    if value is None:
        return "text", None
    if not isinstance(value, dict) or value.get("type") not in RESPONSE_FORMATS:
        raise _refuse("response_format.type", f"expected one of {list(RESPONSE_FORMATS)}.")
    if value["type"] != "json_schema":
        return value["type"], None
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise _refuse("response_format.json_schema.name", "expected a string.")
    schema = spec.get("schema", {})
    if not isinstance(schema, dict):
        raise _refuse("response_format.json_schema.schema", "expected an object.")
    return "json_schema", schema


def parse_options(data: dict[str, Any]) -> Options:
    """Check the optional parameters of a request body; raise ``InvalidOption`` on the first bad one."""
    for name, rule in SCALARS.items():
        if name in data:
            check_scalar(name, data[name], rule)
    _stop(data.get("stop"))
    _stream_options(data.get("stream_options"))
    tools = _tools(data.get("tools"))
    choice = _tool_choice(data.get("tool_choice"), tools)
    fmt, schema = _response_format(data.get("response_format"))
    limit = data.get("max_completion_tokens")
    if limit is None:
        limit = data.get("max_tokens")
    if limit is not None and limit < 1:
        raise _refuse("max_completion_tokens", "expected a value >= 1.")
    return Options(data.get("n") or 1, limit, tools, choice, fmt, schema)
