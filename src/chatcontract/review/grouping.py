"""How attempts were grouped into logical requests, and how far a finding built on it can be trusted.

Request ids and idempotency keys name the logical request: findings built on them are firm.
Retry counters (x-stainless-retry-count, http.request.resend_count, attempt numbers) restart at
0 for each request: good, but two concurrent requests from one client can interleave. With
neither, a heuristic groups attempts (same caller, route, model and body shape; a new request
after a success or a long gap): it cannot tell two identical requests apart, so every finding
that rests on it names it and says its confidence is low.
"""

from __future__ import annotations

from typing import Any

from chatcontract.review import queries as q
from chatcontract.review.context import Ctx, num

CONFIDENCE = {"request id": "high", "idempotency key": "high", "x-stainless-retry-count": "medium",
              "http.request.resend_count": "medium", "attempt number": "medium", "heuristic": "low"}
_RANK = {"high": 0, "medium": 1, "low": 2}


def heuristic_text(ctx: Ctx) -> str:
    return (f"same service, deployment, client, host, route, model and body shape; a new request starts "
            f"after a success or a gap over {num(ctx.options.group_window_s)} s")


def methods(ctx: Ctx) -> dict[str, int]:
    """Attempts by the method that grouped them."""
    return {str(m): int(n) for m, n in ctx.rows(q.GROUPING)}


def confidence(ctx: Ctx) -> str:
    """The weakest confidence among the methods that grouped any attempt (``high`` if none)."""
    levels = [CONFIDENCE.get(m, "low") for m in methods(ctx)] or ["high"]
    return max(levels, key=_RANK.__getitem__)


def retried(ctx: Ctx) -> bool:
    """Whether any logical request had more than one attempt."""
    return bool(ctx.one(q.RETRY_COUNT)[0])


def only_heuristic(ctx: Ctx) -> bool:
    return set(methods(ctx)) == {"heuristic"}


def grouping_basis(ctx: Ctx) -> str:
    """What a retry finding rests on, in words, with its confidence."""
    used = list(methods(ctx))
    level = confidence(ctx)
    if "heuristic" in used:
        return f"requests grouped by heuristic ({heuristic_text(ctx)}), {level} confidence"
    return f"requests grouped by {', '.join(used) or 'nothing'}, {level} confidence"


def grouping_summary(ctx: Ctx) -> dict[str, Any]:
    """The grouping section of the report: methods, confidence, and the heuristic when used."""
    found = methods(ctx)
    return {"methods": found, "logical_requests": ctx.requests, "confidence": confidence(ctx),
            "basis": grouping_basis(ctx), "retried_requests_found": retried(ctx),
            "heuristic": heuristic_text(ctx) if "heuristic" in found else None}
