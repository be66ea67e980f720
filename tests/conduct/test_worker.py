"""The worker's call: the issue's six keywords always, ``deadline_s`` only to a callable that takes it."""

from __future__ import annotations

from typing import Any

import pytest

from chatcontract.conduct.worker import _call, accepts_deadline

SIX = {"base_url": "http://x/v1", "api_key": "k", "model": "m", "messages": [], "stream": False, "fallback_model": None}


def six_only(
    *, base_url: str, api_key: str, model: str, messages: Any, stream: bool, fallback_model: str | None
) -> str:
    return "six"


def named(
    *,
    base_url: str,
    api_key: str,
    model: str,
    messages: Any,
    stream: bool,
    fallback_model: str | None,
    deadline_s: float | None = None,
) -> str:
    return f"deadline {deadline_s}"


def any_keywords(**kwargs: Any) -> str:
    return f"deadline {kwargs.get('deadline_s')}"


@pytest.mark.parametrize(
    ("target", "accepts", "value"),
    [
        pytest.param(six_only, False, "six", id="six-keywords-unchanged"),
        pytest.param(named, True, "deadline 7.5", id="named-deadline_s"),
        pytest.param(any_keywords, True, "deadline 7.5", id="var-keywords"),
        pytest.param(len, False, None, id="no-signature"),
    ],
)
def test_deadline_goes_only_where_it_is_taken(target: Any, accepts: bool, value: str | None) -> None:
    assert accepts_deadline(target) is accepts
    outcome = _call(target, {**SIX, "deadline_s": 7.5}, accepts)
    if value is None:
        assert outcome.kind == "raised"
    else:
        assert (outcome.kind, outcome.value) == ("returned", value)


def test_a_hung_call_kills_its_worker_without_the_polite_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose call hung never reads its stdin again: it is killed at once, not given the
    half second an idle worker gets to exit after its stdin closes."""
    import signal
    import subprocess

    from chatcontract.conduct.worker import Worker

    waits: list[float | None] = []
    real_wait = subprocess.Popen.wait

    def recorded(self: subprocess.Popen[str], timeout: float | None = None) -> int:
        waits.append(timeout)
        return real_wait(self, timeout)

    worker = Worker("tests.conduct.flawed:hangs")
    worker.start()
    process = worker._process
    assert process is not None
    monkeypatch.setattr(subprocess.Popen, "wait", recorded)
    outcome = worker.call(dict(SIX), wall_limit_s=0.2)
    assert outcome.kind == "hung"
    assert waits[0] == 0  # no grace for a busy child
    assert process.returncode == -signal.SIGKILL  # killed, not exited
    idle = Worker("tests.conduct.flawed:hangs")
    idle.start()
    idle.stop()
    assert waits[-1] == 0.5  # an idle child is given time to exit once its stdin closes
