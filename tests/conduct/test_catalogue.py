"""The catalogue is data: the shipped file loads, users' files extend it, mistakes are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatcontract.conduct.catalogue import builtin_catalogue, load_catalogue
from chatcontract.errors import UsageError

SEED_004 = {
    "429-retry-after",
    "429-no-retry-after",
    "429-retry-after-past-deadline",
    "429-quota",
    "500-once",
    "500-invalid-request",
    "502-persistent",
    "503-persistent",
    "504-persistent",
    "524-persistent",
    "reset-before-headers",
    "silent-route",
    "slow-first-token",
    "stream-cut",
    "stream-stall",
    "malformed-chunk",
    "in-stream-error",
    "no-done",
    "context-length",
    "content-filter",
    "http-400",
    "http-401",
    "http-403",
    "http-404",
    "non-json-200",
    "no-choices-200",
    "flapping-primary",
    "prefill-refused-fallback",
    "tool-call-cut",
}


def test_builtin_catalogue_covers_the_failure_table() -> None:
    catalogue = builtin_catalogue()
    assert {s.name for s in catalogue.scenarios} == SEED_004
    assert "cc-flap" in catalogue.model_names()
    assert all(s.title for s in catalogue.scenarios)


def test_a_user_file_adds_models_and_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "models:\n  my-incident: [{status: 503}, {status: 429, retry_after: 1}, ok]\n"
        "scenarios:\n  - {name: my-incident, model: my-incident, expect: {retry: true, rescue: true}}\n"
    )
    catalogue = load_catalogue([path])
    assert catalogue.scenarios[-1].name == "my-incident"
    only = load_catalogue([path], builtin=False)
    assert [s.name for s in only.scenarios] == ["my-incident"]
    assert only.models.behaviour("my-incident", 2, 0).retry_after == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("scenarios: [{name: stream-cut, model: sim-ok}]\n", "already defined", id="duplicate"),
        pytest.param("scenarios: [{name: x, model: nope}]\n", "neither a simulator fault", id="unknown-model"),
        pytest.param(
            "scenarios: [{name: x, model: sim-ok, expect: {retries: 3}}]\n", "unknown expectation", id="bad-expect"
        ),
        pytest.param("scenarios: [{name: x}]\n", "name and model", id="no-model"),
        pytest.param("models: {cc-401: [ok]}\nscenarios: []\n", "already defined", id="model-redefined"),
        pytest.param("scenarios: [\n", "not valid YAML", id="bad-yaml"),
        pytest.param("- just a list\n", "top level", id="not-a-mapping"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_catalogue([path])


def test_selecting_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown scenario"):
        builtin_catalogue().select(["nope"])
