"""A fresh redaction corpus: secrets in varied contexts, and clean text that must not change.

Every secret here is fabricated. ``SECRETS`` rows are ``(id, text, needles)``: after redaction
no needle may remain. ``MAPPINGS`` rows are ``(id, mapping, needles)`` for ``redact_mapping``.
``CLEAN`` rows must come through ``redact`` unchanged.
"""

from __future__ import annotations

from typing import Any

_AZ = "8f3a9c2e71b64d0a9e5f1c7b3d2a6e94"
_ANT = "sk-ant-api03-Zq8vK2mLr4Tn9WbX1yHc6PdJ3sFgA7eQ0uNiM5oBtRkVwE-xYz12AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-AbCdEfAA"
_YA29 = "ya29.a0AfB_byC3kX9mQ2wErT5yUiOpAsDfGhJkLzXcVbNm1234567890qwertyuiopASDFGHJKL"
_GLPAT = "glpat-Xy7zQ9wE3rT5yU1iO2pA"
_NPM = "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
_TWILIO = "SK" + "0123456789abcdef0123456789abcdef"
_SG = "SG.Ab3dEf6hIj9kLmN0pQrStU.vWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz01"
_PGPASS = "Tr0ub4dor&3xyz"
_BASIC = "YWxpY2U6czNjcjN0LXBhc3N3MHJk"
_SESSION = "s%3AJq8k2Lm9Xv7Bn4Pw1Zr6Ty3Ua0.Hd5Fg8Jk2Lm"
_PEMKEY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
_SSH = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
_QPASS = "hunter2-Qx9"
_NESTED = "q9Zt4Wm2Lp7Rk1Xv8Ns3Bc6Hd0Fg5Jy"
_OPENAI = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90"
_SLACKBOT = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
_DISCORD = (
    "https://discord.com/api/webhooks/112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrSt"
)
_MONGO = "mongodb+srv://svc_reader:pA55w0rd!zz@cluster0.ab12c.mongodb.net/prod"
_REDIS = "redis://:s3cr3tRedisPw@cache.internal:6379/0"
_XAPI = "k9J3mX7qP2wL5vR8tY1zN4bH6cF0dG"
_GCP_JSON = "-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"
_HFTOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
_DOAPI = "dop_v1_" + "a1b2c3d4e5f60718" * 4
_SIGURL = "sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=AbC123dEf456GhI789jKl%2Bmno%3D"

SECRETS: list[tuple[str, str, list[str]]] = [
    ("azure-api-key-header", f"api-key: {_AZ}", [_AZ]),
    (
        "azure-key-in-curl",
        f"curl -H 'api-key: {_AZ}' https://myres.openai.azure.com/openai/deployments/gpt4/chat/completions?api-version=2024-06-01",
        [_AZ],
    ),
    ("anthropic-key-prose", f"the failing call used {_ANT} from the staging vault", [_ANT]),
    ("anthropic-x-api-key", f"x-api-key: {_ANT}", [_ANT]),
    ("google-oauth-bearer", f"Authorization: Bearer {_YA29}", [_YA29]),
    ("google-oauth-bare", f"refreshed token {_YA29} expires in 3599s", [_YA29]),
    ("gitlab-pat", f"git clone https://oauth2:{_GLPAT}@gitlab.example.com/team/repo.git", [_GLPAT]),
    ("gitlab-pat-bare", f"CI variable GITLAB_TOKEN was rotated; the old value {_GLPAT} still works", [_GLPAT]),
    ("npm-token-npmrc", f"//registry.npmjs.org/:_authToken={_NPM}", [_NPM]),
    ("npm-token-bare", f"publish failed with {_NPM} (403)", [_NPM]),
    ("twilio-api-key", f"twilio key sid {_TWILIO} used by the notifier", [_TWILIO]),
    ("sendgrid-key", f"SENDGRID key is {_SG}", [_SG]),
    ("sendgrid-key-bare", f"mailer init: {_SG}", [_SG]),
    ("postgres-dsn", f"DATABASE_URL=postgres://app_user:{_PGPASS}@db.internal:5432/app", [_PGPASS]),
    ("postgres-dsn-prose", f"connection to postgresql://report:{_PGPASS}@10.2.3.4/reports timed out", [_PGPASS]),
    ("basic-auth-header", f"Authorization: Basic {_BASIC}", [_BASIC]),
    ("basic-auth-lower", f"proxy-authorization: basic {_BASIC}", [_BASIC]),
    ("set-cookie", f"Set-Cookie: connect.sid={_SESSION}; Path=/; HttpOnly; Secure", [_SESSION]),
    (
        "pem-cert-and-key",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----\n"
        f"-----BEGIN RSA PRIVATE KEY-----\n{_PEMKEY}\n-----END RSA PRIVATE KEY-----",
        [_PEMKEY],
    ),
    ("ssh-private-key", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_SSH}\n-----END OPENSSH PRIVATE KEY-----", [_SSH]),
    ("password-query", f"GET /login?user=ops&password={_QPASS}&next=/dash HTTP/1.1", [_QPASS]),
    ("pwd-query-url", f"https://svc.example.com/api/v2/export?format=csv&pwd={_QPASS}", [_QPASS]),
    ("env-file-openai", f"OPENAI_API_KEY={_OPENAI}", [_OPENAI]),
    ("env-export-anthropic", f'export ANTHROPIC_API_KEY="{_ANT}"', [_ANT]),
    ("slack-bot-token", f"SLACK_BOT_TOKEN: {_SLACKBOT}", [_SLACKBOT]),
    ("aws-secret-ini", f"aws_secret_access_key = {_AWS_SECRET}", [_AWS_SECRET]),
    ("aws-secret-yaml", f"  AWS_SECRET_ACCESS_KEY: {_AWS_SECRET}", [_AWS_SECRET]),
    ("discord-webhook", f"alerts go to {_DISCORD}", [_DISCORD.rsplit("/", 1)[1]]),
    ("mongo-dsn", f"MONGO_URI={_MONGO}", ["pA55w0rd!zz"]),
    ("redis-dsn-no-user", f"cache: {_REDIS}", ["s3cr3tRedisPw"]),
    ("x-api-key-header", f"X-API-Key: {_XAPI}", [_XAPI]),
    (
        "json-escaped-pem",
        f'{{"type": "service_account", "private_key": "{_GCP_JSON}"}}',
        ["MIIEvgIBADANBgkqhkiG9w0BAQEFAASC"],
    ),
    ("hf-token", f"HF_TOKEN={_HFTOKEN}", [_HFTOKEN]),
    ("digitalocean-token", f"doctl auth init -t {_DOAPI}", [_DOAPI]),
    ("azure-sas-query", f"https://acct.blob.core.windows.net/c/blob.txt?{_SIGURL}", ["AbC123dEf456GhI789jKl"]),
    (
        "error-message-echo",
        f"Incorrect API key provided: {_OPENAI}. You can find your API key at https://platform.openai.com/account/api-keys.",
        [_OPENAI],
    ),
    (
        "bearer-in-log",
        f'127.0.0.1 - - "POST /v1/chat/completions" 401 headers={{"authorization": "Bearer {_OPENAI}"}}',
        [_OPENAI],
    ),
    ("client-secret-json", f'{{"client_id": "app-123", "client_secret": "{_NESTED}"}}', [_NESTED]),
]

MAPPINGS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "nested-secret-in-array",
        {"items": [{"name": "a", "secret": _NESTED}, {"name": "b", "secret": _XAPI}]},
        [_NESTED, _XAPI],
    ),
    (
        "headers-mixed-case",
        {
            "headers": {
                "API-Key": _AZ,
                "X-Goog-Api-Key": "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
                "Content-Type": "application/json",
            }
        },
        [_AZ, "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"],
    ),
    ("dsn-value", {"database": {"url": f"postgres://svc:{_PGPASS}@db/app"}}, [_PGPASS]),
    ("env-list", {"env": [f"OPENAI_API_KEY={_OPENAI}", "LOG_LEVEL=info"]}, [_OPENAI]),
    (
        "twilio-nested",
        {"notifier": {"provider": "twilio", "credentials": {"sid": _TWILIO, "auth_token": _NESTED}}},
        [_TWILIO, _NESTED],
    ),
    (
        "cookie-header-list",
        {"response_headers": [["set-cookie", f"sid={_SESSION}; Path=/"], ["content-length", "12"]]},
        [_SESSION],
    ),
    ("error-body", {"error": {"message": f"invalid token {_GLPAT}", "type": "auth"}}, [_GLPAT]),
    ("passphrase", {"ssh": {"passphrase": "correct horse battery staple"}}, ["correct horse battery staple"]),
]

CLEAN: list[str] = [
    "Error rate rose from 0.4% to 12.5% between 14:02 and 14:19 UTC on 2026-11-21.",
    "We upgraded httpx from 0.27.2 to 0.28.1 and pydantic to 2.9.2; p95 latency went 840 ms -> 910 ms.",
    "Run 3f1c2b9a-8e4d-4c1a-9b7e-2d5f6a7c8e90 finished with 48 passes and 2 failures.",
    '{"commit": "9fceb02d0ae598e95dc970b74767f19372d61af8", "branch": "main", "author": "ci"}',
    "Deployed commit a1b2c3d at 09:15; rollback to 4e5f6a7 took 3 minutes.",
    "model gpt-4o-mini-2024-07-18 and claude-3-5-sonnet-20241022 both answered within 2.1 s",
    "x-request-id: req_8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
    "response id chatcmpl-9Xk2mLp4Qr7St0Uv3Wx6Yz and request id req-20261121-000123",
    "See https://platform.openai.com/docs/guides/error-codes#api-errors for the 429 semantics.",
    "Logs are in /var/log/gateway/2026-11-21/access.log.gz and /srv/app/releases/v4.12.0/config.yaml",
    '127.0.0.1 - - [21/Nov/2026:14:02:11 +0000] "POST /v1/chat/completions HTTP/1.1" 503 87 "-" "python-httpx/0.28.1"',
    "The retry budget was 10% with a floor of 3 retries per second; 42 of 1,200 calls were retried.",
    "Version 1.2.3-rc.4+build.567 shipped on Nov 21, 2026 at 06:00 UTC.",
    "Set max_tokens=256, temperature=0.2 and top_p=1.0 for the smoke test.",
    "token_type: bearer, expires_in: 3600, scope: chat.read",
    "The API key was read from env:COMETAPI_API_KEY (source name only).",
    "sha256: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1c",
    'etag: W/"5e8f-1a2b3c4d5e6f7a8b9c0d"',
    "Our SLO is 99.5% of requests under 2 s; last week we measured 99.62%.",
    "Ticket OPS-4821 and incident INC-2026-1121-03 track the outage window 14:02-14:19.",
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "The /v1/models endpoint listed 37 models; gpt-4.1, o3-mini and text-embedding-3-large among them.",
    "Configure Authorization as a Bearer token header, not as Basic authentication.",
    "passwords must be rotated every 90 days per policy SEC-12 (no value shown here)",
    "We saw HTTP 429 with Retry-After: 20 and x-ratelimit-remaining-requests: 0 at 14:05:33.",
    "Build #1842 on runner ubuntu-22.04 took 6m12s; artifact size 18.4 MB.",
    "api_key_env: COMETAPI_API_KEY and api_key_file: /run/secrets/comet (values not shown)",
    "The deployment gpt4o-eastus-prod-02 in resource group rg-llm-prod handled 61% of traffic.",
    "Coordinates of the fix: src/chatcontract/client/engine.py line 212, function _decide().",
    "At 2026-11-21T14:02:11.532Z the first 503 arrived; 17 more followed by 14:03:40Z.",
]
