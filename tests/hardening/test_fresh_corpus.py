"""The fresh secret corpus, planted everywhere a secret turns up, leaks 0 times.

Placements: the caller's key echoed by an upstream (answers, streams, error bodies), base URLs
(userinfo, query, path), a packet's meta file, gateway logs, the simulator's admin log, reprs;
observed on stdout, stderr, reports, the evidence store's files. The clean corpus is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chatcontract.cli.app import main
from chatcontract.client import Client
from chatcontract.record import AttemptRecord
from chatcontract.redact import forget_secrets, redact, redact_free_text, url_for_message
from chatcontract.sim import serve

from .echo_upstream import echo_upstream
from .fresh_corpus import ERROR_BODY_TEMPLATES, FORMATS, LOG_TEMPLATES, clean_corpus, leak_core, make_secrets, url_safe

SECRETS = make_secrets()
HEADER_SAFE = {name for name, value in SECRETS.items() if all("!" <= ch <= "~" for ch in value)}


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with echo_upstream() as base_url:
        yield base_url


@pytest.fixture(scope="module")
def admin_sim() -> Iterator[httpx.Client]:
    """One simulator with its admin routes for every format (reset before each: the log is one format's),
    and one client for it (a client per request would load the CA bundle each time)."""
    auth = {"Authorization": "Bearer sk-sim-admin-1"}
    with serve(api_key="sk-sim-admin-1", admin=True) as sim, httpx.Client(
        base_url=sim.base_url.removesuffix("/v1"), headers=auth
    ) as client:
        yield client


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """stdout + stderr of ``chatcontract ARGS`` in this process (any exit code)."""
    with pytest.raises(SystemExit):
        main(args)
    out, err = capsys.readouterr()
    return out + err


def _key_placements(name: str, echo: str, tmp: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The caller's own key, echoed back by the upstream; seen on screen, in the store, a packet."""
    key_file = tmp / "key.txt"
    key_file.write_text(SECRETS[name] + "\n")
    store = tmp / "evidence.sqlite"
    target = ["--base-url", echo, "--api-key-file", str(key_file)]
    seen = {
        f"answer-{mode}-{model}": _run(["call", *target, "--model", model, *flags], capsys)
        for mode, flags in (("json", ["--json"]), ("text", []))
        for model in ("echo-ok", "echo-401", "echo-500")
    }
    seen["answer-stream"] = _run(["call", *target, "--model", "echo-stream", "--stream"], capsys)
    seen["repro"] = _run(
        ["repro", "--incident", "INC-9", "--class", "auth", "--attempts", "1", "--model", "echo-401",
         "--store", str(store), *target],
        capsys,
    )
    meta = tmp / "meta.yaml"
    meta.write_text(json.dumps({"mitigation": f"rotated {SECRETS[name]} at 10:00", "title": "echo"}))
    seen["packet"] = _run(["packet", "INC-9", "--store", str(store), "--meta", str(meta), "--format", "json"], capsys)
    seen["store"] = b"".join(p.read_bytes() for p in tmp.glob("evidence.sqlite*")).decode("latin-1")
    return seen


def _url_placements(name: str, echo: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    value = SECRETS[name]
    host = echo.removeprefix("http://").removesuffix("/v1")
    urls = {"userinfo": f"http://svc:{value}@{host}/v1"}
    if url_safe(name):
        urls |= {"query": f"{echo}?key={value}", "path": f"{echo}/{value}"}
    seen: dict[str, str] = {}
    for where, url in urls.items():
        for command in ("call", "repro"):
            extra = ["--incident", "INC-1", "--class", "auth", "--attempts", "1"] if command == "repro" else []
            seen[f"base-url-{where}-{command}"] = _run([command, "--base-url", url, "--model", "echo-ok",
                                                        "--json", *extra], capsys)
        seen[f"repr-{where}"] = repr(Client(base_url=url, api_key="sk-test-unrelated-123"))
        seen[f"message-{where}"] = url_for_message(url)
    return seen


def _text_placements(name: str, tmp: Path, sim: httpx.Client, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """A third party's secret (not ours): error bodies, gateway logs, the simulator's admin log."""
    value = SECRETS[name]
    seen = {f"error-body-{i}": redact_free_text(t.format(s=value)) for i, t in enumerate(ERROR_BODY_TEMPLATES)}
    log = tmp / "access.log"
    log.write_text(LOG_TEMPLATES[1].format(s=value) + "\n")
    seen["review-nginx"] = _run(["review", str(log), "--reader", "nginx"], capsys)
    seen["log-json-error-summary"] = AttemptRecord(error_summary=LOG_TEMPLATES[0].format(s=value)).error_summary or ""
    assert sim.post("/_sim/reset").status_code == 200
    path = f"/v1/{value}/chat/completions" if url_safe(name) else "/v1/chat/completions"
    sim.post(path, json={"model": value, "messages": []})
    seen["sim-admin-log"] = log = sim.get("/_sim/attempts").text
    assert len(json.loads(log)) == 1, log  # this format's request alone
    return seen


@pytest.mark.parametrize("name", [f.name for f in FORMATS])
def test_fresh_format_leaks_nowhere(
    name: str, echo: str, admin_sim: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _text_placements(name, tmp_path, admin_sim, capsys) | _url_placements(name, echo, capsys)
    forget_secrets()  # the key placements below must not be helped by what the others remembered
    if name in HEADER_SAFE:
        seen |= _key_placements(name, echo, tmp_path, capsys)
    core = leak_core(name, SECRETS[name])
    leaks = sorted(where for where, text in seen.items() if core in text)
    assert leaks == []


def test_corpus_is_broad() -> None:
    assert len(FORMATS) >= 30
    assert len(HEADER_SAFE) >= 30


@pytest.mark.parametrize("text", clean_corpus())
def test_clean_corpus_is_unchanged(text: str) -> None:
    assert redact(text) == text
    assert redact_free_text(text) == text
