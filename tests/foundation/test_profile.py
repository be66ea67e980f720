"""Contract profiles: the built-ins load; a bad file is one line naming file, key and expectation."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from chatcontract.contract import (
    BUILTIN_PROFILES,
    DEFAULT_PROFILE,
    AssumptionStatus,
    Profile,
    load_profile,
)
from chatcontract.errors import ProfileError, UsageError


def builtin_doc(name: str = "cometapi") -> dict[str, Any]:
    text = resources.files("chatcontract.contract").joinpath("profiles", f"{name}.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in BUILTIN_PROFILES])
def test_builtin_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.base_url.endswith("/v1")
    assert profile.chat_route == "chat/completions"
    keys = [k for k, _ in profile.items()]
    assert keys[0] == "base_url"
    assert len(keys) == len(set(keys)) == 18
    for _, a in profile.items():
        assert a.source_url.startswith(("https://", "http://"))
        assert isinstance(a.status, AssumptionStatus)


def test_default_profile_is_cometapi() -> None:
    assert DEFAULT_PROFILE == "cometapi"
    profile = load_profile()
    assert profile.error_style == "cometapi"
    assert profile.assumption("error_envelope").value.request_id_in_message is True


def test_profile_urls() -> None:
    profile = load_profile("cometapi")
    base = "https://api.cometapi.com/v1"
    assert profile.chat_url(base) == "https://api.cometapi.com/v1/chat/completions"
    assert profile.chat_url(base + "/") == "https://api.cometapi.com/v1/chat/completions"
    assert profile.route_template(base) == "/v1/chat/completions"
    assert profile.route_template("http://127.0.0.1:8000/v1", "models") == "/v1/models"


def test_assumption_lookup() -> None:
    profile = load_profile("openai")
    assert profile.assumption("wrong_path").value.statuses
    with pytest.raises(KeyError):
        profile.assumption("pricing")


def test_supports_include_usage_follows_status() -> None:
    assert load_profile("openai").supports_include_usage is True
    doc = builtin_doc()
    doc["assumptions"]["stream_include_usage"]["status"] = "unsupported"
    assert Profile.model_validate(doc).supports_include_usage is False


def test_profile_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    doc = builtin_doc()
    doc["name"] = "mine"
    path.write_text(yaml.safe_dump(doc), "utf-8")
    profile = load_profile(path)
    assert profile.name == "mine"
    assert profile.source_path == str(path)


def _mutated(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(builtin_doc())
    a = doc["assumptions"]
    if change == "bad-status":
        a["chat_route"]["status"] = "maybe"
    elif change == "missing-source":
        del a["auth"]["source_url"]
    elif change == "bad-source":
        a["auth"]["source_url"] = "apidoc.cometapi.com"
    elif change == "bad-date":
        a["auth"]["accessed"] = "last tuesday"
    elif change == "unknown-assumption":
        a["pricing"] = copy.deepcopy(a["auth"])
    elif change == "unknown-top-key":
        doc["colour"] = "red"
    elif change == "missing-assumption":
        del a["stream_terminator"]
    elif change == "bad-value-type":
        a["retry_after_header"]["value"] = "sometimes"
    return doc


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        pytest.param(
            "bad-status",
            "assumptions.chat_route.status",
            "'supported', 'unsupported' or 'needs_confirmation', got 'maybe'",
            id="bad-status",
        ),
        pytest.param("missing-source", "assumptions.auth.source_url", "required but missing", id="missing-source"),
        pytest.param("bad-source", "assumptions.auth.source_url", "expected an http(s) URL", id="bad-source"),
        pytest.param(
            "bad-date",
            "assumptions.auth.accessed",
            "expected a date like 2026-11-22, got 'last tuesday'",
            id="bad-date",
        ),
        pytest.param(
            "unknown-assumption",
            "assumptions.pricing",
            "not a known key (expected one of: base_url,",
            id="unknown-assumption",
        ),
        pytest.param(
            "unknown-top-key", "colour", "not a known key (expected one of: name, title", id="unknown-top-key"
        ),
        pytest.param(
            "missing-assumption", "assumptions.stream_terminator", "required but missing", id="missing-assumption"
        ),
        pytest.param("bad-value-type", "assumptions.retry_after_header.value", "got 'sometimes'", id="bad-value-type"),
    ],
)
def test_invalid_profile_is_one_line_naming_file_key_and_expectation(
    tmp_path: Path, change: str, key: str, expected: str
) -> None:
    path = tmp_path / f"{change}.yaml"
    path.write_text(yaml.safe_dump(_mutated(change)), "utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert f"key '{key}'" in message
    assert expected in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"name: [unclosed\n  x: {", "not valid YAML at line", id="not-yaml"),
        pytest.param(b"- a\n- b\n", "expected a mapping at the top level, got list", id="not-a-mapping"),
        pytest.param(b"just a string", "expected a mapping at the top level, got str", id="scalar"),
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"# only a comment\n", "the file is empty", id="comment-only"),
        pytest.param(bytes(range(256)), "not UTF-8 text", id="binary-junk"),
        pytest.param(b"\x00\x01\x02name: x", "not valid YAML", id="control-bytes"),
    ],
)
def test_unreadable_profile_file_is_one_line(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile(tmp_path / "absent.yaml")


def test_directory_is_not_a_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read profile"):
        load_profile(tmp_path)


def test_unknown_profile_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown profile 'cometapii'") as info:
        load_profile("cometapii")
    assert not isinstance(info.value, ProfileError)
    assert "cometapi, openai, openai-compatible" in str(info.value)
