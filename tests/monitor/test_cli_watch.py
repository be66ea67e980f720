"""``chatcontract watch`` end to end in a real process (the one real-time test), and its bad input."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.loopback import TLS

from chatcontract.cli.app import main
from chatcontract.evidence.store import open_store

LINE_WAIT_S = 30.0

KEY = "sk-watch-admin-test-4711"  # the embedded simulator key, so the test may switch it


class Lines:
    """A process's stdout lines, read on a thread so every wait is bounded."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        self._stream = proc.stdout
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._stream:
            self._queue.put(line)
        self._queue.put("")  # end of output

    def next(self) -> str:
        line = self._queue.get(timeout=LINE_WAIT_S)
        if not line:
            raise EOFError("the process closed its output")
        self.seen.append(line)
        return line

    def rest(self) -> list[str]:
        """Every line still to come, up to the end of output."""
        lines: list[str] = []
        while True:
            try:
                lines.append(self.next())
            except EOFError:
                return lines

    def until(self, event: str, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + LINE_WAIT_S
        while time.monotonic() < deadline:
            doc = json.loads(self.next())
            if doc["event"] == event and all(doc.get(k) == v for k, v in match.items()):
                return doc
        raise AssertionError(f"no {event} line in {LINE_WAIT_S} s: {self.seen[-5:]}")


def _scrape(url: str) -> dict[str, float]:
    response = httpx.get(url, trust_env=False, timeout=5.0, verify=TLS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = text_string_to_metric_families(response.text)
    return {f"{s.name}{sorted(s.labels.items())}": s.value for f in families for s in f.samples}


def test_watch_serves_metrics_flips_state_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The done-when, in one process: URL first, a parseable scrape, a flip on a fault, SIGTERM."""
    store = tmp_path / "store.sqlite3"
    env = {**os.environ, "CHATCONTRACT_STORE": str(store), "HOME": str(tmp_path), "CHATCONTRACT_SIM_API_KEY": KEY}
    env.pop("COMETAPI_BASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatcontract.cli.app", "watch", "--every", "2s", "--metrics-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        lines = Lines(proc)
        url = lines.next().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/metrics")
        started = lines.until("started")
        lines.until("run", state="pass")
        samples = _scrape(url)
        happy_pass = "chatcontract_case_result[('case', 'happy'), ('result', 'pass'), ('target', 'embedded-sim')]"
        assert samples[happy_pass] == 1
        assert httpx.get(url.replace("/metrics", "/healthz"), trust_env=False, verify=TLS).status_code == 200
        admin = {"Authorization": f"Bearer {KEY}"}  # the admin routes require the simulator's key
        switched = httpx.put(started["sim_switch_url"], json={"behaves_as": "sim-503"}, headers=admin, trust_env=False,
                             verify=TLS)
        switched.raise_for_status()
        change = lines.until("state_change")
        assert (change["from"], change["to"]) == ("pass", "fail")
        assert {a["http_status"] for a in change["attempts"]} == {503}
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)  # a hang bound only: the stop time is the process's own measure below
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    lines.rest()
    rest = [json.loads(line) for line in lines.seen[1:]]
    assert rest[-1]["event"] == "stopped"
    assert rest[-1]["stop_s"] < 1.0  # from the signal's arrival to the loop's end, on the watch's own clock
    requests = sum(e["requests"] for e in rest if e["event"] == "run")
    with open_store(store, readonly=True) as opened:
        assert opened.count_attempts(incident_id="watch-embedded-sim") == requests  # nothing lost


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--every", "fast"], "--every", id="bad-every"),
        pytest.param(["--every", "0s"], "at least", id="zero-every"),
        pytest.param(["--budget-per-hour", "1"], "worst case", id="budget-below-one-run"),
        pytest.param(["--negatives", "--negatives-every", "soon"], "--negatives-every", id="bad-negatives-every"),
        pytest.param(["--incident", "no spaces allowed"], "incident", id="bad-incident"),
    ],
)
def test_bad_input_is_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["watch", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_max_runs_exits_with_the_last_state(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATCONTRACT_STORE", str(tmp_path / "s.sqlite3"))
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["watch", "--every", "1s", "--max-runs", "1", "--alias", "ci"])
    assert exc.value.code == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in events] == ["started", "run", "stopped"]
    assert events[0]["incident_id"] == "watch-ci"


@pytest.mark.postgres
def test_watch_writes_to_a_postgresql_store_named_by_url(
    pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--store postgresql://...`` reaches the store as a URL (not a mangled path); no password printed."""
    from chatcontract.cli.app import main

    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["watch", "--every", "1s", "--max-runs", "1", "--store", pg_url])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    password = pg_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in out + err
    with open_store(pg_url, readonly=True) as opened:
        assert opened.count_attempts(incident_id="watch-embedded-sim") >= 1


def test_a_restarted_watch_resumes_the_hours_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two starts on one store: the second counts what the first spent in the last hour."""
    monkeypatch.setenv("CHATCONTRACT_STORE", str(tmp_path / "s.sqlite3"))
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    starts, spent = [], []
    for _ in range(2):
        with pytest.raises(SystemExit):
            main(["watch", "--every", "1s", "--max-runs", "1", "--budget-per-hour", "40", "--json"])
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        starts.append(next(e for e in events if e["event"] == "started"))
        spent.append(next(e for e in events if e["event"] == "run")["requests"])
    assert starts[0]["carried_requests"] == 0
    assert starts[1]["carried_requests"] == spent[0]
