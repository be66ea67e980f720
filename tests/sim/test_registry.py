"""The fault registry as data: every name parses, parameters round-trip, junk never crashes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chatcontract.sim import FAULTS, resolve_fault
from chatcontract.sim.faults import MAX_LONG_CHUNKS, plan_behaviour


def test_every_documented_example_resolves() -> None:
    for spec in FAULTS:
        plan = resolve_fault(spec.example)
        assert plan is not None, spec.example
        assert plan.spec is spec


@given(st.integers(min_value=0, max_value=10**6))
def test_retry_after_parameter_round_trips(n: int) -> None:
    plan = resolve_fault(f"sim-429-retry-after-{n}")
    assert plan is not None
    first = plan_behaviour(plan, 1, 0.0)
    assert (first.status, first.retry_after, first.name) == (429, n, f"sim-429-retry-after-{n}")
    assert plan_behaviour(plan, 2, 0.0).kind == "ok"


@given(st.floats(min_value=0, max_value=1000, allow_nan=False).map(lambda x: round(x, 2)))
def test_flap_is_down_exactly_until_n_seconds(n: float) -> None:
    plan = resolve_fault(f"sim-flap-{n}")
    assert plan is not None
    assert plan_behaviour(plan, 1, max(n - 0.01, 0.0)).status == (503 if n > 0 else 200)
    assert plan_behaviour(plan, 7, n).kind == "ok"


def test_long_streams_are_capped() -> None:
    assert resolve_fault(f"sim-long-{MAX_LONG_CHUNKS}") is not None
    assert resolve_fault(f"sim-long-{MAX_LONG_CHUNKS + 1}") is None


@given(st.text(max_size=40))
def test_arbitrary_names_never_crash(name: str) -> None:
    plan = resolve_fault(name)
    assert plan is None or name.startswith("sim-")
