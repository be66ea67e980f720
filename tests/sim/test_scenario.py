"""Scenario files: custom models as per-attempt behaviours; bad files name the file and key."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.errors import UsageError
from chatcontract.sim import load_scenario, serve

from .wire import parse_sse, post

GOOD = """\
models:
  my-flaky:
    - {status: 503}
    - {status: 429, retry_after: 1}
    - ok
  my-cut: [{fault: sim-stream-cut-5}, ok]
  my-raw:
    - {status: 200, body: "not json at all"}
    - {status: 418, code: teapot}
    - {status: 200, body: '{"custom": true}'}
"""


def test_scenario_models_follow_their_sequence(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    with serve(scenario=path) as sim:
        flaky = [post(sim, "my-flaky") for _ in range(4)]
        assert [r.status_code for r in flaky] == [503, 429, 200, 200]
        assert flaky[1].headers["retry-after"] == "1"
        assert "retry-after" not in flaky[0].headers
        cut = parse_sse(post(sim, "my-cut", stream=True).content)
        assert cut.content_chunks() == 5
        assert not cut.done
        assert parse_sse(post(sim, "my-cut", stream=True).content).done
        raw = [post(sim, "my-raw") for _ in range(3)]
        assert (raw[0].status_code, raw[0].text) == (200, "not json at all")
        assert raw[0].headers["content-type"].startswith("text/plain")
        assert raw[1].status_code == 418
        assert raw[1].json()["error"]["code"] == "teapot"
        assert raw[2].json() == {"custom": True}
        models = {
            m["id"]
            for m in httpx.get(sim.base_url + "/models", headers={"Authorization": f"Bearer {sim.api_key}"},
                               verify=TLS).json()[
                "data"
            ]
        }
        assert {"my-flaky", "my-cut", "my-raw"} <= models
        assert [a["behaviour"] for a in sim.attempts()[:3]] == ["status-503", "status-429", "ok"]


def test_scenario_delay_reads_the_clock() -> None:
    from chatcontract.sim import FakeClock

    clock = FakeClock()
    with serve(scenario={"models": {"slow": [{"status": 200, "delay_s": 12}]}}, clock=clock) as sim:
        assert post(sim, "slow").status_code == 200
    assert clock.slept == [12.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("models: [", "line", id="not-yaml"),
        pytest.param("- 1\n", "top level", id="not-mapping"),
        pytest.param("models: {}\n", "models", id="no-models"),
        pytest.param("models:\n  a: []\n", "models.a: expected at least one", id="empty-list"),
        pytest.param(
            "models:\n  a: [sim-bogus]\n",
            "models.a[0]: unknown fault 'sim-bogus'",
            id="unknown-fault",
        ),
        pytest.param(
            "models:\n  a: [{fault: sim-nope-3}]\n",
            "models.a[0].fault: unknown fault",
            id="unknown-fault-key",
        ),
        pytest.param("models:\n  a: [{status: 99}]\n", "models.a[0].status", id="bad-status"),
        pytest.param("models:\n  a: [{status: 503, retry_after: -1}]\n", "retry_after", id="negative-retry"),
        pytest.param(
            "models:\n  a: [{status: 503, colour: red}]\n",
            "unknown key(s) ['colour']",
            id="unknown-key",
        ),
        pytest.param("models:\n  a: [{fault: sim-503, status: 503}]\n", "exactly one", id="both"),
        pytest.param("models:\n  a: [{status: 503, delay_s: soon}]\n", "delay_s", id="bad-delay"),
        pytest.param("models:\n  a: [ok]\nextra: 1\n", "top level", id="extra-top-key"),
    ],
)
def test_bad_scenarios_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_scenario(tmp_path / "absent.yaml")
