"""repro against the real simulator on loopback: verdicts, stop reasons, one record per attempt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.config import BaseUrl, Credential
from chatcontract.contract import load_profile
from chatcontract.errors import UsageError
from chatcontract.evidence.repro import ReproPlan, Target, Verdict, run_repro, verdict_of
from chatcontract.evidence.store import EvidenceStore
from chatcontract.record import FailureClass, Result, RetryDecision
from chatcontract.sim import SimServer, serve

FC = FailureClass
KEY = "sk-repro-test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with serve(api_key=KEY, admin=True) as server:
        yield server


@pytest.fixture
def target(sim: SimServer) -> Target:
    sim.reset()
    return Target(sim.base_url, BaseUrl(sim.base_url).alias, Credential(KEY, "env:TEST_KEY"))


def _plan(cls: FailureClass, model: str | None, **kw: object) -> ReproPlan:
    return ReproPlan(
        incident_id="INC-T",
        failure_class=cls,
        profile=load_profile("cometapi"),
        model=model,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("cls", "model", "negative", "verdict", "stop", "n"),
    [
        pytest.param(FC.SERVER_ERROR, "sim-503", None, "reproducible", "identical_outcomes", 3, id="503"),
        pytest.param(FC.SERVER_ERROR, "sim-500-once", None, "intermittent", "identical_outcomes", 4, id="500-once"),
        pytest.param(FC.AUTH, "sim-ok", "missing-auth", "reproducible", "non_retryable_class", 1, id="missing-auth"),
        pytest.param(
            FC.REQUEST_INVALID, "sim-ok", "empty-messages", "request_shape", "non_retryable_class", 1, id="empty"
        ),
        pytest.param(FC.SERVER_ERROR, "sim-ok", None, "inconclusive", "identical_outcomes", 3, id="healthy"),
        pytest.param(
            FC.STREAM_INTERRUPTED, "sim-stream-cut-3", None, "reproducible", "identical_outcomes", 3, id="cut"
        ),
    ],
)
def test_verdicts_against_the_simulator(
    *,
    tmp_path: Path,
    target: Target,
    sim: SimServer,
    cls: FailureClass,
    model: str,
    negative: str | None,
    verdict: str,
    stop: str,
    n: int,
) -> None:
    store = EvidenceStore(tmp_path / "s.db")
    sleeps: list[float] = []
    note = run_repro(_plan(cls, model, negative=negative), target, store, sleep=sleeps.append)
    assert (note.verdict, note.stop_reason, len(note.attempts)) == (verdict, stop, n)
    records = store.attempts(incident_id="INC-T")
    assert [r.attempt_number for r in records] == list(range(1, n + 1))
    assert len(sim.attempts()) == n, "each attempt is one request on the wire (no hidden retries)"
    assert len(sleeps) == n - 1
    assert all(r.credential_source == "env:TEST_KEY" for r in records)
    assert store.notes("INC-T", kind="repro")[0].body["verdict"] == verdict


def test_records_carry_retry_decisions_and_results(tmp_path: Path, target: Target) -> None:
    store = EvidenceStore(tmp_path / "s.db")
    note = run_repro(_plan(FC.SERVER_ERROR, "sim-503"), target, store, sleep=lambda _s: None)
    records = store.attempts(run_id=note.run_id)
    # one meaning for every writer: the last attempt was not sent again (server_error needs no person)
    assert [r.retry_decision for r in records] == [
        RetryDecision.RETRY,
        RetryDecision.RETRY,
        RetryDecision.DO_NOT_RETRY,
    ]
    assert all(r.result is Result.FAIL and r.http_status == 503 for r in records)
    assert records[0].backoff_ms == 500.0
    assert records[0].route_template == "/v1/chat/completions"
    assert records[0].request_shape is not None
    assert note.environment.target == "configured base URL"
    assert note.environment.base_url_alias.startswith("http://127.0.0.1:")
    assert KEY not in note.model_dump_json()


def test_budget_stops_a_mixed_run(tmp_path: Path, sim: SimServer) -> None:
    scenario = {"models": {"flaky": [{"status": 503}, "ok", {"status": 503}, "ok"]}}
    with serve(api_key=KEY, scenario=scenario) as flaky:
        tgt = Target(flaky.base_url, "http://127.0.0.1", Credential(KEY, "env:TEST_KEY"))
        note = run_repro(
            _plan(FC.SERVER_ERROR, "flaky", max_attempts=4),
            tgt,
            EvidenceStore(tmp_path / "s.db"),
            sleep=lambda _s: None,
        )
    assert (note.verdict, note.stop_reason, len(note.attempts)) == (
        "intermittent",
        "budget_spent",
        4,
    )


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        pytest.param([FC.SERVER_ERROR] * 3, Verdict.REPRODUCIBLE, id="all"),
        pytest.param([FC.SERVER_ERROR, None], Verdict.INTERMITTENT, id="then-success"),
        pytest.param([None, None], Verdict.INCONCLUSIVE, id="never"),
        pytest.param([FC.RATE_LIMITED], Verdict.INCONCLUSIVE, id="other-class"),
        pytest.param([FC.REQUEST_INVALID], Verdict.REQUEST_SHAPE, id="request-error"),
    ],
)
def test_verdict_table(classes: list[FailureClass | None], expected: Verdict) -> None:
    assert verdict_of(FC.SERVER_ERROR, classes) is expected


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        pytest.param({"negative": "nope"}, "unknown negative case", id="negative"),
        pytest.param({"max_attempts": 0}, "--attempts", id="attempts"),
        pytest.param({"identical_stop": 1}, "identical", id="identical"),
    ],
)
def test_bad_plan(kw: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _plan(FC.SERVER_ERROR, None, **kw)


@pytest.mark.parametrize(
    ("cls", "model", "negative", "missing"),
    [
        pytest.param(FC.SERVER_ERROR, "sim-503", None, None, id="asked-class-occurred"),
        pytest.param(FC.SERVER_ERROR, "sim-ok", None, "did not occur in 3 attempt(s); they showed a usable answer (3x)",
                     id="healthy"),
        pytest.param(FC.SERVER_ERROR, "sim-ok", "empty-messages",
                     "did not occur in 1 attempt(s); they showed request_invalid (1x)", id="our-request-error-instead"),
        pytest.param(FC.REQUEST_INVALID, "sim-ok", "empty-messages", None, id="asked-request-error"),
    ],
)
def test_repro_says_when_the_asked_class_did_not_occur(
    *, tmp_path: Path, target: Target, cls: FailureClass, model: str, negative: str | None, missing: str | None
) -> None:
    from chatcontract.evidence.repro import asked_class_missing

    note = run_repro(_plan(cls, model, negative=negative), target, EvidenceStore(tmp_path / "s.db"),
                     sleep=lambda _s: None)
    said = asked_class_missing(note)
    if missing is None:
        assert said is None
    else:
        assert said is not None
        assert said.startswith(f"the class asked for, {cls.value},")
        assert missing in said


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["--class", "server_error", "--model", "sim-503"], 0, id="occurred"),
        pytest.param(["--class", "server_error", "--negative", "empty-messages"], 3, id="request-shape-instead"),
    ],
)
def test_repro_cli_exits_3_when_the_asked_class_did_not_occur(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> None:
    from chatcontract.cli.app import main

    with pytest.raises(SystemExit) as info:
        main(["repro", "--incident", "INC-R", "--store", str(tmp_path / "s.db"), "--wait-s", "0", *args])
    assert info.value.code == code
    err = capsys.readouterr().err
    assert ("did not occur" in err) is (code == 3)
