"""The configuration file: found in the working directory or named; flags and env win; never a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CANARY, run_cli


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _settings(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, tuple[object, str]]:
    run = run_cli(["config", "show", "--json", *extra], capsys)
    assert run.code == 0, run.err
    return {s["setting"]: (s["value"], s["source"]) for s in json.loads(run.out)["settings"]}


def test_the_file_sets_defaults_and_the_flag_wins(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "chatcontract.toml").write_text('model = "sim-503"\nfallbacks = ["sim-ok"]\n[policy]\ndeadline_s = 9\n')
    from_file = json.loads(run_cli(["call", "--json"], capsys).out)
    assert [a["model"] for a in from_file["attempts"]][-1] == "sim-ok"  # sim-503 failed over to the file's fallback
    assert from_file["attempts"][0]["model"] == "sim-503"
    flag = json.loads(run_cli(["call", "--json", "--model", "sim-ok"], capsys).out)
    assert [a["model"] for a in flag["attempts"]] == ["sim-ok"]


def test_env_wins_over_the_file_and_show_names_each_source(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "chatcontract.toml").write_text('model = "from-file"\nprofile = "openai"\nstore = "ev.sqlite"\n')
    monkeypatch.setenv("COMETAPI_MODEL", "from-env")
    settings = _settings(capsys)
    assert settings["model"] == ("from-env", "env:COMETAPI_MODEL")
    assert settings["profile"] == ("openai", "file:chatcontract.toml")
    assert settings["store"][1] == "env:CHATCONTRACT_STORE"  # the test fixture sets it
    assert settings["base_url"] == (None, "default")


def test_pyproject_table_and_config_flag(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.chatcontract]\nprofile = "openai"\n')
    assert _settings(capsys)["profile"] == ("openai", "file:pyproject.toml [tool.chatcontract]")
    other = here / "sub" / "team.toml"
    other.parent.mkdir()
    other.write_text('profile = "openai-compatible"\nstore = "team.sqlite"\n')
    named = _settings(capsys, "--config", str(other))
    assert named["profile"] == ("openai-compatible", "file:team.toml")


def test_relative_store_is_next_to_the_file(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHATCONTRACT_STORE")
    (here / "conf").mkdir()
    (here / "conf" / "c.toml").write_text('store = "ev.sqlite"\n')
    assert _settings(capsys, "--config", "conf/c.toml")["store"][0] == str(here / "conf" / "ev.sqlite")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param(f'api_key = "{CANARY}"\n', "'api_key' would hold a secret", id="key-field"),
        pytest.param('[auth]\ntoken = "abc"\n', "'auth.token' would hold a secret", id="token-field"),
        pytest.param(f'model = "{CANARY}"\n', "'model' looks like a key", id="key-value"),
        pytest.param('modle = "x"\n', "unknown setting 'modle'", id="unknown"),
        pytest.param("model = 5\n", "'model' must be a non-empty string", id="type"),
        pytest.param('[policy]\ndeadline_s = -1\n', "positive number", id="negative-deadline"),
        pytest.param('[report]\nformat = "pdf"\n', "use one of html, json, md", id="format"),
        pytest.param('model = "x"\nmodel = [\n', "not valid TOML", id="toml-syntax"),
    ],
)
def test_bad_files_are_usage_errors_that_never_show_a_key(
    text: str, needle: str, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "chatcontract.toml").write_text(text)
    for command in (["config", "show"], ["call", "--model", "sim-ok"]):
        run = run_cli(command, capsys)
        assert run.code == 2
        assert needle in run.err
        assert len(run.err.splitlines()) == 1
        assert "CANARY" not in run.out + run.err


def test_toml_errors_name_the_line(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "chatcontract.toml").write_text('model = "x"\n\nprofile = = 3\n')
    assert "line 3" in run_cli(["config", "show"], capsys).err


def test_show_never_prints_the_key(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "chatcontract.toml").write_text('api_key_env = "TEAM_KEY"\n')
    monkeypatch.setenv("TEAM_KEY", CANARY)
    for args in (["config", "show"], ["config", "show", "--json"]):
        run = run_cli(args, capsys)
        assert "CANARY" not in run.out + run.err
    settings = _settings(capsys)
    assert settings["api key"] == ("set", "env:TEAM_KEY")


def test_report_format_applies_only_where_it_is_valid(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "chatcontract.toml").write_text('[report]\nformat = "html"\n')
    repro = ["repro", "--incident", "I-1", "--class", "server_error", "--model", "sim-503", "--wait-s", "0",
             "--attempts", "1"]
    run = run_cli(repro, capsys)
    assert run.code in (0, 3)  # repro writes no HTML: the file's format does not make it a usage error


def test_the_simulator_ignores_the_target_config(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """api_key_env names the real target's key; the simulator keeps its own default."""
    from chatcontract.cli.app import _command
    from chatcontract.configfile import load

    (here / "chatcontract.toml").write_text('api_key_env = "TEAM_KEY"\n')
    sim = _command().commands["sim"]  # type: ignore[attr-defined]
    assert load().defaults_for("sim", {p.name for p in sim.params}) == {}
    assert load().defaults_for("probe", {"api_key_env"}) == {"api_key_env": "TEAM_KEY"}
