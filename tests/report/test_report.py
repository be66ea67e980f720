"""The shared renderers: self-contained HTML, inline charts, Markdown, JUnit, redacted curl."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from chatcontract.report.charts import bar_chart_png_data_uri, bar_chart_svg
from chatcontract.report.curl import curl_command
from chatcontract.report.junit import JUnitCase, junit_xml
from chatcontract.report.markdown import md_code, md_table
from chatcontract.report.page import Section, render_page
from chatcontract.report.terminal import rich_table

KEY = "sk-probe-test-0123456789abcdefABCDEF"
AUTH = '-H "Authorization: Bearer $COMETAPI_API_KEY"'


def test_page_escapes_text_and_keeps_trusted_html() -> None:
    html = render_page(
        "Run <1>",
        [
            Section(
                "Cases",
                header=["name", "result"],
                rows=[["<script>x</script>", "fail"]],
                html="<svg id='c'></svg>",
                pre=["curl 'a' & b"],
            )
        ],
        meta=[("target", "http://127.0.0.1:1/v1")],
    )
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<svg id='c'></svg>" in html
    assert 'class="badge badge-fail"' in html
    assert "curl &#39;a&#39; &amp; b" in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)


def test_importing_report_does_not_import_matplotlib() -> None:
    code = (
        "import chatcontract.report, chatcontract.report.charts, sys; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_svg_chart_is_inline_and_has_labels() -> None:
    svg = bar_chart_svg(["happy", "stream", "<b>&"], [12.5, None, 3.0], title="latency", colors=["#1", "#2", "#3"])
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "DOCTYPE" not in svg
    assert not re.search(r"""(?:src|href)=["']https?://""", svg)
    assert ">happy<" in svg
    assert ">12.5<" in svg
    assert ">n/a<" in svg
    assert "&lt;b&gt;&amp;" in svg
    assert "<b>" not in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[1] == 0.0
    assert widths[0] == pytest.approx(widths[2] * 12.5 / 3.0, abs=0.5)  # one decimal in the markup
    assert re.findall(r'fill="(#\d)"', svg) == ["#1", "#2", "#3"]


def test_svg_chart_needs_no_matplotlib() -> None:
    code = (
        "import sys\n"
        "from chatcontract.report.charts import bar_chart_svg\n"
        "bar_chart_svg(['a'], [1.0])\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_png_chart_is_a_data_uri() -> None:
    uri = bar_chart_png_data_uri(["a"], [1.0])
    assert uri.startswith("data:image/png;base64,iVBOR")


def test_markdown_table_escapes_pipes_and_newlines() -> None:
    table = md_table(["a", "b"], [["x|y", "1\n2"], ["short"]])
    lines = table.splitlines()
    assert lines[2] == "| x\\|y | 1<br>2 |"
    assert lines[3] == "| short |  |"
    with pytest.raises(ValueError, match="3 cells"):
        md_table(["a", "b"], [[1, 2, 3]])
    assert md_code("a ``` b").startswith("````")


def test_junit_counts_and_escapes() -> None:
    doc = junit_xml(
        "probe",
        [
            JUnitCase("happy", "pass", time_s=0.1),
            JUnitCase("stream", "fail", message="no <finish_reason>", details="a\x00b"),
            JUnitCase("oversized", "inconclusive", message="budget spent"),
        ],
    )
    root = ET.fromstring(doc.split("\n", 1)[1])  # noqa: S314 - our own output
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    failure = suite.find("testcase[@name='stream']/failure")
    assert failure is not None
    assert failure.get("message") == "no <finish_reason>"
    assert failure.text == "ab"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"Authorization": f"Bearer {KEY}"}, AUTH, id="bearer"),
        pytest.param({"x-api-key": KEY}, '-H "x-api-key: $COMETAPI_API_KEY"', id="api-key-header"),
        pytest.param({"Authorization": KEY}, AUTH, id="no-scheme"),
    ],
)
def test_curl_never_shows_the_key(headers: dict[str, str], expected: str) -> None:
    cmd = curl_command(
        "post",
        "https://u:p@api.example/v1/chat/completions?key=abc",
        headers,
        {"model": "m", "messages": [], "note": KEY},
        secret=KEY,
    )
    assert KEY not in cmd
    assert expected in cmd
    assert "u:p@" not in cmd
    argv = shlex.split(cmd.replace("\\\n", " "))
    assert argv[:5] == ["curl", "-sS", "-i", "-X", "POST"]
    body = json.loads(argv[argv.index("-d") + 1])
    assert body["model"] == "m"


def test_curl_without_body_or_headers() -> None:
    assert curl_command("GET", "http://127.0.0.1:9/v1/models") == (
        "curl -sS -i -X GET http://127.0.0.1:9/v1/models"
    )


def test_rich_table_renders_literal_cells() -> None:
    from rich.console import Console

    console = Console(record=True, width=80)
    console.print(rich_table("t", ["name", "result"], [["[bold]x[/bold]", "pass"]]))
    text = console.export_text()
    assert "[bold]x[/bold]" in text
    assert "pass" in text


def test_curl_for_a_stream_does_not_buffer() -> None:
    cmd = curl_command("POST", "http://h/v1/chat/completions", {"Accept": "text/event-stream"}, b"{}")
    assert cmd.startswith("curl -sS -i -N -X POST")
