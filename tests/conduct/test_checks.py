"""Checks judge attempt logs and returned text (no network: evidence built by hand)."""

from __future__ import annotations

from typing import Any

import pytest

from chatcontract.conduct.catalogue import ConductScenario, Expect
from chatcontract.conduct.checks import Evidence, run_checks, verdict
from chatcontract.conduct.worker import CallOutcome
from chatcontract.sim import CANONICAL_TEXT

CUT = " ".join(CANONICAL_TEXT.split(" ")[:5])


def attempt(t: float, status: int | None, model: str = "primary", prefill: bool = False) -> dict[str, Any]:
    return {
        "t": t,
        "status": status,
        "model": model,
        "attempt": 1,
        "behaviour": "x",
        "stream": False,
        "prefill": prefill,
    }


def returned(text: str, elapsed: float = 1.0) -> CallOutcome:
    return CallOutcome("returned", 0.0, elapsed, value=text, value_type="str")


def raised(elapsed: float = 1.0) -> CallOutcome:
    return CallOutcome("raised", 0.0, elapsed, error="SomeError: no")


def evidence(expect: Expect, call: CallOutcome, attempts: list[dict[str, Any]], **kw: Any) -> Evidence:
    scenario = ConductScenario("s", "s", "primary", fallback="backup", expect=expect)
    return Evidence(scenario, 20.0, [call], attempts, returned(CANONICAL_TEXT), **kw)


@pytest.mark.parametrize(
    ("expect", "call", "attempts", "kw", "outcome", "failed"),
    [
        pytest.param(
            Expect(), returned(CANONICAL_TEXT), [attempt(0.1, 500), attempt(0.6, 200)], {}, "pass", [], id="rescued"
        ),
        pytest.param(Expect(), raised(), [attempt(0.1, 503), attempt(0.6, 503)], {}, "safe", [], id="clean-error"),
        pytest.param(Expect(), returned(CUT), [attempt(0.1, 200)], {}, "fail", ["no-cut-as-whole"], id="cut-returned"),
        pytest.param(
            Expect(retry=False, fallback=False, rescue=False),
            raised(),
            [attempt(0.1, 401), attempt(0.3, 401)],
            {},
            "fail",
            ["no-retry"],
            id="retried-401",
        ),
        pytest.param(
            Expect(retry=False, fallback=False, rescue=False),
            returned(CANONICAL_TEXT),
            [attempt(0.1, 400), attempt(0.2, 200, "backup")],
            {},
            "fail",
            ["no-fallback"],
            id="filter-fallback",
        ),
        pytest.param(
            Expect(retry_after_s=1),
            returned(CANONICAL_TEXT),
            [attempt(0.1, 429), attempt(0.5, 200)],
            {},
            "fail",
            ["retry-after"],
            id="retry-after-ignored",
        ),
        pytest.param(
            Expect(retry_after_s=1),
            returned(CANONICAL_TEXT),
            [attempt(0.1, 429), attempt(1.12, 200)],
            {},
            "pass",
            [],
            id="retry-after-honoured",
        ),
        pytest.param(
            Expect(),
            raised(),
            [attempt(0.1, 503), attempt(0.101, 503), attempt(0.102, 503)],
            {},
            "fail",
            ["retry-spacing"],
            id="hammering",
        ),
        pytest.param(
            Expect(jitter=True),
            raised(),
            [attempt(0.1, 503), attempt(0.4, 503), attempt(0.7, 503)],
            {"other_runs_gaps": [[0.31, 0.29], [0.3, 0.3]]},
            "fail",
            ["jitter"],
            id="no-jitter",
        ),
        pytest.param(
            Expect(jitter=True),
            raised(),
            [attempt(0.1, 503), attempt(0.4, 503), attempt(0.7, 503)],
            {"other_runs_gaps": [[0.31, 0.29], [0.3, 0.3], [0.3, 0.31], [0.29, 0.3], [0.9, 0.3]]},
            "fail",
            ["jitter"],
            id="no-jitter-one-run-stalled",  # 5 of 6 runs agree: a loaded machine, not jitter
        ),
        pytest.param(
            Expect(jitter=True),
            raised(),
            [attempt(0.1, 503), attempt(0.4, 503), attempt(0.7, 503)],
            {"other_runs_gaps": [[0.31, 0.29], [0.3, 0.3], [0.9, 0.3]]},
            "safe",
            [],
            id="four-runs-one-differs",  # too few runs for an outlier: they differ
        ),
        pytest.param(
            Expect(jitter=True),
            raised(),
            [attempt(0.1, 503), attempt(0.4, 503), attempt(0.5, 503)],
            {"other_runs_gaps": [[0.05, 0.7], [0.2, 0.01]]},
            "safe",
            [],
            id="jittered",
        ),
        pytest.param(
            Expect(),
            CallOutcome("hung", 0.0, 25.0, error="no result"),
            [attempt(0.1, None)],
            {},
            "fail",
            ["within-deadline"],
            id="hang",
        ),
        pytest.param(
            Expect(),
            raised(),
            [attempt(0.1, 200), attempt(0.2, 400, "backup", prefill=True)],
            {},
            "fail",
            ["no-prefill-continuation"],
            id="prefill",
        ),
    ],
)
def test_verdicts(
    *,
    expect: Expect,
    call: CallOutcome,
    attempts: list[dict[str, Any]],
    kw: dict[str, Any],
    outcome: str,
    failed: list[str],
) -> None:
    ev = evidence(expect, call, attempts, **kw)
    results = run_checks(ev)
    assert [r.name for r in results if r.outcome == "fail"] == failed
    assert verdict(ev, results)[0] == outcome
    assert all(r.evidence for r in results)


def test_a_crashing_check_is_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatcontract.conduct import checks

    def broken(ev: Evidence) -> None:
        raise KeyError("t")

    monkeypatch.setitem(checks.CHECKS, "broken", broken)
    results = run_checks(evidence(Expect(), returned(CANONICAL_TEXT), [attempt(0.1, 200)]))
    assert [(r.name, r.outcome) for r in results if r.name == "broken"] == [("broken", "fail")]
    assert "crashed" in results[-1].evidence
