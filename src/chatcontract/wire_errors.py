"""The one translation of HTTP-library exceptions into transport-error kinds.

The wire runs on ``httpx2`` (the stack the openai SDK 3.x uses) and keeps an ``httpx`` variant;
both raise the same exception tree, so one table keyed by class name serves both::

    HTTPError
     └ RequestError
        ├ TransportError
        │  ├ TimeoutException: ConnectTimeout, PoolTimeout   -> connect_timeout (never left)
        │  │                   WriteTimeout                  -> write_error (not written whole)
        │  │                   ReadTimeout                   -> read_timeout / first_chunk_timeout
        │  ├ NetworkError:     ConnectError                  -> connect_error
        │  │                   ReadError, CloseError         -> reset
        │  │                   WriteError                    -> write_error
        │  ├ ProxyError                                      -> connect_error
        │  ├ UnsupportedProtocol                             -> unsupported_protocol (our config)
        │  ├ ProtocolError:    LocalProtocolError            -> local_protocol_error (our request)
        │  │                   RemoteProtocolError           -> reset
        │  └ SSEError (httpx2)                               -> protocol_error
        └ DecodingError                                      -> protocol_error

A subclass is translated by its nearest known ancestor; ``tests/foundation/test_wire_errors.py``
walks every subclass of both libraries and fails when one is unmapped. Nothing else in the
package maps these exceptions.
"""

from __future__ import annotations

from chatcontract.taxonomy import TransportError

_LIBRARIES = ("httpx", "httpx2")
_KINDS: dict[str, TransportError] = {
    "ConnectTimeout": TransportError.CONNECT_TIMEOUT,
    "PoolTimeout": TransportError.CONNECT_TIMEOUT,
    "WriteTimeout": TransportError.WRITE_ERROR,
    "ReadTimeout": TransportError.READ_TIMEOUT,
    "TimeoutException": TransportError.READ_TIMEOUT,
    "ConnectError": TransportError.CONNECT_ERROR,
    "ProxyError": TransportError.CONNECT_ERROR,
    "ReadError": TransportError.RESET,
    "CloseError": TransportError.RESET,
    "WriteError": TransportError.WRITE_ERROR,
    "NetworkError": TransportError.RESET,
    "UnsupportedProtocol": TransportError.UNSUPPORTED_PROTOCOL,
    "LocalProtocolError": TransportError.LOCAL_PROTOCOL_ERROR,
    "RemoteProtocolError": TransportError.RESET,
    "SSEError": TransportError.PROTOCOL_ERROR,
    "ProtocolError": TransportError.PROTOCOL_ERROR,
    "DecodingError": TransportError.PROTOCOL_ERROR,
    "TransportError": TransportError.CONNECT_ERROR,
    "TooManyRedirects": TransportError.UNSUPPORTED_PROTOCOL,  # never followed: a redirect is config
}
# Kinds after which the request cannot have reached the provider.
NOT_SENT = frozenset(
    {
        TransportError.CONNECT_ERROR,
        TransportError.CONNECT_TIMEOUT,
        TransportError.UNSUPPORTED_PROTOCOL,
        TransportError.LOCAL_PROTOCOL_ERROR,
    }
)


def _from_library(cls: type) -> bool:
    return cls.__module__.split(".", 1)[0] in _LIBRARIES


def transport_kind(exc: BaseException, *, got_headers: bool = False, streaming: bool = False) -> TransportError | None:
    """The kind of an ``httpx2``/``httpx`` request exception; ``None`` for anything else.

    A read timeout after a stream's headers came is a missing first chunk, not a silent route.
    """
    for cls in type(exc).__mro__:
        if not _from_library(cls):
            continue
        kind = _KINDS.get(cls.__name__)
        if kind is None:
            continue
        if kind is TransportError.READ_TIMEOUT and streaming and got_headers:
            return TransportError.FIRST_CHUNK_TIMEOUT
        return kind
    return None


def is_timeout(exc: BaseException) -> bool:
    """A timeout exception of either library."""
    return any(cls.__name__ == "TimeoutException" and _from_library(cls) for cls in type(exc).__mro__)
