"""Redaction: every planted secret goes, every clean text stays byte for byte."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcontract.errors import UsageError
from chatcontract.record import AttemptRecord
from chatcontract.redact import (
    MASK,
    Redactor,
    configure_redaction,
    is_secret_key,
    looks_random,
    redact,
    redact_mapping,
    shape_of_body,
    shape_of_messages,
    strip_url_secrets,
)

COMET_KEY = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3Ty5Ub7Ev9Hn2Km4Qx6Sz8"
PROJ_KEY = "sk-proj-" + "Ab3_Cd5-Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7-aB9cD1eF3gH5iJ7kL9"
OPAQUE = "q8Zr4Lk2Vb9Nw3Xt7Yp1Mh6Jd"  # a generated secret with no known prefix
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Ruv8s2zbrWDjkbfG5U0PAQx9Ck\n"
    "-----END RSA PRIVATE KEY-----"
)
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SLACK = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv"
GOOGLE = "AIza" + "SyD3fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5b"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
EMAIL = "jane.doe+billing@example.org"
IPV4 = "203.0.113.45"
BASIC = "dXNlcjpwYXNzd29yZA=="

# (id, the secret that must vanish, the text it is planted in as a secret itself)
SECRETS: list[tuple[str, str]] = [
    ("cometapi-key", COMET_KEY),
    ("openai-project-key", PROJ_KEY),
    ("jwt", JWT),
    ("aws-access-key-id", AWS_ID),
    ("pem-private-key", PEM),
    ("github-token", GITHUB),
    ("slack-token", SLACK),
    ("google-api-key", GOOGLE),
    ("stripe-key", STRIPE),
    ("email", EMAIL),
    ("ipv4", IPV4),
    ("phone-intl", "+1 415 555 2671"),
    ("phone-uk", "+44 20 7946 0958"),
    ("phone-us-parens", "(415) 555-2671"),
    ("phone-us-dashes", "415-555-2671"),
]


def _contexts(secret: str) -> dict[str, str]:
    """One secret planted in the places secrets turn up: headers, bodies, URLs, errors."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"use {secret} now"}]}
    return {
        "prose": f"The customer pasted {secret} into the chat.",
        "error": f"Incorrect value provided: {secret}. (request id: 20251122040812345678)",
        "json-body": json.dumps(body),
        "json-in-json": json.dumps({"detail": json.dumps(body)}),
        "url-path": f"https://api.example.com/v1/echo/{secret}/done",
        "url-query": f"https://api.example.com/v1/search?q={secret}&page=2",
        "header": f"X-Debug-Note: {secret}",
        "yaml": f"notes:\n  - {secret}\n",
        "log-line": f"2026-11-22T04:08:12Z WARN upstream said {secret!r}",
    }


@pytest.mark.parametrize("secret", [pytest.param(s, id=i) for i, s in SECRETS])
def test_known_formats_never_survive_in_any_context(secret: str) -> None:
    for where, text in _contexts(secret).items():
        out = redact(text)
        assert secret not in out, where
        assert secret not in json.dumps(redact_mapping({"note": text, "nested": [{"x": text}]}))
        assert MASK in out, where


# Secrets that are recognisable only by the name they are assigned to.
NAMED: list[Any] = [
    pytest.param("Authorization: Bearer " + OPAQUE, OPAQUE, id="authorization-bearer"),
    pytest.param("authorization: bearer " + OPAQUE, OPAQUE, id="authorization-lowercase"),
    pytest.param("AUTHORIZATION=Bearer " + OPAQUE, OPAQUE, id="authorization-env-style"),
    pytest.param("X-Api-Key: " + OPAQUE, OPAQUE, id="x-api-key"),
    pytest.param("api-key: " + OPAQUE, OPAQUE, id="azure-api-key"),
    pytest.param("Proxy-Authorization: Basic " + BASIC, BASIC, id="proxy-authorization"),
    pytest.param("aws_secret_access_key=" + AWS_SECRET, AWS_SECRET, id="aws-secret-key"),
    pytest.param("AWS_SECRET_ACCESS_KEY: " + AWS_SECRET, AWS_SECRET, id="aws-secret-env"),
    pytest.param('{"api_key": "hunter2hunter2"}', "hunter2hunter2", id="json-api-key"),
    pytest.param('{"password":"correct-horse"}', "correct-horse", id="json-password"),
    pytest.param('"{\\"token\\": \\"t0k3nValue99\\"}"', "t0k3nValue99", id="escaped-json-token"),
    pytest.param("Cookie: sid=abc123def; theme=dark; csrftoken=zz99yy88", "abc123def", id="cookie"),
    pytest.param("Cookie: sid=abc123def; theme=dark; csrftoken=zz99yy88", "zz99yy88", id="cookie-2"),
    pytest.param("Set-Cookie: session=s3ss10nV4lue; Path=/; HttpOnly", "s3ss10nV4lue", id="set-cookie"),
    pytest.param("X-Tenant-Blob: " + OPAQUE, OPAQUE, id="high-entropy-header"),
    pytest.param("upload_ref=" + OPAQUE + " failed", OPAQUE, id="high-entropy-assignment"),
    pytest.param('{"blob": "' + OPAQUE + '"}', OPAQUE, id="high-entropy-json"),
    pytest.param("https://u:" + OPAQUE + "@proxy.example.com/v1", OPAQUE, id="url-userinfo"),
    pytest.param("https://user:pa55w0rd@proxy.example.com/v1", "pa55w0rd", id="url-userinfo-short"),
    pytest.param("GET /v1/x?api_key=k3yV4lue99&token=t0k3n77&q=1", "k3yV4lue99", id="query-api-key"),
    pytest.param("GET /v1/x?api_key=k3yV4lue99&token=t0k3n77&q=1", "t0k3n77", id="query-token"),
    pytest.param("export OPENAI_API_KEY=" + OPAQUE, OPAQUE, id="shell-export"),
    pytest.param("client_secret: " + OPAQUE, OPAQUE, id="yaml-client-secret"),
    pytest.param("token 9f8e7d6c5b4a39281706fedcba", "9f8e7d6c5b4a39281706fedcba", id="token-scheme"),
    pytest.param("a hex key under sigkey=" + "ab12" * 10, "ab12" * 10, id="hex-high-entropy"),
]


@pytest.mark.parametrize(("text", "secret"), NAMED)
def test_named_and_high_entropy_values_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


HEADERS = {
    "Authorization": "Bearer " + OPAQUE,
    "authorization": "Bearer " + OPAQUE,
    "X-Api-Key": OPAQUE,
    "api-key": OPAQUE,
    "Proxy-Authorization": "Basic " + BASIC,
    "Cookie": "sid=abc123def",
    "X-Custom-Session-Token": "short1",
}


@pytest.mark.parametrize(("name", "value"), [pytest.param(k, v, id=k) for k, v in HEADERS.items()])
def test_secret_headers_are_masked_as_mapping_and_pairs(name: str, value: str) -> None:
    assert redact_mapping({name: value}) == {name: MASK}
    assert Redactor().redact_headers([(name, value)]) == [(name, MASK)]


def test_nested_json_mapping_masks_every_secret() -> None:
    doc = {
        "request": {
            "headers": {"Authorization": "Bearer " + OPAQUE},
            "url": "https://h/v1?key=" + OPAQUE,
        },
        "config": {"credentials": [COMET_KEY, OPAQUE], "auth": {"type": "bearer", "token": OPAQUE}},
        "messages": [{"role": "user", "content": f"mail {EMAIL} or call +1 415 555 2671"}],
        "error": {"message": f"bad key {PROJ_KEY}", "aws": {"aws_secret_access_key": AWS_SECRET}},
    }
    out = json.dumps(redact_mapping(doc))
    for secret in (OPAQUE, COMET_KEY, PROJ_KEY, EMAIL, "555 2671", AWS_SECRET):
        assert secret not in out
    assert redact_mapping(doc)["config"]["auth"]["type"] == "bearer"  # describes, holds nothing


CLEAN: list[Any] = [
    pytest.param("The deploy finished at 14:08 on 2026-11-22; 97.5% of 1,204 calls passed.", id="prose"),
    pytest.param("Upgrade from 1.2.3 to 2.0.0-rc.1 took 3.25 s (p99 812 ms), see RFC 9110.", id="versions"),
    pytest.param("Token counting uses basic authentication on the bearer route.", id="auth-words"),
    pytest.param("run 123e4567-e89b-12d3-a456-426614174000 finished", id="uuid"),
    pytest.param("model=gpt-4o-mini fallback_model=claude-3-5-sonnet-20241022", id="model-names"),
    pytest.param("scenario sim-stream-cut-40 on gpt-4o-2024-08-06", id="sim-model"),
    pytest.param("x-request-id: req_01HZX3K9Q2W7T8YB5N6M4P1R0S", id="req-id"),
    pytest.param("id: chatcmpl-AbC123xyz789DEF456ghiJKL0", id="chatcmpl"),
    pytest.param(
        "X-Request-Id: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        id="sha256-id",
    ),
    pytest.param(
        "request_id=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        id="sha256-id-2",
    ),
    pytest.param("server error (request id: 2025112204081234567890abcdef)", id="comet-request-id"),
    pytest.param("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", id="traceparent"),
    pytest.param("https://api.cometapi.com/v1/chat/completions?stream=true&limit=20", id="url"),
    pytest.param("POST https://api.openai.com/v1/chat/completions HTTP/1.1", id="request-line"),
    pytest.param("HTTP/1.1 429 Too Many Requests", id="status-line"),
    pytest.param("HTTP/2 200 OK\r\nContent-Type: application/json\r\nRetry-After: 30", id="headers"),
    pytest.param("started_at=2026-11-22T04:08:12.345678+00:00 elapsed_ms=1234.5", id="timestamps"),
    pytest.param("timeout after 30s; backoff 1500 ms; deadline 2m30s; 1h", id="durations"),
    pytest.param(
        '{"usage": {"prompt_tokens": 123456, "completion_tokens": 7, "total_tokens": 123463}}',
        id="usage",
    ),
    pytest.param(
        '{"max_tokens": 4096, "token_type": "bearer", "api_key_env": "COMETAPI_API_KEY"}',
        id="names",
    ),
    pytest.param("connect refused to 127.0.0.1:8080 and 0.0.0.0:9000", id="loopback"),
    pytest.param("author: Jane Austen wrote 6 novels", id="author"),
    pytest.param("finish_reason=content_filter system_fingerprint=fp_44709d6fcb", id="finish-reason"),
    pytest.param("see https://platform.openai.com/docs/guides/error-codes#api-errors", id="docs-url"),
    pytest.param("ISBN 978-0-13-468599-1, page 42, call 3 of 5, 1200 rpm", id="numbers"),
    pytest.param("sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", id="digest"),
    pytest.param("path=/v1/chat/completions route_template=/v1/chat/completions", id="paths"),
    pytest.param("", id="empty"),
    pytest.param(
        "You exceeded your current quota, please check your plan and billing details. "
        "Read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        id="openai-quota-message",
    ),
    pytest.param(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in "
        "130512 tokens. Please reduce the length of the messages.",
        id="openai-context-message",
    ),
    pytest.param(
        '{"error": {"message": "Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit '
        '200000, Used 199000, Requested 2000. Please try again in 300ms.", "type": "tokens", '
        '"param": null, "code": "rate_limit_exceeded"}}',
        id="openai-rate-limit-body",
    ),
    pytest.param("httpx.ConnectError: [Errno 111] Connection refused", id="connect-error"),
    pytest.param("ReadTimeout: timed out after 30.0 seconds (attempt 2/5, backoff=1.73s)", id="timeout"),
    pytest.param("Retry-After: Sun, 22 Nov 2026 04:09:12 GMT", id="http-date"),
    pytest.param(
        "{'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}, "
        "'request_id': 'req_011CV9xYzAbCdEfGhIjKlMnOp'}",
        id="anthropic-body",
    ),
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_passes_byte_for_byte(text: str) -> None:
    assert redact(text) == text
    assert redact_mapping({"note": text}) == {"note": text}


def test_clean_chat_completion_body_passes_unchanged() -> None:
    body = {
        "id": "chatcmpl-AbC123xyz789DEF456ghiJKL0",
        "object": "chat.completion",
        "created": 1763784492,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "It is 14:08."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }
    assert redact_mapping(body) == body
    assert redact(json.dumps(body)) == json.dumps(body)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        pytest.param("Authorization", True, id="authorization"),
        pytest.param("X-Api-Key", True, id="x-api-key"),
        pytest.param("apiKey", True, id="camel-api-key"),
        pytest.param("csrftoken", True, id="csrftoken"),
        pytest.param("aws_secret_access_key", True, id="aws-secret"),
        pytest.param("key", True, id="bare-key"),
        pytest.param("max_tokens", False, id="max-tokens"),
        pytest.param("token_type", False, id="token-type"),
        pytest.param("api_key_env", False, id="api-key-env"),
        pytest.param("author", False, id="author"),
        pytest.param("request_id", False, id="request-id"),
        pytest.param("primary_key", False, id="primary-key"),
        pytest.param("monkey", False, id="monkey"),
    ],
)
def test_secret_key_names(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


@pytest.mark.parametrize(
    ("value", "random"),
    [
        pytest.param(OPAQUE, True, id="opaque"),
        pytest.param("ab12" * 10, True, id="hex"),
        pytest.param("claude-3-5-sonnet-20241022", False, id="model"),
        pytest.param("123e4567-e89b-12d3-a456-426614174000", False, id="uuid"),
        pytest.param("req_01HZX3K9Q2W7T8YB5N6M4P1R0S", False, id="req-id"),
        pytest.param("short1", False, id="short"),
        pytest.param("ThisIsAVeryLongIdentifierName", False, id="camel-word"),
    ],
)
def test_looks_random(value: str, random: bool) -> None:
    assert looks_random(value) is random


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://user:pw@api.example.com/v1", "https://api.example.com/v1", id="userinfo"),
        pytest.param(
            "https://api.example.com/v1/x?api_key=abc&q=hello%20world&token=t",
            f"https://api.example.com/v1/x?api_key={MASK}&q=hello%20world&token={MASK}",
            id="query",
        ),
        pytest.param(f"https://h/v1?blob={OPAQUE}#frag", f"https://h/v1?blob={MASK}#frag", id="random-value"),
        pytest.param("https://api.cometapi.com/v1", "https://api.cometapi.com/v1", id="clean"),
        pytest.param("/v1/chat/completions", "/v1/chat/completions", id="path"),
        pytest.param("api.cometapi.com", "api.cometapi.com", id="host"),
        pytest.param("10.2.3.4:8443", "10.2.3.4:8443", id="server-ip"),
        pytest.param("user:pw@api.example.com", "api.example.com", id="host-userinfo"),
        pytest.param(f"/v1/keys/{COMET_KEY}", f"/v1/keys/{MASK}", id="key-in-path"),
    ],
)
def test_strip_url_secrets(url: str, expected: str) -> None:
    assert strip_url_secrets(url) == expected


def test_extra_patterns_from_configuration() -> None:
    text = "tenant acme-corp-7731 uploaded payroll_2026.xlsx"
    assert redact(text) == text
    configure_redaction(extra_patterns=[r"acme-corp-\d+", r"payroll_\w+\.xlsx"])
    assert redact(text) == f"tenant {MASK} uploaded {MASK}"
    record = AttemptRecord(error_summary=text)
    assert record.error_summary == f"tenant {MASK} uploaded {MASK}"


def test_invalid_extra_pattern_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="invalid redaction pattern"):
        configure_redaction(extra_patterns=["(unclosed"])


def test_drop_ids_drops_provider_request_id() -> None:
    assert AttemptRecord(provider_request_id="req_abc").provider_request_id == "req_abc"
    configure_redaction(drop_ids=True)
    assert AttemptRecord(provider_request_id="req_abc").provider_request_id is None


def test_configure_returns_previous_redactor() -> None:
    first = configure_redaction(drop_ids=True)
    second = configure_redaction()
    assert not first.drop_ids
    assert second.drop_ids


REQUEST = {
    "model": "gpt-4o-mini",
    "stream": True,
    "user": "customer-4711",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": [{"type": "text", "text": "My email is " + EMAIL}]},
        {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1}'}}]},
    ],
}


def test_shape_of_body_keeps_roles_and_lengths_only() -> None:
    shape = shape_of_body(REQUEST)
    assert shape["model"] == "gpt-4o-mini"
    assert shape["stream"] is True
    assert shape["user"] == {"chars": len("customer-4711")}
    assert shape["messages"][0] == {"role": "system", "content": {"chars": 14}}
    assert shape["messages"][1]["content"] == [{"type": "text", "text": {"chars": 12 + len(EMAIL)}}]
    call = shape["messages"][2]["tool_calls"][0]["function"]
    assert call == {"name": "f", "arguments": {"chars": 8}}
    dumped = json.dumps(shape)
    assert "terse" not in dumped
    assert "customer-4711" not in dumped


def test_shape_of_body_keep_content_still_redacts() -> None:
    shape = shape_of_body(REQUEST, keep_content=True)
    assert shape["messages"][0]["content"] == "You are terse."
    assert shape["messages"][1]["content"][0]["text"] == f"My email is {MASK}"


def test_shape_of_messages() -> None:
    msgs = [{"role": "user", "content": "hello"}, {"role": "tool", "content": None}]
    assert shape_of_messages(msgs) == [
        {"role": "user", "chars": 5},
        {"role": "tool", "chars": None},
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_redact_is_idempotent_and_total(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([s for _, s in SECRETS] + [OPAQUE]),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40),
)
def test_planted_secret_never_survives_surrounding_text(secret: str, before: str, after: str) -> None:
    named = f"api_key={secret}" if secret == OPAQUE else secret  # opaque values need a name
    text = f"{before} {named} {after}"
    assert secret not in redact(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5))
def test_redact_mapping_is_idempotent_and_total(doc: dict[str, Any]) -> None:
    once = redact_mapping(doc)
    assert redact_mapping(once) == once
    json.dumps(once)  # still JSON


def test_memo_is_per_redactor() -> None:
    text = "tenant acme-corp-7731"
    assert redact(text) == text  # remembered by the default redactor
    configure_redaction(extra_patterns=[r"acme-corp-\d+"])
    assert redact(text) == f"tenant {MASK}"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1." * 25_000, id="dotted-digits"),
        pytest.param("a." * 25_000, id="dotted-letters"),
        pytest.param("a@" + "1." * 25_000, id="at-then-dots"),
        pytest.param("a:/" * 16_000, id="colon-slash"),
        pytest.param("+1 " * 16_000, id="plus-digits"),
        pytest.param("a=b;" * 12_000, id="assignments"),
        pytest.param('{"a":' * 10_000, id="json-nesting"),
        pytest.param("Bearer a " * 5_000, id="bearer-words"),
    ],
)
def test_redaction_is_linear_on_adversarial_text(text: str) -> None:
    """50 kB of pathological text: a quadratic pattern would take many seconds here."""
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"credential_used": "env:COMETAPI_KEY"}, {"credential_used": "env:COMETAPI_KEY"}, id="env"),
        pytest.param({"credential": "file:key.txt"}, {"credential": "file:key.txt"}, id="file"),
        pytest.param({"token": "env:sk-abc1234567890abcdefghij"}, {"token": "env:[REDACTED]"}, id="key-after-env"),
        pytest.param({"password": "hunter2hunter2"}, {"password": "[REDACTED]"}, id="plain-secret"),
    ],
)
def test_credential_source_names_are_not_secrets(data: dict[str, str], expected: dict[str, str]) -> None:
    assert redact_mapping(data) == expected


def test_credential_source_name_in_text_stays_but_a_random_one_goes() -> None:
    assert redact("credential_used: env:COMETAPI_API_KEY") == "credential_used: env:COMETAPI_API_KEY"
    assert "Xa9f8G7h6J5k4L3m2N1p0QrStU" not in redact("token=env:Xa9f8G7h6J5k4L3m2N1p0QrStU")
