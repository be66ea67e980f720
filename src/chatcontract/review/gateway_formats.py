"""What LLM gateways write, as data: per format, which field holds each attempt-record fact.

One :class:`GatewayFormat` per format. ``fields`` maps a canonical field (see
:data:`chatcontract.review.mapping.CANONICAL`) to candidate paths, first present wins; a path is
dotted (``hidden_params.additional_headers.x-litellm-attempted-retries``) and a key that itself
holds dots (``request.body`` in a Portkey export) is matched whole first. ``scale_ms`` turns a
duration field's unit into milliseconds; ``spans`` derives a duration from two timestamps;
``success`` names a flag that stands for "a usable answer" when the format has no HTTP status;
``fallback_count`` names a count of fallbacks when the format does not say which route was
replaced. ``reach`` declares what the format can show; ``cannot_show`` says it in words for
``docs/gateway-readers.md``. The Python reader (:mod:`chatcontract.review.readers.gateway`)
applies these tables; another engine can apply the same tables.

Sources (published field lists, read 2026-12-05):
LiteLLM https://docs.litellm.ai/docs/proxy/logging_spec and /docs/proxy/response_headers;
Portkey https://portkey.ai/docs/product/observability/logs-export;
Helicone https://docs.helicone.ai/rest/request/post-v1requestquery;
Langfuse https://api.reference.langfuse.com (ObservationsView);
Cloudflare https://developers.cloudflare.com/api/resources/ai_gateway/subresources/logs and
https://developers.cloudflare.com/logs/logpush/logpush-job/datasets/account/ai_gateway_events/;
Kong https://developer.konghq.com/ai-gateway/ai-audit-log-reference/ (+ the log plugins' entry);
Envoy AI Gateway https://aigateway.envoyproxy.io/docs/capabilities/observability/accesslogs
(Envoy Gateway JSON access log with the ``io.envoy.ai_gateway`` dynamic metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chatcontract.review.reach import Fact, Reach

Paths = tuple[str, ...]


@dataclass(frozen=True)
class GatewayFormat:
    name: str
    description: str
    detect: tuple[Paths, ...]  # a line is this format when every path of one tuple is present
    fields: Mapping[str, Paths]
    reach: Reach
    cannot_show: str
    scale_ms: Mapping[str, float] = field(default_factory=dict)
    spans: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field -> (start path, end path)
    success: str | None = None  # a flag path: true means a usable answer (status 200 when none logged)
    fallback_count: str | None = None
    retry_after_s: Paths = ()  # Retry-After as logged (seconds)
    stream_only: frozenset[str] = frozenset({"first_chunk"})  # fields that mean something for streams only
    # field -> how its value is read: "attempts" (a count from 1: retries = n - 1), "tries" (a list of
    # upstream tries: retries = len - 1), "step" (a fallback step: > 0 names step 0 as the replaced route)
    counts: Mapping[str, str] = field(default_factory=dict)
    error_when: tuple[str, str] | None = None  # (path, value): the row is a failure when path holds value


_GATEWAY_ALWAYS = frozenset({Fact.MODEL, Fact.REQUEST_IDS, Fact.USAGE})

LITELLM_PAYLOAD = GatewayFormat(
    name="litellm",
    description="LiteLLM StandardLoggingPayload (one JSON object per call, e.g. a custom or s3 logger)",
    detect=(("call_type", "startTime", "status", "model_group"), ("call_type", "startTime", "hidden_params")),
    fields={
        "request_id": ("id", "litellm_call_id"),
        "model": ("model_group", "model"),
        "response_model": ("response.model", "model"),
        "deployment": ("model_id", "hidden_params.model_id"),
        "host": ("api_base", "hidden_params.api_base"),
        "streaming": ("stream",),
        "prompt_tokens": ("prompt_tokens",),
        "completion_tokens": ("completion_tokens",),
        "total_tokens": ("total_tokens",),
        "status": ("error_information.error_code",),
        "error_type": ("error_information.error_class",),
        "error_summary": ("error_information.error_message", "error_str"),
        "gateway_retries": ("hidden_params.additional_headers.x-litellm-attempted-retries",),
        "service": ("metadata.user_api_key_team_alias", "metadata.user_api_key_alias"),
        "finish_reason": ("response.choices.0.finish_reason",),
        "time": ("startTime",),
    },
    spans={"latency": ("startTime", "endTime"), "first_chunk": ("startTime", "completionStartTime")},
    success="status",
    fallback_count="hidden_params.additional_headers.x-litellm-attempted-fallbacks",
    retry_after_s=("hidden_params.additional_headers.llm_provider-retry-after",),
    reach=Reach(
        always=_GATEWAY_ALWAYS | {Fact.STREAMING, Fact.HOST},
        maybe=frozenset({Fact.HEADERS, Fact.BODIES, Fact.FINISH_REASON, Fact.CLIENT_IDENTITY}),
    ),
    cannot_show="the HTTP status of a success (logged as status=success: read as 200), the request path, "
    "which model group a fallback replaced (only the count), provider request ids",
)

LITELLM_SPEND = GatewayFormat(
    name="litellm-spend",
    description="LiteLLM spend logs (LiteLLM_SpendLogs rows / GET /spend/logs)",
    detect=(("request_id", "call_type", "startTime", "spend"), ("request_id", "call_type", "api_key", "startTime")),
    fields={
        "request_id": ("request_id",),
        "model": ("model_group", "model"),
        "response_model": ("model",),
        "deployment": ("model_id",),
        "host": ("api_base",),
        "prompt_tokens": ("prompt_tokens",),
        "completion_tokens": ("completion_tokens",),
        "total_tokens": ("total_tokens",),
        "status": ("metadata.error_information.error_code",),
        "error_type": ("metadata.error_information.error_class",),
        "error_summary": ("metadata.error_information.error_message",),
        "gateway_retries": ("metadata.additional_headers.x-litellm-attempted-retries",
                        "metadata.hidden_params.additional_headers.x-litellm-attempted-retries"),
        "service": ("team_id", "metadata.user_api_key_team_alias"),
        "time": ("startTime",),
    },
    spans={"latency": ("startTime", "endTime"), "first_chunk": ("startTime", "completionStartTime")},
    success="status",
    fallback_count="metadata.additional_headers.x-litellm-attempted-fallbacks",
    retry_after_s=("metadata.additional_headers.llm_provider-retry-after",),
    stream_only=frozenset(),  # spend logs do not say whether a call streamed: completionStartTime is kept as is
    reach=Reach(
        always=_GATEWAY_ALWAYS | {Fact.HOST},
        maybe=frozenset({Fact.HEADERS, Fact.BODIES, Fact.CLIENT_IDENTITY}),
    ),
    cannot_show="whether a call streamed, finish_reason, response headers other than those LiteLLM copies "
    "into metadata, the request path, which model group a fallback replaced",
)

PORTKEY = GatewayFormat(
    name="portkey",
    description="Portkey logs export (JSON lines)",
    detect=(("ai_model", "response_status_code"), ("ai_org", "is_success", "created_at")),
    fields={
        "time": ("created_at",),
        "status": ("response_status_code",),
        "latency": ("response_time",),
        "model": ("request.body.model", "ai_model"),
        "response_model": ("response.body.model",),
        "method": ("request_method",),
        "host": ("request_url",),
        "request_id": ("trace_id", "id"),
        "prompt_tokens": ("req_units",),
        "completion_tokens": ("res_units",),
        "total_tokens": ("total_units",),
        "streaming": ("stream_mode", "request.body.stream"),
        "gateway_retries": ("retry_success_count",),
        "error_type": ("response.body.error.type",),
        "error_code": ("response.body.error.code",),
        "error_summary": ("response.body.error.message",),
        "finish_reason": ("response.body.choices.0.finish_reason",),
        "service": ("metadata._user", "metadata.service"),
    },
    success="is_success",
    reach=Reach(
        always=_GATEWAY_ALWAYS | {Fact.HOST},
        maybe=frozenset({Fact.BODIES, Fact.FINISH_REASON, Fact.STREAMING, Fact.CLIENT_IDENTITY}),
        given={Fact.FINISH_REASON: Fact.BODIES},
    ),
    cannot_show="response headers (Retry-After, x-request-id), which config target answered after a "
    "fallback, first-chunk time, the attempts before a retried success (only their count)",
)

HELICONE = GatewayFormat(
    name="helicone",
    description="Helicone request records (POST /v1/request/query)",
    detect=(("request_id", "request_created_at", "response_status"),),
    fields={
        "time": ("request_created_at",),
        "request_id": ("request_id",),
        "provider_request_id": ("response_body.id",),
        "path": ("request_path", "target_url"),
        "host": ("target_url",),
        "status": ("response_status",),
        "latency": ("delay_ms",),
        "first_chunk": ("time_to_first_token",),
        "model": ("request_model", "request_body.model"),
        "response_model": ("response_model", "response_body.model"),
        "prompt_tokens": ("prompt_tokens",),
        "completion_tokens": ("completion_tokens",),
        "total_tokens": ("total_tokens",),
        "streaming": ("request_body.stream",),
        "error_type": ("response_body.error.type",),
        "error_code": ("response_body.error.code",),
        "error_summary": ("response_body.error.message",),
        "finish_reason": ("response_body.choices.0.finish_reason",),
        "service": ("request_user_id", "helicone_user"),
        "gateway_retries": ("request_properties.Helicone-Retry-Count", "properties.Helicone-Retry-Count"),
    },
    stream_only=frozenset(),
    reach=Reach(
        always=_GATEWAY_ALWAYS | {Fact.PATH, Fact.HOST},
        maybe=frozenset({Fact.BODIES, Fact.STREAMING, Fact.FINISH_REASON, Fact.PROVIDER_IDS, Fact.CLIENT_IDENTITY}),
        given={Fact.FINISH_REASON: Fact.BODIES},
    ),
    cannot_show="response headers, retries Helicone made itself (one record per request; a retry count only "
    "when set as a property), fallbacks",
)

LANGFUSE = GatewayFormat(
    name="langfuse",
    description="Langfuse observations (GENERATION rows of GET /api/public/observations)",
    detect=(("traceId", "type", "startTime", "level"),),
    fields={
        "time": ("startTime",),
        "request_id": ("id",),
        "model": ("model",),
        "latency": ("latency",),
        "first_chunk": ("timeToFirstToken",),
        "prompt_tokens": ("usage.input", "promptTokens"),
        "completion_tokens": ("usage.output", "completionTokens"),
        "total_tokens": ("usage.total", "totalTokens"),
        "error_summary": ("statusMessage",),
        "error_type": ("statusMessage",),
        "service": ("metadata.service", "environment"),
    },
    error_when=("level", "ERROR"),
    scale_ms={"latency": 1000.0, "first_chunk": 1000.0},
    spans={"latency": ("startTime", "endTime")},
    stream_only=frozenset(),
    reach=Reach(always=frozenset({Fact.MODEL, Fact.REQUEST_IDS, Fact.USAGE}), maybe=frozenset({Fact.CLIENT_IDENTITY})),
    cannot_show="HTTP status codes (a failure is level=ERROR with a status message), response headers, "
    "retries, fallbacks, the model that answered, the request path",
)

CLOUDFLARE = GatewayFormat(
    name="cloudflare",
    description="Cloudflare AI Gateway logs (REST logs API and Logpush ai_gateway_events)",
    detect=(("provider", "tokens_in", "created_at"), ("Gateway", "StatusCode", "Provider")),
    fields={
        "time": ("created_at", "Timestamp"),
        "request_id": ("id", "event_id", "RoutingDecisionID"),
        "status": ("status_code", "StatusCode"),
        "latency": ("duration", "Metrics.durationMs"),
        "model": ("RequestedModel", "model", "Model"),
        "response_model": ("Model", "model"),
        "path": ("path", "Endpoint"),
        "prompt_tokens": ("tokens_in",),
        "completion_tokens": ("tokens_out",),
        "deployment": ("provider", "Provider"),
        "fallback_of": ("step",),
    },
    counts={"fallback_of": "step"},
    success="success",
    stream_only=frozenset(),
    reach=Reach(
        always=frozenset({Fact.MODEL, Fact.REQUEST_IDS, Fact.PATH}),
        maybe=frozenset({Fact.USAGE}),
    ),
    cannot_show="response headers, response bodies and finish_reason (bodies are stored apart, encrypted in "
    "Logpush), retries, whether a call streamed; a fallback shows as the step that answered",
)

KONG = GatewayFormat(
    name="kong",
    description="Kong AI Gateway log-plugin entries (file-log / http-log with the ai.* analytics)",
    detect=(("ai", "latencies", "request.method"), ("ai", "upstream_uri", "response.status")),
    fields={
        "time": ("started_at",),
        "method": ("request.method",),
        "path": ("request.uri",),
        "host": ("upstream_uri", "request.url"),
        "status": ("response.status",),
        "latency": ("latencies.request",),
        "request_id": ("request.headers.x-request-id", "request.id"),
        "provider_request_id": ("response.headers.x-request-id",),
        "model": ("ai.proxy.meta.request_model", "ai.ai-proxy.meta.request_model"),
        "response_model": ("ai.proxy.meta.response_model", "ai.ai-proxy.meta.response_model"),
        "deployment": ("ai.proxy.meta.provider_name", "ai.ai-proxy.meta.provider_name"),
        "prompt_tokens": ("ai.proxy.usage.prompt_tokens", "ai.ai-proxy.usage.prompt_tokens"),
        "completion_tokens": ("ai.proxy.usage.completion_tokens", "ai.ai-proxy.usage.completion_tokens"),
        "total_tokens": ("ai.proxy.usage.total_tokens", "ai.ai-proxy.usage.total_tokens"),
        "first_chunk": ("ai.proxy.usage.time_to_first_token", "ai.ai-proxy.usage.time_to_first_token"),
        "service": ("consumer.username", "service.name"),
        "gateway_retries": ("tries",),  # the balancer's tries: one entry per upstream attempt
    },
    counts={"gateway_retries": "tries"},
    retry_after_s=("response.headers.retry-after",),
    stream_only=frozenset(),
    reach=Reach(
        always=frozenset({Fact.PATH, Fact.HOST, Fact.MODEL, Fact.HEADERS}),
        maybe=frozenset({Fact.USAGE, Fact.REQUEST_IDS, Fact.PROVIDER_IDS, Fact.CLIENT_IDENTITY}),
    ),
    cannot_show="response bodies and finish_reason unless the payload logging is on, whether a call "
    "streamed, fallbacks between AI Proxy Advanced targets (only the model that answered)",
)

ENVOY_AI = GatewayFormat(
    name="envoy-ai",
    description="Envoy AI Gateway JSON access log (Envoy fields + io.envoy.ai_gateway metadata)",
    detect=(("start_time", "response_code", "genai_model_name"), ("start_time", "response_code", "genai_backend_name")),
    fields={
        "time": ("start_time",),
        "method": ("method",),
        "path": ("x-envoy-origin-path", "path"),
        "host": (":authority", "authority", "upstream_host"),
        "status": ("response_code",),
        "latency": ("duration",),
        "request_id": ("x-request-id", "request_id"),
        "model": ("genai_model_name",),
        "response_model": ("genai_model_name_override", "genai_response_model"),
        "deployment": ("genai_backend_name", "upstream_cluster"),
        "prompt_tokens": ("genai_tokens_input",),
        "completion_tokens": ("genai_tokens_output",),
        "total_tokens": ("genai_tokens_total",),
        "error_code": ("response_flags",),
        "gateway_retries": ("upstream_request_attempt_count",),
    },
    counts={"gateway_retries": "attempts"},
    stream_only=frozenset(),
    reach=Reach(
        always=frozenset({Fact.PATH, Fact.MODEL}),
        maybe=frozenset({Fact.HOST, Fact.REQUEST_IDS, Fact.USAGE}),
    ),
    cannot_show="response headers and bodies, finish_reason, whether a call streamed, retries unless "
    "%UPSTREAM_REQUEST_ATTEMPT_COUNT% is in the format (counted from 1: attempts - 1 retries)",
)

FORMATS: tuple[GatewayFormat, ...] = (
    LITELLM_PAYLOAD, LITELLM_SPEND, PORTKEY, HELICONE, LANGFUSE, CLOUDFLARE, KONG, ENVOY_AI,
)
