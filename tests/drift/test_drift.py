"""Drift: shapes, differences, and captures checked against the profile."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.cli.app import main
from chatcontract.contract import load_profile
from chatcontract.drift import ChangeKind, compare, diff_shapes, load_capture, shape_of
from chatcontract.errors import UsageError
from chatcontract.redact import shape_of_body
from chatcontract.sim import serve

BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def _write(tmp_path: Path, name: str, doc: object) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("after", "kind", "path"),
    [
        pytest.param({**BODY, "usage": None}, ChangeKind.TYPE_CHANGED, "$.usage", id="usage-null"),
        pytest.param({k: v for k, v in BODY.items() if k != "usage"}, ChangeKind.REMOVED, "$.usage", id="usage-gone"),
        pytest.param({**BODY, "service_tier": "default"}, ChangeKind.ADDED, "$.service_tier", id="field-added"),
        pytest.param({**BODY, "created": "1"}, ChangeKind.TYPE_CHANGED, "$.created", id="created-string"),
    ],
)
def test_diff_finds_each_change(after: dict[str, object], kind: ChangeKind, path: str) -> None:
    changes = diff_shapes(shape_of(BODY), shape_of(after))
    assert [(c.kind, c.path) for c in changes] == [(kind, path)]


def test_same_shape_has_no_changes_and_fixture_text_counts_as_string() -> None:
    assert diff_shapes(shape_of(BODY), shape_of(shape_of_body(BODY))) == []


def test_missing_choices_is_breaking_against_baseline_and_profile(tmp_path: Path) -> None:
    profile = load_profile("openai")
    base = load_capture(_write(tmp_path, "a.json", BODY))
    cur = load_capture(_write(tmp_path, "b.json", {k: v for k, v in BODY.items() if k != "choices"}))
    report = compare(cur, profile, base)
    assert report.has_breaking
    assert "$.choices" in report.missing_required
    assert [c.path for c in report.breaking] == ["$.choices"]
    extra = load_capture(_write(tmp_path, "c.json", {**BODY, "extra": 1}))
    ok = compare(extra, profile, base)
    assert not ok.has_breaking
    assert [c.kind for c in ok.changes] == [ChangeKind.ADDED]


def test_live_simulator_captures_have_no_drift_from_each_other(tmp_path: Path) -> None:
    with serve(api_key="sk-drift-test-0001") as sim:
        headers = {"Authorization": f"Bearer {sim.api_key}"}
        req = {"model": "sim-ok", "messages": [{"role": "user", "content": "hi"}]}
        plain = httpx.post(f"{sim.base_url}/chat/completions", json=req, headers=headers, timeout=10, verify=TLS)
        streamed = httpx.post(
            f"{sim.base_url}/chat/completions",
            json={**req, "stream": True, "stream_options": {"include_usage": True}},
            headers=headers,
            timeout=10, verify=TLS,
        )
        cut = httpx.post(
            f"{sim.base_url}/chat/completions", json={**req, "model": "sim-no-choices"}, headers=headers, timeout=10,
            verify=TLS,
        )
    profile = load_profile("cometapi")
    a = load_capture(_write(tmp_path, "a.json", plain.text))
    b = load_capture(_write(tmp_path, "b.json", shape_of_body(plain.json())))
    assert not compare(b, profile, a).has_breaking
    s = load_capture(_write(tmp_path, "s.sse", streamed.text))
    assert s.kind == "stream"
    assert s.documents > 3
    assert compare(s, profile).missing_required == []
    broken = load_capture(_write(tmp_path, "n.json", cut.text))
    assert compare(broken, profile, a).has_breaking


def test_bad_lines_are_counted_not_dropped(tmp_path: Path) -> None:
    text = "data: " + json.dumps({**BODY, "object": "chat.completion.chunk"}) + "\n\ndata: {truncated\n\ndata: [DONE]\n"
    cap = load_capture(_write(tmp_path, "x.sse", text))
    assert cap.documents == 1
    assert cap.bad_lines == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", id="binary"),
        pytest.param(b"", id="empty"),
        pytest.param(b"not json at all\n", id="prose"),
    ],
)
def test_bad_capture_is_a_usage_error(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "bad"
    p.write_bytes(content)
    with pytest.raises(UsageError):
        load_capture(p)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.json", BODY)
    bad = _write(tmp_path, "bad.json", {k: v for k, v in BODY.items() if k != "choices"})
    for argv, code in (
        (["drift", str(good)], 0),
        (["drift", str(bad), "--baseline", str(good)], 1),
        (["drift", str(tmp_path / "missing.json")], 2),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == code, argv
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "missing.json: no such file" in err


CHUNK = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def _sse(*, finish: bool, done: bool, chunks: int = 3) -> str:
    lines = [{**CHUNK, "choices": [{"index": 0, "delta": {"content": "w"}, "finish_reason": None}]}] * chunks
    if finish:
        lines.append({**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in lines)
    return text + ("data: [DONE]\n\n" if done else "")


@pytest.mark.parametrize(
    ("finish", "done", "problems"),
    [
        pytest.param(True, True, [], id="complete"),
        pytest.param(False, False, ["without a finish_reason", "no data: [DONE]"], id="cut"),
        pytest.param(False, True, ["without a finish_reason"], id="done-but-no-finish"),
        pytest.param(True, False, ["no data: [DONE]"], id="finish-but-no-done"),
    ],
)
def test_stream_end_is_breaking_drift(tmp_path: Path, finish: bool, done: bool, problems: list[str]) -> None:
    profile = load_profile("cometapi")
    complete = load_capture(_write(tmp_path, "base.sse", _sse(finish=True, done=True)))
    current = load_capture(_write(tmp_path, "cur.sse", _sse(finish=finish, done=done)))
    for report in (compare(current, profile), compare(current, profile, complete)):
        assert len(report.stream_end) == len(problems)
        for text, expected in zip(report.stream_end, problems, strict=True):
            assert expected in text
        assert report.has_breaking is bool(problems)
        assert report.to_dict()["breaking"] is bool(problems)


def test_cut_stream_cli_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut = _write(tmp_path, "cut.sse", _sse(finish=False, done=False, chunks=41))
    with pytest.raises(SystemExit) as exc:
        main(["drift", str(cut)])
    assert exc.value.code == 1
    assert "BREAKING  stream end: the stream ended without a finish_reason" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param(json.dumps({"schema_version": 1, "request_id": "r1", "started_at": "2026-11-22T14:00:00Z",
                                 "http_method": "POST", "route_template": "/v1/chat/completions", "model": "m",
                                 "attempt_number": 1}) + "\n", "an attempts log", id="attempts-log"),
        pytest.param(json.dumps({"log": {"version": "1.2", "entries": []}}), "a HAR capture", id="har"),
        pytest.param(json.dumps({"resourceSpans": []}), "an OTLP trace", id="otlp"),
        pytest.param(json.dumps({"ts": 1, "status": 200}) + "\n" + json.dumps({"ts": 2, "status": 500}) + "\n",
                     "no chat response", id="other-json-lines"),
    ],
)
def test_non_captures_are_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                              says: str) -> None:
    path = _write(tmp_path, "not-a-capture.jsonl", text)
    with pytest.raises(SystemExit) as exc:
        main(["drift", str(path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert says in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
