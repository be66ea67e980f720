"""Free-text redaction, URLs in messages, and the keys this process holds.

Every rule has clean examples it must leave alone, byte for byte.
"""

from __future__ import annotations

import hashlib
import uuid

import pytest

from chatcontract.record import AttemptRecord
from chatcontract.redact import (
    MASK,
    mask_known_secrets,
    redact,
    redact_free_text,
    redact_path,
    remember_secret,
    strip_url_secrets,
    url_for_message,
)

AWS_SECRET = "Hq3" + "vN8/xR2+kLm5Pz9WbT4cY7dJ1fG6sA0eUoIi"
AZURE = "4f0c" + "9b2e71a84d3c95e6f1b07a2d8c3e5f91"
BARE_40 = "Zt8" + "q2WmX5nR7vB1kL4pJ9cH3dF6gS0aE2uYoTiReW"
PASSWORD = "Gr" + "een!Apple#42x"

SECRET_TEXTS = [
    pytest.param(f"upstream said {AWS_SECRET}", AWS_SECRET, id="aws-secret-bare"),
    pytest.param(f'{{"detail": "{AZURE}"}}', AZURE, id="azure-32-hex-in-json"),
    pytest.param(f"rejected: {BARE_40}.", BARE_40, id="bare-40-alnum"),
    pytest.param("denied svc-Q7vB4nL8wR2mX9kT-ZQ8WN", "Q7vB4nL8wR2mX9kT", id="pod-shaped-but-mixed-case"),
    pytest.param(f"invalid key {PASSWORD}", PASSWORD, id="password-after-key"),
    pytest.param(f"login failed for {PASSWORD}", PASSWORD, id="password-bare"),
    pytest.param("key: hunter2-horse-battery7", "hunter2-horse-battery7", id="wordish-password-after-key"),
    pytest.param(f"token {AZURE} expired", AZURE, id="hex-after-token"),
    # a password written after words: a passphrase, a short mixed value, digits
    pytest.param("the password is correct-horse-battery-staple", "horse-battery", id="passphrase-after-password-is"),
    pytest.param("pwd was s3cr3t!", "s3cr3t", id="short-password-after-pwd-was"),
    pytest.param("my secret is 4815162342", "4815162342", id="digits-after-secret-is"),
    pytest.param("the key was hunter22x", "hunter22x", id="password-after-the-key-was"),
    pytest.param("password is hunter2-like", "hunter2-like", id="password-is-hunter2-like"),
    # a generated passphrase with no word before it: random letters, not English words
    pytest.param("upstream rejected nxnoop-gabhzl-txqjkc-rlcemg7", "gabhzl-txqjkc", id="random-letter-slug"),
    pytest.param("<p>Denied for qwvzrt_mkdjxo_bplfhy</p>", "mkdjxo", id="random-letter-slug-in-html"),
    pytest.param("login failed for Gr33n@pple#42x", "Gr33n@pple#42x", id="password-with-at-sign"),
]

CLEAN_TEXTS = [
    pytest.param("Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit 200000.", id="prose"),
    pytest.param("Invalid token. (request id: 2025092317301639638045AqGJDnBR)", id="cometapi-request-id"),
    pytest.param("x-request-id: 9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d", id="hex-request-id-named"),
    pytest.param(f"request {uuid.UUID(int=12345678901234567890, version=4)} failed", id="uuid"),
    pytest.param("body " + hashlib.sha256(b"x").hexdigest(), id="sha256"),
    pytest.param("commit " + hashlib.sha1(b"x", usedforsecurity=False).hexdigest(), id="sha1"),
    pytest.param("model accounts/fireworks/models/llama-v3p1-405b-instruct", id="model-path"),
    pytest.param("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B and qwen2.5-coder-32b-instruct", id="model-names"),
    pytest.param("ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9abcDEF1", id="fine-tune-name"),
    pytest.param("chatcmpl-AbCdEf0123456789GhIjKlMnOpQ and req_0123456789abcdef0123456789abcdef", id="prefixed-ids"),
    pytest.param("system_fingerprint fp_44709d6fcb", id="fingerprint"),
    pytest.param("the file /home/user/.config/chatcontract/keys/prod.key was not found", id="key-file-path"),
    pytest.param("Your API key is missing: set CHATCONTRACT_API_KEY or pass --api-key-file.", id="key-advice"),
    pytest.param("The password must be at least 12 characters", id="password-advice"),
    pytest.param("key gpt-4o-mini unknown; deployment eastus2prod failed", id="model-after-key"),
    pytest.param("started 2026-12-05T09:04:33.123456+00:00, token limit 128000", id="timestamp"),
    pytest.param("https://platform.openai.com/docs/guides/error-codes/api-errors", id="doc-url"),
    pytest.param("pod chat-gateway-7d9f8c6b5x-x2lqp restarted (OOMKilled)", id="k8s-pod-name"),
    pytest.param("litellm-proxy-59bd6f7c4-zq8wn and api-6c8b9d7f5-2xk4p", id="k8s-pod-names"),
    # prose about passwords and keys, and slugs of real words, stay
    pytest.param("the password is required; password was re-set by the admin", id="password-prose"),
    pytest.param("password is too-short and the secret is out", id="password-prose-hyphen"),
    pytest.param("the secret was 2024; secret key-rotation scheduled", id="secret-prose"),
    pytest.param("the key was rotated yesterday; password reset required", id="key-prose"),
    pytest.param("nous-hermes-2-mixtral-8x7b-dpo, hunyuan-turbos-latest, codestral-mamba-2407", id="model-slugs"),
    pytest.param("deployment sleepy-mountain-gateway-12345 in us-east-1-prod-cluster", id="word-slugs"),
    pytest.param("ping @Alice2024 and @oncall-team2; decorator @functools.cache", id="mentions"),
    pytest.param("Supercalifragilisticexpialidocious-antidisestablishmentarianism-internationalization",
                 id="long-words"),
]


@pytest.mark.parametrize(("text", "secret"), SECRET_TEXTS)
def test_free_text_masks_bare_secrets(text: str, secret: str) -> None:
    cleaned = redact_free_text(text)
    assert secret not in cleaned
    assert MASK in cleaned


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_free_text_leaves_clean_text_alone(text: str) -> None:
    assert redact_free_text(text) == text


@pytest.mark.parametrize(("text", "secret"), SECRET_TEXTS[:3])
def test_error_summary_of_a_record_is_free_text(text: str, secret: str) -> None:
    record = AttemptRecord(error_summary=text)
    assert record.error_summary is not None
    assert secret not in record.error_summary


def test_ids_outside_free_text_stay() -> None:
    rid = "2025092317301639638045AqGJDnBR"
    assert redact(rid) == rid
    assert AttemptRecord(provider_request_id=rid).provider_request_id == rid


URLS = [
    pytest.param(
        "ftp://admin:PASSWORD@x/v1?key=sk-proj-abc", "ftp://[REDACTED]@x/v1?key=[REDACTED]", id="userinfo-and-query"
    ),
    pytest.param("https://svc:pa/ss@host:8443/v1", "https://[REDACTED]@host:8443/v1", id="password-with-slash"),
    pytest.param(f"https://h/v1/{BARE_40}/chat", "https://h/v1/[REDACTED]/chat", id="key-in-path"),
    pytest.param("https://h/v1#tok", "https://h/v1#[REDACTED]", id="fragment"),
    pytest.param("http://[::1/v1?a", "http://[::1/v1?[REDACTED]", id="broken-ipv6-bare-query"),
    pytest.param("user:pw@host/v1", "[REDACTED]@host/v1", id="no-scheme"),
    pytest.param("https://api.cometapi.com/v1", "https://api.cometapi.com/v1", id="clean"),
    pytest.param("http://127.0.0.1:8080/v1/chat", "http://127.0.0.1:8080/v1/chat", id="loopback"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("url", "shown"), URLS)
def test_url_for_message(url: str, shown: str) -> None:
    assert url_for_message(url) == shown


def test_url_for_message_is_bounded() -> None:
    shown = url_for_message("https://h/" + "a/" * 10_000)
    assert len(shown) <= 160


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        pytest.param(f"https://u:p@h/v1/{BARE_40}", "https://h/v1/[REDACTED]", id="record-path"),
        pytest.param("https://h/v1?model=gpt-4o", "https://h/v1?model=gpt-4o", id="record-clean-query"),
    ],
)
def test_strip_url_secrets_masks_path_keys(url: str, kept: str) -> None:
    assert strip_url_secrets(url) == kept


def test_redact_path_keeps_route_words() -> None:
    assert redact_path("/v1/chat/completions") == "/v1/chat/completions"
    assert redact_path(f"/v1/{BARE_40}/x") == "/v1/[REDACTED]/x"


def test_remembered_key_is_masked_whatever_its_shape() -> None:
    key = "plain-words-key-" + "kq"  # no known format, low entropy
    text = f"echo: {key} and more"
    assert key in redact(text)
    remember_secret(key)
    assert key not in redact(text)
    assert key not in redact_free_text(text)
    assert mask_known_secrets(f"the answer quotes {key}.") == f"the answer quotes {MASK}."
    assert mask_known_secrets("nothing to hide here") == "nothing to hide here"


def test_short_values_are_not_remembered() -> None:
    remember_secret("abc")
    assert redact("abc def") == "abc def"
