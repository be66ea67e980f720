"""``replay``: the review's generated incident becomes scenarios that reproduce what was recorded."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conduct.inprocess import Done, run_command
from tests.review.conftest import _gen_logs

from chatcontract.conduct.catalogue import load_catalogue
from chatcontract.conduct.replay import Options, Seen, replay_logs, step
from chatcontract.conduct.runner import Settings, grade, simulator


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("incident")
    _gen_logs().write_all(out, seed=7, requests=300, sample=300)
    return out


def recorded_statuses(attempts_log: Path) -> dict[str, dict[str, list[int | None]]]:
    """Per request id, per model: the statuses the attempts log recorded, in order."""
    rows = [json.loads(line) for line in attempts_log.read_text().splitlines()]
    rows.sort(key=lambda r: (r["request_id"], r["started_at"], r["attempt_number"]))
    out: dict[str, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        out[r["request_id"]][r["model"]].append(r.get("http_status"))
    return out


def test_replayed_incident_reproduces_the_recorded_statuses(incident: Path, tmp_path: Path) -> None:
    replay = replay_logs([incident / "attempts.jsonl"], Options())
    scenario_file = tmp_path / "incident.yaml"
    scenario_file.write_text(yaml.safe_dump(replay.document, sort_keys=False))
    catalogue = load_catalogue([scenario_file], builtin=False)
    assert replay.requests == 300
    assert len(catalogue.scenarios) == replay.shapes >= 8  # 401 storm, 429, 5xx, 504 past deadline, cuts, ...
    recorded = recorded_statuses(incident / "attempts.jsonl")
    settings = Settings(scale=0.05, workers=3)
    with simulator(catalogue, settings) as sim, ThreadPoolExecutor(2) as pool:  # one run per client and scenario
        graded = [pool.submit(grade, catalogue, target, settings, sim=sim) for target in ("tests.conduct.naive:ask",
                                                                                         "chatcontract")]
        naive, ours = (g.result() for g in graded)
    for scenario, result in zip(catalogue.scenarios, naive, strict=True):
        request_id = scenario.title.split(" like ")[1].split(" ")[0]
        seen: dict[str, list[int | None]] = defaultdict(list)
        for a in result.calls[0].attempts:
            seen[a["model"]].append(a["status"])
        # recorded models in order of first use are the scenario's primary and fallback
        sim_models = [scenario.model, scenario.fallback]
        for sim_model, statuses in zip(sim_models, recorded[request_id].values(), strict=False):
            # the naive client tries at least as often as the recorded one: the simulator answered
            # the recorded statuses in order (then repeats the last one)
            assert sim_model is not None
            assert seen[sim_model][: len(statuses)] == statuses, (scenario.name, result.did())
    verdicts = {r.name: r.verdict for r in ours}
    assert "fail" not in verdicts.values(), {r.name: r.reason for r in ours if r.verdict == "fail"}
    naive_fails = {r.name for r in naive if r.verdict == "fail"}
    assert any(name.endswith("-auth") for name in naive_fails)  # it retried the 401s, as web-2 did


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        pytest.param(Seen("m", 429, "rate_limited", 0.09, 2.0, None, None, None),
                     {"status": 429, "code": "rate_limit_exceeded", "retry_after": 1, "delay_s": 0.045},
                     id="429-compressed"),
        pytest.param(Seen("m", 500, "server_error", 0.2, None, None, "invalid_request", None),
                     {"status": 500, "code": "invalid_request", "delay_s": 0.1}, id="code-kept"),
        pytest.param(Seen("m", 200, None, 1.0, None, "complete", None, "stop"), {"status": 200, "delay_s": 0.5},
                     id="healthy"),
        pytest.param(Seen("m", 200, "stream_interrupted", 1.0, None, "cut", None, None),
                     {"fault": "sim-stream-cut-5"}, id="cut"),
        pytest.param(Seen("m", 200, "stream_stalled", 30.0, None, "stalled", None, None),
                     {"fault": "sim-stream-stall-15"}, id="stall"),
        pytest.param(Seen("m", None, "timeout", 10.0, None, None, None, None), {"fault": "sim-silent"}, id="silent"),
        pytest.param(Seen("m", None, "connect_error", 0.01, None, None, None, None), {"fault": "sim-reset"},
                     id="reset"),
    ],
)
def test_each_recorded_attempt_becomes_one_step(seen: Seen, expected: Any) -> None:
    assert step(seen, compress=2.0) == expected


Runner = Callable[[list[str], Path], Done]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """``chatcontract replay ARGS`` in this process, from ``cwd``."""

    def replay(args: list[str], cwd: Path) -> Done:
        monkeypatch.chdir(cwd)
        return run_command("replay", args, capsys)

    return replay


def test_cli_writes_a_catalogue_and_counts_what_it_left_out(run: Runner, incident: Path, tmp_path: Path) -> None:
    done = run([str(incident / "capture.har"), "--top", "3", "-o", str(tmp_path / "s.yaml")], tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "s.yaml").read_text()
    assert "# Not replayed:" in text
    assert "past --top 3" in text
    assert len(load_catalogue([tmp_path / "s.yaml"], builtin=False).scenarios) == 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["nope.log"], 2, "nope.log", id="missing-file"),
        pytest.param(["attempts.jsonl", "--request-id", "req-x"], 2, "no such logical request", id="unknown-id"),
        pytest.param(["healthy.jsonl"], 1, "nothing to replay", id="nothing-failed"),
        pytest.param(["junk.bin"], 2, "not a log", id="binary-junk"),
    ],
)
def test_cli_exit_codes(run: Runner, incident: Path, args: list[str], code: int, message: str) -> None:
    lines = (incident / "attempts.jsonl").read_text().splitlines()
    (incident / "healthy.jsonl").write_text("\n".join(x for x in lines if '"http_status":200' in x
                                                      and '"finish_reason":"stop"' in x) + "\n")
    (incident / "junk.bin").write_bytes(bytes(range(256)) * 8)
    done = run(args, incident)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_help_names_the_exit_codes(run: Runner) -> None:
    done = run(["--help"], Path.cwd())
    assert done.returncode == 0
    assert "Exit codes: 0 written, 1 nothing to replay" in " ".join(done.stdout.split())
