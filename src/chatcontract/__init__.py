"""chatcontract: a reliability toolkit for OpenAI-compatible chat-completions APIs."""

from __future__ import annotations

from chatcontract.client import (
    AsyncClient,
    CallFailed,
    Client,
    Completion,
    Policy,
    ResilientTransport,
    Route,
)
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
from chatcontract.redact import Redactor, redact, redact_mapping
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

__version__ = "0.1.0"

__all__ = [
    "AsyncClient",
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
    "redact",
    "redact_mapping",
]
