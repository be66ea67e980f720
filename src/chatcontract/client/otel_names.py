"""The OpenTelemetry names the client emits, in one place (see ``docs/telemetry.md``).

GenAI names follow the GenAI semantic conventions as of semantic-conventions v1.44.0 (the
version ``opentelemetry-semantic-conventions`` 0.66b2 generates; the GenAI group is
"Development" and now lives in open-telemetry/semantic-conventions-genai); HTTP names follow the
stable HTTP client conventions. The one GenAI name that moved since v1.36 is ``gen_ai.system``
(now ``gen_ai.provider.name``): both are emitted unless ``OTEL_SEMCONV_STABILITY_OPT_IN`` lists
``gen_ai_latest_experimental``. This project's own facts are under ``chatcontract.*``.
"""

from __future__ import annotations

from chatcontract.contract.profile import Profile

OPT_IN_LATEST = "gen_ai_latest_experimental"
OLD_PROVIDER = "gen_ai.system"  # v1.36 and before; replaced by gen_ai.provider.name

OPERATION_DURATION = "gen_ai.client.operation.duration"
OPERATION_DOC = "GenAI operation duration: one logical call, every attempt, wait and fallback included."
REQUEST_DURATION = "http.client.request.duration"
REQUEST_DOC = "Duration of one HTTP client request (one attempt)."
TOKEN_USAGE = "gen_ai.client.token.usage"  # noqa: S105 - a metric name
TOKEN_DOC = "Number of input and output tokens used (the answering attempt's usage)."  # noqa: S105
TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
TTFC_DOC = "Time from the call's start to the first chunk of the answering response stream."
ATTEMPTS = "chatcontract.client.attempts"
ATTEMPTS_DOC = "Attempts (and routes skipped without sending) by what the engine decided after them."
BREAKER_CHANGES = "chatcontract.client.breaker.changes"
BREAKER_DOC = "Circuit breaker state changes of a route."

SERVER = ("server.address", "server.port")
OPERATION_LABELS = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    OLD_PROVIDER,
    "gen_ai.request.model",
    "gen_ai.response.model",
    *SERVER,
    "error.type",
)
REQUEST_LABELS = ("http.request.method", "http.response.status_code", *SERVER, "url.template", "error.type")
ATTEMPT_LABELS = ("gen_ai.request.model", "server.address", "error.type")


# gen_ai.provider.name values the conventions list, that a profile of the same name selects.
_KNOWN_PROVIDERS = frozenset({"openai", "azure.ai.openai", "deepseek", "groq", "mistral_ai", "perplexity", "x_ai"})


def provider_name(profile: Profile) -> str:
    """``gen_ai.provider.name`` for a profile: CometAPI is ``cometapi`` (a custom value), a profile
    named after a listed provider is that provider; any other OpenAI-compatible server is
    ``openai``, the API it speaks (as the conventions advise; ``server.address`` says which)."""
    if profile.name == "cometapi" or profile.name in _KNOWN_PROVIDERS:
        return profile.name
    return "openai"
