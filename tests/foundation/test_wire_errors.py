"""The one translation of HTTP-library exceptions: every subclass of both libraries is mapped,
and both libraries map alike."""

from __future__ import annotations

from types import ModuleType

import httpx
import httpx2
import pytest

from chatcontract.taxonomy import TransportError, classify
from chatcontract.wire_errors import NOT_SENT, transport_kind


def _subclasses(root: type) -> list[type]:
    found: list[type] = []
    stack = [root]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.split(".", 1)[0] in ("httpx", "httpx2")]


def _raise_one(cls: type) -> BaseException:
    exc: BaseException = cls.__new__(cls)
    Exception.__init__(exc, "x")
    return exc


@pytest.mark.parametrize("lib", [pytest.param(httpx2, id="httpx2"), pytest.param(httpx, id="httpx")])
def test_every_request_error_subclass_is_mapped(lib: ModuleType) -> None:
    classes = _subclasses(lib.RequestError)
    assert len(classes) > 15
    for cls in classes:
        if cls is lib.RequestError:
            continue
        kind = transport_kind(_raise_one(cls))
        assert kind is not None, f"{lib.__name__}.{cls.__name__} is not translated"
        assert classify(transport_error=kind).failure_class is not None


def test_both_libraries_translate_alike() -> None:
    for cls in _subclasses(httpx2.RequestError):
        twin = getattr(httpx, cls.__name__, None)
        if twin is None:
            continue
        assert transport_kind(_raise_one(cls)) == transport_kind(_raise_one(twin)), cls.__name__


@pytest.mark.parametrize(
    ("name", "kind", "sent"),
    [
        pytest.param("ConnectTimeout", TransportError.CONNECT_TIMEOUT, False, id="connect-timeout"),
        pytest.param("PoolTimeout", TransportError.CONNECT_TIMEOUT, False, id="pool-timeout-never-left"),
        pytest.param("WriteTimeout", TransportError.WRITE_ERROR, True, id="write-timeout-not-written-whole"),
        pytest.param("ReadTimeout", TransportError.READ_TIMEOUT, True, id="read-timeout"),
        pytest.param("LocalProtocolError", TransportError.LOCAL_PROTOCOL_ERROR, False, id="local-protocol"),
        pytest.param("RemoteProtocolError", TransportError.RESET, True, id="remote-protocol"),
        pytest.param("UnsupportedProtocol", TransportError.UNSUPPORTED_PROTOCOL, False, id="unsupported"),
    ],
)
def test_the_issue_s_disagreements_have_one_answer(name: str, kind: TransportError, sent: bool) -> None:
    assert transport_kind(_raise_one(getattr(httpx2, name))) is kind
    assert (kind not in NOT_SENT) is sent


def test_a_subclass_takes_its_nearest_known_ancestor_and_others_are_not_ours() -> None:
    class Mine(httpx2.ReadTimeout):
        pass

    assert transport_kind(Mine("x"), got_headers=True, streaming=True) is TransportError.FIRST_CHUNK_TIMEOUT
    assert transport_kind(ValueError("x")) is None
