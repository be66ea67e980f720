"""Seeded generator of incident logs with known ground truth.

The scenario (30 minutes from 2026-11-22 14:00 UTC, CometAPI profile) plants:

* ``web-3`` still calls the stale route ``/v1/chat/completion`` (404, never retried);
* from 14:08 to 14:20 ``web-2``'s key is revoked: every request gets 401 and is retried 2x;
* ``batch-1`` (service ``batch-worker``) retries without jitter (1 s, 2 s, 4 s), ignores a
  2 s Retry-After on 429 (it waits 1 s), and keeps retrying 504s past a 30 s deadline;
* ``web-1`` retries connect errors immediately, falls back to another model after 503s, and
  has cut streams — some recorded as success (partial answers), some as stream_interrupted;
* 4% of non-streamed successes and 30% of streamed successes carry no usage.

Outputs (``write_all``): ``attempts.jsonl`` (AttemptRecord lines), ``generic.jsonl`` with
``generic-map.yaml`` (other names, nested fields, epoch-ms times, seconds), small
``access.log`` (nginx), ``capture.har`` and ``spans.otlp.json`` samples, and ``truth.json``.
``--records N --only attempts`` writes a large ``attempts.jsonl`` fast (throughput bench).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
WINDOW_MS = 30 * 60 * 1000
STORM = (8 * 60 * 1000, 20 * 60 * 1000)  # 401 storm on web-2, ms after T0
HOST = "api.cometapi.com"
ROUTE = "/v1/chat/completions"
STALE = "/v1/chat/completion"
MODEL, FALLBACK_MODEL = "gpt-4o-mini", "gpt-4.1-nano"
DEADLINE_MS = 30_000
KINDS = (  # (kind, weight)
    ("normal", 0.72),
    ("transient", 0.05),
    ("batch_5xx", 0.04),
    ("batch_429", 0.02),
    ("web_429", 0.02),
    ("stale", 0.03),
    ("stream", 0.06),
    ("stream_cut_ok", 0.015),
    ("stream_cut_class", 0.01),
    ("fallback", 0.01),
    ("batch_deadline", 0.01),
    ("connect", 0.015),
)


@dataclass
class Attempt:
    start: int  # ms after T0
    latency: int
    service: str
    deployment: str
    request_id: str
    number: int
    status: int | None = 200
    failure_class: str | None = None
    error_type: str | None = None
    path: str = ROUTE
    model: str = MODEL
    response_model: str | None = MODEL
    streaming: bool = False
    finish_reason: str | None = "stop"
    usage: tuple[int, int, int] | None = (20, 40, 60)
    retry_after: int | None = None
    transport_error: str | None = None
    fallback_of: str | None = None
    notes: set[str] = field(default_factory=set)


def _who(rng: random.Random, kind: str) -> tuple[str, str]:
    if kind.startswith("batch"):
        return "batch-worker", "batch-1"
    if kind == "stale":
        return "chat-api", "web-3"
    if kind == "normal":
        return rng.choice((("chat-api", "web-1"), ("chat-api", "web-2"), ("batch-worker", "batch-1")))
    return "chat-api", "web-1"


def _fail(a: Attempt, status: int | None, cls: str, latency: int, **kw: Any) -> Attempt:
    a.status, a.failure_class, a.latency = status, cls, latency
    a.finish_reason, a.usage, a.response_model = None, None, None
    for k, v in kw.items():
        setattr(a, k, v)
    return a


def _steps(rng: random.Random, kind: str, storm: bool) -> list[tuple[dict[str, Any], int]]:
    """The attempts of one logical request as (changes, gap before the next attempt)."""
    ok = {"latency": rng.randint(300, 3000)}
    if storm:
        return [
            ({"fail": (401, "auth", rng.randint(50, 300)), "error_type": "comet_api_error"}, rng.randint(300, 900))
            for _ in range(3)
        ]
    if kind == "normal":
        return [({**ok, "usage": None if rng.random() < 0.04 else (20, 40, 60)}, 0)]
    if kind == "transient":
        return [({"fail": (503, "server_error", rng.randint(50, 300))}, rng.randint(200, 1200)), (ok, 0)]
    if kind == "batch_5xx":
        return [
            ({"fail": (500, "server_error", rng.randint(100, 300))}, 1000),
            ({"fail": (500, "server_error", rng.randint(100, 300))}, 2000),
            (ok, 0),
        ]
    if kind == "batch_429":
        return [({"fail": (429, "rate_limited", rng.randint(50, 100)), "retry_after": 2000}, 1000), (ok, 0)]
    if kind == "web_429":
        return [
            ({"fail": (429, "rate_limited", rng.randint(50, 100)), "retry_after": 1500}, 1500 + rng.randint(0, 500)),
            (ok, 0),
        ]
    if kind == "stale":
        return [({"fail": (404, "endpoint_mismatch", rng.randint(20, 80)), "path": STALE}, 0)]
    if kind == "stream":
        return [({**ok, "streaming": True, "usage": None if rng.random() < 0.3 else (20, 40, 60)}, 0)]
    if kind == "stream_cut_ok":
        return [({**ok, "streaming": True, "finish_reason": None, "usage": None}, 0)]
    if kind == "stream_cut_class":
        return [
            ({**ok, "streaming": True, "finish_reason": None, "usage": None, "failure_class": "stream_interrupted"}, 0)
        ]
    if kind == "fallback":
        return [
            ({"fail": (503, "server_error", rng.randint(50, 300))}, rng.randint(200, 1200)),
            ({**ok, "model": FALLBACK_MODEL, "response_model": FALLBACK_MODEL, "fallback_of": MODEL}, 0),
        ]
    if kind == "batch_deadline":
        return [({"fail": (504, "server_error", 10000)}, gap) for gap in (1000, 2000, 4000, 0)]
    return [
        ({"fail": (None, "connect_error", rng.randint(5, 30)), "transport_error": "connect_error"}, rng.randint(0, 50)),
        (ok, 0),
    ]


def logical_requests(seed: int, n: int) -> Iterator[list[Attempt]]:
    """``n`` logical requests, each a list of attempts (deterministic for ``seed``)."""
    rng = random.Random(seed)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        service, deployment = _who(rng, kind)
        start = rng.randint(0, WINDOW_MS - 60_000)
        storm = deployment == "web-2" and STORM[0] <= start < STORM[1]
        attempts = []
        for number, (change, gap) in enumerate(_steps(rng, kind, storm), start=1):
            a = Attempt(start, 0, service, deployment, f"req-{seed}-{i:08d}", number)
            fail = change.pop("fail", None)
            if fail:
                _fail(a, *fail)
            for k, v in change.items():
                setattr(a, k, v)
            attempts.append(a)
            start = a.start + a.latency + gap
        yield attempts


def iso(ms: int) -> str:
    return (T0 + timedelta(milliseconds=ms)).isoformat().replace("+00:00", "Z")


def attempt_record(a: Attempt) -> dict[str, Any]:
    """The AttemptRecord JSON of one attempt (as chatcontract's client writes it)."""
    rec: dict[str, Any] = {
        "schema_version": 1,
        "request_id": a.request_id,
        "started_at": iso(a.start),
        "elapsed_ms": a.latency,
        "service": a.service,
        "deployment": a.deployment,
        "http_method": "POST",
        "route_template": a.path,
        "server_address": HOST,
        "http_status": a.status,
        "attempt_number": a.number,
        "failure_class": a.failure_class,
        "model": a.model,
        "response_model": a.response_model,
        "streaming": a.streaming,
        "finish_reason": a.finish_reason,
        "retry_after_ms": a.retry_after,
        "fallback_of": a.fallback_of,
    }
    if a.usage:
        rec.update(prompt_tokens=a.usage[0], completion_tokens=a.usage[1], total_tokens=a.usage[2])
    return {k: v for k, v in rec.items() if v is not None}


def generic_record(a: Attempt) -> dict[str, Any]:
    """The same attempt as a gateway's own JSON line (other names, nesting, seconds)."""
    resp: dict[str, Any] = {"status": a.status}
    if a.error_type or a.failure_class == "stream_interrupted":
        resp["err"] = {"type": a.error_type or "stream_interrupted", "code": ""}
    rec: dict[str, Any] = {
        "ts": T0_MS + a.start,
        "req": {"m": "POST", "host": HOST, "path": a.path},
        "resp": resp,
        "dur_s": a.latency / 1000,
        "llm": {"model": a.model, "resp_model": a.response_model, "finish": a.finish_reason, "stream": a.streaming},
        "svc": a.service,
        "deploy": a.deployment,
        "rid": a.request_id,
        "try": a.number,
    }
    if a.usage:
        rec["usage"] = dict(zip(("prompt_tokens", "completion_tokens", "total_tokens"), a.usage, strict=True))
    if a.retry_after is not None:
        rec["retry_after_s"] = a.retry_after / 1000
    if a.transport_error:
        rec["net_error"] = "ConnectError: connection refused"
    return rec


GENERIC_MAP = """fields:
  time: {field: ts, format: epoch_ms}
  method: req.m
  host: req.host
  path: req.path
  status: resp.status
  error_type: resp.err.type
  error_code: resp.err.code
  latency: {field: dur_s, unit: s}
  model: llm.model
  response_model: llm.resp_model
  finish_reason: llm.finish
  streaming: llm.stream
  usage: usage
  service: svc
  deployment: deploy
  request_id: rid
  attempt: try
  retry_after: {field: retry_after_s, unit: s}
  transport_error: net_error
"""


def effective_class(a: Attempt) -> str | None:
    """The class the review must find: the recorded one, or a cut stream counted as success."""
    if a.failure_class is None and a.streaming and a.status == 200 and a.finish_reason is None:
        return "stream_interrupted"
    return a.failure_class


def _when(ms: int) -> str:
    return (T0 + timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S UTC")


def _retries(requests: list[list[Attempt]]) -> list[tuple[Attempt, Attempt, int]]:
    """(previous, retry, gap ms) for every retry."""
    out = []
    for attempts in requests:
        for prev, cur in pairwise(attempts):
            out.append((prev, cur, cur.start - (prev.start + prev.latency)))
    return out


def _jitterless(retries: list[tuple[Attempt, Attempt, int]]) -> tuple[int, int]:
    groups: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for _, cur, gap in retries:
        groups[(cur.service, cur.deployment, cur.number)].append(gap)
    flagged = [g for g in groups.values() if len(g) >= 3 and max(g) - min(g) <= 10]
    return sum(len(g) for g in flagged), len(flagged)


def _retry_truth(requests: list[list[Attempt]]) -> dict[str, Any]:
    retries = _retries(requests)
    failing = [r for r in requests if any(effective_class(a) for a in r)]
    jitter_retries, jitter_groups = _jitterless(retries)
    return {
        "failing_requests": len(failing),
        "failing_attempts": sum(len(r) for r in failing),
        "max_attempts": max(len(r) for r in requests),
        "retries": len(retries),
        "no_spacing": sum(gap < 100 for _, _, gap in retries),
        "jitterless_retries": jitter_retries,
        "jitterless_groups": jitter_groups,
        "retry_after_retries": sum(p.retry_after is not None for p, _, _ in retries),
        "retry_after_ignored": sum(p.retry_after is not None and g < p.retry_after for p, _, g in retries),
        "deadline_ms": DEADLINE_MS,
        "after_deadline": sum(c.start - r[0].start > DEADLINE_MS for r in requests for c in r[1:]),
    }


def ground_truth(requests: list[list[Attempt]]) -> dict[str, Any]:
    """Every planted finding, computed from the plan."""
    attempts = [a for r in requests for a in r]
    failed = [a for a in attempts if effective_class(a)]
    per_minute: Counter[int] = Counter(a.start // 60000 for a in attempts)
    fail_minute: Counter[int] = Counter(a.start // 60000 for a in failed)
    peak = min(fail_minute, key=lambda m: (-fail_minute[m], m))
    storm = [r for r in requests if r[0].failure_class == "auth"]
    ok2xx = [a for a in attempts if a.status == 200 and not effective_class(a)]
    streams = [a for a in attempts if a.streaming and a.status == 200]
    cut = [a for a in streams if a.finish_reason is None]
    return {
        "attempts": len(attempts),
        "failures": len(failed),
        "requests": len(requests),
        "by_class": dict(Counter(effective_class(a) for a in failed)),
        "first_failure": _when(min(a.start for a in failed)),
        "last_failure": _when(max(a.start for a in failed)),
        "peak_minute": (T0 + timedelta(minutes=peak)).strftime("%Y-%m-%d %H:%M UTC"),
        "peak_failures": fail_minute[peak],
        "peak_attempts": per_minute[peak],
        "stale_path": STALE,
        "stale_attempts": sum(a.path == STALE for a in attempts),
        "stale_deployment": "web-3",
        "failed_on_documented_path": sum(a.path == ROUTE for a in failed),
        "auth_requests": len(storm),
        "auth_retries": sum(len(r) - 1 for r in storm),
        "auth_first_failure": _when(min(r[0].start for r in storm)),
        "auth_first_retry": _when(min(r[1].start for r in storm)),
        **_retry_truth(requests),
        "streams": len(streams),
        "cut_streams": len(cut),
        "cut_counted_as_success": sum(a.failure_class is None for a in cut),
        "ok_2xx": len(ok2xx),
        "usage_absent": sum(a.usage is None for a in ok2xx),
        "usage_absent_streamed": sum(a.usage is None for a in ok2xx if a.streaming),
        "fallback_requests": sum(1 for r in requests if any(a.fallback_of for a in r)),
        "models": dict(Counter(a.model for a in attempts)),
    }


def nginx_line(a: Attempt, index: int) -> str:
    when = (T0 + timedelta(milliseconds=a.start)).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return (
        f'10.0.{index % 250}.{index % 200} - - [{when}] "POST {a.path} HTTP/1.1" {a.status} 512 "-" '
        f'"OpenAI/Python 1.40.0" {a.latency / 1000:.3f} service={a.service} deployment={a.deployment} '
        f"model={a.model}\n"
    )


def har_entry(a: Attempt) -> dict[str, Any]:
    body = {"model": a.model, "messages": [{"role": "user", "content": "synthetic prompt"}], "stream": a.streaming}
    headers = [
        {"name": "content-type", "value": "application/json"},
        {"name": "x-stainless-retry-count", "value": str(a.number - 1)},
        {"name": "user-agent", "value": f"OpenAI/Python 1.40.0 {a.deployment}"},
    ]
    return {
        "startedDateTime": iso(a.start),
        "time": a.latency,
        "request": {
            "method": "POST",
            "url": f"https://{HOST}{a.path}",
            "headers": headers,
            "postData": {"mimeType": "application/json", "text": json.dumps(body)},
        },
        "response": _har_response(a),
    }



def _har_response(a: Attempt) -> dict[str, Any]:
    response: dict[str, Any] = {"status": a.status or 0, "headers": [], "content": {"mimeType": "application/json"}}
    if a.status is None:
        response["_error"] = "net::ERR_CONNECTION_REFUSED"
    elif a.failure_class:
        code = "rate_limit_exceeded" if a.status == 429 else ""
        response["content"]["text"] = json.dumps(
            {
                "error": {
                    "message": "failed (request id: 2026112214)",
                    "type": "comet_api_error",
                    "param": "",
                    "code": code,
                }
            }
        )
        if a.retry_after:
            response["headers"].append({"name": "retry-after-ms", "value": str(a.retry_after)})
    elif a.streaming:
        finish = json.dumps(a.finish_reason)
        head = f'data: {{"model":"{a.response_model}","choices":'
        text = head + '[{"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
        if a.finish_reason:
            text += f'data: {{"model":"{a.response_model}","choices":[{{"delta":{{}},"finish_reason":{finish}}}]}}\n\n'
            text += "data: [DONE]\n\n"
        response["content"] = {"mimeType": "text/event-stream", "text": text}
    else:
        doc: dict[str, Any] = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": a.response_model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": a.finish_reason}
            ],
        }
        if a.usage:
            doc["usage"] = dict(zip(("prompt_tokens", "completion_tokens", "total_tokens"), a.usage, strict=True))
        response["content"]["text"] = json.dumps(doc)
    return response


def _otlp_value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, list):
        return {"arrayValue": {"values": [_otlp_value(x) for x in v]}}
    return {"stringValue": str(v)}


def otlp_span(a: Attempt, trace: str, span: int) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "http.request.method": "POST",
        "url.path": a.path,
        "server.address": HOST,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": a.model,
    }
    if a.status is not None:
        attrs["http.response.status_code"] = a.status
    if a.streaming:
        attrs["gen_ai.request.stream"] = True
    if a.number > 1:
        attrs["http.request.resend_count"] = a.number - 1
    if effective_class(a) and a.failure_class:
        attrs["error.type"] = a.failure_class
    if a.response_model:
        attrs["gen_ai.response.model"] = a.response_model
    if a.finish_reason:
        attrs["gen_ai.response.finish_reasons"] = [a.finish_reason]
    if a.usage:
        attrs["gen_ai.usage.input_tokens"], attrs["gen_ai.usage.output_tokens"] = a.usage[0], a.usage[1]
    start_ns = (T0_MS + a.start) * 1_000_000
    return {
        "traceId": trace,
        "spanId": f"{span:016x}",
        "parentSpanId": trace[:16],
        "name": "POST",
        "kind": 3,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + a.latency * 1_000_000),
        "attributes": [{"key": k, "value": _otlp_value(v)} for k, v in attrs.items()],
    }


def otlp_document(requests: list[list[Attempt]]) -> dict[str, Any]:
    by_dep: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    span = 0
    for i, r in enumerate(requests):
        trace = f"{i + 1:032x}"
        for a in r:
            span += 1
            by_dep[(a.service, a.deployment)].append(otlp_span(a, trace, span))
    resources = []
    for (service, deployment), spans in sorted(by_dep.items()):
        resources.append(
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": service}},
                        {"key": "k8s.deployment.name", "value": {"stringValue": deployment}},
                    ]
                },
                "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.httpx"}, "spans": spans}],
            }
        )
    return {"resourceSpans": resources}


NGINX_GARBAGE = ["this line is not an access log line\n", '10.0.0.1 - - [bad time] "GET / HTTP/1.1" 200 1 "-" "-"\n']


def write_all(out: Path, seed: int = 7, requests: int = 3000, sample: int = 300) -> dict[str, Any]:
    """Write every format and ``truth.json`` under ``out``; returns the truth."""
    out.mkdir(parents=True, exist_ok=True)
    plan = list(logical_requests(seed, requests))
    truth = ground_truth(plan)
    with (out / "attempts.jsonl").open("w") as fh, (out / "generic.jsonl").open("w") as gh:
        for r in plan:
            for a in r:
                fh.write(json.dumps(attempt_record(a), separators=(",", ":")) + "\n")
                gh.write(json.dumps(generic_record(a), separators=(",", ":")) + "\n")
    (out / "generic-map.yaml").write_text(GENERIC_MAP)
    small = plan[:sample]
    lines = [nginx_line(a, i) for i, a in enumerate(x for r in small for x in r) if a.status is not None]
    (out / "access.log").write_text("".join(lines[:5] + NGINX_GARBAGE + lines[5:]))
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "gen_logs", "version": "1"},
            "entries": [har_entry(a) for r in small for a in r],
        }
    }
    (out / "capture.har").write_text(json.dumps(har))
    (out / "spans.otlp.json").write_text(json.dumps(otlp_document(small)))
    sample_attempts = [a for r in small for a in r]
    truth["sample"] = {
        "requests": len(small),
        "attempts": len(sample_attempts),
        "with_status": sum(a.status is not None for a in sample_attempts),
        "by_class": dict(Counter(effective_class(a) for a in sample_attempts if effective_class(a))),
        "nginx_bad": len(NGINX_GARBAGE),
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True))
    return truth


def write_bulk(path: Path, records: int, seed: int = 11, pool_requests: int = 20_000) -> int:
    """At least ``records`` attempt records to ``path``, fast: a pool of serialised requests is
    repeated with fresh request ids (the same incident, many times over)."""
    pool: list[tuple[str, int, str]] = []
    for index, attempts in enumerate(logical_requests(seed, pool_requests)):
        for a in attempts:
            head, tail = json.dumps(attempt_record(a), separators=(",", ":")).split(a.request_id)
            pool.append((head, index, tail))
    written = 0
    copy = 0
    with path.open("w") as fh:
        while written < records:
            take = pool[: records - written]
            fh.write("".join(f"{h}c{copy}-{i}{t}\n" for h, i, t in take))
            written += len(take)
            copy += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000, help="logical requests in the scenario")
    parser.add_argument("--records", type=int, help="write only a bulk attempts.jsonl with this many records")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)  # both modes: a folder that does not exist yet is made
    if args.records:
        n = write_bulk(args.out / "attempts.jsonl", args.records, args.seed)
        print(f"wrote {n} records to {args.out / 'attempts.jsonl'}")
        return
    truth = write_all(args.out, args.seed, args.requests)
    print(json.dumps({k: truth[k] for k in ("attempts", "failures", "requests")}))


if __name__ == "__main__":
    main()
