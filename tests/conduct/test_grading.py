"""Grading real clients end to end: our Client passes; each flawed client fails exactly its flaw.

All targets are graded at once against one simulator (each scenario in its own run), which is
also the test that once-only faults are counted per client run.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from chatcontract.conduct.catalogue import builtin_catalogue
from chatcontract.conduct.results import ScenarioResult, exit_code
from chatcontract.conduct.runner import Settings, grade, simulator
from chatcontract.errors import UsageError
from chatcontract.sim import SimServer

STREAM_BREAKS = {"stream-cut", "stream-stall", "malformed-chunk", "in-stream-error", "prefill-refused-fallback"}
# one xdist worker runs this module, so the six gradings below happen once, not once per worker
pytestmark = pytest.mark.xdist_group("conduct-grading")

EXPECTED_FAILS = {
    "chatcontract": set(),
    "tests.conduct.flawed:retries_401": {"http-401"},
    "tests.conduct.flawed:ignores_retry_after": {"429-retry-after", "429-retry-after-past-deadline"},
    "tests.conduct.flawed:returns_cut_stream": STREAM_BREAKS,
    "tests.conduct.flawed:falls_back_on_filter": {"content-filter"},
    "tests.conduct.flawed:no_jitter": {"503-persistent"},
}

# fixed 1.2 s waits make this client's scenarios twice as long as the others' (39 s on two workers)
WORKERS = {"tests.conduct.flawed:no_jitter": 3}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with simulator(builtin_catalogue(), Settings()) as server:
        yield server


@pytest.fixture(scope="module")
def graded(sim: SimServer) -> dict[str, list[ScenarioResult]]:
    catalogue = builtin_catalogue()
    with ThreadPoolExecutor(len(EXPECTED_FAILS)) as pool:
        futures = {t: pool.submit(grade, catalogue, t, Settings(workers=WORKERS.get(t, 2)), sim=sim)
                   for t in EXPECTED_FAILS}
        return {t: f.result() for t, f in futures.items()}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("target", list(EXPECTED_FAILS))
def test_each_client_fails_exactly_its_flaw(graded: dict[str, list[ScenarioResult]], target: str) -> None:
    results = graded[target]
    failed = {r.name: r for r in results if r.verdict == "fail"}
    details = {name: (r.reason, r.did()) for name, r in failed.items()}
    assert set(failed) == EXPECTED_FAILS[target], details
    assert exit_code(results) == (1 if failed else 0)
    assert len(results) == len(builtin_catalogue().scenarios)


def test_results_name_what_the_client_did(graded: dict[str, list[ScenarioResult]]) -> None:
    ours = {r.name: r for r in graded["chatcontract"]}
    assert ours["503-persistent"].verdict == "pass"
    assert "sim-503:503" in ours["503-persistent"].did()
    assert "sim-ok:200" in ours["503-persistent"].did()
    assert ours["http-401"].verdict == "pass"
    assert "CallFailed" in ours["http-401"].calls[0].detail
    cut = {r.name: r for r in graded["tests.conduct.flawed:returns_cut_stream"]}["stream-cut"]
    assert "NOT whole" in cut.calls[0].detail
    assert any(c.name == "no-cut-as-whole" and c.outcome == "fail" for c in cut.checks)


@pytest.mark.parametrize(
    ("target", "error"),
    [
        pytest.param("tests.conduct.flawed:hangs", "no result within", id="hang"),
        pytest.param("tests.conduct.flawed:crashes", "died", id="crash"),
    ],
)
def test_a_hanging_or_crashing_client_is_a_fail_with_evidence(sim: SimServer, target: str, error: str) -> None:
    catalogue = builtin_catalogue().select(["500-once"])
    settings = Settings(deadline_s=0.5, grace_s=0.5, workers=1)  # a hang is abandoned after 1 s, not 6
    [result] = grade(catalogue, target, settings, sim=sim)
    assert result.verdict == "fail"
    assert error in result.calls[0].detail
    if target.endswith("hangs"):
        assert [c.outcome for c in result.checks if c.name == "within-deadline"] == ["fail"]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("no_such_module_xyz:ask", id="missing-module"),
        pytest.param("tests.conduct.flawed:nope", id="missing-fn"),
    ],
)
def test_an_import_error_is_a_usage_error_naming_the_module(sim: SimServer, target: str) -> None:
    with pytest.raises(UsageError, match=target.split(":", maxsplit=1)[0]):
        grade(builtin_catalogue().select(["500-once"]), target, Settings(workers=1), sim=sim)
