"""A fresh corpus of secret formats and clean texts, written before reading the redaction rules.

Every secret is generated at test time from a seeded generator (no key-shaped literal sits in the
tree for scanners to flag, and the values differ from any the rules were tuned on). Formats cover
provider keys with a known prefix, cloud credentials without one, tokens with structure (JWT,
PEM, connection strings) and bare passwords. The clean corpus holds what the project must keep:
prose, request ids, model names, UUIDs, hashes, timestamps and URLs without secrets.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64url(f'{{"sub":"{rng.randrange(10**9)}","iat":{rng.randrange(10**9)}}}'.encode())
    return f"{header}.{body}.{_pick(rng, URLSAFE, 43)}"


def _pem(rng: random.Random) -> str:
    lines = "\n".join(_pick(rng, B64, 64) for _ in range(3))
    return "-----BEGIN " + "PRIVATE KEY-----\n" + lines + "\n-----END " + "PRIVATE KEY-----"


@dataclass(frozen=True)
class SecretFormat:
    """One secret format: a name, a generator and the part that must never appear (``core``)."""

    name: str
    make: Callable[[random.Random], str]
    # the substring that counts as a leak; by default the whole value
    core: Callable[[str], str] | None = None
    # True when the format is key-shaped and can be pasted into a URL path or query unchanged
    url_safe: bool = True


def _after(sep: str) -> Callable[[str], str]:
    return lambda value: value.split(sep, 1)[1]


FORMATS: list[SecretFormat] = [
    SecretFormat("openai-project", lambda r: "sk-proj-" + _pick(r, URLSAFE, 120)),
    SecretFormat("openai-svcacct", lambda r: "sk-svcacct-" + _pick(r, URLSAFE, 100)),
    SecretFormat("openai-admin", lambda r: "sk-admin-" + _pick(r, URLSAFE, 80)),
    SecretFormat("openai-legacy-48", lambda r: "sk-" + _pick(r, ALNUM, 48)),
    SecretFormat("anthropic", lambda r: "sk-ant-api03-" + _pick(r, URLSAFE, 93) + "AA"),
    SecretFormat("openrouter", lambda r: "sk-or-v1-" + _pick(r, HEX, 64)),
    SecretFormat("deepseek-hex", lambda r: "sk-" + _pick(r, HEX, 32)),
    SecretFormat("aws-access-key-id", lambda r: "AKIA" + _pick(r, UPPER_DIGITS, 16)),
    SecretFormat("aws-secret-access-key", lambda r: _pick(r, B64, 40), url_safe=False),
    SecretFormat("aws-session-token", lambda r: "FwoGZXIvYXdzE" + _pick(r, B64, 300) + "==", url_safe=False),
    SecretFormat("azure-openai-api-key", lambda r: _pick(r, HEX, 32)),
    SecretFormat("google-api-key", lambda r: "AIza" + _pick(r, URLSAFE, 35)),
    SecretFormat("github-classic", lambda r: "ghp_" + _pick(r, ALNUM, 36)),
    SecretFormat("github-fine-grained", lambda r: "github_pat_" + _pick(r, ALNUM, 22) + "_" + _pick(r, ALNUM, 59)),
    SecretFormat("github-app", lambda r: "ghs_" + _pick(r, ALNUM, 36)),
    SecretFormat("gitlab-pat", lambda r: "glpat-" + _pick(r, URLSAFE, 20)),
    SecretFormat(
        "slack-bot",
        lambda r: "xoxb-" + _pick(r, string.digits, 12) + "-" + _pick(r, string.digits, 13) + "-" + _pick(r, ALNUM, 24),
    ),
    SecretFormat("stripe-live", lambda r: "sk_live_" + _pick(r, ALNUM, 99)),
    SecretFormat("stripe-restricted", lambda r: "rk_live_" + _pick(r, ALNUM, 99)),
    SecretFormat("huggingface", lambda r: "hf_" + _pick(r, string.ascii_letters, 34)),
    SecretFormat("groq", lambda r: "gsk_" + _pick(r, ALNUM, 52)),
    SecretFormat("replicate", lambda r: "r8_" + _pick(r, ALNUM, 37)),
    SecretFormat("mistral-bare-32", lambda r: _pick(r, ALNUM, 32)),
    SecretFormat("cohere-bare-40", lambda r: _pick(r, ALNUM, 40)),
    SecretFormat("perplexity", lambda r: "pplx-" + _pick(r, ALNUM, 48)),
    SecretFormat("xai", lambda r: "xai-" + _pick(r, ALNUM, 80)),
    SecretFormat("fireworks", lambda r: "fw_" + _pick(r, ALNUM, 24)),
    SecretFormat("jwt", _jwt),
    SecretFormat("twilio-sk", lambda r: "SK" + _pick(r, HEX, 32)),
    SecretFormat("sendgrid", lambda r: "SG." + _pick(r, URLSAFE, 22) + "." + _pick(r, URLSAFE, 43)),
    SecretFormat("npm", lambda r: "npm_" + _pick(r, ALNUM, 36)),
    SecretFormat("pypi", lambda r: "pypi-AgEIcHlwaS5vcmc" + _pick(r, URLSAFE, 150)),
    SecretFormat("digitalocean", lambda r: "dop_v1_" + _pick(r, HEX, 64)),
    SecretFormat("databricks", lambda r: "dapi" + _pick(r, HEX, 32)),
    SecretFormat("datadog-bare-hex", lambda r: _pick(r, HEX, 32)),
    SecretFormat("cloudflare-bare-40", lambda r: _pick(r, URLSAFE, 40)),
    SecretFormat(
        "telegram-bot", lambda r: str(r.randrange(10**8, 10**9)) + ":AA" + _pick(r, URLSAFE, 33), url_safe=False
    ),
    SecretFormat(
        "azure-storage-conn",
        lambda r: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + _pick(r, B64, 86) + "==",
        core=_after("AccountKey="),
        url_safe=False,
    ),
    SecretFormat("pem-private-key", _pem, core=lambda v: v.splitlines()[1], url_safe=False),
    SecretFormat("password-mixed", lambda r: "Tr0ub" + _pick(r, ALNUM + "!#%&*", 14) + "9!", url_safe=False),
    SecretFormat(
        "password-words",
        lambda r: "-".join(_pick(r, string.ascii_lowercase, 6) for _ in range(4)) + "7",
        url_safe=False,
    ),
]


def make_secrets(seed: int = 20261205) -> dict[str, str]:
    """One value per format, reproducible from ``seed``."""
    rng = random.Random(seed)
    return {f.name: f.make(rng) for f in FORMATS}


def leak_core(name: str, value: str) -> str:
    """The part of ``value`` whose presence anywhere counts as a leak."""
    fmt = next(f for f in FORMATS if f.name == name)
    return value if fmt.core is None else fmt.core(value)


def url_safe(name: str) -> bool:
    return next(f for f in FORMATS if f.name == name).url_safe


# How upstreams echo a credential in an error body. Several carry no keyword at all.
ERROR_BODY_TEMPLATES: list[str] = [
    '{{"error": {{"message": "Incorrect API key provided: {s}. Check your key.", "type": "invalid_request_error"}}}}',
    '{{"error": {{"message": "credential {s} is not valid for this deployment", "code": "401"}}}}',
    '{{"detail": "{s}"}}',
    "upstream rejected {s}",
    '{{"error": "forbidden", "echo": {{"authorization": "Bearer {s}"}}}}',
    "key {s} expired",
    "<html><body>Denied for {s}</body></html>",
]

# Lines of log a gateway might have written with the credential inside.
LOG_TEMPLATES: list[str] = [
    '{{"ts": "2026-12-01T10:00:00Z", "status": 401, "route": "/v1/chat/completions", "error": "bad key {s}"}}',
    '127.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "POST /v1/chat/completions?api_key={s} HTTP/1.1" 401 12 "-" "curl"',
]


def clean_corpus() -> list[str]:
    """Texts redaction must leave byte-for-byte unchanged."""
    rng = random.Random(7)
    sha256 = hashlib.sha256(b"fixture body").hexdigest()
    sha1 = hashlib.sha1(b"fixture body", usedforsecurity=False).hexdigest()
    return [
        "The upstream returned 503 Service Unavailable; retry after 2 seconds.",
        "Rate limit reached for gpt-4o-mini in organization on tokens per min (TPM): Limit 200000, Used 199000.",
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
        "The model `gpt-4o-2024-08-06` does not exist or you do not have access to it.",
        "claude-3-5-sonnet-20241022",
        "meta-llama/Llama-3.1-70B-Instruct-Turbo",
        "gemini-1.5-pro-002",
        "text-embedding-3-large",
        "chatcmpl-" + _pick(rng, ALNUM, 29),
        "req_" + _pick(rng, HEX, 32),
        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "request id " + str(uuid.UUID(int=rng.getrandbits(128), version=4)) + " failed upstream",
        "body_sha256=" + sha256,
        sha256,
        "commit " + sha1,
        "2026-12-05T09:04:33.123456+00:00",
        "https://api.cometapi.com/v1/chat/completions",
        "http://127.0.0.1:8080/v1",
        "See https://platform.openai.com/docs/guides/error-codes/api-errors for details.",
        "/var/log/nginx/access.log",
        "Internal server error (request id: 20261205090433123456789abcdef)",
        "stream closed before finish_reason; 42 chunks received in 1834 ms",
        "Please check the key file path and try again.",
        "Your API key is missing: set CHATCONTRACT_API_KEY or pass --api-key-file.",
        "Connection refused while connecting to upstream (errno 111).",
        "Supercalifragilisticexpialidocious antidisestablishmentarianism internationalization",
        "max_tokens must be between 1 and 4096",
        "POST /v1/chat/completions HTTP/1.1",
    ]
