"""The probe's "not retried, no fallback" matches what the real client does with the same answers.

The probe judges refusals with the classifier; here the resilient :class:`Client`, configured
with retries and a fallback route, meets the same simulator refusals and must make exactly one
attempt, on the first route (the oversized request is the one the action table lets fall back).
"""

from __future__ import annotations

from typing import Any

import pytest

from chatcontract.client import CallFailed, Client, Policy, Route
from chatcontract.contract import requests as builders
from chatcontract.record import FailureClass

from .conftest import KEY, MODEL, simulator

USER = [{"role": "user", "content": builders.PROMPT}]


@pytest.mark.parametrize(
    ("api_key", "call", "failure_class"),
    [
        pytest.param(builders.INVALID_KEY, {"model": MODEL, "messages": USER}, FailureClass.AUTH, id="invalid-key"),
        pytest.param(KEY, {"model": MODEL, "messages": []}, FailureClass.REQUEST_INVALID, id="empty-messages"),
        pytest.param(
            KEY,
            {"model": MODEL, "messages": [{"role": builders.INVALID_ROLE, "content": "x"}]},
            FailureClass.REQUEST_INVALID,
            id="invalid-role",
        ),
        pytest.param(
            KEY, {"model": builders.UNKNOWN_MODEL, "messages": USER}, FailureClass.MODEL_UNKNOWN, id="unknown-model"
        ),
    ],
)
def test_client_makes_one_attempt_on_a_probe_refusal(
    api_key: str, call: dict[str, Any], failure_class: FailureClass
) -> None:
    with simulator("cometapi") as base_url:
        policy = Policy(max_attempts_per_route=3)
        with (
            Client(
                base_url=base_url,
                api_key=api_key,
                policy=policy,
                profile="cometapi",
                fallbacks=[Route(model=MODEL)],
                sleep=lambda _s: None,
            ) as client,
            pytest.raises(CallFailed) as failed,
        ):
            client.chat(**call)
    assert failed.value.failure_class is failure_class
    assert len(failed.value.attempts) == 1
    assert failed.value.attempts[0].fallback_of is None


def test_control_the_same_client_does_retry_and_fall_back_on_a_server_error() -> None:
    with (
        simulator("cometapi") as base_url,
        Client(
            base_url=base_url,
            api_key=KEY,
            policy=Policy(max_attempts_per_route=2),
            profile="cometapi",
            fallbacks=[Route(model=MODEL)],
            sleep=lambda _s: None,
        ) as client,
    ):
        completion = client.chat(model="sim-503", messages=USER)
    assert completion.model == MODEL
    assert len(completion.attempts) == 3  # two on the failing route, then the fallback
    assert completion.attempts[-1].fallback_of is not None
