"""chatcontract: a reliability toolkit for OpenAI-compatible chat-completions APIs.

The public names are imported lazily, so ``import chatcontract`` (and the CLI's start-up) pays
only for what is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# ``redact`` is both a submodule and a function; bind the function eagerly so that loading the
# submodule later cannot shadow it.
from chatcontract.redact import redact

_EXPORTS: dict[str, str] = {
    "AsyncClient": "chatcontract.client",
    "AsyncResilientTransport": "chatcontract.client",
    "CallFailed": "chatcontract.client",
    "Client": "chatcontract.client",
    "Completion": "chatcontract.client",
    "Policy": "chatcontract.client",
    "ResilientTransport": "chatcontract.client",
    "Route": "chatcontract.client",
    "ChatContractError": "chatcontract.errors",
    "ProfileError": "chatcontract.errors",
    "UsageError": "chatcontract.errors",
    "AttemptRecord": "chatcontract.record",
    "FailureClass": "chatcontract.record",
    "OperatorAction": "chatcontract.record",
    "ParserOutcome": "chatcontract.record",
    "ResponseShape": "chatcontract.record",
    "Result": "chatcontract.record",
    "RetryDecision": "chatcontract.record",
    "Redactor": "chatcontract.redact",
    "configure_redaction": "chatcontract.redact",
    "redact_mapping": "chatcontract.redact",
    "shape_of_body": "chatcontract.redact",
    "JsonlSink": "chatcontract.sinks",
    "MemorySink": "chatcontract.sinks",
    "RecordSink": "chatcontract.sinks",
    "ClassAction": "chatcontract.taxonomy",
    "Classification": "chatcontract.taxonomy",
    "Observation": "chatcontract.taxonomy",
    "StreamState": "chatcontract.taxonomy",
    "TransportError": "chatcontract.taxonomy",
    "action_for": "chatcontract.taxonomy",
    "classify": "chatcontract.taxonomy",
    "Profile": "chatcontract.contract",
    "load_profile": "chatcontract.contract",
    "resolve_credential": "chatcontract.config",
}

__all__ = [
    "AsyncClient",
    "AsyncResilientTransport",
    "AttemptRecord",
    "CallFailed",
    "ChatContractError",
    "ClassAction",
    "Classification",
    "Client",
    "Completion",
    "FailureClass",
    "JsonlSink",
    "MemorySink",
    "Observation",
    "OperatorAction",
    "ParserOutcome",
    "Policy",
    "Profile",
    "ProfileError",
    "RecordSink",
    "Redactor",
    "ResilientTransport",
    "ResponseShape",
    "Result",
    "RetryDecision",
    "Route",
    "StreamState",
    "TransportError",
    "UsageError",
    "__version__",
    "action_for",
    "classify",
    "configure_redaction",
    "load_profile",
    "redact",
    "redact_mapping",
    "resolve_credential",
    "shape_of_body",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chatcontract' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from chatcontract.client import (
        AsyncClient,
        AsyncResilientTransport,
        CallFailed,
        Client,
        Completion,
        Policy,
        ResilientTransport,
        Route,
    )
    from chatcontract.config import resolve_credential
    from chatcontract.contract import Profile, load_profile
    from chatcontract.errors import ChatContractError, ProfileError, UsageError
    from chatcontract.record import (
        AttemptRecord,
        FailureClass,
        OperatorAction,
        ParserOutcome,
        ResponseShape,
        Result,
        RetryDecision,
    )
    from chatcontract.redact import Redactor, configure_redaction, redact_mapping, shape_of_body
    from chatcontract.sinks import JsonlSink, MemorySink, RecordSink
    from chatcontract.taxonomy import (
        ClassAction,
        Classification,
        Observation,
        StreamState,
        TransportError,
        action_for,
        classify,
    )
