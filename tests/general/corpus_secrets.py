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

# Round two (written after the first fixes, measured before the second).
_HEX32 = "0123456789abcdef0123456789abcdef"
_DIGEST = "6629fae49393a05397450978507c4ef1"
SECRETS += [
    ("apim-subscription-key", f"Ocp-Apim-Subscription-Key: {_HEX32}", [_HEX32]),
    ("json-api-key-dash", '{"api-key": "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e"}', ["9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e"]),
    (
        "google-key-query",
        "https://generativelanguage.googleapis.com/v1/models?key=Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1",
        ["Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1"],
    ),
    (
        "github-token-scheme",
        "Authorization: token ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        ["ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
    ),
    ("mysql-p-flag", "mysql -h db -u root -pS3cr3tP4ss! app", ["S3cr3tP4ss!"]),
    ("pgpassword-env", "PGPASSWORD=Pa55w0rdXyz psql -h db", ["Pa55w0rdXyz"]),
    ("yaml-short-password", "password: hunter2", ["hunter2"]),
    ("netrc-line", "machine api.example.com login bob password hunter2x", ["hunter2x"]),
    (
        "telegram-bot-url",
        "https://api.telegram.org/bot123456789:AAHkZx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0/sendMessage",
        ["AAHkZx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0"],
    ),
    ("datadog-env", f"DD_API_KEY={_HEX32}", [_HEX32]),
    (
        "sentry-dsn",
        "https://abc123def456abc123def456abc12345@o123.ingest.sentry.io/456",
        ["abc123def456abc123def456abc12345"],
    ),
    (
        "age-secret-key",
        "AGE-SECRET-KEY-1QQPQZ8ZQYQ4XJ7R4X0SZ8Q4Y5ZP2Q8XQ6YQ5Z4R2Q0X8S7Q4Y5ZP2Q8XQ6",
        ["QQPQZ8ZQYQ4XJ7R4X0SZ8Q4Y5ZP2Q8XQ6"],
    ),
    (
        "cookie-two-pairs",
        "Cookie: theme=dark; sessionid=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ["9f8e7d6c5b4a39281706f5e4d3c2b1a0"],
    ),
    ("stripe-restricted", "rk_live_51HqAbCdEfGhIjKlMnOpQrSt", ["rk_live_51HqAbCdEfGhIjKlMnOpQrSt"]),
    ("cli-api-key-flag", "--api-key sk-abcdefghijklmnopqrstuvwx1234", ["sk-abcdefghijklmnopqrstuvwx1234"]),
    ("curl-user-password", "curl -u admin:Sup3rS3cret! https://x.example.com", ["Sup3rS3cret!"]),
    ("digest-auth", f'Proxy-Authorization: Digest username="bob", response="{_DIGEST}"', [_DIGEST]),
    (
        "azure-key-prose",
        "key1 for the Azure resource is 8f3a9c2e71b64d0a9e5f1c7b3d2a6e94",
        ["8f3a9c2e71b64d0a9e5f1c7b3d2a6e94"],
    ),
    (
        "anthropic-admin-key",
        "ANTHROPIC_API_KEY: sk-ant-admin01-abcdEFGH1234ijklMNOP5678qrstUVWX",
        ["abcdEFGH1234ijklMNOP5678qrstUVWX"],
    ),
    (
        "groq-key-prose",
        "the leaked key was gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMn",
        ["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEf"],
    ),
    ("xai-env", "XAI_API_KEY=xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", ["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"]),
    (
        "perplexity-bare",
        "used pplx-0123456789abcdef0123456789abcdef0123456789abcdef for the test",
        ["0123456789abcdef0123456789abcdef0123456789abcdef"],
    ),
    (
        "replicate-bare",
        "r8_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 was in the notebook",
        ["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
    ),
    ("openrouter-key", "sk-or-v1-" + _HEX32 * 2, [_HEX32 * 2]),
    (
        "azure-storage-conn",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed9Cb8Aa7==;EndpointSuffix=core.windows.net",
        ["Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed9Cb8Aa7"],
    ),
]
MAPPINGS += [
    ("auth-object", {"auth": {"type": "bearer", "token": "abc"}}, ['"abc"']),
    (
        "har-header-list",
        {"headers": [{"name": "Authorization", "value": "Bearer zzzz9999yyyy8888"}]},
        ["zzzz9999yyyy8888"],
    ),
    (
        "service-account-key-id",
        {"private_key_id": "0123456789abcdef0123456789abcdef01234567"},
        ["0123456789abcdef0123456789abcdef01234567"],
    ),
    ("env-mapping", {"env": {"OPENAI_API_KEY": "sk-xx"}}, ["sk-xx"]),
    ("form-encoded-string", {"config": "password=hunter2xy&user=bob"}, ["hunter2xy"]),
]
CLEAN += [
    '{"revision": "9fceb02d0ae598e95dc970b74767f19372d61af8", "rev": "4e5f6a7"}',
    "revision: 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "version 4.12.0.1 released; build 10.0.0.1 of the agent",
    "max_tokens: 4096, prompt_tokens: 9, tokens_used: 120",
    "Bearer tokens expire after 3600 s.",
    "conversation_id=conv_8a7b6c5d4e3f2a1b0c9d8e7f",
    "generation id gen-1732123456-AbCdEfGhIjKlMnOp",
    "message id msg_01XFDUDYJgAACzvnptvVoYEL and tool use toolu_01A09q90qw90lq917835lq9",
    "anthropic-request-id: req_011CKz3ZQ4p5n2Y7jW8X9abc",
    "openai-organization: org-AbCdEfGhIjKlMnOpQrStUvWx",
    "cf-ray: 8e5a1b2c3d4e5f60-AMS",
    "x-amzn-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793",
    "The response id was chatcmpl-AbC123dEf456GhI789jKl012 and the fingerprint fp_44709d6fcb.",
    "ft:gpt-4o-mini-2024-07-18:acme:support-bot:9ABel2Pk answered",
    "GET /v1/files?limit=20&after=file-AbC123dEf456GhI789jKl HTTP/1.1 200",
    "batch_6721b0c8a9f081909e2b5c1d4f3e2a10 completed",
    "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b was the Responses API id",
    "upload sha256=3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1c",
    "image ghcr.io/acme/gateway@sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1c",
    "thread_abc123DEF456ghi789JKL0 and run_abc123DEF456ghi789JKL0 and asst_abc123DEF456ghi789JKL0",
    "the key rotation is scheduled for 2026-12-01",
    "p99 latency 2,340 ms on 2026-11-21; 1 234 567 tokens processed",
    "object: chat.completion.chunk, created: 1732123456",
    "host=api.cometapi.com path=/v1/chat/completions status=503 duration_ms=1234",
    "user_agent=OpenAI/Python 1.54.0 x-stainless-retry-count=2",
    "span_id=00f067aa0ba902b7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
    "pod gateway-7d9f8b6c5d-x2k9p restarted 3 times",
    "The password field is required; the secret manager returned 404.",
    "The api_key parameter is deprecated in favour of the Authorization header.",
    "idempotency-key: 5f2b8c1e-9a3d-4e7f-b6c5-d4e3f2a1b0c9",
    "run 3f1c2b9a8e4d4c1a9b7e2d5f6a7c8e90 (a dashless UUID v4) finished",
    "the token limit is 128000 and the key header is Authorization",
]
