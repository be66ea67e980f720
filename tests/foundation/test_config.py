"""Where the base URL, the key and the model come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatcontract.config import (
    API_KEY_ENV,
    BASE_URL_ENV,
    MODEL_ENV,
    BaseUrl,
    Credential,
    normalize_base_url,
    resolve_base_url,
    resolve_credential,
    resolve_model,
)
from chatcontract.contract import load_profile
from chatcontract.errors import UsageError

KEY = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3Ty5Ub7Ev9Hn2Km4Qx6Sz8"
COMET = load_profile("cometapi")


@pytest.mark.parametrize(
    ("given", "url", "noted"),
    [
        pytest.param("https://api.cometapi.com/v1", "https://api.cometapi.com/v1", False, id="complete"),
        pytest.param(" https://api.cometapi.com/v1/ ", "https://api.cometapi.com/v1", False, id="slash-space"),
        pytest.param("https://api.cometapi.com", "https://api.cometapi.com/v1", True, id="bare-host"),
        pytest.param("https://api.cometapi.com/", "https://api.cometapi.com/v1", True, id="bare-host-slash"),
        pytest.param("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1", True, id="loopback-port"),
        pytest.param(
            "https://api.cometapi.com/v1/chat/completions", "https://api.cometapi.com/v1", True, id="full-route"
        ),
        pytest.param("https://gw.example.com/openai/v1", "https://gw.example.com/openai/v1", False, id="gateway-path"),
    ],
)
def test_normalize_base_url(given: str, url: str, noted: bool) -> None:
    result = normalize_base_url(given, COMET)
    assert result.url == url
    assert (result.note is not None) is noted
    if noted:
        assert url in str(result.note)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param("api.cometapi.com/v1", "needs an http", id="no-scheme"),
        pytest.param("localhost:8000", "needs an http", id="host-port-no-scheme"),
        pytest.param("ftp://api.cometapi.com/v1", "needs an http", id="ftp"),
        pytest.param("https:///v1", "needs an http", id="no-host"),
        pytest.param(f"https://user:{KEY}@api.cometapi.com/v1", "must not carry credentials", id="userinfo"),
        pytest.param("https://api.cometapi.com/v1?x=1", "must not carry a query", id="query"),
        pytest.param("https://api.cometapi.com:port/v1", "invalid port", id="bad-port"),
    ],
)
def test_bad_base_url_is_a_one_line_usage_error(given: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected) as info:
        normalize_base_url(given, COMET)
    assert "\n" not in str(info.value)
    assert KEY not in str(info.value)


def test_base_url_alias_is_scheme_and_host() -> None:
    assert BaseUrl("https://api.cometapi.com/v1").alias == "https://api.cometapi.com"
    assert BaseUrl("http://127.0.0.1:8123/v1").alias == "http://127.0.0.1:8123"


def test_resolve_base_url_flag_env_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    assert resolve_base_url(None, COMET) is None
    monkeypatch.setenv(BASE_URL_ENV, "https://env.example.com/v1")
    resolved = resolve_base_url(None, COMET)
    assert resolved is not None
    assert resolved.url == "https://env.example.com/v1"
    flagged = resolve_base_url("https://flag.example.com/v1", COMET)
    assert flagged is not None
    assert flagged.url == "https://flag.example.com/v1"
    monkeypatch.setenv(BASE_URL_ENV, "   ")
    assert resolve_base_url(None, COMET) is None


def test_credential_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, f"  {KEY}\n")
    cred = resolve_credential()
    assert cred is not None
    assert cred.key == KEY
    assert cred.source == f"env:{API_KEY_ENV}"


def test_credential_from_named_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_GATEWAY_KEY", KEY)
    cred = resolve_credential("MY_GATEWAY_KEY")
    assert cred is not None
    assert cred.source == "env:MY_GATEWAY_KEY"


def test_credential_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert resolve_credential() is None
    monkeypatch.setenv(API_KEY_ENV, "")
    assert resolve_credential() is None
    assert resolve_credential(None) is None


def test_credential_from_file_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-from-env-000000000000")
    path = tmp_path / "key.txt"
    path.write_text(KEY + "\r\n", "utf-8")
    cred = resolve_credential(api_key_file=path)
    assert cred is not None
    assert cred.key == KEY
    assert cred.source == "file:key.txt"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "does not exist", id="missing"),
        pytest.param(b"", "exactly one non-empty line", id="empty"),
        pytest.param(f"{KEY}\nsecond-line\n".encode(), "exactly one non-empty line", id="two-lines"),
        pytest.param(b"\xff\xfe\x00k", "not UTF-8 text", id="binary"),
    ],
)
def test_bad_key_file_is_a_one_line_error_without_the_key(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "key.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError, match=expected) as info:
        resolve_credential(api_key_file=path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert KEY not in message


def test_key_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read API key file"):
        resolve_credential(api_key_file=tmp_path)


def test_credential_never_shows_the_key() -> None:
    cred = Credential(key=KEY, source="env:COMETAPI_API_KEY")
    for shown in (repr(cred), str(cred), f"{cred}", f"{cred!r}", repr([cred]), repr({"c": cred})):
        assert KEY not in shown
        assert "env:COMETAPI_API_KEY" in shown


def test_resolve_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model(None) is None
    assert resolve_model(None, "gpt-4o-mini") == "gpt-4o-mini"
    monkeypatch.setenv(MODEL_ENV, "claude-3-5-sonnet-20241022")
    assert resolve_model(None, "gpt-4o-mini") == "claude-3-5-sonnet-20241022"
    assert resolve_model("sim-stream-cut-40") == "sim-stream-cut-40"
