"""Lint: claim corpora (precision and recall), secrets, file handling and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatcontract.cli.app import main
from chatcontract.errors import UsageError
from chatcontract.evidence.claims import claims_in, split_sentences
from chatcontract.evidence.lint import lint_files, lint_text

CORPUS = Path(__file__).parent / "corpus"


def _sentences(name: str) -> list[str]:
    lines = (CORPUS / name).read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_corpus_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    bad, ok = _sentences("claims_bad.txt"), _sentences("claims_ok.txt")
    assert len(bad) >= 30
    assert len(ok) >= 30
    true_pos = sum(bool(lint_text(s)) for s in bad)
    false_pos = sum(bool(lint_text(s)) for s in ok)
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / len(bad)
    with capsys.disabled():
        print(f"\nlint corpus: {len(bad)} bad, {len(ok)} ok; precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9
    assert recall >= 0.9


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        pytest.param("The provider was down all afternoon.", "provider_down", id="down"),
        pytest.param("The API changed its error format.", "api_changed", id="api-changed"),
        pytest.param("The model failed.", "model_failed", id="model-failed"),
        pytest.param("CometAPI allows 60 requests per minute.", "rate_limit", id="rate"),
        pytest.param("This affected all customers.", "overbroad_scope", id="scope"),
        pytest.param("Our plan includes 1M tokens.", "account_state", id="plan"),
        pytest.param("The endpoint is deprecated.", "deprecation", id="deprecation"),
    ],
)
def test_each_family_fires(sentence: str, family: str) -> None:
    assert family in {h.family for h in claims_in(sentence)}


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("The provider was down, per https://status.example.com.", id="url"),
        pytest.param("We did not verify whether the provider was down.", id="disclaimer"),
        pytest.param("Was the provider down between 14:08 and 14:15 UTC?", id="question"),
        pytest.param("We measured p95 latency of 2.1 s over 40 attempts.", id="measurement"),
        pytest.param('The body said "model is deprecated" on 3 of 3 attempts.', id="quoted"),
        pytest.param("We saw 20 of 20 requests return 503 Service Unavailable.", id="reason-phrase"),
    ],
)
def test_acceptable_forms(sentence: str) -> None:
    assert claims_in(sentence) == []


def test_disclaimer_covers_only_its_clause() -> None:
    hits = claims_in("We did not verify pricing, but the provider was down.")
    assert [h.family for h in hits] == ["provider_down"]


def test_sentences_wrap_lines_and_keep_line_numbers() -> None:
    text = "# Notes\n\nAll good here. And then\nthe provider was down.\n"
    findings = lint_text(text, "n.md")
    assert [(f.line, f.rule) for f in findings] == [(4, "provider_down")]
    assert [s for _, s in split_sentences("See e.g. the log. Next one.")] == [
        "See e.g. the log.",
        "Next one.",
    ]


def test_secret_is_reported_not_echoed(tmp_path: Path) -> None:
    key = "sk-" + "A1b2C3d4" * 4
    path = tmp_path / "n.md"
    path.write_text(f"line one\nkey {key}\n")
    findings = lint_files([path])
    assert [(f.line, f.kind) for f in findings] == [(2, "secret")]
    assert key not in findings[0].format()


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean.md"
    clean.write_text("We observed 3 of 3 attempts return 503.\n")
    dirty = tmp_path / "dirty.yaml"
    dirty.write_text("summary: The provider was down.\n")
    with pytest.raises(SystemExit) as info:
        main(["lint", str(clean)])
    assert info.value.code == 0
    with pytest.raises(SystemExit) as info:
        main(["lint", str(clean), str(dirty), "--json"])
    assert info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out[0]["path"] == str(dirty)
    assert out[0]["line"] == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("missing.md", None, "no such file", id="missing"),
        pytest.param("blob.txt", b"\x00\x01\x02binary", "binary file", id="binary"),
        pytest.param("bad.json", b"{not json", "not valid JSON", id="bad-json"),
        pytest.param("bad.yaml", b"a: [1, 2", "not valid YAML", id="bad-yaml"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        lint_files([path])
    with pytest.raises(SystemExit) as info:
        main(["lint", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chatcontract: error:")
    assert "\n" not in err


def test_credential_source_names_are_not_secrets() -> None:
    text = '{"credential_used": "env:COMETAPI_API_KEY", "api_key": "Zx81kQ2mLp0vRt7yWc4nBd6s"}\n'
    findings = lint_text(text, "note.json")
    assert [f.kind for f in findings] == ["secret"]
    assert "COMETAPI" not in findings[0].phrase


def test_html_pages_lint_their_prose_not_their_charts(tmp_path: Path) -> None:
    key = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8"
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><style>p { margin: 0 }</style></head><body>\n"
        '<svg viewBox="0 0 10 10"><path d="M 123 456 7890 L 555 123 4567 Z"/></svg>\n'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"/>\n'
        "<p>We observed 12 of 20 requests return 503 between 14:08 and 14:15 UTC.</p>\n"
        "<p>The provider was down for everyone.</p>\n"
        f'<a href="https://example.test/v1?api_key={key}">link</a>\n'
        "</body></html>\n",
        encoding="utf-8",
    )
    found = lint_files([page])
    assert {f.line for f in found} == {5, 6}  # the claim and the key; nothing from the chart or image
    assert all(key not in f.format() for f in found)
