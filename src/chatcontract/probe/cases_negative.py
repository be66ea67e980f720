"""The negative cases: requests the contract says must be refused, and how.

Each sends one raw request (:mod:`chatcontract.contract.requests`) and passes only on an expected
4xx carrying the profile's error envelope, classified by the one classifier as not retryable
(and, except for an oversized request, not to be answered by a fallback either). A 2xx, a 5xx
or a body without the envelope fails. Where servers that follow the published contract still
differ, the check is lenient and says so in a note: 422 for 400 (validation frameworks),
401 or 403 for auth, 400 or 404 for an unknown model, 400, 413 or 422 for an oversized body.
``wrong-path`` accepts 404 or 405 with any body, and a redirect or a non-2xx HTML page where
the profile says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcontract.contract import requests as builders
from chatcontract.probe.context import CaseContext, Exchange
from chatcontract.probe.envelope import check_envelope
from chatcontract.probe.registry import DEFAULT_REGISTRY
from chatcontract.probe.results import CaseResult
from chatcontract.record import FailureClass, Result
from chatcontract.taxonomy import Classification

_FC = FailureClass
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Expect:
    """What a negative case must observe."""

    statuses: frozenset[int]
    classes: frozenset[FailureClass]
    assumption: str
    envelope: bool = True
    fallback_ok: bool = False


EXPECT: dict[str, Expect] = {
    "missing-auth": Expect(frozenset({401, 403}), frozenset({_FC.AUTH}), "auth"),
    "invalid-key": Expect(frozenset({401, 403}), frozenset({_FC.AUTH}), "auth"),
    "missing-model": Expect(
        frozenset({400, 422}), frozenset({_FC.REQUEST_INVALID}), "required_request_fields"
    ),
    "empty-messages": Expect(
        frozenset({400, 422}), frozenset({_FC.REQUEST_INVALID}), "required_request_fields"
    ),
    "invalid-role": Expect(frozenset({400, 422}), frozenset({_FC.REQUEST_INVALID}), "roles"),
    "oversized": Expect(
        frozenset({400, 413, 422}),
        frozenset({_FC.CONTEXT_EXCEEDED, _FC.REQUEST_INVALID}),
        "status_semantics",
        fallback_ok=True,
    ),
    "unknown-model": Expect(
        frozenset({400, 404}),
        frozenset({_FC.MODEL_UNKNOWN, _FC.REQUEST_INVALID}),
        "status_semantics",
    ),
}


def _statuses(codes: frozenset[int]) -> str:
    return " or ".join(str(c) for c in sorted(codes))


def _observed(ex: Exchange, cls: Classification) -> str:
    if ex.status is None:
        return f"no response ({ex.transport_error.value if ex.transport_error else 'unknown'})"
    obs = cls.observation
    kind = "HTML page" if obs.is_html else (obs.shape.value if obs.shape else "no body")
    text = f"HTTP {ex.status}, {kind}"
    if obs.error_code or obs.error_type:
        text += f", error {obs.error_code or obs.error_type}"
    if cls.failure_class is not None:
        text += f", classified {cls.failure_class.value}"
    return text


def _base(ctx: CaseContext, name: str, expected: str, assumption: str) -> CaseResult:
    a = ctx.profile.assumption(assumption)
    return CaseResult(
        name=name,
        result=Result.PASS,
        expected=expected,
        assumption=assumption,
        source_url=a.source_url,
    )


def _fail(result: CaseResult, ctx: CaseContext, assumption: str, why: str) -> CaseResult:
    result.result = Result.FAIL
    result.assumption = assumption
    result.source_url = ctx.profile.assumption(assumption).source_url
    result.notes.insert(0, why)
    return result


def _send(ctx: CaseContext, name: str) -> tuple[Exchange, Classification]:
    request = builders.build_request(name, ctx.base_url, ctx.credential, ctx.model, ctx.profile)
    ex = ctx.send(request)
    cls = ctx.classify(ex)
    source = (
        "probe:invalid-key"
        if name == "invalid-key"
        else (None if name == "missing-auth" or ctx.credential is None else ctx.credential.source)
    )
    ctx.record(
        ex,
        cls,
        request_class=f"negative-{name}",
        credential_source=source,
        assumption=EXPECT[name].assumption if name in EXPECT else "wrong_path",
        model=ctx.model,
    )
    return ex, cls


def judge_refusal(ctx: CaseContext, name: str, expect: Expect) -> CaseResult:
    """Send case ``name`` and judge it against ``expect``."""
    expected = f"HTTP {_statuses(expect.statuses)} with the error envelope; not retried"
    if not expect.fallback_ok:
        expected += ", no fallback"
    result = _base(ctx, name, expected, expect.assumption)
    ex, cls = _send(ctx, name)
    result.last_request = ex.request
    result.observed = _observed(ex, cls)
    if ex.status is None:
        result.result = Result.INCONCLUSIVE
        result.missing = f"a response from the target ({result.observed})"
        return result
    if ex.status not in expect.statuses:
        return _fail(result, ctx, expect.assumption, f"expected HTTP {_statuses(expect.statuses)}")
    envelope = check_envelope(ex.body, ctx.profile.assumptions.error_envelope.value)
    result.notes.extend(envelope.notes)
    if expect.envelope and not envelope.ok:
        return _fail(result, ctx, "error_envelope", "; ".join(envelope.problems))
    return _judge_client_view(result, ctx, cls, expect)


def _judge_client_view(
    result: CaseResult, ctx: CaseContext, cls: Classification, expect: Expect
) -> CaseResult:
    """Fail when the client would retry or fall back; note an unexpected (still final) class."""
    if cls.failure_class not in expect.classes:
        found = cls.failure_class.value if cls.failure_class else "success"
        result.notes.append(
            f"classified {found}, expected {'/'.join(sorted(c.value for c in expect.classes))}"
        )
    if cls.retryable:
        return _fail(result, ctx, "retry_stance", "the classifier would retry this response")
    if cls.fallback_allowed and not expect.fallback_ok:
        return _fail(result, ctx, "retry_stance", "the classifier would fall back on this response")
    return result


def _wrong_path(ctx: CaseContext) -> CaseResult:
    spec = ctx.profile.assumptions.wrong_path.value
    allowed = [_statuses(frozenset(spec.statuses)) + " (any body)"]
    if spec.redirect_allowed:
        allowed.append("a redirect")
    if spec.html_allowed:
        allowed.append("a non-2xx HTML page")
    result = _base(
        ctx, "wrong-path", "HTTP " + ", or ".join(allowed) + "; not retried", "wrong_path"
    )
    ex, cls = _send(ctx, "wrong-path")
    result.last_request = ex.request
    result.observed = _observed(ex, cls)
    if ex.status is None:
        result.result = Result.INCONCLUSIVE
        result.missing = f"a response from the target ({result.observed})"
        return result
    accepted = (
        ex.status in spec.statuses
        or (spec.redirect_allowed and ex.status in _REDIRECTS)
        or (spec.html_allowed and cls.observation.is_html and not 200 <= ex.status < 300)
    )
    if not accepted and ctx.credential is None and ex.status in (401, 403):
        result.result = Result.INCONCLUSIVE
        result.missing = "a valid key: the target refused auth before routing the request"
        return result
    if not accepted:
        return _fail(
            result, ctx, "wrong_path", "the wrong path was not refused as the profile says"
        )
    if cls.retryable or cls.fallback_allowed:
        return _fail(
            result, ctx, "retry_stance", "the classifier would retry or fall back on this response"
        )
    return result


def _register_refusal(name: str, title: str, needs_key: bool, needs_model: bool) -> None:
    def run(ctx: CaseContext) -> CaseResult:
        return judge_refusal(ctx, name, EXPECT[name])

    DEFAULT_REGISTRY.register(
        name,
        title=title,
        assumption=EXPECT[name].assumption,
        needs_key=needs_key,
        needs_model=needs_model,
    )(run)


_register_refusal("missing-auth", "No auth header is refused", needs_key=False, needs_model=False)
_register_refusal("invalid-key", "A wrong key is refused", needs_key=False, needs_model=False)
_register_refusal(
    "missing-model", "A request without model is refused", needs_key=True, needs_model=False
)
_register_refusal(
    "empty-messages", "An empty messages list is refused", needs_key=True, needs_model=True
)
_register_refusal(
    "invalid-role", "An unknown message role is refused", needs_key=True, needs_model=True
)
_register_refusal("oversized", "An oversized request is refused", needs_key=True, needs_model=True)
_register_refusal("unknown-model", "An unknown model is refused", needs_key=True, needs_model=False)
DEFAULT_REGISTRY.register(
    "wrong-path",
    title="A wrong path is refused",
    assumption="wrong_path",
    needs_key=False,
    needs_model=False,
)(_wrong_path)
